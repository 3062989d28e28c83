"""``envtool diff [REV_OR_DIR]``: what changed in the locks, per target."""

from __future__ import annotations

from pathlib import Path

import click

from envtool.cli import run
from envtool.cli.common import manifest_option, resolve_manifest


@click.command(name="diff")
@click.argument("base", metavar="[REV_OR_DIR]", default="HEAD")
@manifest_option
@click.option(
    "--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)  # fmt: skip
@click.option("-t", "--target", "targets", multiple=True, help="Only this target (repeatable).")
def diff(base: str, manifest: Path | None, fmt: str, targets: tuple[str, ...]) -> None:
    """Compare the locks at a git revision (default HEAD), or in another locks folder, with the working tree.

    Per target: packages added, removed, upgraded, downgraded, rebuilt (same
    version, new build) and moved between the conda and pip halves. Exit 0
    whatever changed; 2 on bad input.
    """
    click.echo(run(lambda: _report(base, manifest, fmt, targets)), nl=False)


def _report(base: str, manifest: Path | None, fmt: str, targets: tuple[str, ...]) -> str:
    from envtool.errors import ConfigError
    from envtool.inputs.targets import load_manifest
    from envtool.lockfiles.folder import read_folder, read_revision
    from envtool.locking.diff import diff_locks, render

    project = load_manifest(resolve_manifest(manifest))
    lock_dir = project.root / "locks"
    given = Path(base)
    old = read_folder(given) if given.is_dir() else read_revision(lock_dir, base)
    new = read_folder(lock_dir)
    unknown = [t for t in targets if t not in old and t not in new]
    if unknown:
        raise ConfigError(
            "--target", f"no lock of target {unknown[0]!r} on either side", f"known: {', '.join(sorted({*old, *new}))}"
        )
    return render(diff_locks(old, new, targets), fmt, base, "working tree")
