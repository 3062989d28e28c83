"""The conda half: solve a target's match specs with py-rattler's solver.

Channels are solved in priority order (strict by default) with the target's
virtual packages; a mirror, when configured, is where repodata is read from,
while the locked records keep their canonical URLs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from envtool.errors import ChannelError, SolveError, SpecError
from envtool.inputs.mirrors import MirrorMap, channel_url
from envtool.inputs.spec import EnvSpec
from envtool.inputs.targets import Target
from envtool.model import CondaPackage
from envtool.urls import redact, strip_credentials

if TYPE_CHECKING:
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

    @property
    def channels(self) -> list[str]:
        """Canonical channel URLs in priority order."""
        return [channel_url(c, self.base) for c in self.spec.channels]


def make_gateway(cache_dir: Path | None) -> rattler.Gateway:
    """A rattler gateway caching repodata under ``cache_dir`` (rattler's default when None).

    Its client is rattler's standard stack, whose authentication middleware
    reads the user's stored credentials (``RATTLER_AUTH_FILE``, keyring,
    netrc); the gateway's own default client does not.
    """
    import rattler
    from rattler.networking import Client

    return rattler.Gateway(cache_dir=cache_dir / "repodata" if cache_dir else None, client=Client.default_client())


def match_specs(spec: EnvSpec) -> list[rattler.MatchSpec]:
    """Parse every conda dependency; a bad one is a :class:`SpecError` naming file and line."""
    import rattler

    specs = []
    for dep in spec.conda:
        try:
            specs.append(rattler.MatchSpec(dep.text))
        except Exception as exc:  # rattler raises its own InvalidMatchSpecError family
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise SpecError(
                dep.origin,
                f"invalid match spec {dep.text!r} ({reason})",
                "use conda syntax, e.g. 'numpy>=1.20,<2' or 'cudnn=8'",
            ) from None
    return specs


async def solve_conda(request: SolveRequest, gateway: rattler.Gateway) -> tuple[CondaPackage, ...]:
    """Solve the conda half of ``request``; records come back with canonical URLs."""
    import rattler
    from rattler.exceptions import SolverError

    specs = match_specs(request.spec)
    if not specs:
        return ()
    canonical = request.channels
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
        )
    except SolverError as exc:
        raise SolveError(
            ", ".join(str(p) for p in request.spec.sources),
            f"target {request.target.name!r} ({request.target.platform}) cannot be solved: {explain(str(exc))}",
            "relax or change the pins named above, or check the target's virtual-packages",
        ) from None
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


def explain(message: str, limit: int = 6) -> str:
    """Trim the solver's explanation to the lines that name the conflict, joined on one line.

    >>> explain("Cannot solve the request because of: foo >=2 cannot be installed because\\n"
    ...         "  there are no viable options:\\n  └─ foo 2 would require\\n     └─ __cuda, which is missing")
    'foo >=2 cannot be installed because there are no viable options: foo 2 would require __cuda, which is missing'
    """
    text = message.split("because of:", 1)[-1] if "because of:" in message else message
    lines = [re.sub(r"^[\s│├└─|`]+", "", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    joined = " ".join(lines[: limit * 2])
    return re.sub(r"\s+", " ", joined).strip()


def _first_line(text: str) -> str:
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else "unknown error"


def python_version(packages: Sequence[CondaPackage]) -> str | None:
    """The version of the ``python`` package in a solve, if any."""
    for package in packages:
        if package.name == "python":
            return package.version
    return None
