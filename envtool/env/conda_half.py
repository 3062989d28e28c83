"""The conda half of an environment, installed with rattler: records, checks, linking, ``conda-meta``.

Conda packages carry their build prefix inside text and binary files, which an
installer rewrites to the environment's prefix. Rattler writes the *final*
prefix while linking into the staging folder (``alternative_target_prefix``),
so nothing refers to the staging path once :mod:`envtool.env.staging` moves it
into place.

Packages come from the lock's canonical URLs, or from a mirror
(:class:`~envtool.inputs.mirrors.MirrorMap`), and land in a shared package cache
(:func:`envtool.caches.package_cache_dir`). Every package is checked against
the lock's sha256 (or md5 when the lock has no sha256) as rattler downloads
it; ``file://`` packages, which rattler reads without checking, are hashed
here first. A cached package is linked only when its archive is known to have
the lock's hash (:mod:`envtool.env.package_cache`); otherwise it is evicted
and fetched again, and checked as it downloads.

:func:`plan_conda` does every check that needs no destination (hashes in the
lock, the cache, local files, ``--offline``); :func:`install_conda` then links
into the staging folder and completes the ``conda-meta`` records.

>>> build_number("py39h6a678d5_2"), build_number("0"), build_number("pyhd8ed1ab_")
(2, 0, 0)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from envtool.atomic import signals_deferred
from envtool.env.package_cache import evict_untrusted, partial_entries, remember, remove_partial
from envtool.env.rattler_calls import progress_reporter, run
from envtool.errors import EnvtoolError, HashMismatchError, InstallError, LockFormatError
from envtool.inputs.mirrors import MirrorMap
from envtool.model import CondaPackage, TargetLock, package_stem
from envtool.urls import has_credentials, local_path, strip_credentials

if TYPE_CHECKING:
    import rattler

    from envtool.env.progress import InstallProgress

_INDEX_KEYS = ("build_number", "noarch", "license", "license_family", "timestamp", "constrains",
               "track_features", "features", "arch", "platform")  # fmt: skip


@dataclass(frozen=True)
class CondaPlan:
    """The conda half, checked before anything is written: one rattler record per locked package.

    ``cached[i]`` says whether the package cache already held ``records[i]``
    (whose record is then completed from the cached ``info/index.json``).
    """

    lock: TargetLock
    records: tuple[rattler.RepoDataRecord, ...]
    cached: tuple[bool, ...]
    pkgs_dir: Path
    mirrors: MirrorMap

    @property
    def downloads(self) -> int:
        """How many packages rattler will download (neither cached nor ``file://``)."""
        return sum(
            1 for r, ok in zip(self.records, self.cached, strict=True) if not ok and not r.url.startswith("file:")
        )


def plan_conda(lock: TargetLock, mirrors: MirrorMap, pkgs_dir: Path, offline: bool) -> CondaPlan:
    """Records for ``lock``'s conda half; refuse missing hashes, damaged local files, or a cold ``--offline``."""
    records = conda_records(lock, mirrors)
    cached = _check_sources(lock, records, pkgs_dir, offline)
    completed = [_from_cache(r, pkgs_dir) if ok else r for r, ok in zip(records, cached, strict=True)]
    return CondaPlan(lock, tuple(completed), tuple(cached), pkgs_dir, mirrors)


def install_conda(plan: CondaPlan, *, staging: Path, final: Path, progress: InstallProgress | None) -> None:
    """Link ``plan`` into ``staging`` (files name ``final``), then complete its ``conda-meta`` records."""
    _link_conda(plan, staging=staging, final=final, progress=progress)
    _readable_records(staging)
    lock, records = plan.lock, plan.records
    mirrored = {r.file_name for r, pkg in zip(records, lock.conda, strict=True) if r.url != pkg.url}
    fresh = {r.file_name for r, ok in zip(records, plan.cached, strict=True) if not ok}
    _finish_conda_meta(staging, lock, mirrored | fresh)
    (staging / "CACHEDIR.TAG").unlink(missing_ok=True)  # rattler tags the prefix; backup tools would skip it
    new = [
        (pkg, r.url.startswith("file:")) for pkg, r, ok in zip(lock.conda, records, plan.cached, strict=True) if not ok
    ]
    remember([pkg for pkg, _ in new], [local for _, local in new], plan.pkgs_dir)


def build_number(build: str) -> int:
    """The build number conda encodes at the end of a build string (0 if none)."""
    match = re.search(r"(?:^|_)(\d+)$", build)
    return int(match.group(1)) if match else 0


def conda_records(lock: TargetLock, mirrors: MirrorMap) -> list[rattler.RepoDataRecord]:
    """Rattler records for the lock's conda packages.

    A record keeps its canonical URL (what ``conda-meta`` should show) unless a
    ``file://`` mirror, or one with credentials, serves it; other ``http(s)://``
    mirrors apply in the download client (:func:`_client`), as rattler cannot
    read ``file://`` through one. ``conda-meta`` gets canonical URLs back
    afterwards (:func:`_finish_conda_meta`).
    """
    from rattler import BuildString, PackageRecord, RepoDataRecord

    records = []
    for pkg in lock.conda:
        md5, sha256 = _hash_bytes(lock, pkg)
        record = PackageRecord(
            name=pkg.name, version=pkg.version, build=BuildString(pkg.build),
            build_number=build_number(pkg.build), subdir=pkg.subdir, depends=list(pkg.depends),
            md5=md5, sha256=sha256,
        )  # fmt: skip
        mirrored = mirrors.to_mirror(pkg.url)
        # the download client sends a URL's user-info as basic auth only when the request is
        # built, not after the mirror middleware rewrote it: mirrors with credentials go direct
        url = mirrored if mirrored.startswith("file:") or has_credentials(mirrored) else pkg.url
        records.append(RepoDataRecord(record, pkg.filename, url, pkg.channel))
    return records


def _client(mirrors: MirrorMap) -> rattler.Client:
    """A download client sending canonical URLs to their ``http(s)://`` mirrors, with stored credentials.

    Credentials come from rattler's authentication storage (``RATTLER_AUTH_FILE``,
    keyring, netrc); a mirror URL's own user-info is sent directly (:func:`conda_records`).
    """
    from rattler.networking import AuthenticationMiddleware, Client, MirrorMiddleware, RetryMiddleware

    # locks name channels without credentials: key the mirrors the same way
    remote = {strip_credentials(c): [m] for c, m in mirrors.mirrors.items() if not m.startswith("file:")}
    if not remote:
        return Client.default_client()
    return Client([RetryMiddleware(), MirrorMiddleware(remote), AuthenticationMiddleware()])


def _from_cache(record: rattler.RepoDataRecord, pkgs_dir: Path) -> rattler.RepoDataRecord:
    """The record completed from the cached package's ``info/index.json`` (noarch, license...).

    Done before linking so that rattler writes complete ``conda-meta`` records
    at once: rewriting them afterwards costs more than linking small packages.
    """
    from rattler import PackageRecord, RepoDataRecord

    index = pkgs_dir / package_stem(record.file_name) / "info" / "index.json"
    sha256, md5 = record.sha256, record.md5
    try:
        full = PackageRecord.from_index_json(
            index, sha256=sha256.hex() if sha256 else None, md5=md5.hex() if md5 else None
        )
    except Exception:  # rattler raises its own types; the plain record still installs
        return record
    return RepoDataRecord(full, record.file_name, record.url, record.channel)


def _hash_bytes(lock: TargetLock, pkg: CondaPackage) -> tuple[bytes | None, bytes | None]:
    where = f"lock of target {lock.target!r}"
    if not pkg.md5 and not pkg.sha256:
        raise LockFormatError(
            where,
            f"conda package {pkg.filename} has no md5 or sha256",
            "re-lock with 'envtool lock --force'; envtool installs nothing it cannot check",
        )
    try:
        return (
            bytes.fromhex(pkg.md5) if pkg.md5 else None,
            bytes.fromhex(pkg.sha256) if pkg.sha256 else None,
        )
    except ValueError:
        raise LockFormatError(
            where,
            f"conda package {pkg.filename} has a malformed hash",
            "re-lock with 'envtool lock --force'",
        ) from None


def _check_sources(
    lock: TargetLock, records: Sequence[rattler.RepoDataRecord], pkgs_dir: Path, offline: bool
) -> list[bool]:
    """Which records the cache holds; refuse what rattler would not check.

    Offline, every package must be cached or local; a ``file://`` package that
    is not cached is hashed here, as rattler reads local files unchecked.
    """
    from rattler import PackageCache

    index = run(PackageCache(pkgs_dir).index(), settle=False)
    cached = evict_untrusted(lock.conda, records, [index.contains_record(r) for r in records], pkgs_dir)
    local = [r.url.startswith("file:") for r in records]
    if offline:
        missing = [r.file_name for r, c, f in zip(records, cached, local, strict=True) if not (c or f)]
        if missing:
            raise InstallError(
                str(pkgs_dir),
                f"{len(missing)} package(s) are not in the cache, e.g. {missing[0]}",
                "run once without --offline to fill the cache, or use a file:// --mirror",
            )
    todo = [(p, r) for p, r, c, f in zip(lock.conda, records, cached, local, strict=True) if f and not c]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for problem in pool.map(lambda pr: _check_local_file(*pr), todo):
            if problem is not None:
                raise problem
    return cached


def _check_local_file(pkg: CondaPackage, record: rattler.RepoDataRecord) -> EnvtoolError | None:
    path = local_path(record.url)
    md5, sha256 = hashlib.md5(), hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                md5.update(chunk)
                sha256.update(chunk)
    except FileNotFoundError:
        return InstallError(
            record.url,
            f"package {pkg.filename} not found",
            "check that the channel or --mirror holds it; re-lock if it was removed",
        )
    except OSError as exc:
        return InstallError(
            record.url,
            f"cannot read package {pkg.filename} ({exc.strerror})",
            "check the mirror folder's permissions",
        )
    if pkg.sha256 and sha256.hexdigest() != pkg.sha256.lower():
        return _mismatch(record.url, "sha256", sha256.hexdigest(), pkg.sha256)
    if pkg.md5 and md5.hexdigest() != pkg.md5.lower():
        return _mismatch(record.url, "md5", md5.hexdigest(), pkg.md5)
    return None


def _mismatch(url: str, kind: str, got: str, expected: str) -> HashMismatchError:
    return HashMismatchError(
        url,
        f"{kind} is {got}, the lock says {expected}",
        "the file is corrupt or was changed; restore it on the channel/mirror, or re-lock if the change is intended",
    )


def _link_conda(plan: CondaPlan, *, staging: Path, final: Path, progress: InstallProgress | None) -> None:
    """Link the conda half into ``staging``, writing ``final`` into files."""
    from rattler import Subdir, install
    from rattler.exceptions import InstallerError

    records = list(plan.records)
    reporter = progress_reporter(progress, len(records)) if progress is not None and progress.per_package else None
    if progress is not None:
        progress.begin("conda", len(records))
    fetching = [package_stem(r.file_name) for r, ok in zip(records, plan.cached, strict=True) if not ok]
    before = partial_entries(plan.pkgs_dir, fetching)
    try:
        run(
            install(
                records, target_prefix=staging, alternative_target_prefix=final, cache_dir=plan.pkgs_dir,
                installed_packages=[], platform=Subdir(plan.lock.platform), execute_link_scripts=False,
                show_progress=False,  # rattler's bars crash the interpreter at exit now and then
                reporter=reporter, client=_client(plan.mirrors),
            )
        )  # fmt: skip
    except InstallerError as exc:
        remove_partial(plan.pkgs_dir, fetching, before)
        raise installer_error(str(exc), records, final, plan.mirrors) from None
    except BaseException:
        with signals_deferred():
            remove_partial(plan.pkgs_dir, fetching, before)
        raise
    finally:
        if reporter is not None:
            reporter.close()
        if progress is not None:
            progress.end("conda")


_NOT_FOUND_FIX = "check that the channel or --mirror holds it; re-lock if the channel removed it"
# (pattern, where: "url" or "dir", what, fix); "{last}" is rattler's innermost cause
_RULES: tuple[tuple[str, str, str, str], ...] = (
    (r"No space left on device|os error 28", "dir", "no space left on device",
     "free some space, or choose another -p PREFIX"),
    (r"Permission denied|Read-only file system|os error (13|30)", "dir", "cannot write ({last})",
     "choose a writable -p PREFIX"),
    (r"error sending request|connect|dns error|timed out", "url", "cannot download ({last})",
     "check your network or --mirror; --offline works only from a warm cache"),
    (r"failed to fetch", "url", "unreadable package ({last})",
     "the file is damaged; restore it on the channel/mirror"),
)  # fmt: skip


def installer_error(
    message: str,
    records: Sequence[rattler.RepoDataRecord],
    final: Path,
    mirrors: MirrorMap | None = None,
) -> InstallError:
    """Turn rattler's multi-line installer error into one error naming URL, value and fix.

    Rattler names canonical URLs even when a mirror served them; the error
    names the URL really fetched.

    >>> err = installer_error("failed to fetch a-1-0.conda\\nCaused by: HTTP status client "
    ...     "error (404 Not Found) for url (http://m/a-1-0.conda)", [], Path("/env"))
    >>> err.where, err.what
    ('http://m/a-1-0.conda', 'not found (HTTP 404)')
    """
    causes = [line.removeprefix("Caused by:").strip() for line in message.splitlines()]
    last = next((c for c in reversed(causes) if c), message)
    fetched = re.search(r"failed to fetch (\S+)", message)
    name = fetched.group(1) if fetched else ""
    url = next((r.url for r in records if r.file_name == name), name or str(final))
    if found := re.search(r"for url \((\S+)\)", message):
        url = found.group(1)
    url = (mirrors or MirrorMap()).to_mirror(url)
    mismatch = re.search(r"hash mismatch when extracting (\S+) to .*?: expected (\w+), got (\w+)", message)
    if mismatch:
        kind = "sha256" if len(mismatch.group(2)) == 64 else "md5"
        where = (mirrors or MirrorMap()).to_mirror(mismatch.group(1))
        return _mismatch(where, kind, mismatch.group(3), mismatch.group(2))
    if status := re.search(r"HTTP status (?:client|server) error \((\d+)[^)]*\)", message):
        if status.group(1) == "404":
            return InstallError(url, "not found (HTTP 404)", _NOT_FOUND_FIX)
        return InstallError(
            url,
            f"download failed (HTTP {status.group(1)})",
            "check the channel or --mirror, then retry",
        )
    for pattern, where, what, fix in _RULES:
        if re.search(pattern, message, re.IGNORECASE):
            place = url if where == "url" else str(final.parent)
            return InstallError(place, what.format(last=last), fix)
    return InstallError(
        str(final),
        f"installing the conda packages failed ({last})",
        "re-run with 'envtool -v' for details",
    )


def _finish_conda_meta(staging: Path, lock: TargetLock, file_names: set[str]) -> None:
    """Complete the ``conda-meta`` records of ``file_names`` as conda would write them.

    Those are packages that were not cached before (so no ``index.json`` was
    known) or came from a ``file://`` mirror (so rattler recorded the mirror's
    URL): set the canonical URL and take ``noarch``, ``license``... from the
    package's ``info/index.json``.
    """
    if not file_names:
        return
    by_file = {pkg.filename: pkg for pkg in lock.conda if pkg.filename in file_names}
    paths = [p for p in (staging / "conda-meta").glob("*.json") if p.stem in {package_stem(f) for f in by_file}]
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        list(pool.map(lambda path: _finish_record(path, by_file), paths))


def _readable_records(staging: Path) -> None:
    """Give ``conda-meta/*.json`` the mode of rattler's ``history`` file (umask-based).

    Rattler writes the records 0600, so another user's ``conda list`` or
    ``envtool verify`` of a shared environment could not read them.
    """
    meta = staging / "conda-meta"
    try:
        mode = (meta / "history").stat().st_mode & 0o666
    except OSError:
        return
    for path in meta.glob("*.json"):
        path.chmod(mode)


def _finish_record(path: Path, by_file: dict[str, CondaPackage]) -> None:
    data = json.loads(path.read_bytes())
    pkg = by_file.get(str(data.get("fn", "")))
    if pkg is None:
        return
    data["url"], data["channel"] = pkg.url, pkg.channel
    extracted = data.get("extracted_package_dir")
    try:
        index = json.loads((Path(extracted) / "info" / "index.json").read_bytes()) if extracted else {}
    except (OSError, ValueError):
        index = {}
    data.update({k: index[k] for k in _INDEX_KEYS if k in index})
    path.unlink()  # a new file: rewriting one in place makes ext4 flush it
    path.write_text(json.dumps(data), encoding="utf-8")  # the C encoder: indenting is 5x slower
