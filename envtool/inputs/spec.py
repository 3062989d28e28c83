"""Environment specs: conda's ``environment.yml`` format, read strictly and composed.

A spec has ``name``, ``channels``, ``dependencies`` (conda match specs and one
``pip:`` list) and ``variables``. ``prefix`` (written by ``conda env export``)
is accepted and ignored. Any other key is an error naming the key and file.

Several specs compose into one (a shared base plus an overlay such as ``gpu``):
the last ``name`` wins, channels are an ordered union, and a dependency of the
same package name (conda or pip) in a later spec replaces the earlier one.

>>> import pathlib
>>> d = pathlib.Path(tmp)  # a fresh folder the test run provides (tests/conftest.py)
>>> _ = (d / "base.yml").write_text(
...     "name: tf\\nchannels: [conda-forge]\\ndependencies:\\n  - python=3.9\\n  - numpy<2\\n"
...     "  - pip:\\n    - requests==2.*\\n")
>>> _ = (d / "gpu.yml").write_text("dependencies:\\n  - cudatoolkit=11.2\\n  - numpy=1.23\\n"
...     "variables:\\n  TF_CPP_MIN_LOG_LEVEL: '1'\\n")
>>> spec = compose([load(d / "base.yml"), load(d / "gpu.yml")])
>>> [dep.text for dep in spec.conda]
['python=3.9', 'numpy=1.23', 'cudatoolkit=11.2']
>>> [dep.text for dep in spec.pip], dict(spec.variables)
(['requests==2.*'], {'TF_CPP_MIN_LOG_LEVEL': '1'})
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envtool.errors import SpecError
from envtool.yamlio import load_mapping, where

ALLOWED_KEYS = ("name", "channels", "dependencies", "variables", "prefix")
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


@dataclass(frozen=True)
class Dependency:
    """One requested package: its text as written and where it was written."""

    text: str
    origin: str  # "file:line", for error messages

    @property
    def name(self) -> str:
        """The package name the dependency is about, lower-cased (``numpy`` for ``numpy>=1.20``)."""
        text = self.text.split("::", 1)[-1]
        match = _NAME_RE.match(text)
        return match.group(1).lower().replace("_", "-") if match else text.strip().lower()


@dataclass(frozen=True)
class EnvSpec:
    """A parsed (possibly composed) environment spec."""

    name: str
    channels: tuple[str, ...]
    conda: tuple[Dependency, ...]
    pip: tuple[Dependency, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    sources: tuple[Path, ...] = ()

    def canonical(self) -> dict[str, Any]:
        """A JSON-able form of what matters for solving (positions and comments dropped)."""
        return {
            "name": self.name,
            "channels": list(self.channels),
            "conda": [dep.text for dep in self.conda],
            "pip": [dep.text for dep in self.pip],
            "variables": dict(sorted(self.variables.items())),
        }


def load(path: Path) -> EnvSpec:
    """Read one ``environment.yml``; raise :class:`SpecError` with file and line on bad input."""
    data = load_mapping(path, error=SpecError)
    for key in data:
        if key not in ALLOWED_KEYS:
            hint = (
                "platforms are declared per target in environments/targets.yml"
                if key == "platforms"
                else f"allowed keys: {', '.join(ALLOWED_KEYS)}"
            )
            raise SpecError(where(path, data, key), f"unknown key {key!r}", hint)
    name = data.get("name") or ""
    if not isinstance(name, str):
        raise SpecError(where(path, data, "name"), f"name must be a string, got {name!r}", "write 'name: myenv'")
    channels = _string_list(path, data, "channels")
    conda, pip = _dependencies(path, data)
    variables = _variables(path, data)
    return EnvSpec(name, tuple(channels), tuple(conda), tuple(pip), variables, (path,))


def compose(specs: Iterable[EnvSpec]) -> EnvSpec:
    """Compose specs in order: later names, dependencies and variables override earlier ones."""
    name = ""
    channels: list[str] = []
    conda: dict[str, Dependency] = {}
    pip: dict[str, Dependency] = {}
    variables: dict[str, str] = {}
    sources: list[Path] = []
    for spec in specs:
        name = spec.name or name
        channels.extend(c for c in spec.channels if c not in channels)
        for dep in spec.conda:
            conda[dep.name] = dep
        for dep in spec.pip:
            pip[dep.name] = dep
        variables.update(spec.variables)
        sources.extend(spec.sources)
    return EnvSpec(name, tuple(channels), tuple(conda.values()), tuple(pip.values()), variables, tuple(sources))


def _string_list(path: Path, data: Any, key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SpecError(
            where(path, data, key), f"{key} must be a list of strings, got {_short(value)}", f"write '{key}: [a, b]'"
        )
    return [v.strip() for v in value]


def _dependencies(path: Path, data: Any) -> tuple[list[Dependency], list[Dependency]]:
    deps = data.get("dependencies") or []
    if not isinstance(deps, list):
        raise SpecError(
            where(path, data, "dependencies"),
            f"dependencies must be a list, got {_short(deps)}",
            "write one '- spec' per line",
        )
    conda: list[Dependency] = []
    pip: list[Dependency] = []
    for index, item in enumerate(deps):
        here = where(path, deps, index)
        if isinstance(item, str) and item.strip():
            conda.append(Dependency(item.strip(), here))
        elif isinstance(item, dict) and list(item) == ["pip"] and isinstance(item["pip"], list):
            for j, req in enumerate(item["pip"]):
                if not isinstance(req, str) or not req.strip():
                    raise SpecError(
                        where(path, item["pip"], j),
                        f"pip requirement must be a string, got {_short(req)}",
                        "write '- package==1.0'",
                    )
                pip.append(Dependency(req.strip(), where(path, item["pip"], j)))
        else:
            raise SpecError(
                here,
                f"dependency must be a match spec string or a 'pip:' list, got {_short(item)}",
                "write '- name=version' or '- pip: [...]'",
            )
    return conda, pip


def _variables(path: Path, data: Any) -> dict[str, str]:
    raw = data.get("variables") or {}
    if not isinstance(raw, dict):
        raise SpecError(
            where(path, data, "variables"),
            f"variables must be a mapping, got {_short(raw)}",
            "write 'variables: {NAME: value}'",
        )
    out: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise SpecError(where(path, raw, key), f"invalid variable name {key!r}", "use letters, digits and '_'")
        if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
            raise SpecError(
                where(path, raw, key),
                f"variable {key} must be a string or number, got {_short(value)}",
                "quote the value",
            )
        out[key] = str(value)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
