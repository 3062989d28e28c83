"""The ``<target>-explicit.txt`` file that ``conda create --file`` reads.

``@EXPLICIT`` then ``url#md5`` lines in dependency order, and
``# pip name @ url#sha256=`` lines: conda-lock's ``explicit`` render of the
same lock, byte for byte (``tests/lockfiles/test_conda_lock.py`` compares).
"""

from __future__ import annotations

import re
from pathlib import Path

from envtool.errors import LockFormatError
from envtool.lockfiles.conda_lock import read_text, target_header
from envtool.lockfiles.header import ensure_intact, parse_header, seal
from envtool.lockfiles.toposort import order
from envtool.model import CondaPackage, PipPackage, TargetLock, split_filename

_MD5 = re.compile(r"[0-9a-f]{32}")
_SHA256 = re.compile(r"(?:sha256:)?([0-9a-f]{64})")


def render_explicit(path: Path, lock: TargetLock) -> str:
    """The ``<target>-explicit.txt`` text for ``lock``."""
    usage = ["", "Create the environment (conda half; pip lines follow as comments) with:",
             f"  conda create -n NAME --file {path.as_posix()}", ""]  # fmt: skip
    return seal(target_header(path, lock, usage) + "\n".join(explicit_lines(lock)) + "\n")


def explicit_lines(lock: TargetLock) -> list[str]:
    """conda-lock's ``explicit`` render of ``lock``, without its first line: packages in dependency order."""
    lines = [f"# platform: {lock.platform}", f"# input_hash: {lock.input_hash}", "@EXPLICIT"]
    conda = {c.name: c for c in lock.conda}
    graph = {c.name: _names(c.depends) for c in lock.conda}
    lines.extend(f"{conda[n].url}#{conda[n].md5}" for n in order(graph) if n in conda and not n.startswith("__"))
    pip = {p.name: p for p in lock.pip}
    for name in order({p.name: _names(p.depends) for p in lock.pip}):
        if name in pip:
            p = pip[name]
            lines.append(f"# pip {p.name} @ {p.url}" + (f"#sha256={p.sha256}" if p.sha256 else ""))
    return lines


def _names(depends: tuple[str, ...]) -> set[str]:
    return {dep.strip().partition(" ")[0] for dep in depends if dep.strip()}


def read_explicit(path: Path) -> TargetLock:
    """Read an ``@EXPLICIT`` file (envtool's, or ``conda list --explicit`` output with ``--md5`` or ``--sha256``)."""
    text = read_text(path)
    try:
        stamps = parse_header(text, str(path))
    except LockFormatError:
        stamps = {}
    ensure_intact(path, text)
    platform = ""
    conda: list[CondaPackage] = []
    pip: list[PipPackage] = []
    seen_marker = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("# platform:"):
            platform = line.split(":", 1)[1].strip()
        elif line.startswith("# pip "):
            pip.append(_pip_line(path, number, line[len("# pip ") :]))
        elif line == "@EXPLICIT":
            seen_marker = True
        elif line and not line.startswith("#") and seen_marker:
            conda.append(_conda_line(path, number, line))
    if not seen_marker:
        raise LockFormatError(
            str(path), "no @EXPLICIT line", "pass an explicit lock, a <target>.yml or a conda-lock file"
        )
    stamp = next(iter(stamps.values()), None)
    channels = tuple(dict.fromkeys(c.channel for c in conda))
    return TargetLock(
        target=stamp.target if stamp else path.stem.removesuffix("-explicit"),
        platform=platform or (stamp.platform if stamp else ""),
        name="",
        channels=channels,
        conda=tuple(conda),
        pip=tuple(pip),
        input_hash=stamp.input_hash if stamp else "",
        inputs=dict(stamp.inputs.inputs) if stamp else {},
    )


def _conda_line(path: Path, number: int, line: str) -> CondaPackage:
    url, _, digest = line.partition("#")
    if not digest:
        raise LockFormatError(
            f"{path}:{number}",
            f"package {url.rsplit('/', 1)[-1]} has no hash",
            "re-lock: every line must end in #md5 or #sha256:HASH",
        )
    filename = url.rsplit("/", 1)[-1]
    # conda's explicit format (CEP 23): #MD5 (32 hex digits), or #SHA256 (64), optionally as #sha256:SHA256
    if _MD5.fullmatch(digest):
        md5, sha256 = digest, None
    elif found := _SHA256.fullmatch(digest):
        md5, sha256 = "", found.group(1)
    else:
        raise LockFormatError(
            f"{path}:{number}",
            f"package {filename} has no md5 or sha256 after '#': {digest!r}",
            "re-lock: every line must end in #MD5 (32 hex digits) or #sha256:HASH (64)",
        )
    parts = split_filename(filename)
    if parts is None:
        raise LockFormatError(
            f"{path}:{number}", f"cannot read name-version-build from {filename!r}", "use conda package file names"
        )
    return CondaPackage(*parts, url, md5, sha256)


def _pip_line(path: Path, number: int, req: str) -> PipPackage:
    name, _, rest = req.partition(" @ ")
    url, _, fragment = rest.partition("#")
    if not fragment.startswith("sha256="):
        raise LockFormatError(
            f"{path}:{number}",
            f"pip package {name.strip()} has no sha256",
            "re-lock: every pip line must end in #sha256=HASH",
        )
    sha = fragment[len("sha256=") :]
    filename = url.rsplit("/", 1)[-1]
    version = filename.split("-")[1] if filename.count("-") >= 2 else ""
    return PipPackage(name.strip(), version, url, sha, (sha,))
