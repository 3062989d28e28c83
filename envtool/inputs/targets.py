"""Targets: which platform, which specs and which virtual packages each lock is for.

Targets are data, declared in a small manifest, ``environments/targets.yml``::

    version: 1
    channel-priority: strict          # or "disabled"
    exclude-newer: "2023-04-30T00:00:00Z"   # cut-off date for both halves
    pypi:                             # optional settings for the pip half
      index-url: https://pypi.org/simple
    targets:
      linux-gpu:
        platform: linux-64
        specs: [tf29.yml, gpu.yml]    # composed in order, relative to the manifest
        virtual-packages: ["__cuda=11.2.2", "__glibc=2.17"]
        lockfile: tf29-gpu            # conda-lock file group (default: the target name)
      win-gpu:
        ...
        pending: "cudnn 8.1 for win-64 is not on the channel yet"

A ``pending`` target is declared but not yet lockable: ``envtool lock`` skips
it unless it is named with ``--target`` (then the solver's reason is shown),
and ``envtool check`` reports it without failing.

A CPU target declares no ``__cuda``, so it can never receive CUDA builds; a GPU
target declares one, so it locks on a machine without a GPU or driver.
Platform defaults (``__unix``, ``__linux``, ``__glibc=2.17``, ``__osx``,
``__win``, ``__archspec``) are added for virtual packages a target leaves out.

>>> vp = parse_virtual_package("__cuda=11.2.2", "targets.yml")
>>> vp.name, vp.version, vp.build
('__cuda', '11.2.2', '0')
>>> [v.text for v in with_defaults("linux-64", [vp])]
['__archspec=1=x86_64', '__cuda=11.2.2=0', '__glibc=2.17=0', '__linux=0=0', '__unix=0=0']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envtool.errors import ManifestError
from envtool.yamlio import load_mapping, where

MANIFEST_NAME = "targets.yml"
MANIFEST_VERSION = 1
PLATFORMS = ("linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64")
_TOP_KEYS = ("version", "channel-priority", "exclude-newer", "pypi", "targets")
_TARGET_KEYS = ("platform", "specs", "virtual-packages", "lockfile", "pending")
_PYPI_KEYS = ("index-url", "find-links", "only-binary")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

_DEFAULT_VIRTUAL: dict[str, tuple[str, ...]] = {
    "linux-64": ("__unix=0=0", "__linux=0=0", "__glibc=2.17=0", "__archspec=1=x86_64"),
    "linux-aarch64": ("__unix=0=0", "__linux=0=0", "__glibc=2.17=0", "__archspec=1=aarch64"),
    "osx-64": ("__unix=0=0", "__osx=10.15=0", "__archspec=1=x86_64"),
    "osx-arm64": ("__unix=0=0", "__osx=11.0=0", "__archspec=1=arm64"),
    "win-64": ("__win=0=0", "__archspec=1=x86_64"),
}


@dataclass(frozen=True)
class VirtualPackage:
    """A virtual package the target machine is assumed to have (``__cuda=11.2.2``)."""

    name: str
    version: str
    build: str = "0"

    @property
    def text(self) -> str:
        """``name=version=build``, the form used in manifests and lock headers."""
        return f"{self.name}={self.version}={self.build}"


@dataclass(frozen=True)
class PypiSettings:
    """How the pip half is resolved; these are inputs of every lock.

    ``exclude_newer`` is the manifest's top-level cut-off date, which applies to
    both halves; it is kept here so the settings fingerprint keeps its shape.
    """

    index_url: str = "https://pypi.org/simple"
    find_links: tuple[str, ...] = ()
    exclude_newer: str | None = None
    only_binary: bool = True

    def resolved_find_links(self, base: Path) -> list[str]:
        """``find-links`` entries with relative paths made absolute against ``base``."""
        return [link if "://" in link else str((base / link).resolve()) for link in self.find_links]

    def canonical(self) -> dict[str, Any]:
        """A JSON-able form for fingerprinting."""
        return {
            "index-url": self.index_url,
            "find-links": list(self.find_links),
            "exclude-newer": self.exclude_newer,
            "only-binary": self.only_binary,
        }


@dataclass(frozen=True)
class Target:
    """One lock target: a name, a platform, the spec files it composes, its virtual packages."""

    name: str
    platform: str
    specs: tuple[Path, ...]
    virtual_packages: tuple[VirtualPackage, ...]
    lockfile: str
    declared: Mapping[str, Any] = field(default_factory=dict)
    pending: str | None = None

    def canonical(self) -> dict[str, Any]:
        """The declaration as JSON-able data, for fingerprinting (spec paths by name)."""
        return {
            "platform": self.platform,
            "specs": [p.name for p in self.specs],
            "virtual-packages": [v.text for v in self.virtual_packages],
        }


@dataclass(frozen=True)
class Manifest:
    """The parsed ``targets.yml``: every target plus project-wide solve settings."""

    path: Path
    targets: Mapping[str, Target]
    channel_priority: str = "strict"
    pypi: PypiSettings = field(default_factory=PypiSettings)

    @property
    def exclude_newer(self) -> str | None:
        """The cut-off date (RFC 3339) of both halves: nothing published later is locked."""
        return self.pypi.exclude_newer

    @property
    def root(self) -> Path:
        """The project root: the folder holding ``environments/``."""
        return self.path.parent.parent

    def select(self, names: Sequence[str]) -> list[Target]:
        """The targets named (all when ``names`` is empty), in manifest order."""
        unknown = [n for n in names if n not in self.targets]
        if unknown:
            raise ManifestError(
                str(self.path),
                f"unknown target {unknown[0]!r}",
                f"known targets: {', '.join(self.targets)}",
            )
        return [t for n, t in self.targets.items() if not names or n in names]

    def group(self, lockfile: str) -> list[Target]:
        """All targets written to the conda-lock file group ``lockfile``."""
        return [t for t in self.targets.values() if t.lockfile == lockfile]


def find_manifest(start: Path) -> Path:
    """Find ``environments/targets.yml`` in ``start`` or its parents."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "environments" / MANIFEST_NAME
        if candidate.is_file():
            return candidate
    raise ManifestError(
        str(start),
        f"no environments/{MANIFEST_NAME} here or in any parent folder",
        "run envtool in a project, or pass --manifest",
    )


