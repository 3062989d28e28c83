"""Build a venv that stands in for a locked environment on a host without conda, run a command, remove it.

Usage: python scripts/tf_standin.py PYTHON LOCK [--keep] -- COMMAND [ARG...]
       python scripts/tf_standin.py --harness ENVIRONMENT LOCK

The second form installs only the harness, hash-checked, into an environment created from LOCK
(``envtool create``): ENVIRONMENT is its Python, its prefix or its target's name.

PYTHON is a CPython of the lock's minor version (or a wrapper around one, e.g. the chroot
wrapper made by scripts/tf-python.sh). The venv is filled from LOCK, every file hash-checked
(``pip install --require-hashes --no-deps``):

* the pip half, exactly as locked;
* every Python package the lock takes from conda, at exactly its conda version, from PyPI
  (hashes computed by ``uv pip compile --generate-hashes``);
* the benchmark harness (pytest, pytest-benchmark, threadpoolctl), pinned below, constrained
  by the lock.

What cannot match on such a host is printed, never hidden: a conda package with no PyPI wheel
of that version is left out (and shows as missing when the environment is checked), and the
interpreter's patch version and the BLAS inside numpy's wheel differ from conda's (the check
names them). In COMMAND, ``{python}`` is replaced by a launcher that runs the venv's Python
through PYTHON (so a wrapper applies to it too). The venv is removed afterwards unless --keep.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from envtool.bench.environment import HARNESS as BENCH_HARNESS
from envtool.lockfiles.read import read_lock
from envtool.locking.pypi import conda_python_packages
from envtool.model import TargetLock, normalize

# The harness envtool.bench names, pinned to releases that support Python 3.9 and 3.10.
PINS = {"pytest": "8.3.5", "pytest-benchmark": "5.1.0", "threadpoolctl": "3.5.0"}
HARNESS = tuple(f"{name}=={PINS[name]}" for name in BENCH_HARNESS)
INDEX = "https://pypi.org/simple"
# Run the venv's interpreter through PYTHON, so a wrapper (chroot, container) applies to it too.
EXEC = "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"
_PLATFORMS = {"linux-64": "x86_64-manylinux_2_17", "linux-aarch64": "aarch64-manylinux_2_17",
              "osx-64": "x86_64-apple-darwin", "osx-arm64": "aarch64-apple-darwin", "win-64": "x86_64-pc-windows-msvc"}  # fmt: skip


def _uv() -> str:
    from uv import find_uv_bin

    return find_uv_bin()


def _python_minor(lock: TargetLock) -> str:
    python = next((p for p in lock.conda if p.name == "python"), None)
    if python is None:
        raise SystemExit(f"{lock.target}: the lock has no conda python to stand in for")
    return ".".join(python.version.split(".")[:2])


def hashed_pins(pins: Sequence[str], lock: TargetLock, work: Path, constraints: Path | None = None) -> str:
    """``uv pip compile --generate-hashes`` of ``pins`` for the lock's Python and platform (raises on failure)."""
    handle, name = tempfile.mkstemp(suffix=".in", dir=work)
    os.close(handle)
    Path(name).write_text("".join(f"{pin}\n" for pin in pins), encoding="utf-8")
    command = [_uv(), "pip", "compile", name, "--generate-hashes", "--no-header", "--no-annotate",
               "--quiet", "--no-config", "--color", "never", "--only-binary", ":all:", "--index-url", INDEX,
               "--python-version", _python_minor(lock), "--python-platform", _PLATFORMS[lock.platform],
               "--python", sys.executable]  # fmt: skip
    command += ["--constraint", str(constraints)] if constraints else ["--no-deps"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "uv failed")
    return done.stdout


def conda_half_requirements(lock: TargetLock, work: Path) -> tuple[str, dict[str, str]]:
    """Hashed pins of the lock's conda Python packages, and those that cannot be had from PyPI (why)."""
    pins = [f"{name}=={version}" for name, version in sorted(conda_python_packages(lock.conda).items())]
    try:
        return hashed_pins(pins, lock, work), {}
    except RuntimeError:
        pass  # find which pins PyPI lacks, one by one
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda pin: _one(pin, lock, work), pins))
    texts = [text for text, _ in outcomes if text]
    missing = {pin: why for (_, why), pin in zip(outcomes, pins, strict=True) if why}
    return "".join(texts), missing


def _one(pin: str, lock: TargetLock, work: Path) -> tuple[str, str]:
    try:
        return hashed_pins([pin], lock, work), ""
    except RuntimeError as err:
        return "", why_not(str(err))


