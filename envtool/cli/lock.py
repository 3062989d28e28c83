"""``envtool lock``: solve stale targets into lock files."""

from __future__ import annotations

import json
from pathlib import Path

import click

from envtool.cli import run
from envtool.cli.common import console, manifest_option, mirror_option, resolve_manifest


@click.command(name="lock")
@manifest_option
@click.option("-t", "--target", "targets", multiple=True, help="Lock only this target (repeatable).")
@click.option("--force", is_flag=True, help="Re-solve even targets whose locks are fresh.")
@mirror_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
def lock(
    manifest: Path | None,
    targets: tuple[str, ...],
    force: bool,
    mirrors: tuple[str, ...],
    as_json: bool,
) -> None:
    """Solve targets into locks/: <target>.yml, <target>-explicit.txt and <group>-lock.yml.

    Only targets whose inputs changed are re-solved, unless --force.
    """
    from envtool.inputs.mirrors import configured_mirrors
    from envtool.locking.lock import LockRequest
    from envtool.locking.lock import lock as do_lock

    err = console()

    def action() -> object:
        from envtool.caches import cache_root

        request = LockRequest(
            manifest=resolve_manifest(manifest), targets=targets, force=force,
            mirrors=configured_mirrors(mirrors), cache_dir=cache_root(),
        )  # fmt: skip
        return do_lock(request, progress=lambda msg: err.print(msg, highlight=False))

    result = run(action)
    from envtool.locking.lock import LockResult

    assert isinstance(result, LockResult)
    if as_json:
        click.echo(json.dumps({
            "solved": [{"target": lk.target, "platform": lk.platform, "conda": len(lk.conda), "pip": len(lk.pip),
                        "seconds": round(result.seconds.get(lk.target, 0.0), 3)} for lk in result.solved],
            "fresh": list(result.fresh),
            "pending": list(result.pending),
            "files": [str(p) for p in result.files],
        }, indent=2))  # fmt: skip
        return
    for name in result.fresh:
        err.print(f"{name}: up to date", highlight=False)
    for name in result.pending:
        err.print(
            f"{name}: pending, skipped (lock it explicitly with --target {name} to see why)",
            highlight=False,
        )
    if result.solved:
        err.print(f"wrote {len(result.files)} files for {len(result.solved)} targets", highlight=False)
    elif not result.fresh:
        err.print("nothing to lock", highlight=False)
