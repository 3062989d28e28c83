"""Which environment and which lock: target names, prefixes, --python."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from envtool.bench.target import label_for_python, resolve_python
from envtool.env.locate import default_prefix
from envtool.errors import ConfigError


def test_target_name_resolves_to_the_create_default_prefix(tmp_path: Path) -> None:
    prefix = default_prefix("linux-cpu", tmp_path)
    assert prefix == tmp_path / ".envtool" / "envs" / "linux-cpu"
    with pytest.raises(ConfigError, match="run `envtool create linux-cpu`"):
        resolve_python("linux-cpu", None, tmp_path)
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").symlink_to(sys.executable)
    assert resolve_python("linux-cpu", None, tmp_path) == (prefix / "bin" / "python")
    assert resolve_python(str(prefix), None, tmp_path) == prefix / "bin" / "python"
    assert label_for_python(prefix / "bin" / "python") == "linux-cpu"


def test_bad_environment_requests() -> None:
    with pytest.raises(ConfigError, match="no environment given"):
        resolve_python(None, None, Path.cwd())
    with pytest.raises(ConfigError, match="both TARGET and --python"):
        resolve_python("x", Path(sys.executable), Path.cwd())
    with pytest.raises(ConfigError, match="no executable Python"):
        resolve_python(None, Path("/nonexistent/python"), Path.cwd())
