"""Reading YAML files with line numbers in every error.

A thin adapter over ruamel.yaml's round-trip loader: it keeps positions, so a
bad value can be reported as ``file:line``.

>>> import pathlib
>>> p = pathlib.Path(tmp) / "x.yml"  # tmp: a fresh folder the test run provides (tests/conftest.py)
>>> _ = p.write_text("a: 1\\nb: [2, 3]\\n")
>>> load_mapping(p, error=ValueError)["b"]
[2, 3]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from envtool.errors import EnvtoolError


def load_mapping(path: Path, *, error: type[Exception] = EnvtoolError) -> Any:
    """Load ``path`` as a YAML mapping, raising ``error`` (an EnvtoolError subclass) on failure."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _make(error, str(path), "file not found", "create it or fix the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _make(error, str(path), f"cannot read: {exc}", "check the file") from None
    try:
        data = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise _make(error, f"{path}{line}", f"malformed YAML ({problem})", "fix the syntax") from None
    except YAMLError as exc:
        raise _make(error, str(path), f"malformed YAML ({exc})", "fix the syntax") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise _make(error, str(path), "top level is not a mapping", "write 'key: value' pairs")
    return data


def line_of(node: Any, key: Any) -> int | None:
    """The 1-based line of ``key`` in a round-trip mapping or of item ``key`` in a sequence."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if isinstance(node, dict):
            return int(lc.key(key)[0]) + 1
        return int(lc.item(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def where(path: Path, node: Any, key: Any) -> str:
    """``path:line`` for ``key`` inside ``node`` (just ``path`` when the line is unknown)."""
    line = line_of(node, key)
    return f"{path}:{line}" if line is not None else str(path)


def _make(error: type[Exception], where_: str, what: str, fix: str) -> Exception:
    if issubclass(error, EnvtoolError):
        return error(where_, what, fix)
    return error(f"{where_}: {what}; {fix}")
