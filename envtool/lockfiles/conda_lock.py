"""Lock files in conda-lock's v1 format, written and read by envtool's own code.

One conda-lock file holds a group of targets (one per platform), so that
``conda-lock install`` and ``micromamba create -f`` pick the host's platform
from it. Its name ends in ``-lock.yml``: micromamba recognizes lock files only
by that ending. Envtool's own data (target names, env names, variables) rides
in conda-lock's ``custom_metadata``, beside ``created_by``, which conda's
``conda-lockfiles`` reader requires.

The body is byte for byte what conda-lock's ``write_conda_lock_file`` writes
for the same data (packages sorted by manager, name and platform; dependencies
sorted; no virtual packages), without importing conda-lock, pydantic or PyYAML:
``tests/lockfiles/test_conda_lock.py`` runs conda-lock's writer and parser on
the same data and compares.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envtool import __version__
from envtool.errors import LockFormatError
from envtool.inputs.fingerprint import Fingerprint
from envtool.lockfiles.header import Stamp, ensure_intact, parse_header, render_header, seal
from envtool.lockfiles.toposort import order
from envtool.lockfiles.yamltext import dump
from envtool.model import CondaPackage, PipPackage, TargetLock, split_filename

LOCK_SUFFIX = "-lock.yml"
CREATED_BY = f"envtool {__version__}"
_META = "envtool"


def v1_document(locks: Sequence[TargetLock], sources: Sequence[str]) -> dict[str, Any]:
    """The data of a conda-lock v1 file for ``locks`` (one per platform), as conda-lock lays it out."""
    entries: list[tuple[tuple[str, str, str], dict[str, Any]]] = []
    custom: dict[str, str] = {"created_by": CREATED_BY}
    for lock in locks:
        for c in lock.conda:
            if c.name.startswith("__"):
                continue
            digest = {"md5": c.md5, **({"sha256": c.sha256} if c.sha256 is not None else {})}
            entries.append((("conda", c.name, lock.platform), _package(
                c.name, c.version, "conda", lock.platform, depends=c.depends, url=c.url, digest=digest, build=c.build
            )))  # fmt: skip
        for p in lock.pip:
            entries.append((("pip", p.name, lock.platform), _package(
                p.name, p.version, "pip", lock.platform, depends=p.depends, url=p.url, digest={"sha256": p.sha256},
                build=None,
            )))  # fmt: skip
        custom[f"{_META}.{lock.platform}"] = json.dumps(
            {"target": lock.target, "name": lock.name, "variables": dict(lock.variables)}, sort_keys=True
        )
    entries.sort(key=lambda entry: entry[0])
    channels = list(dict.fromkeys(ch for lock in locks for ch in lock.channels))
    metadata = {
        "content_hash": {lock.platform: lock.input_hash for lock in locks},
        "channels": [{"url": ch, "used_env_vars": []} for ch in channels],
        "platforms": sorted(lock.platform for lock in locks),
        "sources": list(sources),
        "custom_metadata": custom,
    }
    return {"version": 1, "metadata": metadata, "package": [entry for _, entry in entries]}


def _package(
    name: str, version: str, manager: str, platform: str, *, depends: Sequence[str], url: str,
    digest: dict[str, str], build: str | None,
) -> dict[str, Any]:  # fmt: skip
    entry: dict[str, Any] = {
        "name": name, "version": version, "manager": manager, "platform": platform,
        "dependencies": dict(sorted(_dependency_map(depends).items())), "url": url, "hash": digest,
    }  # fmt: skip
    if build is not None:
        entry["build"] = build
    entry["category"] = "main"
    entry["optional"] = False
    return entry


def render_conda_lock(path: Path, locks: Sequence[TargetLock], sources: Sequence[str]) -> str:
    """The text of a conda-lock file for ``locks``: envtool's header, then conda-lock's v1 body."""
    stamps = [Stamp(lk.target, lk.platform, lk.input_hash, Fingerprint(dict(lk.inputs)), lk.files) for lk in locks]
    usage = [
        "",
        "Install on this machine's platform with any of:",
        f"  envtool create {path.as_posix()} -n NAME",
        f"  micromamba create -n NAME -f {path.as_posix()}",
        f"  conda-lock install -n NAME {path.as_posix()}",
        "",
    ]
    return seal(render_header(path.as_posix(), stamps, usage) + yaml_text(v1_document(locks, sources)))


def yaml_text(document: dict[str, Any]) -> str:
    """``document`` as ``yaml.dump(document, sort_keys=False)`` writes it (PyYAML only for exotic text)."""
    text = dump(document)
    if text is None:
        import yaml

        text = yaml.dump(document, sort_keys=False, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper))
    return text


def read_text(path: Path) -> str:
    """The text of a lock file; a missing or unreadable file is a :class:`LockFormatError`."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockFormatError(str(path), "lock file not found", "run 'envtool lock' or fix the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LockFormatError(
            str(path), f"cannot read lock ({exc})", "re-create it with 'envtool lock --force'"
        ) from None


