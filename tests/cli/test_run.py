"""``envtool run`` / ``envtool shell``: the command's own exit code, the lock's variables, PATH and activate.d scripts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from envtool.env.run import locate_environment
from envtool.errors import InstallError
from tests.projects import envtool


@pytest.fixture(scope="module")
def project(locked_tf: Path) -> Path:
    root = locked_tf
    created = envtool("create", "gpu", "--skip-host-check", cwd=root)
    assert created.returncode == 0, created.stderr
    script = root / ".envtool/envs/gpu/etc/conda/activate.d/zz-package.sh"
    script.write_text('export FROM_PACKAGE_SCRIPT="seen $CONDA_PREFIX"\n')
    return root


def test_run_sees_variables_path_and_scripts_and_returns_the_exit_code(project: Path) -> None:
    prefix = project / ".envtool/envs/gpu"
    probe = 'echo "$TF_FORCE_GPU_ALLOW_GROWTH|$(command -v python)|$FROM_PACKAGE_SCRIPT|$LD_LIBRARY_PATH"; exit 7'
    done = envtool("run", "gpu", "--", "sh", "-c", probe, cwd=project, env={"TF_FORCE_GPU_ALLOW_GROWTH": "outside"})
    assert done.returncode == 7, done.stderr
    assert done.stdout.strip() == f"true|{prefix}/bin/python|seen {prefix}|{prefix}/lib"
    assert done.stderr == ""


def test_shell_runs_the_users_shell_activated(project: Path) -> None:
    import subprocess

    from tests.projects import ENVTOOL

    done = subprocess.run(
        [ENVTOOL, "shell", "gpu"], cwd=project, input='echo "in $CONDA_DEFAULT_ENV"; exit 3\n',
        env={**os.environ, "SHELL": "/bin/sh"}, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert done.stdout == "in gpu\n"


def test_missing_environment_and_command(project: Path) -> None:
    with pytest.raises(InstallError, match="no environment of cpu here; create it with 'envtool create cpu'"):
        locate_environment(project / ".envtool/envs/cpu", "cpu", None, "linux-64")
    unknown = envtool("run", "gpu", "--", "no-such-command", cwd=project)
    assert unknown.returncode == 127
    assert "command not found: 'no-such-command'" in unknown.stderr


def test_an_environment_from_an_older_lock_is_named(project: Path, tmp_path: Path) -> None:
    import json
    import shutil

    older = tmp_path / "older"
    shutil.copytree(project / ".envtool/envs/gpu", older, symlinks=True)
    marker = older / "conda-meta" / "envtool"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "input_hash": "0" * 64}))
    done = envtool("run", "gpu", "-p", str(older), "--", "true", cwd=project)
    assert done.returncode == 0
    assert done.stderr == (
        f"warning: {older} was created from an older lock of gpu; 'envtool create gpu --force' brings it up to date\n"
    )
    assert not locate_environment(project / ".envtool/envs/gpu", "gpu", _lock_hash(project), "linux-64").drift


def _lock_hash(project: Path) -> str:
    from envtool.lockfiles.read import read_lock

    return read_lock(project / "locks" / "gpu.yml")[0].input_hash


@pytest.mark.parametrize("command", [["run", "gpu", "-n", "", "--", "true"], ["shell", "gpu", "-n", ""]])
def test_an_empty_name_is_refused_not_taken_for_the_default(project: Path, command: list[str]) -> None:
    done = envtool(*command, cwd=project)
    assert done.returncode == 2
    assert done.stderr.startswith("error: -n/--name: invalid environment name ''"), done.stderr
