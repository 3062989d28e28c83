"""The generated entrypoint, run for real with /bin/sh: activation scripts, and never an empty Jupyter token."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from envtool.image.dockerfile import render_entrypoint


def run_entrypoint(tmp_path: Path, variant: str, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "entrypoint.sh"
    script.write_text(render_entrypoint(variant, prefix=str(tmp_path / "env")))
    clean = {"PATH": os.environ["PATH"], **env}
    return subprocess.run(["/bin/sh", str(script), *command], capture_output=True, text=True, env=clean, check=False)


def test_entrypoint_runs_package_activation_scripts_then_the_command(tmp_path: Path) -> None:
    activate = tmp_path / "env" / "etc" / "conda" / "activate.d"
    activate.mkdir(parents=True)
    (activate / "proj.sh").write_text("export PROJ_DATA=/opt/env/share/proj\n")
    (activate / "envtool-vars.sh").write_text("export FROM_ENVTOOL=twice\n")  # ENV holds these already
    done = run_entrypoint(tmp_path, "base", "sh", "-c", 'echo "$PROJ_DATA ${FROM_ENVTOOL:-unset} $*"', "_", "a b")
    assert (done.returncode, done.stdout) == (0, "/opt/env/share/proj unset a b\n")


def test_entrypoint_without_activation_scripts(tmp_path: Path) -> None:
    assert run_entrypoint(tmp_path, "base", "echo", "ok").stdout == "ok\n"


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("jupyter", "lab"), {"JUPYTER_TOKEN": ""}),
        (("jupyter", "lab", "--ServerApp.token="), {}),
        (("jupyter", "lab", "--NotebookApp.token=''"), {}),
        (("jupyter", "lab", '--IdentityProvider.token=""'), {"JUPYTER_TOKEN": "x"}),
    ],
)
def test_jupyter_never_starts_with_an_empty_token(tmp_path: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
    done = run_entrypoint(tmp_path, "jupyter", *args, **env)
    assert done.returncode == 2
    assert "token" in done.stderr and done.stdout == ""


@pytest.mark.parametrize("env", [{}, {"JUPYTER_TOKEN": "s3cret"}])
def test_jupyter_starts_with_a_given_or_generated_token(tmp_path: Path, env: dict[str, str]) -> None:
    done = run_entrypoint(tmp_path, "jupyter", "sh", "-c", 'echo "token=${JUPYTER_TOKEN-generated}"', **env)
    assert (done.returncode, done.stdout) == (0, f"token={env.get('JUPYTER_TOKEN', 'generated')}\n")


def test_base_variant_does_not_police_tokens(tmp_path: Path) -> None:
    assert run_entrypoint(tmp_path, "base", "echo", "--ServerApp.token=").returncode == 0
