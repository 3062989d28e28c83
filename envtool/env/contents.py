"""Every installed file checked against the hash its installer recorded.

The conda half: each ``conda-meta/*.json`` record lists its files in
``paths_data`` with the sha256 of the file in the package and, where the
installer rewrote a prefix placeholder, ``sha256_in_prefix``: the hash of the
file as written into this environment. As ``conda doctor`` does, a file is
compared with ``sha256_in_prefix`` when recorded, else with ``sha256``;
``.pyc``/``.pyo`` files (written by Python itself) and symbolic links are not
hashed (a link must still exist). The pip half: each wheel's ``RECORD`` (the
urlsafe-base64 sha256 of every file; rows without a hash, such as ``RECORD``
itself, are skipped).

Files are hashed in parallel threads (hashlib releases the GIL), where
``conda doctor`` hashes one file after another.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

_SKIPPED_SUFFIXES = (".pyc", ".pyo")
_NOT_HASHED_TYPES = {"softlink", "directory"}


@dataclass(frozen=True)
class Expected:
    """One installed file and the sha256 (hex) it must have; ``None``: it must only exist."""

    package: str
    manager: Literal["conda", "pip"]
    path: str  # relative to the prefix, forward slashes
    sha256: str | None


@dataclass(frozen=True)
class FileProblem:
    """A file that is missing or whose bytes differ from what its installer recorded."""

    package: str
    manager: Literal["conda", "pip"]
    path: str
    kind: Literal["missing", "altered"]


def conda_expected(records: Iterable[Mapping[str, Any]]) -> list[Expected]:
    """What every conda record says its files must be."""
    out: list[Expected] = []
    for record in records:
        name = str(record.get("name", ""))
        paths = (record.get("paths_data") or {}).get("paths") or []
        if not paths:  # records of old installers list files without hashes: they must exist
            out += [
                Expected(name, "conda", str(f), None)
                for f in record.get("files") or ()
                if not str(f).endswith(_SKIPPED_SUFFIXES)
            ]
            continue
        for entry in paths:
            path = str(entry.get("_path", ""))
            if not path or path.endswith(_SKIPPED_SUFFIXES):
                continue
            if entry.get("path_type") in _NOT_HASHED_TYPES:
                out.append(Expected(name, "conda", path, None))
            else:
                digest = entry.get("sha256_in_prefix") or entry.get("sha256")
                out.append(Expected(name, "conda", path, str(digest).lower() if digest else None))
    return out


def pip_expected(prefix: Path, dist_infos: Mapping[str, str]) -> list[Expected]:
    """What each wheel's ``RECORD`` says its files must be (``dist_infos``: name -> dist-info path)."""
    out: list[Expected] = []
    for name, location in sorted(dist_infos.items()):
        info = prefix / location
        try:
            text = (info / "RECORD").read_text(encoding="utf-8")
        except OSError:
            out.append(Expected(name, "pip", f"{location}/RECORD", None))
            continue
        site = info.parent
        for row in csv.reader(io.StringIO(text)):
            if len(row) < 2 or not row[1].startswith("sha256=") or row[0].endswith(_SKIPPED_SUFFIXES):
                continue
            digest = base64.urlsafe_b64decode(row[1][len("sha256=") :] + "==").hex()
            where = Path(os.path.normpath(site / row[0]))
            relative = where.relative_to(prefix).as_posix() if where.is_relative_to(prefix) else where.as_posix()
            out.append(Expected(name, "pip", relative, digest))
    return out


def check_files(prefix: Path, expected: Sequence[Expected]) -> list[FileProblem]:
    """The files of ``expected`` that are missing or altered, in the order given.

    One batch per worker thread: handing the pool one small file at a time
    costs more than hashing it.
    """
    workers = max(1, min(16, os.cpu_count() or 1, len(expected) // 64))
    batches = [list(enumerate(expected))[i::workers] for i in range(workers)]

    def run(batch: list[tuple[int, Expected]]) -> list[tuple[int, FileProblem]]:
        found = []
        for index, want in batch:
            problem = _check(prefix, want)
            if problem is not None:
                found.append((index, problem))
        return found

    if workers == 1:
        results = run(batches[0]) if batches else []
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = [item for found in pool.map(run, batches) for item in found]
    return [problem for _, problem in sorted(results, key=lambda item: item[0])]


def _check(prefix: Path, want: Expected) -> FileProblem | None:
    path = prefix / want.path
    try:
        if want.sha256 is None:
            return None if os.path.lexists(path) else FileProblem(want.package, want.manager, want.path, "missing")
        with path.open("rb") as handle:
            digest = _FILE_DIGEST(handle, "sha256").hexdigest() if _FILE_DIGEST else _sha256(handle)
    except FileNotFoundError:
        return FileProblem(want.package, want.manager, want.path, "missing")
    except OSError:
        return FileProblem(want.package, want.manager, want.path, "altered")  # a folder, or unreadable
    return None if digest == want.sha256 else FileProblem(want.package, want.manager, want.path, "altered")


_FILE_DIGEST: Any = getattr(hashlib, "file_digest", None)  # Python >= 3.11: the read loop runs in C


def _sha256(handle: BinaryIO) -> str:
    sha = hashlib.sha256()
    while chunk := handle.read(1 << 20):
        sha.update(chunk)
    return sha.hexdigest()
