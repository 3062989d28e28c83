"""Environments for the benchmark's environment check: real venvs and prefixes, tiny and hand-made.

A venv made with ``--without-pip`` holds nothing but what a test writes into
its ``site-packages`` (``*.dist-info`` folders), so the real probe, run with
the venv's real Python, reports exactly those. A prefix is a folder with
``conda-meta`` records, a ``site-packages`` and a ``bin/python`` that runs
this test run's interpreter (which has pytest), so the real suite runs in it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import platform
import subprocess
import sys
from pathlib import Path

from envtool.model import CondaPackage, PipPackage, TargetLock
from tests.install_helpers import host_subdir, write_conda_lock

CHANNEL = "https://conda.invalid/test-forge"
PYTHON_VERSION = platform.python_version()
SITE = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"


def conda(name: str, version: str, *, python: bool = True, build: str = "0") -> CondaPackage:
    """A locked conda package; a Python package when it depends on python."""
    subdir = host_subdir()
    return CondaPackage(
        name, version, build, f"{CHANNEL}/{subdir}/{name}-{version}-{build}.conda", "0" * 32,
        "1" * 64, ("python >=3.8",) if python else (),
    )  # fmt: skip


def pip(name: str, version: str) -> PipPackage:
    """A locked wheel (its hash is never checked here: nothing records one)."""
    return PipPackage(name, version, f"https://pypi.invalid/{name}-{version}-py3-none-any.whl", "2" * 64)


def lock(*, python: str = PYTHON_VERSION, extra_conda: tuple[CondaPackage, ...] = ()) -> TargetLock:
    """A lock with conda's python and six, a non-Python library, and a pip half of one wheel."""
    packages = (
        conda("python", python, python=False),
        conda("six", "1.16.0"),
        conda("libzlib", "1.2.13", python=False),
        *extra_conda,
    )
    return TargetLock("demo", host_subdir(), "demo", (CHANNEL,), packages, (pip("tiny", "1.0"),))


def write_lock(target_lock: TargetLock, path: Path) -> Path:
    """The lock as a conda-lock file (``*-lock.yml``), with envtool's own writer."""
    return write_conda_lock(target_lock, path)


def dist_info(site: Path, name: str, version: str, requires: tuple[str, ...] = (), installer: str = "pip") -> None:
    """A ``*.dist-info`` folder, as an installer writes it."""
    folder = site / f"{name.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    (folder / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "INSTALLER").write_text(installer + "\n", encoding="utf-8")
    rows = [f"{folder.name}/{name},sha256={_record_digest(folder / name)},{(folder / name).stat().st_size}"
            for name in ("METADATA", "INSTALLER")]  # fmt: skip
    (folder / "RECORD").write_text("\n".join([*rows, f"{folder.name}/RECORD,,"]) + "\n", encoding="utf-8")


def _record_digest(path: Path) -> str:
    """A file's sha256 as a wheel's ``RECORD`` writes it (urlsafe base64, no padding)."""
    return base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()


def bare_venv(root: Path) -> tuple[Path, Path]:
    """A venv without pip: ``(its python, its site-packages)``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    return python, site


def prefix_for(target_lock: TargetLock, root: Path) -> Path:
    """A prefix holding exactly ``target_lock``: conda-meta records, pip dist-infos, a runnable python."""
    meta = root / "conda-meta"
    meta.mkdir(parents=True)
    for package in target_lock.conda:
        record = {"name": package.name, "version": package.version, "build": package.build,
                  "md5": package.md5, "sha256": package.sha256, "files": []}  # fmt: skip
        (meta / f"{package.name}-{package.version}-{package.build}.json").write_text(json.dumps(record))
    site = root / SITE
    for wheel in target_lock.pip:
        dist_info(site, wheel.name, wheel.version)
    (root / "bin").mkdir()
    python = root / "bin" / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    return root
