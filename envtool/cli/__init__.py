"""The ``envtool`` command line: parse, call one library function, print, map errors to exit codes.

Each command lives in its own module (``envtool/cli/<command>.py``) and is
loaded only when invoked, so ``envtool check`` never imports rattler or uv.
Library code never prints or exits; :func:`run` is the one place that turns an
:class:`~envtool.errors.EnvtoolError` into a one-line message and exit code.
"""

from __future__ import annotations

from envtool import interrupts

# Before anything slow is imported: a signal during start-up is held, and main() exits with
# its code, instead of a KeyboardInterrupt traceback from the middle of an import.
interrupts.hold()

import contextlib  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any, NoReturn, TypeVar  # noqa: E402

import click  # noqa: E402

from envtool.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, EnvtoolError, file_error  # noqa: E402

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
    "image": ("envtool.cli.image", "image", "Write (and build) a container image of a target's lock."),
    "sbom": ("envtool.cli.sbom", "sbom", "Write a CycloneDX SBOM of a target's lock."),
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

    Exit codes: 0 ok; 1 check failed (stale lock, drifted environment,
    regression); 2 bad input (including files envtool cannot read or write);
    70 internal error (a bug: please report it with the output of -v);
    130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP (nothing changed).
    -v shows tracebacks and keeps the exit code.
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
    line on stderr and its exit code; an operating-system or decoding error on
    a file is bad input (exit 2, naming the path); a signal gives ``128 +
    signal``; anything else is a bug (exit 70). ``--verbose`` adds the
    traceback and keeps the exit code. Credentials in URLs are masked.
    """
    try:
        return action()
    except EnvtoolError as err:
        _fail(err.exit_code, f"error: {err}")
    except KeyboardInterrupt as exc:
        _fail(interrupts.exit_code(exc), "interrupted")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(EXIT_BAD_INPUT, f"error: {file_error(exc)}")
    except Exception as exc:
        _fail(
            EXIT_INTERNAL,
            f"error: internal error: {type(exc).__name__}: {exc}; run 'envtool -v ...' for the traceback and report it",
        )


def _fail(code: int, message: str) -> NoReturn:
    from envtool.urls import redact_text

    if is_verbose():
        import traceback

        traceback.print_exc(file=sys.stderr)
    click.echo(redact_text(message), err=True)
    sys.exit(code)


def warn(message: str) -> None:
    """One ``warning:`` line on stderr (credentials masked)."""
    from envtool.urls import redact_text

    click.echo(f"warning: {redact_text(message)}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point.

    Signals are handled from here on (:mod:`envtool.interrupts`); one that
    arrived during start-up ends the command at once with its exit code.
    Click's own handling of Ctrl-C ("Aborted!", exit 1) is bypassed.

    The process ends with ``os._exit`` once output is flushed: rattler's worker
    threads can crash the interpreter during its shutdown (seen in a few percent
    of runs after a successful install), and a command must never report
    success and then die.
    """
    import os

    try:
        interrupts.install()
        code = _invoke(argv)
    except KeyboardInterrupt as exc:
        click.echo("interrupted", err=True)
        code = interrupts.exit_code(exc)
    except Exception as exc:  # outside run(): a bug in parsing or in a command's own code
        if {"-v", "--verbose"} & set(sys.argv[1:] if argv is None else argv):
            import traceback

            traceback.print_exc(file=sys.stderr)
        click.echo(
            f"error: internal error: {type(exc).__name__}: {exc}; run 'envtool -v ...' for the traceback and report it",
            err=True,
        )
        code = EXIT_INTERNAL
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _invoke(argv: list[str] | None) -> int:
    try:
        cli.main(args=argv, prog_name="envtool", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except click.exceptions.Abort as exc:  # click turns KeyboardInterrupt into Abort
        if isinstance(exc.__context__, KeyboardInterrupt):
            raise exc.__context__ from None
        click.echo("aborted", err=True)
        return EXIT_BAD_INPUT
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return 0


interrupts.release()

__all__ = ["EXIT_BAD_INPUT", "cli", "main", "run", "warn"]
