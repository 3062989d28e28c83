"""The pip half: resolve a target's ``pip:`` requirements with uv, for the target's platform.

uv resolves for the exact Python version the conda half chose and for the
target's platform (not the host's), with hashes for every file. What the conda
half installs counts as installed (see :mod:`envtool.locking.provided`) and is
left out of the pip half. The ``pip:`` list's index options are used, with the
manifest's ``pypi:`` settings; a configured mirror of an index is where uv reads
it, and the locked URLs are mapped back to the index's own. Direct wheel URLs
are locked as written, with their sha256.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envtool.errors import ChannelError, PypiError
from envtool.inputs.mirrors import PYPI_INDEX, MirrorMap
from envtool.inputs.pip_section import PipOptions, check_requirement, expand_env
from envtool.inputs.spec import Dependency
from envtool.inputs.targets import PypiSettings, Target
from envtool.locking.provided import PLACEHOLDER_LABEL, conda_python_packages, write_placeholders
from envtool.model import PipPackage, normalize
from envtool.tomlio import loads
from envtool.urls import redact, strip_credentials

__all__ = ["PipRequest", "conda_python_packages", "env_file_options", "resolve_pip", "uv_command", "uv_platform"]

_ARCH = {
    "linux-64": "x86_64",
    "linux-aarch64": "aarch64",
    "osx-64": "x86_64",
    "osx-arm64": "aarch64",
    "win-64": "x86_64",
}


@dataclass(frozen=True)
class PipRequest:
    """What one pip resolution needs."""

    target: Target
    requirements: tuple[Dependency, ...]
    python_version: str
    conda_provided: Mapping[str, str]  # PyPI name -> version installed by the conda half
    settings: PypiSettings
    base: Path  # relative find-links are resolved against this folder
    preferences: tuple[PipPackage, ...] = ()  # previous pins uv keeps where it can (lock --update)
    constraints: tuple[Dependency, ...] = ()  # the spec's own ``-c`` lines
    options: PipOptions = field(default_factory=PipOptions)  # the spec's own index options
    mirrors: MirrorMap = field(default_factory=MirrorMap)

    @property
    def index_url(self) -> str:
        """The index as the spec and manifest name it (the spec's ``--index-url`` wins)."""
        return self.options.index_url or self.settings.index_url

    @property
    def find_links(self) -> list[str]:
        """The manifest's find-links (made absolute), then the spec's."""
        return list(dict.fromkeys([*self.settings.resolved_find_links(self.base), *self.options.find_links]))


def uv_platform(target: Target) -> str:
    """uv's ``--python-platform`` for a target.

    >>> from envtool.inputs.targets import Target, VirtualPackage
    >>> uv_platform(Target("t", "linux-64", (), (VirtualPackage("__glibc", "2.28"),), "t"))
    'x86_64-manylinux_2_28'
    >>> uv_platform(Target("t", "osx-arm64", (), (), "t"))
    'aarch64-apple-darwin'
    """
    arch = _ARCH[target.platform]
    if target.platform.startswith("linux"):
        major, minor = _glibc(target)
        return f"{arch}-manylinux_{major}_{minor}"
    if target.platform.startswith("osx"):
        return f"{arch}-apple-darwin"
    return f"{arch}-pc-windows-msvc"


def wheel_tags(target: Target, python_version: str) -> list[str]:
    """Wheel tags the target accepts, most preferred first (as pip on that machine ranks them).

    >>> from envtool.inputs.targets import Target
    >>> tags = wheel_tags(Target("t", "win-64", (), (), "t"), "3.9.13")
    >>> tags[0], tags[-1]
    ('cp39-cp39-win_amd64', 'py30-none-any')
    """
    from packaging import tags

    major, minor = (int(x) for x in python_version.split(".")[:2])
    interpreter = f"cp{major}{minor}"
    platforms = _platform_tags(target)
    out = [
        *tags.cpython_tags((major, minor), [interpreter], platforms),
        *tags.compatible_tags((major, minor), interpreter, platforms),
    ]
    return [str(t) for t in out]


def _platform_tags(target: Target) -> list[str]:
    from packaging import tags

    arch = _ARCH[target.platform]
    if target.platform.startswith("linux"):
        _, minor = _glibc(target)
        names = [f"manylinux_2_{m}_{arch}" for m in range(minor, 4, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        out: list[str] = []
        for name in names:
            out.append(name)
            m = int(name.split("_")[2])
            if m in legacy:
                out.append(f"{legacy[m]}_{arch}")
        return [*out, f"linux_{arch}"]
    if target.platform.startswith("osx"):
        version = _osx(target)
        return list(tags.mac_platforms(version, "arm64" if arch == "aarch64" else "x86_64"))
    return ["win_amd64"]


def _glibc(target: Target) -> tuple[int, int]:
    for vp in target.virtual_packages:
        if vp.name == "__glibc":
            parts = [int(p) for p in re.findall(r"\d+", vp.version)[:2]]
            return (parts[0], parts[1] if len(parts) > 1 else 0)
    return (2, 17)


def _osx(target: Target) -> tuple[int, int]:
    for vp in target.virtual_packages:
        if vp.name == "__osx":
            parts = [int(p) for p in re.findall(r"\d+", vp.version)[:2]]
            return (parts[0], parts[1] if len(parts) > 1 else 0)
    return (11, 0) if target.platform == "osx-arm64" else (10, 15)


def env_file_options(request: PipRequest) -> tuple[str, ...]:
    """The option lines that head the env file's ``pip:`` list, so conda's pip step reads the same indexes.

    Written as the spec and manifest spell them (``${TOKEN}`` unexpanded), never the mirror's.
    """
    options = request.options
    lines: list[str] = []
    if options.no_index:
        lines.append("--no-index")
    elif request.index_url.rstrip("/") != PYPI_INDEX:
        lines.append(f"--index-url {_written(request.index_url)}")
    lines += [f"--extra-index-url {_written(url)}" for url in options.extra_index_urls]
    lines += [f"--find-links {_written(link)}" for link in request.find_links]
    lines += [f"--trusted-host {host}" for host in options.trusted_hosts]
    return tuple(lines)


def _written(url: str) -> str:
    """``url`` as a lock may carry it: credentials stripped, unless they are only ``${NAME}`` references.

    >>> _written("https://alice:s3cret@pypi.example/simple"), _written("https://${USER}:${TOKEN}@pypi.example/simple")
    ('https://pypi.example/simple', 'https://${USER}:${TOKEN}@pypi.example/simple')
    """
    userinfo = re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://([^/@\s]*)@", url)
    if userinfo and re.fullmatch(r"(\$\{[A-Z0-9_]+\}|:)+", userinfo.group(1)) and "/t/" not in url:
        return url  # pip expands them when conda's pip step runs; nothing secret is written
    return strip_credentials(url)


def uv_command(
    request: PipRequest, requirements: Path, constraints: Path, output: Path, placeholders: Path | None = None
) -> list[str]:
    """The ``uv pip compile`` command line for ``request`` (indexes through their mirrors)."""
    from uv import find_uv_bin

    def url(value: str) -> str:
        return expand_env(request.mirrors.to_mirror(value))

    cmd = [
        find_uv_bin(), "pip", "compile", str(requirements),
        "--constraint", str(constraints),
        "--output-file", str(output),
        "--format", "pylock.toml",
        "--python-version", request.python_version,
        "--python-platform", uv_platform(request.target),
        "--no-header", "--quiet", "--no-config", "--color", "never",
        # The resolution targets --python-version/--python-platform; naming an interpreter
        # spares uv probing every Python on PATH (most of a lock's time where pyenv shims abound).
        "--python", sys.executable,
        "--index-url", url(request.index_url),
    ]  # fmt: skip
    for extra in request.options.extra_index_urls:
        cmd += ["--extra-index-url", url(extra)]
    if request.options.extra_index_urls:
        cmd += ["--index-strategy", "unsafe-best-match"]  # pip takes the best version across indexes
    for link in request.find_links:
        cmd += ["--find-links", url(link)]
    if placeholders is not None:
        cmd += ["--find-links", str(placeholders)]
    if request.options.no_index:
        cmd += ["--no-index"]
    for host in request.options.trusted_hosts:
        cmd += ["--allow-insecure-host", host]
    if request.options.pre:
        cmd += ["--prerelease", "allow"]
    if request.settings.only_binary:
        cmd += ["--only-binary", ":all:"]
    if request.settings.exclude_newer:
        cmd += ["--exclude-newer", request.settings.exclude_newer]
    return cmd


async def resolve_pip(request: PipRequest) -> tuple[PipPackage, ...]:
    """Resolve ``request`` with uv and pick, per package, the wheel the target would install."""
    if not request.requirements:
        return ()
    for dep in (*request.requirements, *request.constraints):
        check_requirement(dep.text, dep.origin)
    with tempfile.TemporaryDirectory(prefix="envtool-uv-") as tmp:
        folder = Path(tmp)
        requirements = folder / "requirements.in"
        requirements.write_text("".join(f"{expand_env(dep.text)}\n" for dep in request.requirements), encoding="utf-8")
        provided = write_placeholders(folder / "installed-by-conda", request.conda_provided)
        constraints = folder / "constraints.txt"
        constraints.write_text(
            "".join(f"{n}=={v}\n" for n, v in sorted(provided.items()))
            + "".join(f"{expand_env(dep.text)}\n" for dep in request.constraints),
            encoding="utf-8",
        )
        output = folder / "pylock.toml"
        if request.preferences:  # uv prefers the versions of an existing output file
            from envtool.locking.update import preferences_pylock

            output.write_text(preferences_pylock(request.preferences), encoding="utf-8")
        env = dict(os.environ)
        if request.target.platform.startswith("osx"):
            env["MACOSX_DEPLOYMENT_TARGET"] = "{}.{}".format(*_osx(request.target))
        command = uv_command(request, requirements, constraints, output, folder / "installed-by-conda")
        # With exclude-newer the index's answer cannot change, so uv's cache answers first and
        # the network is asked only on a cache miss (uv would otherwise revalidate every page).
        # Not with several sources: offline, uv takes an index it has never read as empty, so a
        # newly added --extra-index-url or --find-links would never be asked.
        single_source = not request.options.extra_index_urls and not request.find_links
        offline_first = bool(request.settings.exclude_newer) and single_source
        attempts = [[*command, "--offline"], command] if offline_first else [command]
        for number, attempt in enumerate(attempts, start=1):
            proc = await asyncio.create_subprocess_exec(
                *attempt, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env
            )
            try:
                _, stderr = await proc.communicate()
            except BaseException:  # interrupted or cancelled: uv must not outlive us, nor write on
                await _stop(proc)
                raise
            if proc.returncode == 0:
                break
            if number == len(attempts):
                raise uv_error(request, stderr.decode("utf-8", "replace"))
        data = loads(output.read_text(encoding="utf-8"))
    tags = wheel_tags(request.target, request.python_version)
    packages = [
        _choose(request, entry, tags)
        for entry in data.get("packages", [])
        if normalize(str(entry["name"])) not in request.conda_provided
    ]
    for package in packages:
        _check_hashes(request, package)
    return tuple(sorted(packages, key=lambda p: p.name))


async def _stop(proc: asyncio.subprocess.Process, grace: float = 5.0) -> None:
    """Terminate ``proc`` (SIGKILL after ``grace`` seconds) and reap it."""
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except (asyncio.TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


def _choose(request: PipRequest, entry: Mapping[str, Any], tags: list[str]) -> PipPackage:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    rank = {tag: i for i, tag in enumerate(tags)}
    name, version = normalize(str(entry["name"])), str(entry["version"])
    direct = _direct_url(request, name)
    files = [entry["archive"]] if direct is not None and "archive" in entry else entry.get("wheels", [])
    candidates: list[tuple[int, str, str]] = []
    for wheel in files:
        url = strip_credentials(str(wheel.get("url") or Path(str(wheel.get("path", ""))).resolve().as_uri()))
        sha = str(wheel.get("hashes", {}).get("sha256", ""))
        try:
            _, _, _, wheel_tags_ = parse_wheel_filename(url.split("#", 1)[0].rsplit("/", 1)[-1])
        except InvalidWheelFilename:
            continue
        best = min((rank[str(t)] for t in wheel_tags_ if str(t) in rank), default=None)
        if best is not None and sha:
            candidates.append((best, direct or request.mirrors.to_canonical(url), sha))
    if not candidates:
        raise PypiError(
            _origin(request, name),
            f"no wheel of {name}=={version} for {request.target.platform} (target {request.target.name!r}, Python {request.python_version})",
            "pin a version that ships wheels for this platform, or allow sdists with 'only-binary: false' under 'pypi:'",
        )
    candidates.sort()
    _, url, sha = candidates[0]
    hashes = tuple(dict.fromkeys([sha, *(c[2] for c in candidates)]))
    return PipPackage(name=name, version=version, url=url, sha256=sha, hashes=hashes, direct=direct is not None)


def _direct_url(request: PipRequest, name: str) -> str | None:
    """The URL a ``name @ URL`` requirement names, as written (``${TOKEN}`` unexpanded, credentials stripped)."""
    for dep in request.requirements:
        _head, sep, url = dep.text.partition("@")
        if sep and normalize(dep.name) == name and "://" in url:
            return _written(url.split(";", 1)[0].strip())
    return None


def _check_hashes(request: PipRequest, package: PipPackage) -> None:
    """A ``--hash`` the spec gives for a requirement must be one of the locked files'."""
    for dep in request.requirements:
        if dep.hashes and normalize(dep.name) == package.name and not set(dep.hashes) & set(package.hashes):
            raise PypiError(
                dep.origin,
                f"{package.name}=={package.version} resolves to {package.filename} (sha256 {package.sha256}), "
                "which none of the line's --hash values names",
                "update the --hash values, or pin the version they belong to",
            )


def uv_error(request: PipRequest, stderr: str) -> Exception:
    """Turn uv's failure output into an envtool error naming package, platform and fix."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", stderr).replace(f"+{PLACEHOLDER_LABEL}", " (installed by conda)")
    flat = re.sub(r"\s+", " ", text).strip()
    where = ", ".join(sorted({dep.origin.rsplit(":", 1)[0] for dep in request.requirements}))
    platform = f"{request.target.platform} (target {request.target.name!r}, Python {request.python_version})"
    wheel = re.search(r"([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:[=<>!~]=?\S*)? has no (?:usable )?wheels", flat)
    if wheel is not None:
        return PypiError(
            where,
            f"pip requirement {wheel.group(1)} has no wheel for {platform}",
            "pin a version that ships wheels for this platform, or take it from conda",
        )
    if re.search(
        r"(Failed to fetch|error sending request|Could not connect|dns error|connection refused|tcp connect)",
        flat,
        re.I,
    ):
        url = redact(request.mirrors.to_mirror(request.index_url))
        return ChannelError(
            url, f"cannot reach the package index ({flat[:200]})", "check the index URL and your network"
        )
    detail = flat.split("No solution found when resolving dependencies:", 1)[-1].strip()
    detail = re.sub(r"^(error|\u00d7)\s*:?\s*", "", detail)
    return PypiError(
        where, f"pip requirements for {platform} cannot be resolved: {detail[:400]}", "relax the pins named above"
    )


def _origin(request: PipRequest, name: str) -> str:
    for dep in request.requirements:
        if dep.name == name or normalize(dep.name) == name:
            return dep.origin
    return ", ".join(sorted({dep.origin.rsplit(":", 1)[0] for dep in request.requirements}))
