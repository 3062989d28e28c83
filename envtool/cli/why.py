"""``envtool why PKG --target T``: the dependency chains that bring a package into a lock."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from envtool.cli import run
from envtool.cli.common import manifest_option, resolve_manifest

if TYPE_CHECKING:
    from envtool.locking.why import WhyResult


@click.command(name="why")
@click.argument("package")
@click.option("-t", "--target", required=True, help="The target whose lock to explain.")
@manifest_option
@click.option(
    "-p", "--prefix", type=click.Path(path_type=Path, file_okay=False),
    help="An environment of the target, whose wheels' metadata tell the pip half's dependencies (default: the target's).",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the chains as JSON on stdout.")
def why(package: str, target: str, manifest: Path | None, prefix: Path | None, as_json: bool) -> None:
    """Show how PACKAGE got into TARGET's lock: from each requested spec (file and line), the shortest chain down to it."""
    from envtool.locking.why import render_why
    from envtool.locking.why import why as explain

    def action() -> WhyResult:
        from envtool.env.locate import default_prefix

        path = resolve_manifest(manifest)
        environment = prefix or default_prefix(target, path.parent.parent)
        return explain(path, target, package, environment)

    result = run(action)
    if as_json:
        import dataclasses
        import json

        click.echo(json.dumps(dataclasses.asdict(result), indent=2))
        return
    click.echo(render_why(result), nl=False)
