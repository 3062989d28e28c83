"""Refresh envtool's conda -> PyPI name mapping from the one pixi uses (prefix-dev/parselmouth).

parselmouth reads the ``*.dist-info`` of every conda-forge package and publishes,
per conda package name, the PyPI project it installs (``null``: none). envtool
ships it as ``envtool/locking/conda_pypi_mapping.json`` with its source and date,
so that locking never reaches GitHub.

    python scripts/refresh_pypi_mapping.py                    # download the current mapping
    python scripts/refresh_pypi_mapping.py --from FILE --commit SHA --date YYYY-MM-DD

or ``nox -s pypi_mapping``. Review the diff (names that changed) before committing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import urllib.request
from pathlib import Path

SOURCE = "https://raw.githubusercontent.com/prefix-dev/parselmouth/main/files/compressed_mapping.json"
COMMITS = "https://api.github.com/repos/prefix-dev/parselmouth/commits?path=files/compressed_mapping.json&per_page=1"
TARGET = Path(__file__).resolve().parent.parent / "envtool" / "locking" / "conda_pypi_mapping.json"


def normalize(name: str) -> str:
    """PEP 503 normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def render(mapping: dict[str, str | None], commit: str, date: str) -> str:
    """The data file: provenance first, then one ``"conda": "pypi"`` entry per line, sorted."""
    head = {
        "source": SOURCE,
        "project": "https://github.com/prefix-dev/parselmouth (BSD-3-Clause), the mapping pixi uses",
        "commit": commit,
        "date": date,
        "meaning": "conda package name -> the PyPI project it installs (null: none); names absent are unknown",
    }
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in sorted(mapping.items())]
    meta = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in head.items())
    return "{\n" + meta + ',\n  "mapping": {\n  ' + ",\n  ".join(lines) + "\n  }\n}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a downloaded compressed_mapping.json")
    parser.add_argument("--commit", default="", help="the parselmouth commit the file comes from")
    parser.add_argument("--date", default="", help="the date of that commit (YYYY-MM-DD)")
    args = parser.parse_args()
    if args.source:
        raw = json.loads(args.source.read_text(encoding="utf-8"))
        commit, date = args.commit, args.date or datetime.date.today().isoformat()
    else:
        with urllib.request.urlopen(SOURCE, timeout=60) as response:
            raw = json.load(response)
        with urllib.request.urlopen(COMMITS, timeout=60) as response:
            latest = json.load(response)[0]
        commit, date = latest["sha"], latest["commit"]["committer"]["date"][:10]
    mapping = {str(k): (normalize(v) if isinstance(v, str) else None) for k, v in raw.items()}
    TARGET.write_text(render(mapping, commit, date), encoding="utf-8")
    print(f"{TARGET}: {len(mapping)} conda names from parselmouth {commit[:12]} ({date})")


if __name__ == "__main__":
    main()
