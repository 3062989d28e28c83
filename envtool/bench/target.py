"""Which environment ``envtool bench`` measures, and which lock it must match.

A target name means the environment ``envtool create TARGET`` made (in
``<project>/.envtool/envs/TARGET``) and ``locks/TARGET.yml``; a path means a
prefix and the lock it was created from (or ``--lock``); ``--python`` means
any interpreter, checked against ``--lock`` (which it must be given).

>>> label_for_python(Path("/work/project/.envtool/envs/linux-64-cpu/bin/python"))
'linux-64-cpu'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from envtool.errors import ConfigError
from envtool.model import TargetLock


@dataclass(frozen=True)
class Subject:
    """The environment under test: its interpreter, its prefix if it has one, and its lock."""

    python: Path
    prefix: Path | None
    lock_path: Path
    lock_label: str
    lock: TargetLock


def _prefix_python(prefix: Path) -> Path:
    from envtool.env.locate import host_platform
    from envtool.env.pip_half import python_path

    return python_path(prefix, host_platform())


def _is_path(target: str) -> bool:
    return "/" in target or os.sep in target or target.startswith((".", "~"))


def target_prefix(project_dir: Path, target: str) -> Path:
    """The prefix a TARGET argument names: a path as given, else where ``envtool create`` puts it."""
    from envtool.env.locate import default_prefix, project_root

    if _is_path(target):
        return Path(target).expanduser()
    return default_prefix(target, project_root(project_dir))


def resolve_python(target: str | None, python: Path | None, project_dir: Path) -> Path:
    """The interpreter to run the suite with: ``--python``, a prefix's, or a target's."""
    if python is not None and target is not None:
        raise ConfigError("envtool bench", "both TARGET and --python given", "give one of them")
    if python is not None:
        python = python if python.is_absolute() else Path.cwd() / python
        if not python.is_file() or not os.access(python, os.X_OK):
            raise ConfigError(str(python), "no executable Python there", "check the --python path")
        return python
    if target is None:
        raise ConfigError("envtool bench", "no environment given", "pass a TARGET, a PREFIX or --python PATH")
    prefix = target_prefix(project_dir, target)
    found = _prefix_python(prefix)
    if not found.is_file():
        raise ConfigError(
            str(prefix),
            f"no environment for {target!r} (no {found.relative_to(prefix)} there)",
            f"run `envtool create {target}`, or pass an existing prefix or --python PATH",
        )
    return found.absolute()


def _prefix_of(python: Path) -> Path | None:
    """The conda prefix an interpreter belongs to (``PREFIX/bin/python``), ``None`` for a bare one."""
    for prefix in (python.parent.parent, python.parent):  # bin/python; python.exe at the root on Windows
        if (prefix / "conda-meta").is_dir():
            return prefix
    return None


def _label(path: Path, project_dir: Path) -> str:
    try:
        return path.absolute().relative_to(project_dir.absolute()).as_posix()
    except ValueError:
        return str(path)


def find_subject(target: str | None, python: Path, lock_file: Path | None, project_dir: Path) -> Subject:
    """The environment behind ``python`` and the lock it must match (``--lock``, its target's, its marker's)."""
    from envtool.env.locate import host_platform, lock_path_for, project_root, select_lock
    from envtool.env.verify import lock_for
    from envtool.lockfiles.read import read_lock

    prefix = _prefix_of(python)
    name = target if target is not None and not _is_path(target) else None
    if lock_file is not None:
        path = lock_file
        lock = select_lock(read_lock(path), str(path), host_platform(), name)
    elif name is not None:
        path = lock_path_for(name, project_dir)
        lock = select_lock(read_lock(path), str(path), host_platform(), name)
    elif prefix is not None:
        path, lock = lock_for(prefix, None, None, project_dir)
    else:
        raise ConfigError(
            str(python),
            "no lock to check the interpreter against",
            "pass --lock FILE (e.g. --lock locks/linux-cpu.yml): the environment is verified before it is timed",
        )
    return Subject(python, prefix, path, _label(path, project_root(project_dir)), lock)


def label_for_python(python: Path) -> str:
    """A file-name-safe name for an environment, from its interpreter's path."""
    parent = python.parent
    name = parent.parent.name if parent.name in ("bin", "Scripts") else parent.name
    return safe_name(name or "python")


def safe_name(text: str) -> str:
    """``text`` with every run of characters unsafe in a file name replaced by ``-``.

    >>> safe_name("gpu01.example.org/x y")
    'gpu01.example.org-x-y'
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"
