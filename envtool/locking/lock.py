"""``envtool lock`` and ``envtool check``: from specs and targets to lock files, and back.

:func:`plan` compares every lock's header with the current inputs (no solving);
:func:`lock` re-solves the stale targets (or all with ``force``), renders all
their files in memory, and only then replaces them together, atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from envtool.inputs.fingerprint import Fingerprint, file_digests, fingerprint, source_files
from envtool.inputs.mirrors import MirrorMap
from envtool.inputs.spec import EnvSpec, compose, load
from envtool.inputs.targets import Manifest, Target, load_manifest
from envtool.locking import freshness
from envtool.locking.diff import TargetDiff, diff_target
from envtool.locking.freshness import TargetStatus
from envtool.model import PipPackage, TargetLock

Progress = Callable[[str], None]


@dataclass(frozen=True)
class LockRequest:
    """What ``envtool lock`` was asked to do."""

    manifest: Path
    targets: tuple[str, ...] = ()
    force: bool = False
    mirrors: MirrorMap = field(default_factory=MirrorMap)
    cache_dir: Path | None = None
    lock_dir: Path | None = None
    update: tuple[str, ...] = ()  # re-solve keeping every other package at its locked version
    keep_locked: bool = False  # re-solve stale targets keeping their locked versions where the specs allow
    dry_run: bool = False  # solve and report the changes, write nothing


@dataclass(frozen=True)
class LockResult:
    """What ``envtool lock`` did: targets solved (with timings), left alone, files changed.

    ``files`` lists only files whose bytes changed; ``channels`` the canonical
    URLs of every channel the selected targets use.
    """

    solved: tuple[TargetLock, ...]
    fresh: tuple[str, ...]
    files: tuple[Path, ...]
    seconds: dict[str, float]
    pending: tuple[str, ...] = ()
    changes: tuple[TargetDiff, ...] = ()  # per solved target, against its previous lock
    channels: tuple[str, ...] = ()  # every channel of the selected targets (when mirrors are configured)


def lock_paths(lock_dir: Path, target: Target) -> dict[str, Path]:
    """The three files of a target: env file, explicit file, conda-lock group file."""
    return freshness.lock_paths(lock_dir, target.name, target.lockfile)


def default_lock_dir(manifest: Manifest) -> Path:
    """``locks/`` beside ``environments/``."""
    return manifest.root / "locks"


def status(manifest: Manifest, target: Target, lock_dir: Path, specs: list[EnvSpec] | None = None) -> TargetStatus:
    """Compare the headers and digests of ``target``'s three lock files with its current inputs."""
    files = freshness.TargetFiles(target.name, target.specs, target.lockfile, target.pending)
    return freshness.target_status(
        manifest.root, manifest.path, files, lock_dir, lambda: fingerprint(manifest, target, specs)
    )


def check(manifest_path: Path, names: Sequence[str] = (), lock_dir: Path | None = None) -> list[TargetStatus]:
    """The freshness of every selected target, without solving (parsing inputs only when their bytes changed)."""
    quick = freshness.quick_check(manifest_path, names, lock_dir)
    if quick is not None:
        return quick
    manifest = load_manifest(manifest_path)
    folder = lock_dir or default_lock_dir(manifest)
    targets = manifest.select(names)
    _remember(manifest)
    return [status(manifest, t, folder) for t in targets]


def _remember(manifest: Manifest) -> None:
    targets = [freshness.TargetFiles(t.name, t.specs, t.lockfile, t.pending) for t in manifest.targets.values()]
    freshness.remember_manifest(manifest.path, targets)


def _load_specs(targets: Sequence[Target]) -> dict[str, list[EnvSpec]]:
    """Each target's spec files, each file read once however many targets share it."""
    cache: dict[Path, EnvSpec] = {}
    return {t.name: [cache[p] if p in cache else cache.setdefault(p, load(p)) for p in t.specs] for t in targets}


def lock(request: LockRequest, progress: Progress | None = None) -> LockResult:
    """Solve stale (or all, with ``force``) targets and write their lock files atomically.

    One process at a time writes a project's locks: a second one waits, then
    decides what is stale from what the first one wrote.
    """
    from envtool.mutex import exclusive

    say = progress or (lambda _msg: None)
    manifest = load_manifest(request.manifest)
    lock_dir = request.lock_dir or default_lock_dir(manifest)
    with exclusive(
        manifest.root / ".envtool" / "locks.lock", f"writing {_rel_path(manifest, lock_dir).as_posix()}/", say
    ):
        return _lock(manifest, lock_dir, request, say)


