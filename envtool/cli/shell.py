"""``envtool run TARGET -- CMD...`` and ``envtool shell TARGET``: use an environment without activating it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from envtool.cli import run as guarded

if TYPE_CHECKING:
    from envtool.env.run import Environment

_PREFIX = click.option(
    "-p",
    "--prefix",
    type=click.Path(path_type=Path, file_okay=False),
    help="The environment's path (default: the target's).",
)
_NAME = click.option("-n", "--name", help="The environment's name under <project>/.envtool/envs (default: the target).")


@click.command(name="run", context_settings={"ignore_unknown_options": True})
@click.argument("target")
@_PREFIX
@_NAME
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- CMD...")
def run(target: str, prefix: Path | None, name: str | None, command: tuple[str, ...]) -> None:
    """Run CMD in TARGET's environment, activated (PATH, the lock's variables, activate.d scripts).

    Exits with CMD's own exit code. The environment must exist (envtool create TARGET).
    """
    from envtool.env.run import exit_status, run_command

    env = guarded(lambda: _environment(target, prefix, name))
    argv = list(command[1:] if command[:1] == ("--",) else command)
    if not argv:
        raise click.UsageError("give the command after --, e.g. envtool run linux-cpu -- python -V")
    code = guarded(lambda: run_command(env, argv, os.environ))
    sys.exit(exit_status(code))


@click.command(name="shell")
@click.argument("target")
@_PREFIX
@_NAME
def shell(target: str, prefix: Path | None, name: str | None) -> None:
    """Start your shell ($SHELL, or cmd.exe on Windows) in TARGET's environment, activated; exit to leave."""
    from envtool.env.run import exit_status, run_command, shell_command

    env = guarded(lambda: _environment(target, prefix, name))
    click.echo(f"entering {env.target} ({env.prefix}); 'exit' leaves it", err=True)
    code = guarded(lambda: run_command(env, shell_command(env, os.environ), os.environ))
    sys.exit(exit_status(code))


def _environment(target: str, prefix: Path | None, name: str | None) -> Environment:
    from envtool.env.locate import default_prefix, host_platform, project_root
    from envtool.env.run import locate_environment
    from envtool.errors import EnvtoolError
    from envtool.lockfiles.header import read_header

    if prefix is not None and name is not None:
        raise click.UsageError("give -p/--prefix or -n/--name, not both")
    root = project_root(Path.cwd())
    where = prefix or default_prefix(target if name is None else name, root)
    lock_hash = None
    try:  # the header alone says which inputs the lock was made from; no need to parse the body
        stamp = read_header(root / "locks" / f"{target}.yml").get(target)
        lock_hash = stamp.input_hash if stamp is not None else None
    except (EnvtoolError, OSError):
        pass  # no lock to compare with: run anyway
    env = locate_environment(where, target, lock_hash, host_platform())
    if env.drift:
        click.echo(f"warning: {env.drift}", err=True)
    return env
