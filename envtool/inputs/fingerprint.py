"""Fingerprints of a target's inputs, so a stale lock is found without solving.

The inputs of a target are its declaration in the manifest, each spec file it
composes (parsed: comments and formatting do not count), the channels, and the
project-wide solve settings. A mirror is not an input: one lock serves users of
any mirror.

>>> fp = Fingerprint({"spec environments/a.yml": "1" * 12, "channels": "2" * 12})
>>> fp.changed(Fingerprint({"spec environments/a.yml": "1" * 12, "channels": "3" * 12}))
['channels']
>>> len(fp.digest)
64
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envtool.urls import strip_credentials

if TYPE_CHECKING:  # imported when fingerprinting: ``check`` of unchanged inputs never parses a spec
    from envtool.inputs.spec import EnvSpec
    from envtool.inputs.targets import Manifest, Target

# Bump when the lock layout changes, so every lock is re-solved once.
LOCK_FORMAT = 1


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Fingerprint:
    """Per-input digests (12 hex digits each) and the overall digest over all of them."""

    inputs: Mapping[str, str]

    @property
    def digest(self) -> str:
        """The input hash written into every lock file's header."""
        return _digest(sorted(self.inputs.items()))

    def changed(self, old: Fingerprint) -> list[str]:
        """Labels of inputs whose digest differs from ``old`` (added and removed ones too)."""
        labels = list(self.inputs) + [k for k in old.inputs if k not in self.inputs]
        return [k for k in labels if self.inputs.get(k) != old.inputs.get(k)]


def label_of(manifest: Manifest, path: Path) -> str:
    """A spec file's label: its path relative to the project root, with forward slashes."""
    return _label(manifest.root, path)


def source_files(manifest_path: Path, spec_paths: Sequence[Path]) -> list[Path]:
    """The files a target's inputs are read from: the manifest, then its spec files."""
    return [manifest_path, *spec_paths]


def file_digests(root: Path, paths: Sequence[Path]) -> dict[str, str]:
    """Label (path relative to ``root``) -> 16 hex digits of the sha256 of the file's bytes.

    A missing or unreadable file gets the digest ``missing``, which never matches.
    """
    out: dict[str, str] = {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            out[_label(root, path)] = "missing"
            continue
        out[_label(root, path)] = hashlib.sha256(data).hexdigest()[:16]
    return out


def _label(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def fingerprint(manifest: Manifest, target: Target, specs: list[EnvSpec] | None = None) -> Fingerprint:
    """Fingerprint ``target``'s inputs (loads its spec files unless given)."""
    from envtool.inputs.spec import compose, load

    specs = specs if specs is not None else [load(p) for p in target.specs]
    inputs: dict[str, str] = {f"target {target.name}": _digest(target.canonical())[:12]}
    for path, spec in zip(target.specs, specs, strict=True):
        inputs[f"spec {label_of(manifest, path)}"] = _digest(_without_credentials(spec.canonical()))[:12]
    inputs["channels"] = _digest([strip_credentials(c) for c in compose(specs).channels])[:12]
    inputs["settings"] = _digest(
        {
            "format": LOCK_FORMAT,
            "channel-priority": manifest.channel_priority,
            "pypi": _without_credentials(manifest.pypi.canonical()),
        }
    )[:12]
    return Fingerprint(inputs)


def _without_credentials(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with credentials stripped from its URLs: a new token must not make a lock stale."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = strip_credentials(value)
        elif isinstance(value, list):
            out[key] = [strip_credentials(v) if isinstance(v, str) else v for v in value]
        else:
            out[key] = value
    return out
