"""Channel names, canonical URLs and mirrors.

Locks always carry canonical channel URLs (``https://conda.anaconda.org/conda-forge/...``);
solving and downloading go through a mirror when one is configured. A mirror
maps a canonical channel URL to another URL: an ``http(s)://`` server or a
local folder (``file://`` or a plain path) laid out like a channel.

Mirrors come from, in increasing priority: the user configuration file
(``$XDG_CONFIG_HOME/envtool/config.toml``, table ``[mirrors]``), the
``ENVTOOL_MIRRORS`` environment variable (space-separated ``CHANNEL=MIRROR``),
and ``--mirror CHANNEL=MIRROR`` on the command line.

>>> channel_url("conda-forge")
'https://conda.anaconda.org/conda-forge'
>>> m = MirrorMap.parse(["conda-forge=http://127.0.0.1:8000/cf"], origin="--mirror")
>>> m.to_mirror("https://conda.anaconda.org/conda-forge/noarch/x-1-0.conda")
'http://127.0.0.1:8000/cf/noarch/x-1-0.conda'
>>> m.to_canonical("http://127.0.0.1:8000/cf/noarch/x-1-0.conda")
'https://conda.anaconda.org/conda-forge/noarch/x-1-0.conda'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from envtool.errors import ConfigError
from envtool.urls import redact, strip_credentials

CHANNEL_ALIAS = "https://conda.anaconda.org"


def channel_url(channel: str, base: Path | None = None) -> str:
    """The canonical URL of a channel given by name, URL or local path (no trailing slash)."""
    channel = channel.strip().rstrip("/")
    if "://" in channel:
        return channel
    if channel.startswith((".", "/", "~")) or (len(channel) > 1 and channel[1] == ":"):
        path = Path(channel).expanduser()
        if not path.is_absolute() and base is not None:
            path = base / path
        return path.resolve().as_uri()
    return f"{CHANNEL_ALIAS}/{channel}"


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
            mirrors[channel_url(channel)] = _mirror_url(mirror)
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
        for canonical, mirror in self.mirrors.items():
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
        for canonical, mirror in self.mirrors.items():
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