def why_not(uv_error: str) -> str:
    """uv's reason for an unresolvable pin, in a few words.

    >>> why_not("cause: Because backports was not found in the package registry and you require backports==1.0")
    'no project of that name on PyPI'
    """
    if "not found in the package registry" in uv_error:
        return "no project of that name on PyPI"
    if "no version of" in uv_error or "there are no versions of" in uv_error:
        return "no wheel of that version on PyPI for this Python and platform"
    return uv_error.strip().removeprefix("cause: ")


def harness_requirements(lock: TargetLock, work: Path) -> str:
    """Hashed pins of the harness and what it needs, constrained by the lock, less what the lock pins."""
    locked = {**conda_python_packages(lock.conda), **{normalize(p.name): p.version for p in lock.pip}}
    constraints = work / "lock-constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(locked.items())))
    text = hashed_pins(list(HARNESS), lock, work, constraints)
    return "".join(block for block in _blocks(text) if normalize(block.split("==", 1)[0]) not in locked)


def _blocks(text: str) -> list[str]:
    """A compiled requirements file split into one block per requirement (its hash lines with it)."""
    blocks: list[str] = []
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.startswith((" ", "\t", "#")):
            blocks.append(line)
        elif blocks and line.strip():
            blocks[-1] += line
    return blocks


def pip_half_requirements(lock: TargetLock) -> str:
    """The lock's pip half, each wheel with every hash the lock accepts for it."""
    lines = []
    for package in lock.pip:
        hashes = dict.fromkeys(h for h in (package.sha256, *package.hashes) if h)
        lines.append(f"{package.name}=={package.version} " + " ".join(f"--hash=sha256:{h}" for h in hashes) + "\n")
    return "".join(lines)


def _launcher(python: str, folder: Path) -> Path:
    launcher = folder / "python-launcher"
    launcher.write_text(f'#!/bin/sh\nexec "{python}" -c "{EXEC}" "{folder}/bin/python" "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    return launcher


@contextlib.contextmanager
def standin(python: str, lock_path: Path, keep: bool = False) -> Iterator[Path]:
    """A venv of ``python`` filled from ``lock_path``; yields its launcher, removes it afterwards."""
    lock = read_lock(lock_path)[0]
    folder = Path(tempfile.mkdtemp(prefix="envtool-standin-", dir="/tmp"))  # /tmp: visible inside the chroot
    try:
        subprocess.run([python, "-m", "venv", "--clear", str(folder)], check=True)
        conda_half, missing = conda_half_requirements(lock, folder)
        requirements = folder / "requirements.txt"
        text = pip_half_requirements(lock) + conda_half + harness_requirements(lock, folder)
        requirements.write_text(text, encoding="utf-8")
        for pin, why in sorted(missing.items()):
            print(
                f"tf_standin: cannot stand in for conda's {pin}: {why.strip().removeprefix('cause: ')}", file=sys.stderr
            )
        count = len(_blocks(text))
        print(f"tf_standin: installing {count} packages from {lock_path}, every hash required", flush=True)
        launcher = _launcher(python, folder)
        subprocess.run(
            [str(launcher), "-m", "pip", "install", "--quiet", "--no-input", "--require-hashes", "--no-deps",
             "-r", str(requirements)],
            check=True,
        )  # fmt: skip
        # Debian's venv seeds a bogus pkg_resources-0.0.0.dist-info; it is no package of the lock.
        subprocess.run([str(launcher), "-m", "pip", "uninstall", "--quiet", "--yes", "pkg-resources"], check=False)
        yield launcher
    finally:
        if keep:
            print(f"tf_standin: kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def install_harness(environment: str, lock_path: Path) -> int:
    """Install the harness, hash-checked and constrained by the lock, into an environment.

    ``environment`` is its Python, its prefix, or a target name (``envtool create``'s prefix).
    """
    from envtool.bench.target import resolve_python

    given = Path(environment)
    python = environment if given.is_file() else str(resolve_python(environment, None, Path.cwd()))
    lock = read_lock(lock_path)[0]
    with tempfile.TemporaryDirectory(prefix="envtool-harness-") as work:
        requirements = Path(work) / "harness.txt"
        requirements.write_text(harness_requirements(lock, Path(work)), encoding="utf-8")
        command = [python, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(requirements)]
        return subprocess.run(command, check=False).returncode


def main(argv: Sequence[str]) -> int:
    if len(argv) == 3 and argv[0] == "--harness":
        return install_harness(argv[1], Path(argv[2]))
    if "--" not in argv or argv.index("--") < 2:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    python, lock_path, *options = argv[:split]
    command = list(argv[split + 1 :])
    with standin(python, Path(lock_path), keep="--keep" in options) as launcher:
        resolved = [re.sub(r"\{python\}", str(launcher), word) for word in command]
        return subprocess.run(resolved, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
