"""What ``envtool doctor`` probes on this machine, with nothing but this repository and a Python 3.10+.

Run it on a machine that has no network, no conda and none of envtool's
dependencies (a GPU node, a container)::

    python3 scripts/doctor_probe.py            # or: sh scripts/doctor_probe.sh

It runs ``python -m envtool doctor linux-gpu --json`` when envtool's
dependencies are importable; otherwise it prints the same probes envtool
uses (``nvidia-smi``, the driver library's ``cuDriverGetVersion``, ``ldd``,
AVX), each on its own, as JSON. Hand those to ``envtool doctor`` on any machine
to get its verdict for that host::

    CONDA_OVERRIDE_CUDA=<cuda> CONDA_OVERRIDE_GLIBC=<glibc> envtool doctor linux-gpu
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    target = argv[0] if argv else "linux-gpu"
    if all(importlib.util.find_spec(m) for m in ("click", "rattler", "conda_lock", "ruamel")):
        return subprocess.run(
            [sys.executable, "-m", "envtool", "doctor", target, "--json"], cwd=ROOT, check=False
        ).returncode
    import platform

    from envtool.env import host  # its probes need only the standard library

    machine = {"x86_64": "64", "amd64": "64", "aarch64": "aarch64", "arm64": "arm64"}.get(
        platform.machine().lower(), ""
    )
    system = {"linux": "linux", "darwin": "osx", "win32": "win"}.get(sys.platform, sys.platform)
    subdir = f"{system}-{machine}"
    sources: dict[str, str] = {}
    facts = {
        "platform": subdir,
        "nvidia_smi": host._cuda_from_smi(sources),
        "cuDriverGetVersion": host._cuda_from_library(sources),
        "glibc": host._glibc(sources) if system == "linux" else None,
        "avx": host._avx(subdir),
        "probe": host.probe_host(subdir).__dict__,
    }
    print(json.dumps({"target": target, "envtool_dependencies": "missing: host probes only", "host": facts}, indent=2))
    cuda, glibc = facts["probe"]["cuda"], facts["probe"]["glibc"]
    print(
        f"\nverdict elsewhere: CONDA_OVERRIDE_CUDA={cuda or ''} CONDA_OVERRIDE_GLIBC={glibc or ''} envtool doctor {target}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
