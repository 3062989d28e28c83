"""Cached conda packages are checked against the lock before they are linked.

Rattler's package cache keeps each package extracted (``pkgs/<stem>/``) beside
a ``pkgs/<stem>.lock`` file that records a revision and, when the package was
fetched for a record that had one, its sha256. A cache entry is trusted only
when the hash the lock pins is known to be the hash of the archive it came
from:

* the lock has a sha256: the one rattler recorded, or the one envtool recorded;
* the lock has only an md5: the one envtool recorded (rattler keeps none, and
  keys such entries by name-version-build only, so any archive of that name
  would do).

envtool records, in ``pkgs-verified/<stem>.json`` beside the cache, the hashes
it saw checked when it filled an entry (every hash of a local file, which it
hashes itself; the hash rattler checked while downloading). An entry that
cannot be trusted is evicted, under rattler's own per-entry file lock, so it
is fetched again and checked as it downloads: a package whose bytes do not
match the lock is never linked.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from envtool.model import CondaPackage, package_stem

if TYPE_CHECKING:
    import rattler

#: rattler's ``<stem>.lock``: an 8-byte revision, then the 32-byte sha256 when known
_REVISION_BYTES = 8
_SHA256_BYTES = 32


def verified_dir(pkgs_dir: Path) -> Path:
    """Where envtool records the hashes it saw checked for each cache entry."""
    return pkgs_dir.parent / f"{pkgs_dir.name}-verified"


def trusted(pkg: CondaPackage, pkgs_dir: Path) -> bool:
    """Whether the cache entry for ``pkg`` is known to come from an archive with the lock's hash."""
    stem = package_stem(pkg.filename)
    seen = _recorded(pkgs_dir, stem)
    if pkg.sha256:
        want = pkg.sha256.lower()
        return seen.get("sha256") == want or _rattler_sha256(pkgs_dir, stem) == want
    return bool(pkg.md5) and seen.get("md5") == pkg.md5.lower()


def evict_untrusted(
    packages: Sequence[CondaPackage], records: Sequence[rattler.RepoDataRecord], cached: list[bool], pkgs_dir: Path
) -> list[bool]:
    """``cached``, with every entry that cannot be trusted evicted from the cache (and now ``False``)."""
    out = list(cached)
    for i, (pkg, record) in enumerate(zip(packages, records, strict=True)):
        if out[i] and not trusted(pkg, pkgs_dir):
            evict(pkgs_dir, package_stem(record.file_name))
            out[i] = False
    return out


def evict(pkgs_dir: Path, stem: str) -> None:
    """Remove a cache entry, holding rattler's lock on it so no installer reads it meanwhile."""
    from filelock import FileLock

    lock_file = pkgs_dir / f"{stem}.lock"
    with FileLock(lock_file):
        shutil.rmtree(pkgs_dir / stem, ignore_errors=True)
        (verified_dir(pkgs_dir) / f"{stem}.json").unlink(missing_ok=True)
    lock_file.unlink(missing_ok=True)


def remember(packages: Sequence[CondaPackage], local: Sequence[bool], pkgs_dir: Path) -> None:
    """Record the hashes checked for newly cached packages (all of a local file's; the one rattler checks)."""
    folder = verified_dir(pkgs_dir)
    with contextlib.suppress(OSError):  # a read-only shared cache: entries are then fetched again
        folder.mkdir(parents=True, exist_ok=True)
        for pkg, is_local in zip(packages, local, strict=True):
            hashes: dict[str, str] = {}
            if pkg.sha256:
                hashes["sha256"] = pkg.sha256.lower()
            if pkg.md5 and (is_local or not pkg.sha256):
                hashes["md5"] = pkg.md5.lower()
            stem = package_stem(pkg.filename)
            temp = folder / f".{stem}.json.tmp"
            temp.write_text(json.dumps(hashes, sort_keys=True), encoding="utf-8")
            temp.replace(folder / f"{stem}.json")


def _recorded(pkgs_dir: Path, stem: str) -> dict[str, str]:
    try:
        data = json.loads((verified_dir(pkgs_dir) / f"{stem}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: str(v).lower() for k, v in data.items()} if isinstance(data, dict) else {}


def _rattler_sha256(pkgs_dir: Path, stem: str) -> str | None:
    try:
        data = (pkgs_dir / f"{stem}.lock").read_bytes()
    except OSError:
        return None
    if len(data) < _REVISION_BYTES + _SHA256_BYTES:
        return None
    return data[_REVISION_BYTES : _REVISION_BYTES + _SHA256_BYTES].hex()


def partial_entries(pkgs_dir: Path, stems: Sequence[str]) -> set[Path]:
    """Half-extracted entries of ``stems``: rattler's ``.<stem><random>`` temporary folders."""
    try:
        names = [p for p in pkgs_dir.iterdir() if p.name.startswith(".") and p.is_dir()]
    except OSError:
        return set()
    wanted = tuple(f".{stem}" for stem in stems)
    return {p for p in names if p.name.startswith(wanted) and p.name[1:] not in stems}


def remove_partial(pkgs_dir: Path, stems: Sequence[str], before: set[Path]) -> None:
    """Remove the temporary folders an interrupted fetch of ``stems`` left (not those there ``before``).

    Retried for a moment, as rattler's worker threads may still be writing
    just after the cancel.
    """
    import time

    for _ in range(10):
        left = partial_entries(pkgs_dir, stems) - before
        if not left:
            return
        for path in left:
            shutil.rmtree(path, ignore_errors=True)
        time.sleep(0.02)
