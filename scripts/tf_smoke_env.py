"""Check a TensorFlow 2.9 environment against its lock, then run the smoke test with its Python.

Usage: python scripts/tf_smoke_env.py ENVIRONMENT LOCK

ENVIRONMENT is a target name or a prefix (an environment ``envtool create`` made: checked
as ``envtool verify`` checks it), or a CPython 3.9/3.10 (or a wrapper around one, e.g. the
chroot wrapper made by scripts/tf-python.sh): then a venv standing in for the lock is built
from LOCK, every hash checked (scripts/tf_standin.py), checked, smoke-tested and removed.
Either way the check's headline is printed first: "environment matches LOCK" or every
difference from it (on a host without conda, at least the CPython patch version and the
BLAS inside numpy's wheel cannot match).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tf_standin import standin

from envtool.bench.environment import CheckRequest, check_environment
from envtool.bench.target import find_subject, resolve_python

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "scripts" / "tf_smoke.py"


def checked_smoke(python: Path, lock: Path, target: str | None) -> int:
    """Print the environment check's headline, then run the smoke test with ``python``."""
    subject = find_subject(target, python, lock, ROOT)
    check = check_environment(
        CheckRequest(subject.python, subject.lock, subject.lock_path, subject.lock_label, subject.prefix)
    )
    print(f"tf_smoke    {check.headline()}", flush=True)
    return subprocess.run([str(python), str(SMOKE)], check=False).returncode


def main(environment: str, lock: str) -> int:
    given = Path(environment)
    if not given.is_file():  # a target name or a prefix
        python = resolve_python(environment, None, ROOT)
        return checked_smoke(python, Path(lock), environment)
    with standin(environment, Path(lock)) as launcher:
        return checked_smoke(launcher, Path(lock), None)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
