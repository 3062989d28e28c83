"""Lock files in conda-lock's v1 format, written and read through conda-lock's own models.

One conda-lock file holds a group of targets (one per platform), so that
``conda-lock install`` and ``micromamba create -f`` pick the host's platform
from it. Its name ends in ``-lock.yml``: micromamba recognizes lock files only
by that ending. Envtool's own data (target names, env names, variables) rides
in conda-lock's ``custom_metadata``.

:func:`read_lock` reads any of envtool's three lock formats into
:class:`~envtool.model.TargetLock` objects.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envtool.errors import LockFormatError
from envtool.inputs.fingerprint import Fingerprint
from envtool.lockfiles.header import read_header, render_header
from envtool.model import CondaPackage, PipPackage, TargetLock, split_filename

if TYPE_CHECKING:
    from conda_lock.lockfile.v2prelim.models import LockedDependency, Lockfile

LOCK_SUFFIX = "-lock.yml"
_META = "envtool"


def to_conda_lock(locks: Sequence[TargetLock], sources: Sequence[str]) -> Lockfile:
    """Build conda-lock's model of ``locks`` (one per platform)."""
    from conda_lock.lockfile.v2prelim.models import HashModel, LockedDependency, Lockfile, LockMeta
    from conda_lock.models.channel import Channel

    packages: list[LockedDependency] = []
    custom: dict[str, str] = {}
    for lock in locks:
        for c in lock.conda:
            packages.append(
                LockedDependency(
                    name=c.name, version=c.version, manager="conda", platform=lock.platform,
                    dependencies=_dependency_map(c.depends), url=c.url,
                    hash=HashModel(md5=c.md5, sha256=c.sha256), categories={"main"}, build=c.build,
                )
            )  # fmt: skip
        for p in lock.pip:
            packages.append(
                LockedDependency(
                    name=p.name, version=p.version, manager="pip", platform=lock.platform,
                    dependencies=_dependency_map(p.depends), url=p.url,
                    hash=HashModel(sha256=p.sha256), categories={"main"},
                )
            )  # fmt: skip
        custom[f"{_META}.{lock.platform}"] = json.dumps(
            {"target": lock.target, "name": lock.name, "variables": dict(lock.variables)}, sort_keys=True
        )
    channels = list(dict.fromkeys(ch for lock in locks for ch in lock.channels))
    meta = LockMeta(
        content_hash={lock.platform: lock.input_hash for lock in locks},
        channels=[Channel(url=ch, used_env_vars=()) for ch in channels],
        platforms=sorted(lock.platform for lock in locks),
        sources=list(sources),
        custom_metadata=custom,
    )
    return Lockfile(package=packages, metadata=meta)


def render_conda_lock(path: Path, locks: Sequence[TargetLock], sources: Sequence[str]) -> str:
    """The text of a conda-lock file for ``locks``: envtool's header, then conda-lock's own output."""
    body = _conda_lock_body(to_conda_lock(locks, sources))
    stamps = [(lock.target, lock.platform, Fingerprint(dict(lock.inputs))) for lock in locks]
    usage = [
        "",
        "Install on this machine's platform with any of:",
        f"  envtool create {path.as_posix()} -n NAME",
        f"  micromamba create -n NAME -f {path.as_posix()}",
        f"  conda-lock install -n NAME {path.as_posix()}",
        "",
    ]
    return render_header(path.as_posix(), stamps, usage) + body


def _conda_lock_body(content: Lockfile) -> str:
    """What conda-lock's ``write_conda_lock_file`` writes without its help text, byte for byte.

    The same steps as conda-lock's writer (sort, drop virtual packages, convert to
    v1, dump), with PyYAML's C dumper where it is available: the pure-Python one
    was most of a lock's time. ``tests/test_locking.py`` checks the bytes against
    conda-lock's own writer.
    """
    import yaml

    content.alphasort_inplace()
    content.filter_virtual_packages_inplace()
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(content.to_v1().dict_for_output(), sort_keys=False, Dumper=dumper)
    return text


