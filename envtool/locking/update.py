"""``envtool lock --update PKG``: re-solve keeping every other package where it is.

The previous lock of each target is the solver's preference: its conda records
go to rattler as ``locked_packages`` (the solver keeps a locked variant unless a
requirement rules it out), its pip pins to uv as an existing ``pylock.toml``
(uv keeps those versions unless a requirement rules them out). The packages
named with ``--update`` are left out of both, so they move to the newest the
specs allow, and with them only what must move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from envtool.errors import ConfigError, LockFormatError
from envtool.inputs.mirrors import MirrorMap
from envtool.inputs.targets import Manifest, Target
from envtool.model import CondaPackage, PipPackage, TargetLock, normalize

if TYPE_CHECKING:
    import rattler


def previous_locks(manifest: Manifest, lock_dir: Path, targets: Iterable[Target]) -> dict[str, TargetLock]:
    """The locks ``targets`` have now, read from their conda-lock group files (missing ones left out)."""
    from envtool.lockfiles.conda_lock import read_conda_lock

    out: dict[str, TargetLock] = {}
    wanted = {t.name: t for t in targets}
    for group in sorted({t.lockfile for t in wanted.values()}):
        path = lock_dir / f"{group}-lock.yml"
        if not path.is_file():
            continue
        try:
            locks = read_conda_lock(path)
        except LockFormatError:
            continue
        for lock in locks:
            target = wanted.get(lock.target)
            if target is not None and lock.platform == target.platform:
                out[lock.target] = lock
    return out


def holds(lock: TargetLock, names: Iterable[str]) -> bool:
    """Whether ``lock`` pins any of ``names`` (conda names exactly: ``importlib_resources`` and
    ``importlib-resources`` are two conda packages; pip names in any PEP 503 spelling)."""
    wanted = list(names)
    conda, pip = {n.lower() for n in wanted}, {normalize(n) for n in wanted}
    return any(p.name in conda for p in lock.conda) or any(normalize(p.name) in pip for p in lock.pip)


def check_update_names(names: Sequence[str], previous: Mapping[str, TargetLock], where: str) -> None:
    """Refuse a name no selected target's lock holds (a typo would otherwise re-solve nothing)."""
    for name in names:
        if not any(holds(lock, [name]) for lock in previous.values()):
            raise ConfigError(
                where,
                f"--update {name}: no lock of {', '.join(sorted(previous)) or 'the selected targets'} holds {name!r}",
                "check the name (as in the lock files), or add it to a spec with 'envtool add'",
            )


def kept(lock: TargetLock | None, update: Iterable[str]) -> tuple[tuple[CondaPackage, ...], tuple[PipPackage, ...]]:
    """The previous lock's packages that should stay put: all but those named in ``update``."""
    if lock is None:
        return (), ()
    names = list(update)
    conda = tuple(p for p in lock.conda if p.name not in {n.lower() for n in names})
    pip = tuple(p for p in lock.pip if normalize(p.name) not in {normalize(n) for n in names})
    return conda, pip


async def locked_records(
    gateway: rattler.Gateway, sources: Sequence[rattler.Channel], platforms: Sequence[str],
    keep: Sequence[CondaPackage], mirrors: MirrorMap,
) -> list[rattler.RepoDataRecord]:  # fmt: skip
    """The channel records of ``keep``, matched by canonical URL (rattler wants records, not pins)."""
    if not keep:
        return []
    urls = {p.url for p in keep}
    result = await gateway.query(sources, cast(Any, platforms), sorted({p.name for p in keep}), recursive=False)
    return [r for records in result for r in records if mirrors.to_canonical(str(r.url)) in urls]


def preferences_pylock(pins: Sequence[PipPackage]) -> str:
    """A minimal ``pylock.toml`` uv reads as the versions to prefer."""
    lines = ['lock-version = "1.0"', 'created-by = "envtool"']
    for pin in sorted(pins, key=lambda p: p.name):
        lines += ["", "[[packages]]", f'name = "{pin.name}"', f'version = "{pin.version}"']
    return "\n".join(lines) + "\n"
