"""Building a written context with docker or podman, and the source facts its labels take.

Library code never prints: the builder's own output goes to the terminal as
it runs, and a failure becomes an :class:`~envtool.errors.ImageError`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from envtool.errors import ImageError
from envtool.image.dockerfile import OCI
from envtool.inputs.mirrors import MirrorMap

BUILDERS = ("docker", "podman")


@dataclass(frozen=True)
class BuildRequest:
    """How to build a context: tag, builder, network, and the build arguments' values."""

    context: Path
    tag: str
    builder: str | None = None
    network: str | None = None
    mirrors: MirrorMap = field(default_factory=MirrorMap)
    index_url: str | None = None
    source_url: str = ""
    revision: str = ""


def find_builder(preferred: str | None, dockerfile: Path) -> str:
    """The path of ``preferred`` (or the first of docker, podman) on ``PATH``; refuse when there is none."""
    names = (preferred,) if preferred else BUILDERS
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise ImageError(
        str(dockerfile),
        f"no container builder ({' or '.join(names)}) found on PATH",
        f"install one, or build the Dockerfile elsewhere: docker build -t TAG {dockerfile.parent}",
    )


def build_command(request: BuildRequest, builder: str) -> list[str]:
    """The builder's command line for ``request``."""
    args = {
        "ENVTOOL_MIRRORS": " ".join(f"{c}={m}" for c, m in request.mirrors.mirrors.items()),
        "PIP_INDEX_URL": request.index_url or "",
    }
    labels = {f"{OCI}.source": request.source_url, f"{OCI}.revision": request.revision}
    command = [builder, "build", "--tag", request.tag]
    if request.network:
        command += ["--network", request.network]
    command += [word for name, value in args.items() if value for word in ("--build-arg", f"{name}={value}")]
    command += [word for name, value in labels.items() if value for word in ("--label", f"{name}={value}")]
    return [*command, str(request.context)]


def run_build(request: BuildRequest, dockerfile: Path) -> list[str]:
    """Build the image; return the command that ran. A failed build raises, naming the Dockerfile."""
    command = build_command(request, find_builder(request.builder, dockerfile))
    try:
        # The builder's output goes to stderr: stdout is for the Dockerfile's path.
        result = subprocess.run(command, stdout=sys.stderr, check=False)
    except OSError as exc:
        raise ImageError(str(dockerfile), f"cannot run {command[0]}: {exc.strerror}", "check the builder") from None
    if result.returncode != 0:
        raise ImageError(
            str(dockerfile),
            f"{Path(command[0]).name} build failed (exit {result.returncode})",
            "see the builder's output above (a hash mismatch means a package differs from its lock)",
        )
    return command


def source_facts(root: Path) -> tuple[str, str]:
    """``(source URL, revision)`` of the git checkout at ``root``; empty strings outside git.

    Credentials in the remote URL (``https://user:token@host/...``) are dropped.
    """
    return _strip_credentials(_git(root, "remote", "get-url", "origin")), _git(root, "rev-parse", "HEAD")


def _git(root: Path, *args: str) -> str:
    git = shutil.which("git")
    if git is None:
        return ""
    try:
        result = subprocess.run([git, "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def _strip_credentials(url: str) -> str:
    """``url`` without its user and password.

    >>> _strip_credentials("https://user:t0ken@example.org:8443/x.git")
    'https://example.org:8443/x.git'
    """
    if "://" not in url:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
