"""``envtool add`` / ``envtool remove``: edit spec files, then re-lock the targets that compose them.

The spec files are rewritten first (round-trip, see :mod:`envtool.inputs.edit`),
then the affected targets are re-solved keeping every other package at its
locked version. If the solve fails or is interrupted, the spec files get their
old text back, so specs and locks never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from envtool.errors import SpecError
from envtool.inputs.edit import plan_edit
from envtool.inputs.mirrors import MirrorMap
from envtool.inputs.targets import Manifest, load_manifest
from envtool.locking.lock import LockRequest, LockResult, Progress, lock


@dataclass(frozen=True)
class EditRequest:
    """What ``envtool add``/``remove`` was asked to do."""

    manifest: Path
    verb: str  # "add" or "remove"
    specs: tuple[str, ...]
    pip: bool = False
    file: Path | None = None
    relock: bool = True
    mirrors: MirrorMap = field(default_factory=MirrorMap)
    cache_dir: Path | None = None


@dataclass(frozen=True)
class EditResult:
    """The spec files changed, the targets that compose them, and the re-lock (``None`` with ``--no-lock``)."""

    files: tuple[Path, ...]
    targets: tuple[str, ...]
    locked: LockResult | None


def edit_specs(request: EditRequest, progress: Progress | None = None) -> EditResult:
    """Edit the spec files and re-lock; on failure the spec files are left as they were."""
    from envtool.atomic import replace_all

    manifest = load_manifest(request.manifest)
    file = _spec_file(manifest, request.file) if request.file is not None else None
    texts = plan_edit(manifest, request.verb, request.specs, pip=request.pip, file=file)
    changed = {p.resolve() for p in texts}
    affected = tuple(
        t.name for t in manifest.targets.values() if not t.pending and any(p.resolve() in changed for p in t.specs)
    )
    old = {path: path.read_text(encoding="utf-8") for path in texts}
    replace_all(texts)
    if not request.relock or not affected:
        return EditResult(tuple(texts), affected, None)
    try:
        locked = lock(
            LockRequest(
                manifest=request.manifest, targets=affected, keep_locked=True,
                mirrors=request.mirrors, cache_dir=request.cache_dir,
            ),
            progress,
        )  # fmt: skip
    except BaseException:
        replace_all(old)
        raise
    return EditResult(tuple(texts), affected, locked)


def _spec_file(manifest: Manifest, given: Path) -> Path:
    """``--file``: a spec file some target composes (as a path, or a name in ``environments/``)."""
    known = {p.resolve(): p for t in manifest.targets.values() for p in t.specs}
    for candidate in (given, manifest.path.parent / given):
        if candidate.resolve() in known:
            return known[candidate.resolve()]
    raise SpecError(
        str(given),
        "no target composes this spec file",
        f"pass one of: {', '.join(sorted({p.name for p in known.values()}))}, or list it under a target's specs",
    )
