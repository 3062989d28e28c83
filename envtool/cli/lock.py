"""``envtool lock``: solve stale targets into lock files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from envtool.cli import run, warn
from envtool.cli.common import manifest_option, mirror_option, resolve_manifest


@click.command(name="lock")
@manifest_option
@click.option("-t", "--target", "targets", multiple=True, help="Lock only this target (repeatable).")
@click.option("--force", is_flag=True, help="Re-solve even targets whose locks are fresh.")
@mirror_option
@click.option(
    "--update", "update", multiple=True, metavar="PKG",
    help="Move PKG to the newest version the specs allow, keeping every other package locked (repeatable).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Solve and show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def lock(
    *,
    manifest: Path | None,
    targets: tuple[str, ...],
    force: bool,
    mirrors: tuple[str, ...],
    update: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
) -> None:
    """Solve targets into locks/: <target>.yml, <target>-explicit.txt and <group>-lock.yml.

    Only targets whose inputs changed are re-solved, unless --force.
    """
    from envtool.inputs.mirrors import configured_mirrors
    from envtool.locking.lock import LockRequest
    from envtool.locking.lock import lock as do_lock

    def action() -> object:
        from envtool.caches import cache_root

        request = LockRequest(
            manifest=resolve_manifest(manifest), targets=targets, force=force,
            mirrors=configured_mirrors(mirrors), cache_dir=cache_root(), update=update, dry_run=dry_run,
        )  # fmt: skip
        return do_lock(request, progress=_say)

    result = run(action)
    from envtool.locking.lock import LockResult

    assert isinstance(result, LockResult)
    from envtool.inputs.mirrors import MirrorMap
    from envtool.urls import redact

    for channel in MirrorMap.parse(mirrors, origin="--mirror").unused(result.channels):
        warn(f"--mirror for {redact(channel)} is not used: no selected target has that channel")
    if as_json:
        click.echo(json.dumps({
            "solved": [{"target": lk.target, "platform": lk.platform, "conda": len(lk.conda), "pip": len(lk.pip),
                        "seconds": round(result.seconds.get(lk.target, 0.0), 3)} for lk in result.solved],
            "fresh": list(result.fresh),
            "pending": list(result.pending),
            "files": [str(p) for p in result.files],
            "changes": [d.as_json() for d in result.changes],
        }, indent=2))  # fmt: skip
        return
    if update or dry_run:
        from envtool.locking.diff import render_text

        click.echo(render_text(result.changes) if result.changes else "no target re-solved\n", nl=False)
        if dry_run:
            _say("dry run: no file written")
            return
    for name in result.fresh:
        _say(f"{name}: up to date")
    for name in result.pending:
        _say(f"{name}: pending, skipped (lock it explicitly with --target {name} to see why)")
    if result.solved:
        _say(f"wrote {len(result.files)} files for {len(result.solved)} targets")
    elif not result.fresh:
        _say("nothing to lock")


def _say(message: str) -> None:
    """Progress and results on stderr (plain text: rich's import alone was a tenth of a lock), credentials masked."""
    from envtool.urls import redact_text

    click.echo(redact_text(message), err=True)
