"""The baseline of ``envtool lock``: only the raw py-rattler and uv calls, for a plan of targets.

Each target is one ``rattler.solve`` (the plan's channels, platform plus
``noarch``, virtual packages, strict priority) and, when it has a pip half,
one ``uv pip compile --format pylock.toml`` for the solved Python; targets
run concurrently over one gateway, as a careful hand-written script would.
uv gets the plan's interpreter (``--python``) and ``--exclude-newer``, as
envtool's uv does. As a process it also writes what it solved, as JSON, like
a careful script would keep its result.

In-process: ``asyncio.run(lock_plan(plan, cache_dir))``; as its own process
(only rattler and uv's locator are imported)::

    python benchmarks/toolkit/rawlock.py PLAN.json CACHE_DIR [OUT.json]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


async def lock_plan(
    plan: dict[str, Any], cache_dir: Path, solved: dict[str, Any] | None = None
) -> dict[str, tuple[int, int]]:
    """Solve every target of ``plan``; return target -> (conda records, pip packages).

    With ``solved``, each target's records are kept there (name -> JSON-able rows).
    """
    import rattler

    gateway = rattler.Gateway(cache_dir=cache_dir)
    strict = plan.get("channel_priority", "strict") == "strict"
    priority = rattler.ChannelPriority.Strict if strict else rattler.ChannelPriority.Disabled
    results = await asyncio.gather(*(_target(t, gateway, priority, solved) for t in plan["targets"]))
    return dict(zip((t["name"] for t in plan["targets"]), results, strict=True))


async def _target(
    target: dict[str, Any], gateway: Any, priority: Any, solved: dict[str, Any] | None
) -> tuple[int, int]:
    import rattler

    virtual = []
    for text in target["virtual_packages"]:
        name, version, build = text.split("=")
        virtual.append(
            rattler.GenericVirtualPackage(
                rattler.PackageName(name), rattler.Version(version), rattler.BuildString(build)
            )
        )
    records = await rattler.solve(
        target["channels"],
        [rattler.MatchSpec(text) for text in target["specs"]],
        gateway=gateway,
        platforms=[target["platform"], "noarch"],
        virtual_packages=virtual,
        channel_priority=priority,
    )
    if solved is not None:
        solved[target["name"]] = [
            {"url": r.url, "md5": r.md5.hex() if r.md5 else None, "sha256": r.sha256.hex() if r.sha256 else None,
             "depends": list(r.depends)}
            for r in records
        ]  # fmt: skip
    pip = target.get("pip")
    if not pip:
        return len(records), 0
    python = next(str(r.version) for r in records if r.name.normalized == "python")
    return len(records), await _uv_compile(pip, python)


async def _uv_compile(pip: dict[str, Any], python: str) -> int:
    from uv import find_uv_bin

    with tempfile.TemporaryDirectory(prefix="rawlock-") as tmp:
        requirements = Path(tmp) / "requirements.in"
        requirements.write_text("".join(f"{r}\n" for r in pip["requirements"]), encoding="utf-8")
        output = Path(tmp) / "pylock.toml"
        command = [
            find_uv_bin(), "pip", "compile", str(requirements), "--output-file", str(output),
            "--format", "pylock.toml", "--python-version", python,
            "--python-platform", pip["python_platform"], "--no-header", "--quiet", "--no-config",
            "--index-url", pip["index_url"], "--only-binary", ":all:",
        ]  # fmt: skip
        for link in pip["find_links"]:
            command += ["--find-links", link]
        if pip.get("python"):  # an interpreter to run with, so uv skips Python discovery
            command += ["--python", pip["python"]]
        if pip.get("exclude_newer"):
            command += ["--exclude-newer", pip["exclude_newer"]]
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **pip.get("env", {})},
        )
        _, stderr = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"uv pip compile failed: {stderr.decode(errors='replace')}")
        return output.read_text(encoding="utf-8").count("[[packages]]")


def main(argv: list[str]) -> int:
    """``rawlock.py PLAN.json CACHE_DIR [OUT.json]``: lock the plan, print target counts as JSON."""
    plan = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    solved: dict[str, Any] = {}
    counts = asyncio.run(lock_plan(plan, Path(argv[2]), solved))
    if len(argv) > 3:
        Path(argv[3]).write_text(json.dumps(solved, indent=1, sort_keys=True), encoding="utf-8")
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
