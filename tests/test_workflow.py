"""The GitHub Actions workflow calls only what exists: nox sessions of the noxfile, targets with locks.

actionlint (the ``lint`` session) checks the workflow's syntax and expressions; this checks
what actionlint cannot know about this project.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# The runner images whose architecture and OS each conda platform needs.
RUNNERS = {"linux-64": ("ubuntu-",), "osx-64": ("macos-13",), "osx-arm64": ("macos-14", "macos-15"),
           "win-64": ("windows-",)}  # fmt: skip


def nox_sessions() -> set[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d).startswith("nox.session") for d in node.decorator_list)
    }


def targets() -> dict[str, Any]:
    manifest = yaml.safe_load((ROOT / "environments" / "targets.yml").read_text(encoding="utf-8"))
    return dict(manifest["targets"])


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """``(job, matrix entry, command)`` for every run step, with the matrix expanded."""
    found = []
    for name, job in workflow["jobs"].items():
        entries = (job.get("strategy") or {}).get("matrix", {}).get("include") or [{}]
        for entry in entries:
            for step in job.get("steps", []):
                if "run" in step:
                    command = re.sub(
                        r"\$\{\{\s*matrix\.(\w+)\s*\}\}", lambda m, entry=entry: str(entry[m.group(1)]), step["run"]
                    )
                    found.append((name, entry, command))
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_calls_only_existing_sessions_and_targets(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    sessions, known = nox_sessions(), targets()
    called: set[str] = set()
    for _, entry, command in steps(workflow):
        words = shlex.split(command)
        if words[:2] == ["nox", "-s"]:
            names = words[2 : words.index("--")] if "--" in words else words[2:]
            assert set(names) <= sessions, f"{path.name}: {command!r} calls a session the noxfile lacks"
            called.update(names)
        if words[:2] == ["envtool", "create"]:
            target = words[2]
            assert target in known and (ROOT / "locks" / f"{target}.yml").is_file(), command
            if "os" in entry:
                assert entry["os"].startswith(RUNNERS[known[target]["platform"]]), (entry, target)
    assert {"lint", "typecheck", "tests", "lock_check", "tf_smoke", "bench_tf_cpu", "bench_tf_gpu"} <= called


def test_every_native_cpu_target_and_the_gpu_target_run() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    created = {shlex.split(c)[2] for _, _, c in steps(workflow) if c.startswith("envtool create")}
    assert created == {"linux-cpu", "osx-cpu", "osx-arm64-cpu", "win-cpu", "linux-gpu"}
    assert "gpu" in workflow["jobs"]["gpu"]["runs-on"]
    labels = yaml.safe_load((ROOT / ".github" / "actionlint.yaml").read_text(encoding="utf-8"))
    assert "gpu" in labels["self-hosted-runner"]["labels"]
