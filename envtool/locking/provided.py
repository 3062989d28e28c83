"""What the conda half installs, as the pip half must see it: already installed.

Every Python package of the conda solve (its PyPI name from
:mod:`envtool.locking.pypi_names`) is given to uv as an installed
distribution: served from a local folder of placeholder wheels that carry
that name and version (with a local label, ``2.9.1+installed.by.conda``) and no
requirements, and pinned to them by a constraint. So a PyPI add-on
(``tensorflow-text`` on conda's ``tensorflow``) is resolved against what conda
installs, never against the PyPI release's own requirements (TensorFlow 2.9.1's ``protobuf<3.20`` against conda's
protobuf 3.20.1). The placeholders never reach a lock: what conda installs is
left out of the pip half.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from envtool.locking.pypi_names import pypi_name
from envtool.model import CondaPackage

PLACEHOLDER_LABEL = "installed.by.conda"


def conda_python_packages(packages: Sequence[CondaPackage]) -> dict[str, str]:
    """PyPI name -> version of every Python package in a conda solve.

    When two conda packages install the same project (``tensorflow`` and
    ``tensorflow-base``), the one named like the project wins.
    """
    out: dict[str, str] = {}
    for package in sorted(packages, key=lambda p: p.name):
        name = pypi_name(package.name, package.depends)
        if name and (name not in out or package.name == name):
            out[name] = package.version
    return out


def write_placeholders(folder: Path, provided: Mapping[str, str]) -> dict[str, str]:
    """Write one requirement-free wheel per provided project into ``folder``; return name -> its version.

    A conda version that is not a valid PyPI version (rare) gets no placeholder
    and no constraint; pip would not see it as that project either.
    """
    from packaging.version import InvalidVersion, Version

    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    for name, version in sorted(provided.items()):
        try:
            Version(version)
        except InvalidVersion:
            continue
        # A local version label keeps the placeholder apart from the index's release of the
        # same version (uv reads one set of requirements per version, from its best-tagged
        # file), and still satisfies "==2.9.1", ">=2.9" and every specifier the version does.
        local = f"{version}+{PLACEHOLDER_LABEL}" if "+" not in version else version
        _placeholder_wheel(folder, name, local)
        written[name] = local
    return written


def _placeholder_wheel(folder: Path, name: str, version: str) -> Path:
    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: envtool\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},sha256={_digest(text)},{len(text.encode())}\n" for path, text in files.items())
    files[f"{dist}.dist-info/RECORD"] = record + f"{dist}.dist-info/RECORD,,\n"
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return path


def _digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
