"""One truth per target: its three lock files must pin the same packages before anything is installed.

``conda env create -f locks/<t>.yml`` reads the env file's pins, ``conda create
--file`` the explicit file's URLs and md5s, ``conda-lock``/micromamba the group
file; ``envtool create <t>`` installs from the group file (the one with every
hash). Were one file edited, each tool would install something else. So
``envtool create`` compares them first, and refuses naming both files and the
first package they disagree about.

>>> first_difference({"zlib": "1.2 h0_0"}, {"zlib": "1.3 h0_0"})
'zlib: 1.2 h0_0 vs 1.3 h0_0'
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from envtool.errors import LockFormatError
from envtool.model import TargetLock, normalize


def agreed_lock(env_file: Path) -> TargetLock:
    """The lock of ``env_file``'s target, once its env file, explicit file and group file agree.

    The explicit file (``<target>-explicit.txt`` beside it) is compared when it exists.
    """
    from envtool.lockfiles.env_file import find_group_file, read_env_file
    from envtool.lockfiles.explicit import read_explicit

    lock = read_env_file(env_file)
    group = find_group_file(env_file.parent, lock.target) or env_file
    env_conda, env_pip = _env_file_view(env_file)
    _agree(env_file, group, first_difference(env_conda, {p.name: f"{p.version} {p.build}" for p in lock.conda}))
    _agree(env_file, group, first_difference(env_pip, {normalize(p.name): f"{p.version} {p.sha256}" for p in lock.pip}))
    explicit = env_file.with_name(f"{env_file.stem}-explicit.txt")
    if not explicit.is_file():
        return lock
    ex = read_explicit(explicit)
    _agree(explicit, group, first_difference(_explicit_conda(ex), _explicit_conda(lock)))
    _agree(explicit, group, first_difference(_explicit_pip(ex), _explicit_pip(lock)))
    return lock


def first_difference(left: Mapping[str, str], right: Mapping[str, str]) -> str | None:
    """The first package (by name) the two views pin differently, as ``name: left vs right``."""
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name, "absent"), right.get(name, "absent")
        if a != b:
            return f"{name}: {a} vs {b}"
    return None


def _agree(one: Path, other: Path, difference: str | None) -> None:
    if difference is not None:
        raise LockFormatError(
            f"{one} and {other}",
            f"disagree about {difference}",
            "restore both from version control, or re-lock with 'envtool lock --force'",
        )


def _explicit_conda(lock: TargetLock) -> dict[str, str]:
    """What an explicit file pins per conda package: the URL and the md5 (sha256 when no md5)."""
    return {p.name: f"{p.url}#{p.md5 or p.sha256}" for p in lock.conda}


def _explicit_pip(lock: TargetLock) -> dict[str, str]:
    return {normalize(p.name): f"{p.url}#{p.sha256}" for p in lock.pip}


def _env_file_view(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``name -> "version build"`` of the conda pins and ``name -> "version sha256"`` of the pip pins."""
    import yaml  # PyYAML's C loader, as for the group file: ruamel's would cost more than the check

    try:
        with path.open(encoding="utf-8") as handle:
            data: Any = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LockFormatError(
            str(path), f"unreadable ({_first_line(exc)})", "re-lock with 'envtool lock --force'"
        ) from None
    if not isinstance(data, Mapping):
        raise LockFormatError(str(path), "not a conda environment file", "re-lock with 'envtool lock --force'")
    conda: dict[str, str] = {}
    pip: dict[str, str] = {}
    for dep in data.get("dependencies") or []:
        if isinstance(dep, str):
            name, _, rest = dep.partition("=")
            version, _, build = rest.partition("=")
            conda[name.strip()] = f"{version} {build}"
        elif isinstance(dep, Mapping):
            for line in dep.get("pip") or []:
                if str(line).startswith("-"):
                    continue  # an index option (--index-url ...), not a pin
                pin, _, digest = str(line).partition("--hash=")
                name, _, version = pin.partition("==")
                if " @ " in pin:  # a wheel asked for by URL: its version is in its file name
                    name, _, url = pin.partition(" @ ")
                    version = _wheel_version(url.strip())
                pip[normalize(name.strip())] = f"{version.strip()} {digest.strip().removeprefix('sha256:')}"
    return conda, pip


def _wheel_version(url: str) -> str:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        return str(parse_wheel_filename(url.split("#", 1)[0].rsplit("/", 1)[-1])[1])
    except InvalidWheelFilename:
        return url


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