def load_manifest(path: Path) -> Manifest:
    """Read and validate the manifest; every problem is a :class:`ManifestError` with file and line."""
    data = load_mapping(path, error=ManifestError)
    _check_keys(path, data, _TOP_KEYS, "manifest")
    version = data.get("version")
    if version != MANIFEST_VERSION:
        raise ManifestError(
            where(path, data, "version"),
            f"unsupported manifest version {version!r}",
            f"write 'version: {MANIFEST_VERSION}'",
        )
    priority = data.get("channel-priority", "strict")
    if priority not in ("strict", "disabled"):
        raise ManifestError(
            where(path, data, "channel-priority"),
            f"unknown channel-priority {priority!r}",
            "use 'strict' or 'disabled'",
        )
    exclude_newer = _exclude_newer(path, data)
    pypi = _pypi(path, data.get("pypi") or {}, data, exclude_newer)
    raw_targets = data.get("targets")
    if not isinstance(raw_targets, dict) or not raw_targets:
        raise ManifestError(
            where(path, data, "targets"),
            "no targets declared",
            "add 'targets:' with at least one target",
        )
    targets = {name: _target(path, raw_targets, name) for name in raw_targets}
    _check_groups(path, targets)
    return Manifest(path, targets, priority, pypi)


def parse_virtual_package(text: str, origin: str) -> VirtualPackage:
    """Parse ``__name[=version[=build]]``; raise :class:`ManifestError` naming ``origin``."""
    parts = str(text).strip().split("=")
    if not parts[0].startswith("__") or len(parts) > 3 or not all(parts):
        raise ManifestError(
            origin,
            f"invalid virtual package {text!r}",
            "write '__name=version', e.g. '__cuda=11.2.2'",
        )
    from packaging.version import InvalidVersion, Version

    version = parts[1] if len(parts) > 1 else "0"
    if parts[0] != "__archspec":
        try:
            Version(version)
        except InvalidVersion:
            raise ManifestError(
                origin,
                f"invalid version {version!r} in virtual package {text!r}",
                "use a version like 11.2.2",
            ) from None
    return VirtualPackage(parts[0], version, parts[2] if len(parts) > 2 else "0")


def with_defaults(platform: str, declared: Sequence[VirtualPackage]) -> list[VirtualPackage]:
    """The declared virtual packages plus the platform's defaults for any name not declared."""
    by_name = {v.name: v for v in declared}
    for text in _DEFAULT_VIRTUAL[platform]:
        name, version, build = text.split("=")
        by_name.setdefault(name, VirtualPackage(name, version, build))
    return sorted(by_name.values(), key=lambda v: v.name)


