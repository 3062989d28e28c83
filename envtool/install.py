"""Create an environment from a lock, atomically: conda half with rattler, pip half with uv.

:func:`create_environment` is the orchestration: it resolves the lock and the
destination, checks the conda half (:mod:`envtool.conda_install`), then builds
the environment in a staging folder beside the destination and renames it into
place (:mod:`envtool.staging`); the pip half is :mod:`envtool.pip_install`,
activation scripts are :mod:`envtool.activation`. Until that rename the
destination is untouched, whatever fails; an existing environment is replaced
only with ``force``.

Conda packages land in a package cache shared by all environments:
``$ENVTOOL_CACHE_DIR/pkgs`` when that variable is set, else rattler's own
(``$RATTLER_CACHE_DIR/pkgs`` or ``~/.cache/rattler/cache/pkgs``).

Environments named with ``-n NAME`` (or created from a target name) live in
``<project root>/.envtool/envs/<name>``; the project root is the nearest folder
holding ``environments/targets.yml``, else the current folder.

>>> default_prefix("tf29-cpu", Path("/nowhere")).as_posix()
'/nowhere/.envtool/envs/tf29-cpu'
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from envtool.errors import ConfigError, EnvtoolError, InstallError, LockFormatError
from envtool.mirrors import MirrorMap
from envtool.model import TargetLock

CACHE_ENV_VAR = "ENVTOOL_CACHE_DIR"
ENVS_DIR = Path(".envtool") / "envs"
#: Written into every environment envtool creates, so ``envtool verify PREFIX`` finds its lock.
MARKER = Path("conda-meta") / "envtool"


class InstallProgress(Protocol):
    """Receives progress from :func:`create_environment`; the CLI draws it.

    Phases: ``"conda"`` and ``"pip"`` (begun and ended once each) and, only
    when ``per_package`` is true, ``"fetch"`` (conda packages into the cache,
    downloaded or already there) and ``"link"`` (into the environment) with one
    :meth:`advance` per package. Per-package events come from rattler's worker
    threads, several at once, and cost a little time (a few ms per 50
    packages); leave ``per_package`` false when only phases are shown.
    """

    per_package: bool

    def begin(self, phase: str, total: int) -> None:
        """A phase starts with ``total`` items."""

    def advance(self, phase: str, item: str) -> None:
        """One item (a package name) of a phase is done."""

    def end(self, phase: str) -> None:
        """A phase is over."""


@dataclass(frozen=True)
class CreateRequest:
    """What :func:`create_environment` needs: the lock, where to put it, and how.

    ``cache_dir`` is envtool's cache root (conda packages in ``pkgs/``, uv's
    cache in ``uv/``); ``None`` means ``$ENVTOOL_CACHE_DIR`` or the tools'
    own defaults. ``lock_path`` is recorded in the environment for ``verify``.
    """

    lock: TargetLock
    prefix: Path
    force: bool = False
    offline: bool = False
    mirrors: MirrorMap = field(default_factory=MirrorMap)
    cache_dir: Path | None = None
    progress: InstallProgress | None = None
    lock_path: Path | None = None


@dataclass(frozen=True)
class CreateResult:
    """What was created: the prefix, package counts, downloads and the time it took."""

    prefix: Path
    target: str
    platform: str
    conda_packages: int
    pip_packages: int
    downloaded: int
    replaced: bool
    seconds: float

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` summary."""
        return {
            "prefix": str(self.prefix), "target": self.target, "platform": self.platform,
            "conda_packages": self.conda_packages, "pip_packages": self.pip_packages,
            "downloaded": self.downloaded, "replaced": self.replaced,
            "seconds": round(self.seconds, 3),
        }  # fmt: skip


# ------------------------------------------------------------------ choosing lock and prefix


def project_root(start: Path) -> Path:
    """The nearest folder holding ``environments/targets.yml``, else ``start``."""
    from envtool.targets import find_manifest

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


def cache_root(explicit: Path | None = None) -> Path | None:
    """Envtool's cache root: ``explicit``, else ``$ENVTOOL_CACHE_DIR``, else ``None`` (defaults)."""
    if explicit is not None:
        return explicit
    value = os.environ.get(CACHE_ENV_VAR)
    return Path(value) if value else None


def package_cache_dir(root: Path | None) -> Path:
    """Where conda packages are cached: ``<root>/pkgs``, else rattler's default package cache."""
    if root is not None:
        return root / "pkgs"
    if os.environ.get("RATTLER_CACHE_DIR"):
        return Path(os.environ["RATTLER_CACHE_DIR"]) / "pkgs"
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "rattler" / "cache" / "pkgs"


# --------------------------------------------------------------------------- create


def create_environment(request: CreateRequest) -> CreateResult:
    """Install ``request.lock`` at ``request.prefix``; the destination changes only on success.

    Raises :class:`~envtool.errors.InstallError` (or its subclass
    :class:`~envtool.errors.HashMismatchError`) naming the file or URL, the
    value and the fix; ``KeyboardInterrupt`` passes through after clean-up.
    """
    from envtool import activation, conda_install, pip_install, staging

    started = time.perf_counter()
    lock = request.lock
    final = Path(os.path.normpath(Path.cwd() / request.prefix))  # symlinks kept as written
    select_lock([lock], lock.target or str(final), host_platform())
    staging.check_destination(final, request.force)
    root = cache_root(request.cache_dir)
    conda = conda_install.plan_conda(lock, request.mirrors, package_cache_dir(root), request.offline)
    with staging.staging_folder(final) as folder:
        conda_install.install_conda(conda, staging=folder, final=final, progress=request.progress)
        if lock.pip:
            pip_install.install_wheels(
                pip_install.PipInstall(
                    packages=lock.pip, staging=folder, final=final, platform=lock.platform,
                    mirrors=request.mirrors, offline=request.offline,
                    cache_dir=root / "uv" if root is not None else None,
                ),
                request.progress,
            )  # fmt: skip
        activation.write_variables(folder, lock.variables, lock.platform)
        activation.write_cuda_library_path(folder, lock)
        _write_marker(folder, request)
        replaced = staging.swap_into_place(folder, final)
    return CreateResult(
        prefix=final, target=lock.target, platform=lock.platform, conda_packages=len(lock.conda),
        pip_packages=len(lock.pip), downloaded=conda.downloads, replaced=replaced,
        seconds=time.perf_counter() - started,
    )  # fmt: skip


def _write_marker(staging: Path, request: CreateRequest) -> None:
    lock = request.lock
    data = {
        "lock": str(request.lock_path.resolve()) if request.lock_path is not None else None,
        "target": lock.target, "platform": lock.platform, "input_hash": lock.input_hash,
    }  # fmt: skip
    (staging / MARKER).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def read_marker(prefix: Path) -> dict[str, Any]:
    """What :func:`create_environment` recorded in ``prefix`` (empty if envtool did not make it)."""
    path = prefix / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
