"""Which lock and which prefix a ``create``/``verify`` argument names.

Environments named with ``-n NAME`` (or created from a target name) live in
``<project root>/.envtool/envs/<name>``; the project root is the nearest folder
holding ``environments/targets.yml``, else the current folder.

>>> default_prefix("tf29-cpu", Path("/nowhere")).as_posix()
'/nowhere/.envtool/envs/tf29-cpu'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from envtool.errors import ConfigError, EnvtoolError, InstallError, LockFormatError
from envtool.model import TargetLock

ENVS_DIR = Path(".envtool") / "envs"


def project_root(start: Path) -> Path:
    """The nearest folder holding ``environments/targets.yml``, else ``start``."""
    from envtool.inputs.targets import find_manifest

    try:
        return find_manifest(start).parent.parent
    except EnvtoolError:
        return start.resolve()


def default_prefix(name: str, root: Path) -> Path:
    """Where ``-n NAME`` puts an environment: ``<root>/.envtool/envs/<name>``."""
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        raise ConfigError(
            "-n/--name",
            f"invalid environment name {name!r}",
            "use a plain name such as tf29-cpu, or -p PATH",
        )
    return root / ENVS_DIR / name


def host_platform() -> str:
    """The conda platform of this machine (``linux-64``, ``osx-arm64``, ...)."""
    import rattler

    return str(rattler.Subdir.current())


def lock_path_for(target_or_file: str, cwd: Path) -> Path:
    """The lock file an argument names: an existing file, else ``<root>/locks/<target>.yml``."""
    given = Path(target_or_file)
    if given.is_file():
        return given
    if given.suffix in (".yml", ".yaml", ".txt") or "/" in target_or_file:
        raise LockFormatError(target_or_file, "lock file not found", "check the path, or pass a target name")
    path = project_root(cwd) / "locks" / f"{target_or_file}.yml"
    if not path.is_file():
        raise LockFormatError(
            str(path),
            f"no lock for target {target_or_file!r}",
            f"run 'envtool lock -t {target_or_file}' first, or pass a lock file",
        )
    return path


def select_lock(locks: Sequence[TargetLock], origin: str, platform: str, target: str | None = None) -> TargetLock:
    """The lock for ``platform`` (and ``target`` when a file holds several); refuse others.

    >>> lk = TargetLock("cpu", "osx-arm64", "", (), ())
    >>> try:
    ...     select_lock([lk], "a-lock.yml", "linux-64")
    ... except InstallError as err:
    ...     print(err.what)
    lock is for osx-arm64, this machine is linux-64
    """
    fitting = [lk for lk in locks if lk.platform == platform]
    if target is not None and len(fitting) > 1:
        fitting = [lk for lk in fitting if lk.target == target] or fitting
    if not fitting:
        found = ", ".join(sorted({lk.platform or "no platform" for lk in locks})) or "no platform"
        raise InstallError(
            origin,
            f"lock is for {found}, this machine is {platform}",
            f"create it on a machine of that platform, or lock a target for {platform}",
        )
    return fitting[0]
