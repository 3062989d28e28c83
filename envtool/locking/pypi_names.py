"""The PyPI project a conda package installs, from a maintained conda -> PyPI mapping.

The mapping is prefix-dev/parselmouth's (the one pixi relies on), built from
the ``*.dist-info`` inside every conda-forge package and shipped with envtool as
``conda_pypi_mapping.json`` with its source, commit and date; refresh it with
``nox -s pypi_mapping`` (``scripts/refresh_pypi_mapping.py``).

A conda package counts as installing a PyPI project when the mapping says so
(``python-fastjsonschema`` installs ``fastjsonschema``, ``tensorflow`` and
``tensorflow-base`` install ``tensorflow``); when the mapping says it installs
none (``libprotobuf``, ``python``) it does not; a package the mapping does not
know (a private channel's) counts under its own name if it depends on
``python``, as conda-lock assumes.

>>> pypi_name("matplotlib-base"), pypi_name("python-fastjsonschema"), pypi_name("libprotobuf")
('matplotlib', 'fastjsonschema', None)
>>> pypi_name("my-private-pkg", depends=("python >=3.9",)), pypi_name("my-private-lib")
('my-private-pkg', None)
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from envtool.model import normalize

MAPPING_FILE = Path(__file__).with_name("conda_pypi_mapping.json")


@functools.cache
def _data() -> Mapping[str, Any]:
    data: Mapping[str, Any] = json.loads(MAPPING_FILE.read_text(encoding="utf-8"))
    return data


def mapping_source() -> str:
    """Where and when the shipped mapping comes from (for ``--version``-like reports and docs)."""
    data = _data()
    return f"{data['source']} @ {str(data['commit'])[:12]} ({data['date']})"


def pypi_name(conda_name: str, depends: Sequence[str] = ()) -> str | None:
    """The PyPI project a conda package installs (normalized), or None when it installs none."""
    mapping: Mapping[str, str | None] = _data()["mapping"]
    if conda_name in mapping:
        name = mapping[conda_name]
        return normalize(name) if name else None
    if any(dep.split()[0] == "python" for dep in depends if dep.strip()):
        return normalize(conda_name)
    return None
