"""``envtool add SPEC...`` and ``envtool remove NAME...``: edit spec files in place, then re-lock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from envtool.cli import run
from envtool.cli.common import console, manifest_option, mirror_option, resolve_manifest

F = TypeVar("F", bound=Callable[..., Any])


def _options(func: F) -> F:
    """The options ``add`` and ``remove`` share."""
    func = mirror_option(func)
    func = click.option("--no-lock", is_flag=True, help="Edit the spec files only; do not re-lock.")(func)
    func = click.option(
        "--file", "spec_file", type=click.Path(path_type=Path, dir_okay=False),
        help="The spec file to edit (default: the one listing the name, or the one every target composes).",
    )(func)  # fmt: skip
    func = click.option("--pip", is_flag=True, help="A pip requirement (the spec's pip: list).")(func)
    return manifest_option(func)


@click.command(name="add")
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@_options
def add(specs: tuple[str, ...], **options: object) -> None:
    """Add conda specs (or pip requirements with --pip) to a spec file, then re-lock the targets using it.

    A package already listed is changed where it stands. Comments, order and
    quoting of the file are kept. Other packages stay at their locked versions.
    """
    _edit("add", specs, **options)


@click.command(name="remove")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@_options
def remove(names: tuple[str, ...], **options: object) -> None:
    """Remove packages from the spec file that lists them, then re-lock the targets using it."""
    _edit("remove", names, **options)


def _edit(verb: str, specs: tuple[str, ...], **options: object) -> None:
    from envtool.caches import cache_root
    from envtool.inputs.mirrors import configured_mirrors
    from envtool.locking.diff import render_text
    from envtool.locking.edit import EditRequest, EditResult, edit_specs

    err = console()
    manifest = options["manifest"]
    spec_file = options["spec_file"]
    mirrors = options["mirrors"]
    assert manifest is None or isinstance(manifest, Path)
    assert spec_file is None or isinstance(spec_file, Path)
    assert isinstance(mirrors, tuple)

    def action() -> EditResult:
        request = EditRequest(
            manifest=resolve_manifest(manifest), verb=verb, specs=specs, pip=bool(options["pip"]), file=spec_file,
            relock=not options["no_lock"], mirrors=configured_mirrors(mirrors), cache_dir=cache_root(),
        )  # fmt: skip
        return edit_specs(request, progress=lambda msg: err.print(msg, highlight=False))

    result = run(action)
    for path in result.files:
        err.print(f"edited {path}", highlight=False)
    if result.locked is None:
        if result.targets:
            err.print(f"not re-locked: {', '.join(result.targets)} (run 'envtool lock')", highlight=False)
        return
    if result.locked.changes:
        click.echo(render_text(result.locked.changes), nl=False)
    for name in result.locked.fresh:
        click.echo(f"{name}: up to date")