def parse_conda_lock(path: Path) -> Lockfile:
    """What conda-lock's ``parse_conda_lock_file`` returns, read with PyYAML's C loader.

    The same steps as conda-lock's parser (load, dispatch on ``version``, validate
    with its models, topological sort); the pure-Python loader took half a second
    for a four-platform lock. ``tests/test_locking.py`` checks the result against
    conda-lock's own parser.
    """
    import yaml
    from conda_lock.lockfile import lockfile_v1_to_v2
    from conda_lock.lockfile.v1.models import Lockfile as LockfileV1
    from conda_lock.lockfile.v2prelim.models import Lockfile as LockfileV2

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        content = yaml.load(handle, Loader=loader)
    if not isinstance(content, dict):
        raise LockFormatError(str(path), "not a conda-lock file (no mapping at the top)", "pass a *-lock.yml file")
    version = content.pop("version", None)
    if version == 1:
        lockfile = lockfile_v1_to_v2(LockfileV1.model_validate(content))
    elif version == 2:
        lockfile = LockfileV2.model_validate(content)
    else:
        raise LockFormatError(
            str(path), f"unknown conda-lock file version {version!r}", "re-create it with 'envtool lock --force'"
        )
    lockfile.toposort_inplace()
    result: Lockfile = lockfile
    return result


def read_conda_lock(path: Path) -> list[TargetLock]:
    """Read a conda-lock file (any version conda-lock reads) into one TargetLock per platform."""
    try:
        stamps = read_header(path)
    except LockFormatError:
        stamps = {}  # a plain conda-lock file, not written by envtool
    try:
        content = parse_conda_lock(path)
    except FileNotFoundError:
        raise LockFormatError(str(path), "lock file not found", "run 'envtool lock' or fix the path") from None
    except LockFormatError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LockFormatError(
            str(path), f"unreadable conda-lock file ({first})", "re-create it with 'envtool lock --force'"
        ) from None
    by_stamp = {s.platform: s for s in stamps.values()}
    locks: list[TargetLock] = []
    for platform in content.metadata.platforms:
        extra = json.loads((content.metadata.custom_metadata or {}).get(f"{_META}.{platform}", "{}"))
        stamp = by_stamp.get(platform)
        deps = [d for d in content.package if d.platform == platform]
        locks.append(
            TargetLock(
                target=str(extra.get("target") or (stamp.target if stamp else platform)),
                platform=platform,
                name=str(extra.get("name", "")),
                channels=tuple(ch.url for ch in content.metadata.channels),
                conda=tuple(_conda_package(path, d) for d in deps if d.manager == "conda"),
                pip=tuple(_pip_package(path, d) for d in deps if d.manager == "pip"),
                variables=dict(extra.get("variables", {})),
                input_hash=content.metadata.content_hash.get(platform, ""),
                inputs=dict(stamp.inputs.inputs) if stamp else {},
            )
        )
    return locks


def _dependency_map(depends: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for dep in depends:
        name, _, spec = dep.strip().partition(" ")
        if name:
            out[name] = spec.strip()
    return out


def _conda_package(path: Path, dep: LockedDependency) -> CondaPackage:
    if not dep.hash.md5 and not dep.hash.sha256:
        raise LockFormatError(str(path), f"conda package {dep.name} has no hash", "re-lock with 'envtool lock --force'")
    parts = split_filename(dep.url.rsplit("/", 1)[-1])
    build = dep.build or (parts[2] if parts else "")
    depends = tuple(f"{k} {v}".strip() for k, v in dep.dependencies.items())
    return CondaPackage(dep.name, dep.version, build, dep.url, dep.hash.md5 or "", dep.hash.sha256, depends)


def _pip_package(path: Path, dep: LockedDependency) -> PipPackage:
    if not dep.hash.sha256:
        raise LockFormatError(str(path), f"pip package {dep.name} has no sha256", "re-lock with 'envtool lock --force'")
    depends = tuple(f"{k} {v}".strip() for k, v in dep.dependencies.items())
    return PipPackage(dep.name, dep.version, dep.url, dep.hash.sha256, (dep.hash.sha256,), depends)


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


def render_for_platform(lock: TargetLock, kind: str) -> list[str]:
    """``lock`` rendered by conda-lock's own renderer as ``kind`` (``env`` or ``explicit``), without its first line."""
    from conda_lock.conda_lock import render_lockfile_for_platform

    lines = render_lockfile_for_platform(
        lockfile=to_conda_lock([lock], []),
        include_dev_dependencies=False,
        extras=None,
        kind=kind,
        platform=lock.platform,
        suppress_warning_for_pip_and_explicit=True,
    )
    # conda-lock's first line claims authorship; envtool's header replaces it.
    return "\n".join(lines).splitlines()[1:]


def target_header(path: Path, lock: TargetLock, usage: list[str]) -> str:
    """The envtool header of a one-target file at ``path``."""
    return render_header(path.as_posix(), [(lock.target, lock.platform, Fingerprint(dict(lock.inputs)))], usage)
