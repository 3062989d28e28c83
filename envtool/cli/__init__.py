"""The ``envtool`` command line: parse, call one library function, print, map errors to exit codes.

Each command lives in its own module (``envtool/cli/<command>.py``) and is
loaded only when invoked, so ``envtool check`` never imports rattler or uv.
Library code never prints or exits; :func:`run` is the one place that turns an
:class:`~envtool.errors.EnvtoolError` into a one-line message and exit code.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from envtool.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EnvtoolError

# command name -> (module, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "lock": ("envtool.cli.lock", "lock", "Solve targets into lock files (only stale ones)."),
    "check": ("envtool.cli.check", "check", "Exit 1 if any lock is stale, without solving."),
    "create": ("envtool.cli.create", "create", "Create an environment from a lock, no conda needed."),
    "verify": ("envtool.cli.verify", "verify", "Compare an installed environment with its lock."),
    "bench": ("envtool.cli.bench", "bench", "Run the TensorFlow benchmarks in an environment."),
    "add": ("envtool.cli.add", "add", "Add packages to a spec file, then re-lock the targets using it."),
    "remove": ("envtool.cli.add", "remove", "Remove packages from a spec file, then re-lock the targets using it."),
    "diff": ("envtool.cli.diff", "diff", "What changed in the locks since a git revision or another folder."),
    "run": ("envtool.cli.shell", "run", "Run a command in a target's environment, activated."),
    "shell": ("envtool.cli.shell", "shell", "Start a shell in a target's environment, activated."),
    "why": ("envtool.cli.why", "why", "Show the dependency chains that bring a package into a lock."),
    "doctor": ("envtool.cli.doctor", "doctor", "Check this machine against a lock before downloading."),
}

T = TypeVar("T")


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = getattr(module, entry[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, entry[2]) for name, entry in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="envtool")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks and debug output.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """envtool: reproducible conda + PyPI environments, locked per target platform.

    Exit codes: 0 ok, 1 check failed (stale lock, drifted environment,
    regression), 2 bad input, 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def is_verbose() -> bool:
    """Whether ``--verbose`` was given to the running command."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, dict) and ctx.obj.get("verbose"):
            return True
        ctx = ctx.parent
    return False


def run(action: Callable[[], T]) -> T:
    """Run a library call for a command, turning envtool errors into exit codes.

    Every command body goes through here: an :class:`EnvtoolError` becomes one
    line on stderr and its exit code (traceback only with ``--verbose``);
    Ctrl-C becomes exit 130.
    """
    try:
        return action()
    except EnvtoolError as err:
        if is_verbose():
            raise
        click.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        if is_verbose():
            raise
        click.echo(
            f"error: internal error: {type(exc).__name__}: {exc}; run 'envtool -v ...' for the traceback and report it",
            err=True,
        )
        sys.exit(EXIT_CHECK_FAILED)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point.

    The process ends with ``os._exit`` once output is flushed: rattler's worker
    threads can crash the interpreter during its shutdown (seen in a few percent
    of runs after a successful install), and a command must never report
    success and then die.
    """
    import os

    try:
        cli.main(args=argv, prog_name="envtool", standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:  # pragma: no cover - run() handles most of these
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


__all__ = ["EXIT_BAD_INPUT", "cli", "main", "run"]
