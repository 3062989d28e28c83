"""One locked project over :func:`tests.projects.tf_channel`, shared by the doctor and run tests (read only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.projects import locked_tf_project


@pytest.fixture(scope="session")
def locked_tf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a ``cpu`` and a ``gpu`` target (``__cuda=11.2.2``), locked."""
    return locked_tf_project(tmp_path_factory.mktemp("locked-tf"))