def _lock(manifest: Manifest, lock_dir: Path, request: LockRequest, say: Progress) -> LockResult:
    from envtool.atomic import replace_all

    selected = manifest.select(request.targets)
    pending = tuple(t.name for t in selected if t.pending and not request.targets)
    selected = [t for t in selected if t.name not in pending]
    _remember(manifest)
    # which channels the targets use, to report a mirror none of them needs (specs parsed only then)
    channels = _channels(manifest, selected) if request.mirrors.mirrors else ()
    to_solve: list[Target] = []
    fresh: list[str] = []
    for target in selected:
        st = status(manifest, target, lock_dir)
        if request.force or not st.fresh:
            to_solve.append(target)
            if not st.fresh:
                say(f"{target.name}: {'; '.join(st.reasons)}")
        else:
            fresh.append(target.name)
    previous = _previous(manifest, lock_dir, selected, request, to_solve=to_solve, fresh=fresh)
    if not to_solve:
        return LockResult((), tuple(fresh), (), {}, pending, channels=channels)
    specs = _load_specs(to_solve)
    kept = _kept_group_members(manifest, lock_dir, to_solve)
    for target in manifest.targets.values():
        if (
            target.name not in kept
            and not target.pending
            and target not in to_solve
            and any(t.lockfile == target.lockfile for t in to_solve)
        ):
            to_solve.append(target)  # its group file is missing or unreadable: solve it too
            specs.setdefault(target.name, [load(p) for p in target.specs])
    from envtool.interrupts import run_async

    solved, seconds = run_async(_solve_all(manifest, to_solve, specs, request, say, previous=previous))
    changes = tuple(diff_target(previous.get(lk.target), lk) for lk in solved) if request.dry_run or previous else ()
    if request.dry_run:
        return LockResult(tuple(solved), tuple(fresh), (), seconds, pending, changes, channels=channels)
    files = _render_all(manifest, lock_dir, solved, kept)
    written = replace_all(files)
    return LockResult(tuple(solved), tuple(fresh), tuple(written), seconds, pending, changes, channels=channels)


def _channels(manifest: Manifest, targets: Sequence[Target]) -> tuple[str, ...]:
    """Every channel and package index the targets read (canonical URLs), to tell a mirror none needs."""
    from envtool.inputs.mirrors import SpecialChannelError, expand_channels

    specs = _load_specs(targets)
    urls: list[str] = []
    for target in targets:
        spec = compose(specs[target.name])
        try:
            urls += expand_channels(spec.channels, target.platform, manifest.path.parent)
        except SpecialChannelError:
            continue  # refused when the target is solved
        if spec.pip:
            options = spec.pip_options
            urls += [options.index_url or manifest.pypi.index_url, *options.extra_index_urls]
    return tuple(dict.fromkeys(urls))


def _previous(
    manifest: Manifest, lock_dir: Path, selected: list[Target], request: LockRequest,
    *, to_solve: list[Target], fresh: list[str],
) -> dict[str, TargetLock]:  # fmt: skip
    """The current locks, when asked to keep or report against them; ``--update`` adds the targets holding a name."""
    if not (request.update or request.keep_locked or request.dry_run):
        return {}
    from envtool.locking.update import check_update_names, holds, previous_locks

    previous = previous_locks(manifest, lock_dir, selected)
    if request.update:
        check_update_names(request.update, previous, str(request.manifest))
        for target in selected:
            lock = previous.get(target.name)
            if target not in to_solve and lock is not None and holds(lock, request.update):
                to_solve.append(target)
                fresh.remove(target.name)
        to_solve.sort(key=selected.index)
    return previous


async def _solve_all(
    manifest: Manifest,
    targets: list[Target],
    specs: dict[str, list[EnvSpec]],
    request: LockRequest,
    say: Progress,
    *,
    previous: dict[str, TargetLock],
) -> tuple[list[TargetLock], dict[str, float]]:
    from envtool.locking.solve import make_gateway

    gateway = make_gateway(request.cache_dir)
    seconds: dict[str, float] = {}

    async def one(target: Target) -> TargetLock:
        start = time.perf_counter()
        keep = previous.get(target.name) if request.update or request.keep_locked else None
        result = await solve_target(
            manifest, target, specs[target.name], request.mirrors, gateway, previous=keep, update=request.update
        )
        seconds[target.name] = time.perf_counter() - start
        say(
            f"{target.name}: locked {len(result.conda)} conda + {len(result.pip)} pip packages ({seconds[target.name]:.2f}s)"
        )
        return result

    # Let every solve finish before raising: abandoning rattler's tasks mid-flight can crash
    # the interpreter at exit, and the first error (in manifest order) is the one reported.
    import asyncio

    results = await asyncio.gather(*(one(t) for t in targets), return_exceptions=True)
    for outcome in results:
        if isinstance(outcome, BaseException):
            raise outcome
    return [r for r in results if isinstance(r, TargetLock)], seconds


