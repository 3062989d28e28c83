"""Is a target's lock fresh? Decided from digests of raw bytes first, parsing only what changed.

Every lock header records, per target, a digest of the bytes of each input file
(the manifest and the target's spec files) and the fingerprint of the parsed
inputs; every lock file carries a digest of its own text. A target is fresh
when its three files are intact and the bytes of its inputs are unchanged.
Only when an input's bytes differ are the inputs parsed and fingerprinted (a
comment-only edit leaves a lock fresh), and the reason names what changed.

``envtool check`` on an unchanged project therefore parses no YAML at all: the
manifest's targets are remembered in envtool's cache, keyed by the digest of
the manifest's bytes (:func:`remember_manifest`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envtool.inputs.fingerprint import LOCK_FORMAT, Fingerprint, file_digests, source_files
from envtool.lockfiles.header import GENERATED, MARK, body_intact, parse_header


@dataclass(frozen=True)
class TargetStatus:
    """Whether a target's locks match its inputs; ``reasons`` says what changed."""

    target: str
    fresh: bool
    reasons: tuple[str, ...] = ()
    pending: str | None = None


@dataclass(frozen=True)
class TargetFiles:
    """What freshness needs to know of a target: its name, specs, conda-lock group, pending reason."""

    name: str
    specs: tuple[Path, ...]
    lockfile: str
    pending: str | None = None


class Undecided(Exception):
    """The raw bytes changed and no parsed fingerprint was at hand."""


def lock_paths(lock_dir: Path, name: str, lockfile: str) -> dict[str, Path]:
    """The three files of a target: env file, explicit file, conda-lock group file."""
    return {
        "env": lock_dir / f"{name}.yml",
        "explicit": lock_dir / f"{name}-explicit.txt",
        "conda-lock": lock_dir / f"{lockfile}-lock.yml",
    }


def target_status(
    root: Path,
    manifest_path: Path,
    target: TargetFiles,
    lock_dir: Path,
    current: Callable[[], Fingerprint] | None,
) -> TargetStatus:
    """Compare ``target``'s three lock files with its inputs.

    ``current`` computes the parsed fingerprint when the bytes of an input
    changed; without it such a target raises :class:`Undecided`.
    """
    paths = lock_paths(lock_dir, target.name, target.lockfile)
    if target.pending and not paths["env"].is_file():
        return TargetStatus(target.name, True, (), target.pending)
    files = file_digests(root, source_files(manifest_path, target.specs))
    generated = GENERATED.format(format=LOCK_FORMAT)
    fingerprint: Fingerprint | None = None
    reasons: list[str] = []
    for kind, path in paths.items():
        shown = _rel(root, path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            reasons.append(f"{shown} is missing")
            continue
        except (OSError, UnicodeDecodeError):
            reasons.append(f"{shown} is unreadable")
            continue
        if not text.startswith(MARK):  # a hand-made or foreign file: envtool lock replaces it
            reasons.append(f"{shown} was not written by envtool (no envtool header)")
            continue
        stamp = parse_header(text, str(path)).get(target.name)  # an unknown lock format is bad input
        intact = body_intact(text)
        if intact is not True:
            what = "was edited or truncated since envtool wrote it" if intact is False else "has no body digest"
            reasons.append(f"{shown} {what}")
            continue
        if stamp is None:
            reasons.append(f"{shown} holds no {kind} lock of {target.name}")
            continue
        # Files a spec reads in (its pip list's -r/-c files) are recorded too; digest them now.
        extra = [root / label for label in stamp.files if label not in files]
        now = {**files, **file_digests(root, extra)} if extra else files
        if stamp.files == now and text.startswith(generated):
            continue  # the same bytes as when this lock was written
        if current is None:
            raise Undecided(target.name)
        fingerprint = fingerprint or current()
        if stamp.input_hash != fingerprint.digest:
            changed = fingerprint.changed(stamp.inputs) or ["inputs"]
            reasons.append(f"{', '.join(changed)} changed since {shown} was written")
    return TargetStatus(target.name, not reasons, tuple(dict.fromkeys(reasons)))


def quick_check(manifest_path: Path, names: Sequence[str], lock_dir: Path | None) -> list[TargetStatus] | None:
    """Every selected target's status from raw bytes alone, or ``None`` when that cannot decide."""
    try:
        digest = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
        remembered = json.loads(_memo_path(manifest_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(remembered, dict) or remembered.get("manifest") != digest:
        return None
    targets = [_target_files(entry) for entry in remembered.get("targets", [])]
    if any(name not in {t.name for t in targets} for name in names):
        return None  # the full path reports the unknown name
    root = manifest_path.parent.parent
    folder = lock_dir or root / "locks"
    try:
        return [target_status(root, manifest_path, t, folder, None) for t in targets if not names or t.name in names]
    except Undecided:
        return None


def describe(statuses: Sequence[TargetStatus]) -> list[str]:
    """What ``envtool check`` says about ``statuses``, one line each, and how to fix stale ones."""
    lines = []
    for s in statuses:
        if s.pending:
            lines.append(f"{s.target}: pending (not locked): {s.pending}")
        elif s.fresh:
            lines.append(f"{s.target}: up to date")
        else:
            lines.append(f"{s.target}: stale: {'; '.join(s.reasons)}")
    stale = " ".join(f"--target {s.target}" for s in statuses if not s.fresh)
    if stale:
        lines.append(f"run 'envtool lock {stale}' to update the stale locks")
    return lines


def remember_manifest(manifest_path: Path, targets: Sequence[TargetFiles]) -> None:
    """Remember a parsed manifest's targets under the digest of its bytes, for :func:`quick_check`.

    Best effort: a cache that cannot be written only costs the next check a parse.
    """
    try:
        digest = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
        data = {
            "manifest": digest,
            "targets": [
                {"name": t.name, "specs": [str(p) for p in t.specs], "lockfile": t.lockfile, "pending": t.pending}
                for t in targets
            ],
        }
        path = _memo_path(manifest_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(json.dumps(data), encoding="utf-8")
        temp.replace(path)
    except OSError:
        return


def _memo_path(manifest_path: Path) -> Path:
    from envtool.caches import envtool_cache_dir

    key = hashlib.sha256(str(manifest_path.resolve()).encode("utf-8")).hexdigest()[:16]
    return envtool_cache_dir() / "check" / f"{key}.json"


def _target_files(entry: Any) -> TargetFiles:
    return TargetFiles(
        str(entry["name"]), tuple(Path(p) for p in entry["specs"]), str(entry["lockfile"]), entry.get("pending")
    )


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
