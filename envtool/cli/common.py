"""Options and helpers shared by several commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def manifest_option(func: F) -> F:
    """``--manifest PATH``: the targets manifest (default: found from the current folder)."""
    return click.option(
        "--manifest",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="The targets manifest (default: environments/targets.yml here or in a parent folder).",
    )(func)


def mirror_option(func: F) -> F:
    """``--mirror CHANNEL=MIRROR`` (repeatable): read a channel through a mirror URL or folder."""
    return click.option(
        "--mirror",
        "mirrors",
        multiple=True,
        metavar="CHANNEL=MIRROR",
        help="Read CHANNEL (a name or URL) through MIRROR (a URL or a folder); locks keep canonical URLs. Repeatable.",
    )(func)


def resolve_manifest(manifest: Path | None) -> Path:
    """The manifest given, or the one found from the current folder."""
    from envtool.inputs.targets import find_manifest

    return manifest if manifest is not None else find_manifest(Path.cwd())


def console() -> Any:
    """A rich console on stderr (plain text when stderr is not a terminal)."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)
