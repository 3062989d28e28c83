"""``envtool verify PREFIX``: exit 0 when the environment matches its lock, 1 when it differs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from envtool.cli import run

if TYPE_CHECKING:
    from envtool.env.verify import VerifyReport


@click.command(name="verify")
@click.argument("prefix", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--lock",
    "lock_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The lock file to compare with.",
)
@click.option("--target", help="Compare with this target's lock (locks/<target>.yml).")
@click.option(
    "--fast", is_flag=True, help="Compare package names, versions and builds only; do not hash installed files."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def verify(prefix: Path, lock_file: Path | None, target: str | None, fast: bool, as_json: bool) -> None:
    """Compare an installed environment with its lock: missing, extra and changed packages,
    and every installed file against the hash its installer recorded (conda-meta, wheel RECORD).

    Without --lock or --target, the lock the environment was created from is
    used. Exit codes: 0 identical, 1 different, 2 bad input.
    """
    from envtool.env.verify import lock_for, verify_environment

    if lock_file is not None and target is not None:
        raise click.UsageError("give --lock or --target, not both")

    def compare() -> VerifyReport:
        path, lock = lock_for(prefix, lock_file, target, Path.cwd())
        return verify_environment(prefix, lock, path, fast=fast)

    report = run(compare)
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        _print_table(report)
    run(report.check)


def _print_table(report: VerifyReport) -> None:
    if report.ok:  # plain: rich's import alone would cost more than a small environment's check
        click.echo(
            f"{report.prefix}: matches its lock ({report.conda_checked} conda, {report.pip_checked} pip packages)"
        )
        return
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    table = Table(title=f"{report.prefix}: {report.summary()}")
    for column in ("", "manager", "package", "locked", "installed", "detail"):
        table.add_column(column)
    marks = {
        "missing": "[red]missing[/]",
        "extra": "[yellow]extra[/]",
        "changed": "[magenta]changed[/]",
        "files": "[red]files[/]",
    }
    for diff in report.differences:
        table.add_row(marks[diff.kind], diff.manager, diff.name, diff.locked, diff.installed, diff.detail)
    console.print(table)
