"""Environment specs: conda's ``environment.yml`` format, read strictly and composed.

A spec has ``name``, ``channels``, ``dependencies`` (conda match specs and one
``pip:`` list, read as pip reads a requirements file: see
:mod:`envtool.inputs.pip_section`) and ``variables``. ``prefix`` (written by
``conda env export``) is accepted and ignored. Any other key is an error naming
the key and file; conda-lock's own keys get a hint saying what to write instead.

As conda-lock does, a dependency may end in a platform selector comment
(``- pywin32  # [win]``): it then applies only to targets of those platforms.

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from envtool.errors import SpecError
from envtool.inputs.pip_section import PipLine, PipOptions, read_pip_lines
from envtool.yamlio import line_of, load_mapping, where

ALLOWED_KEYS = ("name", "channels", "dependencies", "variables", "prefix")
_NAME_RE = re.compile(r"^\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)")
_SELECTOR_RE = re.compile(r"#\s*\[([^\[\]]+)\]\s*$")
#: conda-lock's platform selectors (conda-build's, limited to platforms).
SELECTORS: dict[str, frozenset[str]] = {
    "linux-64": frozenset({"linux64", "unix", "linux"}),
    "linux-aarch64": frozenset({"aarch64", "unix", "linux"}),
    "osx-64": frozenset({"osx64", "osx", "unix"}),
    "osx-arm64": frozenset({"arm64", "osx", "unix"}),
    "win-64": frozenset({"win", "win64"}),
}
_KEY_HINTS = {
    "platforms": "platforms are declared per target in environments/targets.yml",
    "category": "envtool has no categories: put optional packages in an overlay spec and list it in the targets that want it",
    "pip-repositories": "write '--extra-index-url URL' as a line of the pip: list, as pip reads it",
    "allow-pypi-requests": "to resolve without PyPI, write '--no-index' and '--find-links DIR' in the pip: list",
}


@dataclass(frozen=True)
class Dependency:
    """One requested package: its text as written and where it was written."""

    text: str
    origin: str  # "file:line", for error messages
    selector: str | None = None  # a platform selector (``win``, ``linux64``...) limiting it
    hashes: tuple[str, ...] = ()  # ``--hash=sha256:`` values a pip line demands

    @property
    def canonical(self) -> str:
        """The text with what else was written on its line that matters (hashes, selector)."""
        text = self.text + "".join(f" --hash=sha256:{h}" for h in self.hashes)
        return f"{text}  # [{self.selector}]" if self.selector else text

    def applies_to(self, platform: str) -> bool:
        """Whether the dependency is part of ``platform``'s spec (its selector, if any, matches)."""
        return self.selector is None or self.selector in SELECTORS.get(platform, frozenset())

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
    pip_constraints: tuple[Dependency, ...] = ()
    pip_options: PipOptions = field(default_factory=PipOptions)
    included: tuple[Path, ...] = ()  # files the pip list reads in (``-r``/``-c``): inputs too

    def canonical(self) -> dict[str, Any]:
        """A JSON-able form of what matters for solving (positions and comments dropped).

        ``-r``/``-c`` files are read in, so editing one changes the spec's fingerprint.
        """
        out: dict[str, Any] = {
            "name": self.name,
            "channels": list(self.channels),
            "conda": [dep.canonical for dep in self.conda],
            "pip": [dep.canonical for dep in self.pip],
            "variables": dict(sorted(self.variables.items())),
        }
        if self.pip_constraints:
            out["pip-constraints"] = [dep.canonical for dep in self.pip_constraints]
        if self.pip_options.canonical():
            out["pip-options"] = self.pip_options.canonical()
        return out

    def for_platform(self, platform: str) -> EnvSpec:
        """The spec as a target of ``platform`` sees it: dependencies with other platforms' selectors dropped.

        A ``pip:`` list needs pip in the environment (conda's pip step runs it); when the
        conda dependencies do not name it, it is added, as conda-lock does.
        """
        conda = _last_by_name(d for d in self.conda if d.applies_to(platform))
        pip = _last_by_name(d for d in self.pip if d.applies_to(platform))
        if pip and not any(d.name == "pip" for d in conda):
            conda = (*conda, Dependency("pip", pip[0].origin))
        return replace(self, conda=conda, pip=pip)


