"""``envtool sbom TARGET``: the CycloneDX SBOM of a lock (conda and PyPI packages, purls, hashes)."""

from __future__ import annotations

from pathlib import Path

import click

from envtool.cli import run


@click.command(name="sbom")
@click.argument("lock", metavar="TARGET|LOCKFILE")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the SBOM to this file (default: stdout).")  # fmt: skip
def sbom(lock: str, output: Path | None) -> None:
    """Write a CycloneDX 1.6 JSON SBOM of a target's lock: every conda and PyPI package with purl and hashes.

    Grype and trivy read it (grype sbom:FILE, trivy sbom FILE). The same lock
    always gives the same bytes. Exit codes: 0 written, 2 bad input.
    """
    from envtool.image.context import lock_sbom

    text = run(lambda: lock_sbom(lock, Path.cwd()))
    if output is None:
        click.echo(text, nl=False)
        return
    run(lambda: _write(output, text))
    click.echo(str(output), err=True)


def _write(output: Path, text: str) -> None:
    from envtool.atomic import replace_all
    from envtool.errors import ImageError

    try:
        replace_all({output: text})
    except OSError as exc:
        raise ImageError(str(output), f"cannot write the SBOM ({exc.strerror})", "choose a writable -o FILE") from None
