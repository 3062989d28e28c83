"""Channel names, canonical URLs and mirrors.

Channels are spelled as conda's ``environment.yml`` spells them, and mean what
conda makes of them: a name (``conda-forge``, ``conda-forge/label/dev``) lives
under the channel alias ``https://conda.anaconda.org``; ``pkgs/main``,
``pkgs/r``, ``pkgs/msys2`` are Anaconda's default channels at
``https://repo.anaconda.com``; ``defaults`` stands for those default channels
(``pkgs/msys2`` only on Windows); ``nodefaults`` only says "no channels from
``.condarc``", which envtool never reads, so it adds nothing; a URL or a local
path (``file://``, absolute, ``./relative`` to the spec, ``~/``) is the channel
there; a trailing platform subdir (``.../conda-forge/linux-64``) is dropped.

Locks always carry canonical channel URLs (``https://conda.anaconda.org/conda-forge/...``);
solving and downloading go through a mirror when one is configured. A mirror
maps a canonical channel URL to another URL: an ``http(s)://`` server or a
local folder (``file://`` or a plain path) laid out like a channel.

A package index is mirrored the same way (``https://pypi.org/simple=https://mirror/pypi/simple``):
the pip half is resolved and its wheels downloaded there, while locks keep PyPI's URLs.

Mirrors come from, in increasing priority: the user configuration file
(``$XDG_CONFIG_HOME/envtool/config.toml``, table ``[mirrors]``), the
``ENVTOOL_MIRRORS`` environment variable (space-separated ``CHANNEL=MIRROR``),
and ``--mirror CHANNEL=MIRROR`` on the command line.

>>> channel_url("conda-forge")
'https://conda.anaconda.org/conda-forge'
>>> channel_url("https://conda.anaconda.org/conda-forge/linux-64/"), channel_url("pkgs/main")
('https://conda.anaconda.org/conda-forge', 'https://repo.anaconda.com/pkgs/main')
>>> expand_channels(["conda-forge", "defaults", "nodefaults"], "linux-64")
['https://conda.anaconda.org/conda-forge', 'https://repo.anaconda.com/pkgs/main', 'https://repo.anaconda.com/pkgs/r']
>>> m = MirrorMap.parse(["conda-forge=http://127.0.0.1:8000/cf"], origin="--mirror")
>>> m.to_mirror("https://conda.anaconda.org/conda-forge/noarch/x-1-0.conda")
'http://127.0.0.1:8000/cf/noarch/x-1-0.conda'
>>> m.to_canonical("http://127.0.0.1:8000/cf/noarch/x-1-0.conda")
'https://conda.anaconda.org/conda-forge/noarch/x-1-0.conda'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from envtool.errors import ConfigError
from envtool.urls import redact, strip_credentials

CHANNEL_ALIAS = "https://conda.anaconda.org"
PYPI_INDEX = "https://pypi.org/simple"
DEFAULTS_BASE = "https://repo.anaconda.com"
#: The channels ``defaults`` stands for, as conda's built-in ``default_channels``.
DEFAULT_CHANNELS = ("pkgs/main", "pkgs/r")
DEFAULT_CHANNELS_WIN = ("pkgs/main", "pkgs/r", "pkgs/msys2")
_DEFAULT_NAMES = frozenset({"pkgs/main", "pkgs/r", "pkgs/msys2", "pkgs/pro", "pkgs/free"})
SUBDIRS = frozenset(
    {"noarch", "linux-64", "linux-aarch64", "linux-ppc64le", "linux-s390x", "linux-32", "linux-armv7l",
     "osx-64", "osx-arm64", "win-64", "win-32", "win-arm64", "emscripten-wasm32", "wasi-wasm32", "zos-z"}
)  # fmt: skip


class SpecialChannelError(ValueError):
    """A channel name that stands for several channels or for none (``defaults``, ``local``)."""


def split_subdir(channel: str) -> tuple[str, str | None]:
    """A channel spelling without a trailing platform subdir, and that subdir.

    >>> split_subdir("conda-forge/linux-64"), split_subdir("conda-forge/label/dev")
    (('conda-forge', 'linux-64'), ('conda-forge/label/dev', None))
    """
    head, _, last = channel.strip().rstrip("/").rpartition("/")
    return (head, last) if head and last in SUBDIRS else (channel.strip().rstrip("/"), None)


def channel_url(channel: str, base: Path | None = None) -> str:
    """The canonical URL of one channel given by name, URL or local path (no trailing slash).

    Raises :class:`SpecialChannelError` for ``defaults``, ``nodefaults`` and ``local``,
    which are not one channel (see :func:`expand_channels`).
    """
    channel, _ = split_subdir(channel)
    if channel in ("defaults", "nodefaults", "local"):
        raise SpecialChannelError(channel)
    if "://" in channel:
        return channel
    if channel in _DEFAULT_NAMES:
        return f"{DEFAULTS_BASE}/{channel}"
    if channel.startswith((".", "/", "~")) or (len(channel) > 1 and channel[1] == ":"):
        path = Path(channel).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return path.resolve().as_uri()
    return f"{CHANNEL_ALIAS}/{channel}"


def expand_channels(channels: Sequence[str], platform: str, base: Path | None = None) -> list[str]:
    """Canonical URLs of a spec's channels in priority order, with conda's special names applied.

    ``defaults`` becomes Anaconda's default channels for ``platform``; ``nodefaults``
    adds nothing; a channel named twice keeps its first place. ``local`` (conda-build's
    output folder) raises :class:`SpecialChannelError`: it is not the same channel anywhere else.
    """
    urls: list[str] = []
    for channel in channels:
        name = split_subdir(channel)[0]
        if name == "nodefaults":
            continue
        if name == "defaults":
            names = DEFAULT_CHANNELS_WIN if platform.startswith("win") else DEFAULT_CHANNELS
            urls.extend(channel_url(n) for n in names)
        else:
            urls.append(channel_url(channel, base))
    return list(dict.fromkeys(urls))


def _mirror_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if "://" in value:
        return value
    return Path(value).expanduser().resolve().as_uri()


@dataclass(frozen=True)
class MirrorMap:
    """Canonical channel URL -> mirror URL."""

    mirrors: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, entries: Iterable[str], origin: str) -> MirrorMap:
        """Parse ``CHANNEL=MIRROR`` entries; ``origin`` names where they came from for errors."""
        mirrors: dict[str, str] = {}
        for entry in entries:
            channel, sep, mirror = entry.partition("=")
            if not sep or not channel.strip() or not mirror.strip():
                raise ConfigError(
                    origin,
                    f"invalid mirror {redact(entry)!r}",
                    "write CHANNEL=MIRROR, e.g. conda-forge=https://mirrors.example.org/conda-forge",
                )
            try:
                mirrors[channel_url(channel)] = _mirror_url(mirror)
            except SpecialChannelError:
                raise ConfigError(
                    origin,
                    f"invalid mirror {redact(entry)!r}: {channel.strip()} is not one channel",
                    "give each channel its own mirror, e.g. pkgs/main=URL and pkgs/r=URL",
                ) from None
        return cls(mirrors)

    def merged(self, other: MirrorMap) -> MirrorMap:
        """This map overridden by ``other``."""
        return MirrorMap({**self.mirrors, **other.mirrors})

    def to_mirror(self, url: str) -> str:
        """Rewrite a canonical URL to its mirror (unchanged when no mirror applies).

        Locks keep canonical URLs without credentials, so credentials do not
        count in the comparison; the mirror's own (if any) are used.
        """
        bare = strip_credentials(url)
        for canonical, mirror in self._pairs():
            plain = strip_credentials(canonical)
            if bare == plain or bare.startswith(plain + "/"):
                return mirror + bare[len(plain) :]
        return url

    def to_canonical(self, url: str) -> str:
        """Rewrite a mirror URL back to the canonical URL (unchanged when no mirror applies).

        Credentials do not count in the comparison: a downloader may report the
        mirror's URL with or without the user-info it was given.
        """
        bare = strip_credentials(url)
        for canonical, mirror in sorted(self._pairs(), key=lambda pair: -len(pair[1])):
            plain = strip_credentials(mirror)
            if bare == plain or bare.startswith(plain + "/"):
                return canonical + bare[len(plain) :]
        return url

    def unused(self, channels: Iterable[str]) -> list[str]:
        """Channels given a mirror that none of ``channels`` (canonical URLs) is.

        >>> MirrorMap({"https://c.example/a": "file:///m"}).unused(["https://c.example/b"])
        ['https://c.example/a']
        """
        used = {strip_credentials(c) for c in channels}
        return [c for c in self.mirrors if strip_credentials(c) not in used]

    def _pairs(self) -> list[tuple[str, str]]:
        """Every (canonical, mirror) prefix pair: the mirrors, then the file roots of package-index mirrors.

        A mirror of a package index (``https://pypi.org/simple=https://mirror/pypi/simple``)
        serves its files under the same paths beside its ``/simple`` (bandersnatch's
        and devpi's layout, that of every public PyPI mirror), so PyPI's
        ``https://files.pythonhosted.org/packages/...`` is ``https://mirror/pypi/packages/...``.
        """
        pairs = list(self.mirrors.items())
        for canonical, mirror in self.mirrors.items():
            if canonical.endswith("/simple") and strip_credentials(mirror).endswith("/simple"):
                pairs.append((index_files_root(canonical), mirror.removesuffix("/simple")))
        return pairs


def index_files_root(index_url: str) -> str:
    """Where a package index serves its files: PyPI's on files.pythonhosted.org, others beside ``/simple``.

    >>> index_files_root("https://pypi.org/simple"), index_files_root("https://pypi.example.org/root/simple/")
    ('https://files.pythonhosted.org', 'https://pypi.example.org/root')
    """
    url = index_url.rstrip("/")
    if url == PYPI_INDEX:
        return "https://files.pythonhosted.org"
    return url.removesuffix("/simple")


def configured_mirrors(cli_entries: Iterable[str] = ()) -> MirrorMap:
    """Mirrors from the config file, then ``ENVTOOL_MIRRORS``, then the command line."""
    result = MirrorMap()
    config = _config_path()
    if config.is_file():
        result = result.merged(_from_config(config))
    env = os.environ.get("ENVTOOL_MIRRORS", "").split()
    if env:
        result = result.merged(MirrorMap.parse(env, origin="ENVTOOL_MIRRORS"))
    return result.merged(MirrorMap.parse(cli_entries, origin="--mirror"))


def _config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "envtool" / "config.toml"


def _from_config(path: Path) -> MirrorMap:
    from envtool.tomlio import loads

    try:
        data = loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(str(path), f"cannot read configuration: {exc}", "fix or remove the file") from None
    table = data.get("mirrors", {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(
            str(path), "[mirrors] must map channel to mirror URL strings", 'write "conda-forge" = "https://..."'
        )
    return MirrorMap.parse([f"{k}={v}" for k, v in table.items()], origin=str(path))
