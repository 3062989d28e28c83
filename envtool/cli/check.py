"""``envtool check``: are the locks fresh? Exit 0 yes, 1 no, 2 bad input. Never solves."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from envtool.cli import run
from envtool.cli.common import manifest_option, resolve_manifest
from envtool.errors import EXIT_CHECK_FAILED
from envtool.locking.freshness import TargetStatus, describe, quick_check


def _statuses(manifest: Path, targets: tuple[str, ...]) -> list[TargetStatus]:
    """From raw bytes and lock headers when nothing changed (no YAML parsed), else the full check."""
    quick = quick_check(manifest, targets, None)
    if quick is not None:
        return quick
    from envtool.locking.lock import check as do_check

    return do_check(manifest, targets)


@click.command(name="check")
@manifest_option
@click.option("-t", "--target", "targets", multiple=True, help="Check only this target (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def check(manifest: Path | None, targets: tuple[str, ...], as_json: bool) -> None:
    """Exit 1 if any lock is stale, naming the target and the input that changed."""
    statuses = run(lambda: _statuses(resolve_manifest(manifest), targets))
    stale = [s for s in statuses if not s.fresh]
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "target": s.target,
                        "status": "pending" if s.pending else ("fresh" if s.fresh else "stale"),
                        "fresh": s.fresh and not s.pending,
                        "reasons": list(s.reasons),
                        "pending": s.pending,
                    }
                    for s in statuses
                ],
                indent=2,
            )
        )
    else:
        for line in describe(statuses):
            click.echo(line, err=True)
    if stale:
        sys.exit(EXIT_CHECK_FAILED)
