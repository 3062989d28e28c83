"""Activation scripts: the lock's variables, and the CUDA library path, set and restored by real shells."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from envtool.env.activation import write_cuda_library_path, write_variables
from envtool.model import CondaPackage, TargetLock

SHELLS = [shell for shell in ("bash", "sh") if shutil.which(shell)]
CHANNEL = "https://conda.anaconda.org/conda-forge"


def lock_with(*names: str, platform: str = "linux-64") -> TargetLock:
    conda = tuple(
        CondaPackage(name, "1.0", "h0_0", f"{CHANNEL}/{platform}/{name}-1.0-h0_0.conda", "0" * 32) for name in names
    )
    return TargetLock("gpu", platform, "gpu", (CHANNEL,), conda)


def run_shell(shell: str, script: str) -> list[str]:
    done = subprocess.run([shell, "-c", script], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


# --------------------------------------------------------------------------- the lock's variables


def test_activation_scripts_set_and_restore_variables(tmp_path: Path) -> None:
    write_variables(tmp_path, {"ENVTOOL_A": "new value", "ENVTOOL_B": "it's $HOME"}, "linux-64")
    on = tmp_path / "etc/conda/activate.d/envtool-vars.sh"
    off = tmp_path / "etc/conda/deactivate.d/envtool-vars.sh"
    script = (
        f'export ENVTOOL_A=old; unset ENVTOOL_B; . "{on}"; echo "$ENVTOOL_A|$ENVTOOL_B"; '
        f'. "{off}"; echo "$ENVTOOL_A|${{ENVTOOL_B-unset}}"'
    )
    assert run_shell("sh", script) == ["new value|it's $HOME", "old|unset"]


def test_windows_locks_get_cmd_and_powershell_scripts(tmp_path: Path) -> None:
    written = write_variables(tmp_path, {"A": "50%"}, "win-64")
    assert sorted(p.name for p in written) == ["envtool-vars.bat"] * 2 + ["envtool-vars.ps1"] * 2
    assert '@SET "A=50%%"' in (tmp_path / "etc/conda/activate.d/envtool-vars.bat").read_text()


# --------------------------------------------------------------------------- CUDA libraries


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    ("before", "during", "after"),
    [
        (None, "{lib}", "unset"),
        ("", "{lib}", "set:"),  # an empty value stays set, and gains no empty entry (the current folder)
        ("/opt/a:/opt/b", "{lib}:/opt/a:/opt/b", "set:/opt/a:/opt/b"),
    ],
    ids=["unset", "empty", "set"],
)
def test_cuda_scripts_prepend_the_environment_lib_and_restore(
    tmp_path: Path, shell: str, before: str | None, during: str, after: str
) -> None:
    written = write_cuda_library_path(tmp_path / "env", lock_with("python", "cudatoolkit"))
    on = tmp_path / "env/etc/conda/activate.d/envtool-cuda.sh"
    off = tmp_path / "env/etc/conda/deactivate.d/envtool-cuda.sh"
    assert written == [on, off]
    moved = tmp_path / "moved env"  # $CONDA_PREFIX is read on activation, not fixed when written
    assert str(tmp_path) not in on.read_text() + off.read_text()
    setup = "unset LD_LIBRARY_PATH" if before is None else f"export LD_LIBRARY_PATH='{before}'"
    script = (
        f"export CONDA_PREFIX='{moved}'; {setup}; "
        f'. "{on}"; echo "$LD_LIBRARY_PATH"; '
        f'. "{off}"; echo "${{LD_LIBRARY_PATH+set:}}${{LD_LIBRARY_PATH-unset}}"; '
        'echo "${_ENVTOOL_CUDA_SAVED_LD_LIBRARY_PATH-gone}"'
    )
    assert run_shell(shell, script) == [during.format(lib=f"{moved}/lib"), after, "gone"]


def test_cuda_cudart_counts_too(tmp_path: Path) -> None:
    assert [p.name for p in write_cuda_library_path(tmp_path, lock_with("cuda-cudart"))] == ["envtool-cuda.sh"] * 2


@pytest.mark.parametrize(
    "lock",
    [
        lock_with("python", "numpy"),
        lock_with("cudatoolkit", platform="win-64"),
        lock_with("cudatoolkit", platform="osx-64"),
    ],
    ids=["cpu", "windows", "macos"],
)
def test_no_cuda_script_without_cuda_on_linux(tmp_path: Path, lock: TargetLock) -> None:
    assert write_cuda_library_path(tmp_path, lock) == []
    assert not (tmp_path / "etc").exists()