async def solve_target(
    manifest: Manifest, target: Target, specs: list[EnvSpec], mirrors: MirrorMap, gateway: object,
    *, previous: TargetLock | None = None, update: Sequence[str] = (),
) -> TargetLock:  # fmt: skip
    """Solve one target: the conda half with rattler, then the pip half with uv.

    With a ``previous`` lock, its packages (but those named in ``update``) stay where the specs allow.
    """
    from envtool.locking.update import kept

    keep_conda, keep_pip = kept(previous, update)
    from envtool.errors import SpecError
    from envtool.locking.pypi import PipRequest, conda_python_packages, env_file_options, resolve_pip
    from envtool.locking.solve import SolveRequest, python_version, solve_conda
    from envtool.urls import strip_credentials

    spec = compose(specs).for_platform(target.platform)
    request = SolveRequest(
        target, spec, manifest.channel_priority, mirrors, manifest.path.parent,
        locked=keep_conda, exclude_newer=manifest.exclude_newer,
    )  # fmt: skip
    conda = await solve_conda(request, gateway)  # type: ignore[arg-type]
    pip: tuple[PipPackage, ...] = ()
    options: tuple[str, ...] = ()
    if spec.pip:
        python = python_version(conda)
        if python is None:
            raise SpecError(
                spec.pip[0].origin,
                f"target {target.name!r} has pip requirements but no python in its conda dependencies",
                "add 'python=3.X' and 'pip' to dependencies",
            )
        pip_request = PipRequest(
            target,
            spec.pip,
            python,
            conda_python_packages(conda),
            manifest.pypi,
            manifest.path.parent,
            preferences=keep_pip,
            constraints=spec.pip_constraints,
            options=spec.pip_options,
            mirrors=mirrors,
        )
        pip = await resolve_pip(pip_request)
        options = env_file_options(pip_request)
    fp = fingerprint(manifest, target, specs)
    return TargetLock(
        target=target.name,
        platform=target.platform,
        name=spec.name or target.name,
        channels=tuple(strip_credentials(c) for c in request.spelled_channels),  # as spelled, minus credentials
        conda=conda,
        pip=pip,
        variables=dict(spec.variables),
        input_hash=fp.digest,
        inputs=dict(fp.inputs),
        files=file_digests(manifest.root, [*source_files(manifest.path, target.specs), *spec.included]),
        pip_options=options,
    )


def _kept_group_members(manifest: Manifest, lock_dir: Path, to_solve: list[Target]) -> dict[str, TargetLock]:
    """The current locks of the group members not being solved (rewritten unchanged beside the solved ones)."""
    from envtool.locking.update import previous_locks

    solving = {t.name for t in to_solve}
    members = [m for g in sorted({t.lockfile for t in to_solve}) for m in manifest.group(g)]
    return previous_locks(manifest, lock_dir, [m for m in members if m.name not in solving and not m.pending])


def _render_all(
    manifest: Manifest, lock_dir: Path, solved: list[TargetLock], kept: dict[str, TargetLock]
) -> dict[Path, str]:
    from envtool.lockfiles.conda_lock import conda_lock_sources, render_conda_lock
    from envtool.lockfiles.env_file import render_env_file
    from envtool.lockfiles.explicit import render_explicit

    files: dict[Path, str] = {}
    by_name = {**kept, **{lk.target: lk for lk in solved}}
    for lk in solved:
        paths = lock_paths(lock_dir, manifest.targets[lk.target])
        files[paths["env"]] = render_env_file(_rel_path(manifest, paths["env"]), lk)
        files[paths["explicit"]] = render_explicit(_rel_path(manifest, paths["explicit"]), lk)
    for group in sorted({manifest.targets[lk.target].lockfile for lk in solved}):
        members = [t for t in manifest.group(group) if t.name in by_name]
        path = lock_dir / f"{group}-lock.yml"
        sources = conda_lock_sources(lock_dir, [p for t in members for p in t.specs])
        files[path] = render_conda_lock(_rel_path(manifest, path), [by_name[t.name] for t in members], sources)
    return files


def _rel_path(manifest: Manifest, path: Path) -> Path:
    try:
        return path.resolve().relative_to(manifest.root.resolve())
    except ValueError:
        return path


__all__ = ["Fingerprint", "LockRequest", "LockResult", "TargetStatus", "check", "lock", "status"]
