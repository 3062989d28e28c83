"""``envtool create TARGET|LOCKFILE``: install a lock into a new environment, atomically."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from envtool.cli import run, warn
from envtool.cli.common import mirror_option

if TYPE_CHECKING:
    from envtool.env.create import CreateRequest, CreateResult

_LABELS = {
    "fetch": "fetching conda packages",
    "link": "linking conda packages",
    "pip": "installing pip packages",
}


@click.command(name="create")
@click.argument("lock", metavar="TARGET|LOCKFILE")
@click.option(
    "-p",
    "--prefix",
    type=click.Path(path_type=Path, file_okay=False),
    help="Create the environment at this path.",
)
@click.option(
    "-n",
    "--name",
    help="Create it at <project root>/.envtool/envs/NAME (the default name is the target's).",
)
@click.option("--force", is_flag=True, help="Replace an existing environment (atomically).")
@click.option("--offline", is_flag=True, help="Use only the package caches; never touch the network.")
@click.option("--json", "as_json", is_flag=True, help="Print a summary as JSON on stdout.")
@click.option(
    "--skip-host-check", is_flag=True, help="Create even if 'envtool doctor' finds this machine cannot run the lock."
)
@mirror_option
def create(
    *,
    lock: str,
    prefix: Path | None,
    name: str | None,
    force: bool,
    offline: bool,
    as_json: bool,
    skip_host_check: bool,
    mirrors: tuple[str, ...],
) -> None:
    """Create an environment from a lock: conda packages with rattler, then pip wheels with uv.

    TARGET is looked up as locks/<target>.yml in the project; LOCKFILE may be
    a <target>.yml, a <target>-explicit.txt or a conda-lock *-lock.yml file.
    Without -p, the environment goes to <project root>/.envtool/envs/<name>.
    The destination changes only on success; an existing environment is
    replaced only with --force. Packages are cached in $ENVTOOL_CACHE_DIR/pkgs
    (default: rattler's cache). Exit codes: 0 created, 2 bad input or failed
    install (nothing changed), 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP
    (nothing changed).
    """
    if prefix is not None and name is not None:
        raise click.UsageError("give -p/--prefix or -n/--name, not both")
    request = run(
        lambda: _request(
            lock_arg=lock,
            prefix=prefix,
            name=name,
            force=force,
            offline=offline,
            mirrors=mirrors,
        )
    )
    _warn_unused_mirrors(mirrors, request)
    if not skip_host_check:
        run(lambda: _check_host(request))
    result = run(lambda: _create(request))
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
    else:
        verb = "replaced" if result.replaced else "created"
        click.echo(
            f"{verb} {result.prefix} ({result.conda_packages} conda, {result.pip_packages} pip "
            f"packages, {result.downloaded} downloaded) in {result.seconds:.1f}s; "
            f"run in it with: envtool run {result.target} -p {result.prefix} -- CMD",
            err=True,
        )


def _request(
    *,
    lock_arg: str,
    prefix: Path | None,
    name: str | None,
    force: bool,
    offline: bool,
    mirrors: tuple[str, ...],
) -> CreateRequest:
    from envtool.env.agreement import agreed_lock
    from envtool.env.create import CreateRequest
    from envtool.env.locate import default_prefix, host_platform, lock_path_for, project_root, select_lock
    from envtool.inputs.mirrors import configured_mirrors
    from envtool.lockfiles.read import is_env_file, read_lock

    cwd = Path.cwd()
    mirror_map = configured_mirrors(mirrors)
    path = lock_path_for(lock_arg, cwd)
    is_target = not Path(lock_arg).is_file()
    locks = [agreed_lock(path)] if is_target or is_env_file(path) else read_lock(path)
    lock = select_lock(locks, str(path), host_platform(), lock_arg if is_target else None)
    if prefix is None:
        prefix = default_prefix(
            name if name is not None else (lock_arg if is_target else lock.name or lock.target), project_root(cwd)
        )
    return CreateRequest(lock=lock, prefix=prefix, force=force, offline=offline, mirrors=mirror_map, lock_path=path)


def _check_host(request: CreateRequest) -> None:
    """Refuse a lock this machine cannot run (``envtool doctor``'s checks) before downloading anything."""
    from envtool.env.doctor import check_host, declared_needs, refuse_problems
    from envtool.env.host import probe_host

    lock = request.lock
    checks = check_host(lock, probe_host(lock.platform), declared_needs(lock, Path.cwd()), request.prefix)
    refuse_problems(checks, str(request.lock_path or lock.target))


def _warn_unused_mirrors(entries: tuple[str, ...], request: CreateRequest) -> None:
    from envtool.inputs.mirrors import MirrorMap
    from envtool.urls import redact, strip_credentials

    urls = [p.url for p in request.lock.conda] + [p.url for p in request.lock.pip]
    for channel in MirrorMap.parse(entries, origin="--mirror").mirrors:
        plain = strip_credentials(channel)
        if not any(url == plain or url.startswith(plain + "/") for url in urls):
            warn(f"--mirror for {redact(channel)} is not used: the lock has no package from there")


def _create(request: CreateRequest) -> CreateResult:
    from dataclasses import replace

    from envtool.env.create import create_environment

    with _progress() as progress:
        return create_environment(replace(request, progress=progress, say=lambda msg: click.echo(msg, err=True)))


@contextlib.contextmanager
def _progress() -> Iterator[Any]:
    if not sys.stderr.isatty():
        yield _PlainProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bars = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=False,
    )  # fmt: skip
    with bars:
        yield _RichProgress(bars)


class _RichProgress:
    """Progress bars on a terminal: one per phase, advancing per package."""

    per_package = True

    def __init__(self, bars: Any) -> None:
        self._bars = bars
        self._tasks: dict[str, Any] = {}

    def begin(self, phase: str, total: int) -> None:
        if phase in _LABELS:
            self._tasks[phase] = self._bars.add_task(_LABELS[phase], total=total)

    def advance(self, phase: str, item: str) -> None:
        if phase in self._tasks:
            self._bars.advance(self._tasks[phase])

    def end(self, phase: str) -> None:
        if phase in self._tasks:
            task = self._tasks[phase]
            self._bars.update(task, completed=self._bars.tasks[task].total)


class _PlainProgress:
    """One line per phase when stderr is not a terminal (CI logs); no per-package events."""

    per_package = False

    def begin(self, phase: str, total: int) -> None:
        click.echo(f"installing {total} {phase} packages", err=True)

    def advance(self, phase: str, item: str) -> None:
        """Not asked for."""

    def end(self, phase: str) -> None:
        """The summary line follows."""
