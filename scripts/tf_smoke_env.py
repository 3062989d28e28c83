"""Install a lock's Python half into a fresh venv of a given CPython, then run the TensorFlow smoke test.

Usage: python scripts/tf_smoke_env.py PYTHON LOCK [VENV]

PYTHON is any CPython 3.9/3.10 (or a wrapper around one, e.g. the chroot wrapper made by
scripts/tf-python.sh). The pip half is installed exactly as locked (``--require-hashes
--no-deps``); the Python packages the lock takes from conda (numpy, six, ...) are installed
from PyPI at the lock's conda versions, as far as the pip half needs them (``pip check``).
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from envtool.lockfiles.read import read_lock
from envtool.locking.pypi import conda_python_packages
from envtool.model import normalize

ROOT = Path(__file__).resolve().parent.parent
# Run the venv's interpreter through PYTHON, so a wrapper (chroot, container) applies to it too.
EXEC = "import os, sys; os.execv(sys.argv[1], sys.argv[1:])"


def main(python: str, lock_path: str, venv: str | None = None) -> int:
    lock = read_lock(Path(lock_path))[0]
    folder = Path(venv or tempfile.mkdtemp(prefix="envtool-tf-smoke-", dir="/tmp"))
    subprocess.run([python, "-m", "venv", "--clear", str(folder)], check=True)

    def inside(*args: str) -> list[str]:
        return [python, "-c", EXEC, str(folder / "bin" / "python"), *args]

    requirements = folder / "pip-half.txt"
    requirements.write_text("".join(f"{p.name}=={p.version} --hash=sha256:{p.sha256}\n" for p in lock.pip))
    print(f"installing the pip half of {lock_path}: {len(lock.pip)} packages, hashes required", flush=True)
    subprocess.run(
        inside("-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r", str(requirements)), check=True
    )
    from_conda = conda_python_packages(lock.conda)
    for _ in range(8):
        check = subprocess.run(inside("-m", "pip", "check"), capture_output=True, text=True, check=False)
        missing = sorted(
            {normalize(n) for n in re.findall(r"requires ([A-Za-z0-9_.\-]+), which is not installed", check.stdout)}
        )
        if not missing:
            break
        unknown = [n for n in missing if n not in from_conda]
        if unknown:
            print(f"the lock provides neither by pip nor by conda: {', '.join(unknown)}", file=sys.stderr)
            return 1
        pins = [f"{n}=={from_conda[n]}" for n in missing]
        print(f"installing what the lock takes from conda, at its conda versions: {' '.join(pins)}", flush=True)
        subprocess.run(inside("-m", "pip", "install", "--quiet", "--no-deps", *pins), check=True)
    return subprocess.run(inside(str(ROOT / "scripts" / "tf_smoke.py")), check=False).returncode


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
