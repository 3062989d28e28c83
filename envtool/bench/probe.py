"""What an environment's own Python says of itself: run as a script by that Python, not imported.

``envtool bench`` passes this file's source to the environment's interpreter
(``PYTHON -c SOURCE``, which also works through a wrapper such as the chroot's
``DIR/python``) and reads one JSON document from its stdout: the Python
version, every installed distribution (name, version, installer, the sha256
the installer recorded, the names it requires) and, after importing numpy,
the BLAS and OpenMP libraries ``threadpoolctl`` finds loaded. It needs only
the standard library (threadpoolctl where installed) and runs on Python 3.7+,
so it must not import envtool.
"""

from __future__ import annotations

import json
import platform
import re
import sys
from typing import Any


def _recorded_sha256(dist: Any) -> str | None:
    try:
        text = dist.read_text("direct_url.json")
        archive = json.loads(text).get("archive_info", {}) if text else {}
    except (ValueError, AttributeError, OSError):
        return None
    hashes = archive.get("hashes") if isinstance(archive, dict) else None
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return str(hashes["sha256"])
    single = archive.get("hash") if isinstance(archive, dict) else None
    if isinstance(single, str) and single.startswith("sha256="):
        return single[len("sha256=") :]
    return None


def _required_names(dist: Any) -> list[str]:
    """The names a distribution requires, leaving out those only an extra asks for."""
    names = []
    for requirement in dist.requires or ():
        if re.search(r"""extra\s*==""", requirement):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
        if match:
            names.append(match.group(1))
    return names


def distributions() -> list[dict[str, Any]]:
    """Every distribution on ``sys.path``, the first of each name (the one Python imports)."""
    from importlib import metadata

    seen = set()
    found = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if not name or name.lower() in seen:
            continue
        seen.add(name.lower())
        installer = (dist.read_text("INSTALLER") or "").strip()
        found.append(
            {
                "name": name,
                "version": dist.version,
                "installer": installer,
                "sha256": _recorded_sha256(dist),
                "requires": _required_names(dist),
            }
        )
    return sorted(found, key=lambda d: str(d["name"]).lower())


def native_libraries() -> tuple[list[dict[str, Any]], str | None]:
    """The BLAS/OpenMP libraries loaded once numpy is imported, and why none are known."""
    try:
        import numpy  # noqa: F401  (loads its BLAS)
    except ImportError:
        return [], "numpy is not installed"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [], "threadpoolctl is not installed in the environment"
    keys = ("user_api", "internal_api", "version", "num_threads", "architecture", "threading_layer", "filepath")
    return [{key: info.get(key) for key in keys} for info in threadpool_info()], None


def main() -> None:
    libraries, why = native_libraries()
    report = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": sys.prefix,
        "distributions": distributions(),
        "libraries": libraries,
        "libraries_unknown": why,
    }
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
