"""``envtool doctor [TARGET|LOCKFILE]``: can this machine run a target's lock?"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from envtool.cli import run
from envtool.errors import EXIT_CHECK_FAILED

_MARK = {"ok": "ok     ", "problem": "PROBLEM", "skip": "-      "}


@click.command(name="doctor")
@click.argument("lock", metavar="[TARGET|LOCKFILE]", required=False)
@click.option(
    "-p",
    "--prefix",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where the environment would go (for the disk check).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON on stdout.")
def doctor(lock: str | None, prefix: Path | None, as_json: bool) -> None:
    """Check this machine against a lock before downloading anything.

    One line per check: the NVIDIA driver's CUDA version against the lock's
    __cuda, glibc against __glibc, macOS against __osx, AVX for TensorFlow's
    x86-64 builds, free disk, the platform. Without an argument, every target
    locked for this machine's platform. Exit 1 if any check finds a problem.
    """
    reports = run(lambda: _reports(lock, prefix))
    failed = any(c["status"] == "problem" for r in reports for c in r["checks"])
    if as_json:
        click.echo(json.dumps({"ok": not failed, "targets": reports}, indent=2))
    else:
        for report in reports:
            click.echo(f"{report['target']} ({report['platform']}, {report['lock']}):")
            for check in report["checks"]:
                fix = f"; fix: {check['fix']}" if check["status"] == "problem" and check["fix"] else ""
                click.echo(f"  {_MARK[check['status']]} {check['name']:<8} {check['detail']}{fix}")
    if failed:
        sys.exit(EXIT_CHECK_FAILED)


def _reports(arg: str | None, prefix: Path | None) -> list[dict[str, Any]]:
    from envtool.env.doctor import check_host, declared_needs, pick_lock
    from envtool.env.host import probe_host
    from envtool.env.locate import default_prefix, host_platform, lock_path_for, project_root
    from envtool.errors import ConfigError
    from envtool.lockfiles.read import read_lock

    cwd = Path.cwd()
    platform = host_platform()
    host = probe_host(platform)
    if arg is not None:
        paths = [lock_path_for(arg, cwd)]
    else:
        paths = _host_target_locks(cwd, platform)
        if not paths:
            raise ConfigError(
                str(project_root(cwd) / "locks"), f"no target is locked for this machine's platform ({platform})",
                "name a target or lock file: envtool doctor TARGET",
            )  # fmt: skip
    reports = []
    for path in paths:
        is_target = arg is not None and not Path(arg).is_file()
        lock = pick_lock(read_lock(path), arg if is_target else None, platform)
        destination = prefix or default_prefix(lock.target or "env", project_root(cwd))
        checks = check_host(lock, host, declared_needs(lock, cwd), destination)
        reports.append({
            "target": lock.target, "platform": lock.platform, "lock": str(path),
            "checks": [c.as_json() for c in checks],
        })  # fmt: skip
    return reports


def _host_target_locks(cwd: Path, platform: str) -> list[Path]:
    from envtool.errors import EnvtoolError
    from envtool.inputs.targets import find_manifest, load_manifest

    try:
        manifest = load_manifest(find_manifest(cwd))
    except EnvtoolError:
        return []
    folder = manifest.root / "locks"
    return [
        folder / f"{t.name}.yml"
        for t in manifest.targets.values()
        if t.platform == platform and (folder / f"{t.name}.yml").is_file()
    ]
