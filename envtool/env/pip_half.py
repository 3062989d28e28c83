"""The pip half of ``envtool create``: install the lock's wheels with uv, then relocate them.

The lock already holds the whole closure with one wheel URL and sha256 per
package, so uv installs exactly those files and resolves nothing::

    uv pip install --python STAGING/bin/python --require-hashes --no-deps \\
        --no-index --no-build -r requirements.txt

with one ``name @ URL --hash=sha256:...`` line per package (direct URLs: the
lock names files, not an index; uv records them in ``direct_url.json``).

uv installs into the staging prefix, so the console scripts it writes start
with ``#!STAGING/bin/python``. :func:`relocate_scripts` rewrites those
shebangs (and their ``RECORD`` hashes) to the final prefix before the staging
folder is renamed into place; uv writes no other absolute paths for wheels.

>>> from envtool.model import PipPackage
>>> wheel = PipPackage("tiny", "1.0", "https://files.example/tiny-1.0-py3-none-any.whl", "ab" * 32)
>>> mirrors = MirrorMap({"https://files.example": "file:///srv/wheels"})
>>> print(requirements([wheel], mirrors).replace("ab" * 32, "..."), end="")
tiny @ file:///srv/wheels/tiny-1.0-py3-none-any.whl --hash=sha256:...
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from envtool.errors import HashMismatchError, InstallError
from envtool.inputs.mirrors import MirrorMap
from envtool.interrupts import stop
from envtool.model import PipPackage, normalize

if TYPE_CHECKING:
    from envtool.env.progress import InstallProgress


@dataclass(frozen=True)
class PipInstall:
    """One pip-half installation: the wheels, the staging and final prefixes, and how to fetch."""

    packages: Sequence[PipPackage]
    staging: Path
    final: Path
    platform: str
    mirrors: MirrorMap
    offline: bool = False
    cache_dir: Path | None = None  # None: uv's default cache (or $UV_CACHE_DIR)


def python_path(prefix: Path, platform: str) -> Path:
    """The environment's interpreter: ``PREFIX/bin/python``, or ``PREFIX/python.exe`` on Windows.

    >>> python_path(Path("/env"), "win-64").as_posix()
    '/env/python.exe'
    """
    return prefix / "python.exe" if platform.startswith("win") else prefix / "bin" / "python"


def requirements(packages: Sequence[PipPackage], mirrors: MirrorMap) -> str:
    """The requirements file: one ``name @ url --hash=sha256:...`` line per wheel."""
    return "".join(f"{p.name} @ {mirrors.to_mirror(p.url)} --hash=sha256:{p.sha256}\n" for p in packages)


def install_wheels(job: PipInstall, progress: InstallProgress | None = None) -> None:
    """Install the wheels into ``job.staging`` with uv; point their scripts at ``job.final``."""
    from uv import find_uv_bin

    python = python_path(job.staging, job.platform)
    if not python.exists():
        raise InstallError(
            str(python),
            "the lock has pip packages but its conda half installs no python",
            "add python to the spec and re-lock",
        )
    _check_local_wheels(job)
    if progress is not None:
        progress.begin("pip", len(job.packages))
    with tempfile.TemporaryDirectory(prefix="envtool-pip-") as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text(requirements(job.packages, job.mirrors), encoding="utf-8")
        command = [
            find_uv_bin(), "pip", "install", "--python", str(python), "--require-hashes",
            "--no-deps", "--no-index", "--no-build", "--no-progress", "-r", str(req),
        ]  # fmt: skip
        if job.offline:
            command.append("--offline")
        if job.cache_dir is not None:
            command += ["--cache-dir", str(job.cache_dir)]
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as child:
            try:
                _, stderr = child.communicate()
            except BaseException:  # interrupted: uv must not outlive us, nor write on
                stop(child)
                raise
    if child.returncode != 0:
        raise uv_error(stderr, job)
    relocate_scripts(job.staging, job.final, {p.name for p in job.packages})
    if progress is not None:
        for package in job.packages:
            progress.advance("pip", package.name)
        progress.end("pip")


def _check_local_wheels(job: PipInstall) -> None:
    """Hash ``file://`` wheels first: uv would report a damaged one as an invalid zip."""
    from envtool.urls import local_path

    for package in job.packages:
        url = job.mirrors.to_mirror(package.url)
        if not url.startswith("file:"):
            continue
        try:
            digest = hashlib.sha256(local_path(url).read_bytes()).hexdigest()
        except OSError as exc:
            raise InstallError(
                url,
                f"cannot read wheel {package.filename} ({exc.strerror})",
                "check that the folder or --mirror holds it",
            ) from None
        accepted = {h.lower() for h in (package.sha256, *package.hashes) if h}
        if digest not in accepted:
            raise HashMismatchError(
                url,
                f"sha256 is {digest}, the lock says {package.sha256}",
                "the wheel is corrupt or was changed; restore it, or re-lock if the change is intended",
            )


