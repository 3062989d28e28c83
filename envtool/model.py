"""The in-memory lock of one target: what every reader and writer of lock files shares.

A :class:`TargetLock` is what ``envtool lock`` produces for one target and what
``envtool create`` / ``envtool verify`` consume, whichever file it came from
(the conda-lock file, ``<target>.yml`` or ``<target>-explicit.txt``).

>>> pkg = CondaPackage(name="zlib", version="1.2.13", build="h166bdaf_4",
...     url="https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-h166bdaf_4.tar.bz2",
...     md5="65d3b8a5b02a3b1e0bae3da7c1c4c0a2", sha256=None, depends=("libzlib 1.2.13 h166bdaf_4",))
>>> pkg.filename
'zlib-1.2.13-h166bdaf_4.tar.bz2'
>>> pkg.spec
'zlib=1.2.13=h166bdaf_4'
>>> pkg.channel
'https://conda.anaconda.org/conda-forge'
>>> pkg.subdir
'linux-64'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

PACKAGE_SUFFIXES = (".conda", ".tar.bz2")


def package_stem(filename: str) -> str:
    """A conda package file name without its ``.conda``/``.tar.bz2`` suffix.

    >>> package_stem("zlib-1.2.13-h166bdaf_4.tar.bz2")
    'zlib-1.2.13-h166bdaf_4'
    """
    for suffix in PACKAGE_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename


def split_filename(filename: str) -> tuple[str, str, str] | None:
    """``(name, version, build)`` of a conda package file name, ``None`` if it has no such shape.

    >>> split_filename("ld_impl_linux-64-2.40-h41732ed_0.conda")
    ('ld_impl_linux-64', '2.40', 'h41732ed_0')
    """
    parts = package_stem(filename).rsplit("-", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 and all(parts) else None


@dataclass(frozen=True)
class CondaPackage:
    """One conda package pinned by a lock, with its canonical URL and hashes."""

    name: str
    version: str
    build: str
    url: str
    md5: str
    sha256: str | None = None
    depends: tuple[str, ...] = ()

    @property
    def filename(self) -> str:
        """The package's file name, the last part of its URL."""
        return self.url.rsplit("/", 1)[-1]

    @property
    def subdir(self) -> str:
        """The channel subdir (``linux-64``, ``noarch``, ...) the URL points into."""
        return self.url.rsplit("/", 2)[-2]

    @property
    def channel(self) -> str:
        """The channel URL: the package URL without subdir and file name."""
        return self.url.rsplit("/", 2)[0]

    @property
    def spec(self) -> str:
        """The exact ``name=version=build`` pin that conda's MatchSpec reads."""
        return f"{self.name}={self.version}={self.build}"


@dataclass(frozen=True)
class PipPackage:
    """One PyPI distribution pinned by a lock: the wheel chosen for the target platform.

    ``hashes`` holds the sha256 of every file of this release that suits the
    target platform (the chosen wheel's first), so that ``pip --require-hashes``
    accepts whichever of them the installing machine prefers.
    """

    name: str
    version: str
    url: str
    sha256: str
    hashes: tuple[str, ...] = ()
    depends: tuple[str, ...] = ()
    direct: bool = field(default=False, compare=False)  # asked for by URL (``name @ url``), not from an index

    @property
    def filename(self) -> str:
        """The wheel's file name, the last part of its URL."""
        return self.url.rsplit("/", 1)[-1].split("#", 1)[0]


@dataclass(frozen=True)
class TargetLock:
    """Everything pinned for one target, plus what it was made from.

    ``input_hash`` fingerprints the inputs (spec files, target declaration,
    channels) so that ``envtool check`` can tell a stale lock without solving.
    ``inputs`` maps each input's label to its own fingerprint, so a stale lock
    can name which input changed; ``files`` maps each input file's label to a
    digest of its bytes, so ``envtool check`` parses an input only when it changed.
    ``channels`` are spelled as the specs spell them (``conda-forge``), so conda's
    own channel settings apply to them; package URLs are canonical.
    """

    target: str
    platform: str
    name: str
    channels: tuple[str, ...]
    conda: tuple[CondaPackage, ...]
    pip: tuple[PipPackage, ...] = ()
    variables: Mapping[str, str] = field(default_factory=dict)
    input_hash: str = ""
    inputs: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    pip_options: tuple[str, ...] = ()  # index lines heading the env file's pip list (``--index-url URL``)


def normalize(name: str) -> str:
    """PEP 503 normalization: lower case, runs of ``-_.`` become ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()
