"""The docstring examples clean up after themselves: each writes only into the folder it is given."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import tempfile
from pathlib import Path

import pytest

import envtool


def test_doctests_leave_nothing_in_the_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "system-tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    ran = 0
    for info in pkgutil.walk_packages(envtool.__path__, "envtool."):
        module = importlib.import_module(info.name)
        given = tmp_path / info.name
        given.mkdir()
        result = doctest.testmod(module, extraglobs={"tmp": str(given)}, report=False)
        assert result.failed == 0, info.name
        ran += result.attempted
    assert ran > 20
    assert list(scratch.iterdir()) == []
