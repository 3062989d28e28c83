"""``envtool image TARGET``: write a target's image build context (Dockerfile...), and build it with --build."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from envtool.cli import run
from envtool.cli.common import mirror_option

if TYPE_CHECKING:
    from envtool.image.context import ImageContext


@click.command(name="image")
@click.argument("lock", metavar="TARGET|LOCKFILE")
@click.option("--variant", type=click.Choice(["base", "jupyter"]), default="base", show_default=True,
              help="base: the environment and a shell; jupyter: JupyterLab on port 8888.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False),
              help="The build context folder (default: <project>/.envtool/images/<target>[-jupyter]).")  # fmt: skip
@click.option("--base-image", default=None, metavar="REF",
              help="Base image, ideally pinned: NAME@sha256:DIGEST (default: debian:bookworm-slim).")  # fmt: skip
@click.option("--compose", is_flag=True, help="Also write compose.yaml (a GPU device reservation for GPU targets).")
@click.option("--ca-cert", "ca_certs", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="An extra CA certificate (PEM) the build stage trusts, e.g. a TLS-inspecting proxy's. Repeatable.")  # fmt: skip
@click.option("--build", is_flag=True, help="Build the image with docker or podman after writing the context.")
@click.option("--tag", help="With --build: the image tag (default: envtool/<target>:<lock digest prefix>).")
@click.option(
    "--builder", type=click.Choice(["docker", "podman"]), help="With --build: the builder (default: the first found)."
)
@click.option(
    "--network", metavar="MODE", help="With --build: the build's network (e.g. host, to reach a mirror on 127.0.0.1)."
)
@click.option(
    "--index-url", metavar="URL", help="With --build: the index the build stage installs envtool's dependencies from."
)
@mirror_option
def image(
    *,
    lock: str,
    variant: str,
    output: Path | None,
    base_image: str | None,
    compose: bool,
    ca_certs: tuple[Path, ...],
    build: bool,
    tag: str | None,
    builder: str | None,
    network: str | None,
    index_url: str | None,
    mirrors: tuple[str, ...],
) -> None:
    """Write the container image build context of a linux target: Dockerfile, lock, SBOM, envtool.

    The image's build stage runs 'envtool create' on the lock, so every
    package is hash-checked inside the build, through the mirrors given as the
    ENVTOOL_MIRRORS build argument (--mirror with --build). The runtime stage
    holds only the environment, runs as uid 1000 and works in /work. Prints
    the Dockerfile's path. Exit codes: 0 written (and built), 2 bad input, no
    builder, or a failed build.
    """
    from envtool.image.context import ImageRequest, write_context
    from envtool.image.dockerfile import DEFAULT_BASE_IMAGE

    if not build and (tag or builder or network or index_url or mirrors):
        raise click.UsageError("--tag, --builder, --network, --index-url and --mirror go with --build")
    request = ImageRequest(
        lock_arg=lock, cwd=Path.cwd(), variant=variant, output=output,
        base_image=base_image or DEFAULT_BASE_IMAGE, compose=compose, ca_certs=ca_certs,
    )  # fmt: skip
    context = run(lambda: write_context(request))
    click.echo(str(context.dockerfile))
    if build:
        command = run(
            lambda: _build(context, tag, builder=builder, network=network, index_url=index_url, mirrors=mirrors)
        )
        click.echo(f"built {command[command.index('--tag') + 1]}", err=True)


def _build(
    context: ImageContext,
    tag: str | None,
    *,
    builder: str | None,
    network: str | None,
    index_url: str | None,
    mirrors: tuple[str, ...],
) -> list[str]:
    from envtool.env.locate import project_root
    from envtool.image.build import BuildRequest, run_build, source_facts
    from envtool.inputs.mirrors import MirrorMap

    source_url, revision = source_facts(project_root(Path.cwd()))
    request = BuildRequest(
        context=context.folder, tag=tag or context.default_tag, builder=builder, network=network,
        mirrors=MirrorMap.parse(mirrors, origin="--mirror"), index_url=index_url,
        source_url=source_url, revision=revision,
    )  # fmt: skip
    return run_build(request, context.dockerfile)
