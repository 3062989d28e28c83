"""Create an environment from a lock, atomically: conda half with rattler, pip half with uv.

:func:`create_environment` is the orchestration: it resolves the lock and the
destination, checks the conda half (:mod:`envtool.env.conda_half`), then builds
the environment in a staging folder beside the destination and renames it into
place (:mod:`envtool.env.staging`); the pip half is :mod:`envtool.env.pip_half`,
activation scripts are :mod:`envtool.env.activation`. Until that rename the
destination is untouched, whatever fails; an existing environment is replaced
only with ``force``.

Conda packages land in a package cache shared by all environments:
``$ENVTOOL_CACHE_DIR/pkgs`` when that variable is set, else rattler's own
(``$RATTLER_CACHE_DIR/pkgs`` or ``~/.cache/rattler/cache/pkgs``); see
:mod:`envtool.caches`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envtool.caches import cache_root, package_cache_dir
from envtool.env.locate import host_platform, select_lock
from envtool.env.progress import InstallProgress
from envtool.inputs.mirrors import MirrorMap
from envtool.model import TargetLock

#: Written into every environment envtool creates, so ``envtool verify PREFIX`` finds its lock.
MARKER = Path("conda-meta") / "envtool"


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
    say: Callable[[str], None] | None = None  # notices, such as waiting for another envtool


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


def create_environment(request: CreateRequest) -> CreateResult:
    """Install ``request.lock`` at ``request.prefix``; the destination changes only on success.

    Raises :class:`~envtool.errors.InstallError` (or its subclass
    :class:`~envtool.errors.HashMismatchError`) naming the file or URL, the
    value and the fix; ``KeyboardInterrupt`` passes through after clean-up.
    One process at a time creates a given prefix; another one waits for it.
    """
    from envtool.env import staging

    started = time.perf_counter()
    lock = request.lock
    final = Path(os.path.normpath(Path.cwd() / request.prefix))  # symlinks kept as written
    select_lock([lock], lock.target or str(final), host_platform())
    with staging.claimed(final, request.say or (lambda _msg: None)):
        return _create_claimed(request, final, started)


def _create_claimed(request: CreateRequest, final: Path, started: float) -> CreateResult:
    from envtool.env import activation, conda_half, pip_half, staging

    lock = request.lock
    staging.check_destination(final, request.force)
    root = cache_root(request.cache_dir)
    conda = conda_half.plan_conda(lock, request.mirrors, package_cache_dir(root), request.offline)
    with staging.staging_folder(final) as folder:
        conda_half.install_conda(conda, staging=folder, final=final, progress=request.progress)
        if lock.pip:
            pip_half.install_wheels(
                pip_half.PipInstall(
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