def uv_error(stderr: str, job: PipInstall) -> InstallError:
    """Turn uv's failure output into one error naming the wheel URL, the value and the fix."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", stderr)
    flat = re.sub(r"\s+", " ", text).strip()
    urls = [job.mirrors.to_mirror(p.url) for p in job.packages]
    url = next((u for u in urls if u in text), str(python_path(job.staging, job.platform)))
    if expected := re.search(r"Expected:? sha256:(\w+).*?Computed:? sha256:(\w+)", flat):
        return HashMismatchError(
            url,
            f"sha256 is {expected.group(2)}, the lock says {expected.group(1)}",
            "the wheel is corrupt or was changed; restore it, or re-lock if the change is intended",
        )
    if re.search(r"Network connectivity is disabled|offline", flat, re.I):
        return InstallError(
            url,
            "not in uv's cache, and --offline forbids downloading it",
            "run once without --offline to fill the cache",
        )
    if status := re.search(r"(404|403|410) [A-Za-z ]+", flat):
        return InstallError(
            url,
            f"wheel not found ({status.group(0).strip()})",
            "check that the index or --mirror holds it; re-lock if it was removed",
        )
    if re.search(r"No space left on device|os error 28", flat):
        return InstallError(
            str(job.final.parent),
            "no space left on device",
            "free some space, or choose another -p PREFIX",
        )
    if re.search(r"error sending request|connect|dns error|timed out", flat, re.I):
        return InstallError(
            url,
            f"cannot download the wheel ({flat[-200:]})",
            "check your network or --mirror; --offline works only from a warm cache",
        )
    detail = flat.split("error:", 1)[-1].strip()[:300] or "uv failed"
    return InstallError(
        url,
        f"installing the pip packages failed ({detail})",
        "re-run with 'envtool -v' for details",
    )


def site_packages(prefix: Path) -> list[Path]:
    """The environment's ``site-packages`` folders (``lib/pythonX.Y/...`` or ``Lib/...``)."""
    found = sorted(p for p in prefix.glob("lib/python*/site-packages") if p.is_dir() and not p.is_symlink())
    windows = prefix / "Lib" / "site-packages"
    return found + ([windows] if windows.is_dir() else [])


def relocate_scripts(staging: Path, final: Path, names: set[str]) -> list[Path]:
    """Rewrite ``staging`` to ``final`` in the shebangs of scripts uv installed for ``names``.

    Only the first two lines are touched (``#!/path/python`` and uv's
    ``'''exec' /path/python`` form for long paths); the ``RECORD`` entry of each
    rewritten script gets its new hash and size. Returns the scripts rewritten.
    """
    wanted = {normalize(n) for n in names}
    old, new = os.fsencode(str(staging)), os.fsencode(str(final))
    rewritten: list[Path] = []
    for site in site_packages(staging):
        for dist_info in site.glob("*.dist-info"):
            if normalize(dist_info.name.removesuffix(".dist-info").rsplit("-", 1)[0]) not in wanted:
                continue
            record = dist_info / "RECORD"
            if not record.is_file():
                continue
            rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
            changed = False
            for row in rows:
                if not row:
                    continue
                path = Path(os.path.normpath(site / row[0]))
                if _rewrite_shebang(path, old, new):
                    data = path.read_bytes()
                    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
                    row[1:3] = [f"sha256={digest}", str(len(data))]
                    rewritten.append(path)
                    changed = True
            if changed:
                out = io.StringIO()
                csv.writer(out, lineterminator="\n").writerows(rows)
                _replace_file(record, out.getvalue().encode("utf-8"))
    return rewritten


def _rewrite_shebang(path: Path, old: bytes, new: bytes) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
            if head != b"#!":
                return False
            data = head + handle.read()
    except OSError:
        return False
    lines = data.split(b"\n", 2)
    top = b"\n".join(lines[:2])
    if old not in top:
        return False
    _replace_file(path, b"\n".join([top.replace(old, new), *lines[2:]]))
    return True


def _replace_file(path: Path, data: bytes) -> None:
    """Write a new file over ``path``: never in place, as installers hardlink from their caches."""
    temp = path.with_name(f".{path.name}.envtool-tmp")
    temp.write_bytes(data)
    temp.chmod(path.stat().st_mode)
    temp.replace(path)