def load_v1(path: Path, text: str) -> dict[str, Any]:
    """The data of the conda-lock v1 file ``path`` holding ``text``, checked to be intact.

    Read with PyYAML's C loader where available. A file envtool wrote and someone
    changed is refused, but a newer format version is named as such.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        content = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        ensure_intact(path, text)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LockFormatError(
            str(path), f"unreadable conda-lock file ({first})", "re-create it with 'envtool lock --force'"
        ) from None
    if not isinstance(content, dict):
        ensure_intact(path, text)
        raise LockFormatError(str(path), "not a conda-lock file (no mapping at the top)", "pass a *-lock.yml file")
    if content.get("version") != 1:
        raise LockFormatError(
            str(path), f"unknown conda-lock file version {content.get('version')!r}",
            "re-create it with 'envtool lock --force'",
        )  # fmt: skip
    ensure_intact(path, text)
    return content


def read_conda_lock(path: Path) -> list[TargetLock]:
    """Read a conda-lock v1 file (envtool's or conda-lock's) into one TargetLock per platform.

    Packages come in dependency order, as conda-lock's parser returns them.
    """
    text = read_text(path)
    try:
        stamps = parse_header(text, str(path))
    except LockFormatError:
        stamps = {}  # a plain conda-lock file, not written by envtool
    content = load_v1(path, text)
    try:
        return _target_locks(path, content, {s.platform: s for s in stamps.values()})
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise LockFormatError(
            str(path), f"unreadable conda-lock file (bad or missing field {exc})",
            "re-create it with 'envtool lock --force'",
        ) from None  # fmt: skip


def _target_locks(path: Path, content: dict[str, Any], by_stamp: Mapping[str, Stamp]) -> list[TargetLock]:
    metadata = content["metadata"]
    custom = metadata.get("custom_metadata") or {}
    channels = tuple(str(ch["url"]) for ch in metadata.get("channels") or [])
    entries: dict[tuple[str, str, str], dict[str, Any]] = {}
    for entry in content.get("package") or []:
        key = (str(entry["manager"]), str(entry["name"]), str(entry["platform"]))
        if key[0] not in ("conda", "pip"):
            raise ValueError(f"manager {key[0]!r} of {key[1]}")
        entries.setdefault(key, entry)  # v1 repeats a package once per category
    locks: list[TargetLock] = []
    for platform in metadata["platforms"]:
        extra = json.loads(custom.get(f"{_META}.{platform}", "{}"))
        stamp = by_stamp.get(platform)
        conda = _in_order([e for k, e in entries.items() if k[2] == platform and k[0] == "conda"])
        pip = _in_order([e for k, e in entries.items() if k[2] == platform and k[0] == "pip"])
        locks.append(
            TargetLock(
                target=str(extra.get("target") or (stamp.target if stamp else platform)),
                platform=platform,
                name=str(extra.get("name", "")),
                channels=channels,
                conda=tuple(_conda_package(path, e) for e in conda),
                pip=tuple(_pip_package(path, e) for e in pip),
                variables=dict(extra.get("variables", {})),
                input_hash=str((metadata.get("content_hash") or {}).get(platform, "")),
                inputs=dict(stamp.inputs.inputs) if stamp else {},
                files=dict(stamp.files) if stamp else {},
            )
        )
    return locks


def _in_order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {str(e["name"]): e for e in entries}
    graph = {name: set(e.get("dependencies") or {}) for name, e in by_name.items()}
    return [by_name[name] for name in order(graph) if name in by_name and not name.startswith("__")]


def _dependency_map(depends: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for dep in depends:
        name, _, spec = dep.strip().partition(" ")
        if name:
            out[name] = spec.strip()
    return out


def _depends(entry: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(f"{k} {v}".strip() for k, v in (entry.get("dependencies") or {}).items())


def _conda_package(path: Path, entry: Mapping[str, Any]) -> CondaPackage:
    digest = entry.get("hash") or {}
    md5, sha256 = digest.get("md5"), digest.get("sha256")
    name, url = str(entry["name"]), str(entry["url"])
    if not md5 and not sha256:
        raise LockFormatError(str(path), f"conda package {name} has no hash", "re-lock with 'envtool lock --force'")
    parts = split_filename(url.rsplit("/", 1)[-1])
    build = str(entry.get("build") or (parts[2] if parts else ""))
    return CondaPackage(name, str(entry["version"]), build, url, str(md5 or ""), sha256, _depends(entry))


def _pip_package(path: Path, entry: Mapping[str, Any]) -> PipPackage:
    sha256 = (entry.get("hash") or {}).get("sha256")
    name = str(entry["name"])
    if not sha256:
        raise LockFormatError(str(path), f"pip package {name} has no sha256", "re-lock with 'envtool lock --force'")
    return PipPackage(name, str(entry["version"]), str(entry["url"]), sha256, (sha256,), _depends(entry))


def conda_lock_sources(lock_dir: Path, spec_paths: Sequence[Path]) -> list[str]:
    """Spec paths relative to the lock file's folder, as conda-lock records them."""
    import os

    return list(dict.fromkeys(Path(os.path.relpath(p.resolve(), lock_dir.resolve())).as_posix() for p in spec_paths))


def as_json(locks: Sequence[TargetLock]) -> list[dict[str, Any]]:
    """A JSON-able summary of locks (for ``--json`` outputs)."""
    return [
        {
            "target": lk.target,
            "platform": lk.platform,
            "conda": len(lk.conda),
            "pip": len(lk.pip),
            "input_hash": lk.input_hash,
        }
        for lk in locks
    ]


def target_header(path: Path, lock: TargetLock, usage: list[str]) -> str:
    """The envtool header of a one-target file at ``path`` (unsealed)."""
    stamp = Stamp(lock.target, lock.platform, lock.input_hash, Fingerprint(dict(lock.inputs)), lock.files)
    return render_header(path.as_posix(), [stamp], usage)
