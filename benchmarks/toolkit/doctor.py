"""The baseline for ``envtool verify``: ``conda doctor``'s missing- and altered-file checks, as conda runs them.

conda itself cannot be installed here, so this follows the algorithm of
``conda doctor`` (``conda/plugins/subcommands/doctor/health_checks.py`` in
conda 23-24; the ``missing_files`` and ``altered_files`` health checks of
later versions): for each ``conda-meta/*.json``, every path of ``files`` must
exist, and every path of ``paths_data`` that records ``sha256_in_prefix`` is
hashed, one file after another, and compared. conda records
``sha256_in_prefix`` for every file it links; rattler only where it rewrote a
prefix, so on rattler-made environments the baseline takes ``sha256`` where
``sha256_in_prefix`` is absent, to hash the same files conda would have.
``.pyc``/``.pyo`` files are skipped, as conda does. Pip's ``RECORD`` files are
not conda doctor's business (envtool checks them too, which only adds work on
envtool's side).

Run as ``python doctor.py PREFIX``: prints the counts, exits 1 on any problem.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path


def doctor(prefix: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(missing, altered) file paths by package record name."""
    missing: dict[str, list[str]] = {}
    altered: dict[str, list[str]] = {}
    for record in (prefix / "conda-meta").glob("*.json"):
        data = json.loads(record.read_text())
        for name in data.get("files", []):
            if not name.endswith((".pyc", ".pyo")) and not (prefix / name).exists():
                missing.setdefault(record.stem, []).append(name)
        for path in data.get("paths_data", {}).get("paths", []):
            name = path.get("_path")
            expected = path.get("sha256_in_prefix") or path.get("sha256")
            if name is None or expected is None or name.endswith((".pyc", ".pyo")):
                continue
            location = prefix / name
            if not location.is_file():
                continue
            sha = hashlib.sha256()
            with location.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 18), b""):
                    sha.update(chunk)
            if sha.hexdigest() != expected:
                altered.setdefault(record.stem, []).append(name)
    return missing, altered


if __name__ == "__main__":
    missing, altered = doctor(Path(sys.argv[1]))
    print(f"missing: {sum(map(len, missing.values()))}, altered: {sum(map(len, altered.values()))}")
    sys.exit(1 if missing or altered else 0)
