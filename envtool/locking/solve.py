"""The conda half: solve a target's match specs with py-rattler's solver.

Channels are solved in priority order (strict by default) with the target's
virtual packages; a mirror, when configured, is where repodata is read from,
while the locked records keep their canonical URLs. A channel-pinned spec
(``conda-forge::numpy``) asks for its channel's canonical URL, so it is routed
through that channel's mirror too, and its channel is searched (last) even
when ``channels:`` does not list it, as conda does. With a cut-off date
(``exclude-newer``), records built later are left out; records without a
timestamp are kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from envtool.errors import ChannelError, SpecError
from envtool.inputs.mirrors import MirrorMap, SpecialChannelError, channel_url, expand_channels, split_subdir
from envtool.inputs.spec import Dependency, EnvSpec
from envtool.inputs.targets import Target
from envtool.locking.explain import solve_error
from envtool.model import CondaPackage
from envtool.urls import redact, strip_credentials

if TYPE_CHECKING:
    import datetime

    import rattler


@dataclass(frozen=True)
class SolveRequest:
    """What one conda solve needs: the target, its composed spec and where channels live."""

    target: Target
    spec: EnvSpec
    channel_priority: str
    mirrors: MirrorMap
    base: Path  # relative channel paths are resolved against this folder
    locked: tuple[CondaPackage, ...] = ()  # previous pins to keep where the specs allow (lock --update)
    exclude_newer: str | None = None  # RFC 3339 cut-off date for records

    @property
    def channels(self) -> list[str]:
        """Canonical channel URLs in priority order; channels only named in ``channel::name`` specs come last."""
        listed = expand_channels(self.spec.channels, self.target.platform, self.base)
        pinned = [channel_url(pin[0], self.base) for pin in map(_pinned_channel, self.spec.conda) if pin]
        return list(dict.fromkeys([*listed, *pinned]))

    @property
    def spelled_channels(self) -> list[str]:
        """The channels as the specs spell them, then those only named in ``channel::name`` pins (as spelled there)."""
        listed = expand_channels(self.spec.channels, self.target.platform, self.base)
        pinned = [
            pin[0]
            for pin in map(_pinned_channel, self.spec.conda)
            if pin and channel_url(pin[0], self.base) not in listed
        ]
        return list(dict.fromkeys([*self.spec.channels, *pinned]))


def make_gateway(cache_dir: Path | None) -> rattler.Gateway:
    """A rattler gateway caching repodata under ``cache_dir`` (rattler's default when None).

    Its client is rattler's standard stack, whose authentication middleware
    reads the user's stored credentials (``RATTLER_AUTH_FILE``, keyring,
    netrc); the gateway's own default client does not.
    """
    import rattler
    from rattler.networking import Client

    return rattler.Gateway(cache_dir=cache_dir / "repodata" if cache_dir else None, client=Client.default_client())


def match_specs(spec: EnvSpec, mirrors: MirrorMap | None = None, base: Path | None = None) -> list[rattler.MatchSpec]:
    """Parse every conda dependency; a bad one is a :class:`SpecError` naming file and line.

    A ``channel::name`` spec is rewritten to the URL its channel is read from
    (the mirror's, when one is configured), so that it matches the records read there.
    """
    import rattler

    specs = []
    for dep in spec.conda:
        text = dep.text
        try:
            parsed = rattler.MatchSpec(text)
            pin = _pinned_channel(dep)
            if parsed.channel is not None and pin is None:
                raise SpecError(dep.origin, f"channel given in brackets in {text!r}", "write it as 'channel::name ...'")
            if pin is not None:
                channel, subdir, rest = pin
                url = (mirrors or MirrorMap()).to_mirror(channel_url(channel, base))
                parsed = rattler.MatchSpec(f"{url}{'/' + subdir if subdir else ''}::{rest}")
            specs.append(parsed)
        except SpecialChannelError as exc:
            raise SpecError(
                dep.origin, f"{exc}:: in {text!r} names no single channel", "name the channel, e.g. pkgs/main::name"
            ) from None
        except SpecError:
            raise
        except Exception as exc:  # rattler raises its own InvalidMatchSpecError family
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SpecError(
                dep.origin,
                f"invalid match spec {dep.text!r} ({reason})",
                "use conda syntax, e.g. 'numpy>=1.20,<2' or 'cudnn=8'",
            ) from None
    return specs


def _pinned_channel(dep: Dependency) -> tuple[str, str | None, str] | None:
    """``(channel, subdir, rest)`` of a ``channel[/subdir]::rest`` spec, else None."""
    head, sep, rest = dep.text.partition("::")
    if not sep:
        return None
    channel, subdir = split_subdir(head)
    return channel, subdir, rest


async def solve_conda(request: SolveRequest, gateway: rattler.Gateway) -> tuple[CondaPackage, ...]:
    """Solve the conda half of ``request``; records come back with canonical URLs."""
    import rattler
    from rattler.exceptions import SolverError

    specs = match_specs(request.spec, request.mirrors, request.base)
    if not specs:
        return ()
    try:
        canonical = request.channels
    except SpecialChannelError as exc:
        raise SpecError(
            str(request.spec.sources[-1]), f"channel {exc} names no single channel", "name the channel"
        ) from None
    if not canonical:
        raise SpecError(
            str(request.spec.sources[-1]),
            f"target {request.target.name!r} has dependencies but no channels",
            "add 'channels: [conda-forge]'",
        )
    sources = [rattler.Channel(request.mirrors.to_mirror(url)) for url in canonical]
    virtual = [
        rattler.GenericVirtualPackage(
            rattler.PackageName(v.name), rattler.Version(v.version), rattler.BuildString(v.build)
        )
        for v in request.target.virtual_packages
    ]
    priority = (
        rattler.ChannelPriority.Strict if request.channel_priority == "strict" else rattler.ChannelPriority.Disabled
    )
    platforms = [request.target.platform, "noarch"]
    try:
        from envtool.locking.update import locked_records

        locked = await locked_records(gateway, sources, platforms, request.locked, request.mirrors)
        records = await rattler.solve(
            sources,
            specs,
            gateway=gateway,
            platforms=cast(Any, platforms),
            locked_packages=locked,
            virtual_packages=virtual,
            channel_priority=priority,
            exclude_newer=_cutoff(request.exclude_newer),
            timestamp_policy="allow-missing",
        )
    except SolverError as exc:
        raise solve_error(request.target, request.spec, str(exc)) from None
    except Exception as exc:
        if type(exc).__name__ in ("GatewayError", "FetchRepoDataError", "InvalidChannelError", "IoError"):
            url = ", ".join(redact(request.mirrors.to_mirror(u)) for u in canonical)
            raise ChannelError(
                url,
                f"cannot read channel repodata ({_first_line(str(exc))})",
                "check the channel URL, the mirror and your network",
            ) from None
        raise
    return tuple(sorted((_package(r, request.mirrors) for r in records), key=lambda p: p.name))


def _package(record: rattler.RepoDataRecord, mirrors: MirrorMap) -> CondaPackage:
    return CondaPackage(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        url=strip_credentials(mirrors.to_canonical(str(record.url))),
        md5=record.md5.hex() if record.md5 else "",
        sha256=record.sha256.hex() if record.sha256 else None,
        depends=tuple(record.depends),
    )


def _cutoff(value: str | None) -> datetime.datetime | None:
    import datetime

    if value is None:
        return None
    cutoff = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return cutoff if cutoff.tzinfo else cutoff.replace(tzinfo=datetime.timezone.utc)


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else "unknown error"


def python_version(packages: Sequence[CondaPackage]) -> str | None:
    """The version of the ``python`` package in a solve, if any."""
    for package in packages:
        if package.name == "python":
            return package.version
    return None
