"""Running commands in a created environment, activated without conda: ``envtool run`` and ``envtool shell``.

The activation is rattler's (``rattler.shell.activate``): the environment's
``bin`` folders first on ``PATH``, ``CONDA_PREFIX``, and every
``etc/conda/activate.d`` script (the lock's variables, the CUDA library path,
packages' own scripts), run by the platform's shell (``sh``, or ``cmd.exe`` on
Windows). The variables that shell ends with are read back, and the command
runs with them, as conda's ``conda run`` does.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from envtool.errors import ConfigError, InstallError


class CommandNotFound(ConfigError):
    """The command to run is on no ``PATH`` of the environment (exit 127, as shells do)."""

    exit_code = 127


@dataclass(frozen=True)
class Environment:
    """A created environment: where it is, what lock it should match, and whether it still does."""

    prefix: Path
    target: str
    platform: str
    drift: str = ""  # why it may not match its lock; empty when it does


def locate_environment(prefix: Path, target: str, lock_hash: str | None, platform: str) -> Environment:
    """The environment at ``prefix``; refuse a missing one, note one created from another lock."""
    from envtool.env.create import read_marker

    if not (prefix / "conda-meta").is_dir():
        raise InstallError(str(prefix), f"no environment of {target} here", f"create it with 'envtool create {target}'")
    marker = read_marker(prefix)
    drift = ""
    if not marker:
        drift = f"{prefix} was not created by envtool; 'envtool verify {prefix} --target {target}' compares it with the lock"
    elif lock_hash is not None and marker.get("input_hash") != lock_hash:
        drift = f"{prefix} was created from an older lock of {target}; 'envtool create {target} --force' brings it up to date"
    return Environment(prefix, target, platform, drift)


def activated_variables(env: Environment, base: Mapping[str, str]) -> dict[str, str]:
    """``base`` as it is once the environment is activated."""
    from rattler.shell import ActivationVariables, Shell, activate

    windows = env.platform.startswith("win")
    current = base.get("CONDA_PREFIX")
    variables = ActivationVariables(current_prefix=Path(current) if current else None)
    result = activate(env.prefix, variables, Shell.cmd_exe if windows else Shell.bash, platform=env.platform)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory(prefix="envtool-run-") as tmp:
        dump = Path(tmp) / "environ.json"
        reader = f'"{sys.executable}" -c "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], \'w\'))" "{dump}"'
        if windows:
            script = Path(tmp) / "activate.bat"
            script.write_text(f"{result.script}\n@{reader}\n", encoding="utf-8")
            argv = [base.get("COMSPEC", "cmd.exe"), "/d", "/c", str(script)]
        else:
            # bash where there is one: packages' activate.d scripts are written for the user's shell
            argv = [shutil.which("bash", path=base.get("PATH")) or "/bin/sh", "-c", f"{result.script}\n{reader}"]
        proc = subprocess.run(argv, env=dict(base), capture_output=True, text=True, check=False)
        if proc.returncode != 0 or not dump.is_file():
            detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise InstallError(
                str(env.prefix / "etc" / "conda" / "activate.d"),
                f"activating the environment failed ({detail})",
                f"fix or remove the failing activation script, or re-create it with 'envtool create {env.target} --force'",
            )
        environ: dict[str, str] = json.loads(dump.read_text(encoding="utf-8"))
    environ["CONDA_DEFAULT_ENV"] = env.prefix.name
    return environ


def run_command(env: Environment, command: Sequence[str], base: Mapping[str, str]) -> int:
    """Run ``command`` in the activated environment; its exit status (-N for signal N, as subprocess reports it)."""
    environ = activated_variables(env, base)
    program = shutil.which(command[0], path=environ.get("PATH") or environ.get("Path"))
    if program is None:
        raise CommandNotFound(
            str(env.prefix), f"command not found: {command[0]!r}", "check the name, or install it into the environment"
        )
    with _child_owns_ctrl_c():
        return subprocess.run([program, *command[1:]], env=environ, check=False).returncode


def shell_command(env: Environment, base: Mapping[str, str]) -> list[str]:
    """The user's interactive shell: ``$SHELL`` (POSIX) or ``%COMSPEC%`` (Windows)."""
    if env.platform.startswith("win"):
        return [base.get("COMSPEC", "cmd.exe")]
    return [base.get("SHELL") or "/bin/sh"]


@contextlib.contextmanager
def _child_owns_ctrl_c() -> Iterator[None]:
    """Ctrl-C goes to the command (same terminal); envtool waits for it and reports its status."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_status(code: int) -> int:
    """A shell's exit status for a subprocess return code (128+N for a command killed by signal N)."""
    return 128 - code if code < 0 else code


__all__ = ["CommandNotFound", "Environment", "activated_variables", "exit_status", "locate_environment", "run_command"]