def load(path: Path) -> EnvSpec:
    """Read one ``environment.yml``; raise :class:`SpecError` with file and line on bad input."""
    if path.suffix == ".toml" or path.name in ("meta.yaml", "meta.yml"):
        raise SpecError(
            str(path),
            "conda-lock reads pyproject.toml and meta.yaml sources; envtool reads environment.yml specs",
            "write the dependencies as an environment.yml and list that in targets.yml",
        )
    data = load_mapping(path, error=SpecError)
    for key in data:
        if key not in ALLOWED_KEYS:
            hint = _KEY_HINTS.get(key, f"allowed keys: {', '.join(ALLOWED_KEYS)}")
            raise SpecError(where(path, data, key), f"unknown key {key!r}", hint)
    name = data.get("name") or ""
    if not isinstance(name, str):
        raise SpecError(where(path, data, "name"), f"name must be a string, got {name!r}", "write 'name: myenv'")
    channels = _channels(path, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    conda, pip_lines = _dependencies(path, data, lines)
    _no_stray_selectors(path, data, lines)
    section = read_pip_lines([(d.text, d.origin) for d in pip_lines], path.parent)
    selectors = {d.origin: d.selector for d in pip_lines}
    pip = tuple(_pip_dependency(line, selectors.get(line.via)) for line in section.requirements)
    constraints = tuple(_pip_dependency(line, None) for line in section.constraints)
    variables = _variables(path, data)
    return EnvSpec(
        name, tuple(channels), tuple(conda), pip, variables, (path,), constraints, section.options, section.files
    )


def _last_by_name(deps: Iterable[Dependency]) -> tuple[Dependency, ...]:
    """One dependency per name: a later one (an overlay's, or a selected one) replaces an earlier one in place."""
    out: dict[str, Dependency] = {}
    for dep in deps:
        out[dep.name] = dep
    return tuple(out.values())


def _pip_dependency(line: PipLine, selector: str | None) -> Dependency:
    return Dependency(line.text, line.origin, selector, line.hashes)


def compose(specs: Iterable[EnvSpec]) -> EnvSpec:
    """Compose specs in order: later names, dependencies and variables override earlier ones."""
    name = ""
    channels: list[str] = []
    conda: dict[tuple[str, str | None], Dependency] = {}
    pip: dict[tuple[str, str | None], Dependency] = {}
    variables: dict[str, str] = {}
    sources: list[Path] = []
    constraints: list[Dependency] = []
    included: list[Path] = []
    options = PipOptions()
    for spec in specs:
        name = spec.name or name
        channels.extend(c for c in spec.channels if c not in channels)
        for dep in spec.conda:
            conda[(dep.name, dep.selector)] = dep
        for dep in spec.pip:
            pip[(dep.name, dep.selector)] = dep
        variables.update(spec.variables)
        sources.extend(spec.sources)
        constraints.extend(spec.pip_constraints)
        included.extend(f for f in spec.included if f not in included)
        options = options.merged(spec.pip_options)
    return EnvSpec(
        name, tuple(channels), tuple(conda.values()), tuple(pip.values()), variables, tuple(sources),
        tuple(constraints), options, tuple(included),
    )  # fmt: skip


def _string_list(path: Path, data: Any, key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SpecError(
            where(path, data, key), f"{key} must be a list of strings, got {_short(value)}", f"write '{key}: [a, b]'"
        )
    return [v.strip() for v in value]


def _channels(path: Path, data: Any) -> list[str]:
    from envtool.inputs.mirrors import SpecialChannelError, channel_url

    channels = _string_list(path, data, "channels")
    for index, channel in enumerate(channels):
        if "${" in channel:
            raise SpecError(
                where(path, data["channels"], index),
                f"environment variable in channel {channel!r}",
                "a channel is an input: give its public URL, and the authenticated one as its mirror "
                "(--mirror, ENVTOOL_MIRRORS or config.toml), which is configuration",
            )
        try:
            channel_url(channel, path.parent)
        except SpecialChannelError:
            if channel == "local":
                raise SpecError(
                    where(path, data["channels"], index),
                    "channel 'local' is conda-build's output folder on this machine",
                    "give the folder's path, or publish the packages to a channel",
                ) from None
    return channels


def _selector(path: Path, lines: list[str], node: Any, key: Any) -> str | None:
    line = line_of(node, key)
    match = _SELECTOR_RE.search(lines[line - 1]) if line is not None and line <= len(lines) else None
    if match is None:
        return None
    selector = match.group(1).strip()
    known = sorted(set().union(*SELECTORS.values()))
    if selector not in known:
        raise SpecError(
            f"{path}:{line}",
            f"unsupported selector [{selector}]",
            f"use one platform selector ({', '.join(known)}), or put the line in a per-target overlay spec",
        )
    return selector


def _no_stray_selectors(path: Path, data: Any, lines: list[str]) -> None:
    """A selector on a line that is not a dependency would silently do nothing: refuse it."""
    deps = data.get("dependencies") or []
    allowed = {line_of(deps, i) for i in range(len(deps))}
    for item in deps:
        if isinstance(item, dict) and isinstance(item.get("pip"), list):
            allowed |= {line_of(item["pip"], j) for j in range(len(item["pip"]))}
    for number, text in enumerate(lines, start=1):
        if number not in allowed and not text.lstrip().startswith("#") and _SELECTOR_RE.search(text):
            raise SpecError(
                f"{path}:{number}",
                "platform selector on a line that is not a dependency",
                "selectors apply to dependencies only; move the line into a per-target overlay spec",
            )


def _dependencies(path: Path, data: Any, lines: list[str]) -> tuple[list[Dependency], list[Dependency]]:
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
            conda.append(Dependency(item.strip(), here, _selector(path, lines, deps, index)))
        elif isinstance(item, dict) and list(item) == ["pip"] and isinstance(item["pip"], list):
            block = _selector(path, lines, deps, index)  # "- pip:  # [linux]" selects the whole list
            for j, req in enumerate(item["pip"]):
                here = where(path, item["pip"], j)
                if not isinstance(req, str) or not req.strip():
                    raise SpecError(
                        here, f"pip requirement must be a string, got {_short(req)}", "write '- package==1.0'"
                    )
                own = _selector(path, lines, item["pip"], j)
                if own and block and own != block:
                    raise SpecError(here, f"selector [{own}] inside a pip list selected [{block}]", "keep one of them")
                selector = own or block
                if selector and req.strip().startswith("-") and not req.strip().startswith(("-r", "--requirement")):
                    raise SpecError(
                        here,
                        f"selector [{selector}] on pip option {req.strip()!r}",
                        "index options apply to every platform; put per-platform ones in a per-target overlay spec",
                    )
                pip.append(Dependency(req.strip(), here, selector))
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