def _target(path: Path, raw_targets: Any, name: Any) -> Target:
    here = where(path, raw_targets, name)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ManifestError(
            here,
            f"invalid target name {name!r}",
            "use lower-case letters, digits, '-', '_' and '.'",
        )
    raw = raw_targets[name]
    if not isinstance(raw, dict):
        raise ManifestError(here, f"target {name!r} must be a mapping", "give it 'platform' and 'specs'")
    _check_keys(path, raw, _TARGET_KEYS, f"target {name!r}")
    platform = raw.get("platform")
    if platform not in PLATFORMS:
        raise ManifestError(
            where(path, raw, "platform"),
            f"unknown platform {platform!r} for target {name!r}",
            f"use one of {', '.join(PLATFORMS)}",
        )
    specs = raw.get("specs")
    if isinstance(specs, str):
        specs = [specs]
    if not isinstance(specs, list) or not specs or not all(isinstance(s, str) for s in specs):
        raise ManifestError(
            where(path, raw, "specs"),
            f"target {name!r} needs 'specs', a list of spec files",
            "write 'specs: [base.yml]'",
        )
    spec_paths = tuple(path.parent / s for s in specs)
    raw_vps = raw.get("virtual-packages") or []
    if not isinstance(raw_vps, list):
        raise ManifestError(
            where(path, raw, "virtual-packages"),
            "virtual-packages must be a list",
            "write '[\"__cuda=11.2.2\"]'",
        )
    vps = [parse_virtual_package(v, where(path, raw_vps, i)) for i, v in enumerate(raw_vps)]
    if any(v.name == "__cuda" for v in vps) and not platform.startswith(("linux", "win")):
        raise ManifestError(
            where(path, raw, "virtual-packages"),
            f"__cuda declared for {platform}",
            "CUDA targets are linux or win",
        )
    lockfile = raw.get("lockfile", name)
    if not isinstance(lockfile, str) or not _NAME_RE.match(lockfile):
        raise ManifestError(
            where(path, raw, "lockfile"),
            f"invalid lockfile group {lockfile!r}",
            "use lower-case letters, digits and '-'",
        )
    pending = raw.get("pending")
    if pending is not None and (not isinstance(pending, str) or not pending.strip()):
        raise ManifestError(
            where(path, raw, "pending"),
            f"pending must be a reason, got {pending!r}",
            "write 'pending: \"why it cannot be locked yet\"'",
        )
    return Target(
        name,
        platform,
        spec_paths,
        tuple(with_defaults(platform, vps)),
        lockfile,
        dict(raw),
        pending,
    )


def _exclude_newer(path: Path, data: Any) -> str | None:
    """The top-level cut-off date, checked and spelled in UTC; ``pypi.exclude-newer`` is pointed there.

    >>> import pathlib
    >>> [_exclude_newer(pathlib.Path("t.yml"), {"exclude-newer": v}) for v in ("2023-04-30", "2023-04-30T02:00:00+02:00")]
    ['2023-04-30T00:00:00Z', '2023-04-30T00:00:00Z']
    """
    pypi = data.get("pypi")
    if isinstance(pypi, dict) and "exclude-newer" in pypi:
        raise ManifestError(
            where(path, pypi, "exclude-newer"),
            "exclude-newer under 'pypi:' would leave the conda half undated",
            "move it to the top level of targets.yml: one cut-off date applies to both halves",
        )
    value = data.get("exclude-newer")
    if value is None:
        return None
    import datetime

    text = value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else str(value)
    try:
        parsed = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or (parsed.tzinfo is None and "T" in text):
        raise ManifestError(
            where(path, data, "exclude-newer"),
            f"invalid exclude-newer {value!r}",
            'write an RFC 3339 time with its zone, e.g. "2023-04-30T00:00:00Z", or a date',
        )
    # One spelling per moment, in UTC; a date alone is its midnight UTC for both halves
    # (uv would read a bare date in the local zone).
    moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pypi(path: Path, raw: Any, parent: Any, exclude: str | None) -> PypiSettings:
    if not isinstance(raw, dict):
        raise ManifestError(where(path, parent, "pypi"), "pypi must be a mapping", f"keys: {', '.join(_PYPI_KEYS)}")
    _check_keys(path, raw, _PYPI_KEYS, "pypi")
    links = raw.get("find-links") or []
    if isinstance(links, str):
        links = [links]
    only_binary = raw.get("only-binary", True)
    if not isinstance(only_binary, bool):
        raise ManifestError(
            where(path, raw, "only-binary"),
            f"only-binary must be true or false, got {only_binary!r}",
            "write 'only-binary: true'",
        )
    return PypiSettings(
        index_url=str(raw.get("index-url", PypiSettings.index_url)),
        find_links=tuple(str(link) for link in links),
        exclude_newer=exclude,
        only_binary=only_binary,
    )


def _check_keys(path: Path, data: Any, allowed: Sequence[str], what: str) -> None:
    for key in data:
        if key not in allowed:
            raise ManifestError(
                where(path, data, key),
                f"unknown key {key!r} in {what}",
                f"allowed keys: {', '.join(allowed)}",
            )


def _check_groups(path: Path, targets: Mapping[str, Target]) -> None:
    seen: dict[tuple[str, str], str] = {}
    for target in targets.values():
        key = (target.lockfile, target.platform)
        if key in seen:
            raise ManifestError(
                str(path),
                f"targets {seen[key]!r} and {target.name!r} share lockfile {target.lockfile!r} and platform {target.platform}",
                "a conda-lock file holds one target per platform: give one of them another 'lockfile'",
            )
        seen[key] = target.name
