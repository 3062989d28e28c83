"""``envtool check`` through the real script: unchanged inputs are answered without the command-line framework."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import envtool, tf_channel, tf_project

FULL = [sys.executable, "-c", "import sys; from envtool.cli import main; sys.argv[0] = 'envtool'; main()"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tf_project(tmp_path, tf_channel(tmp_path))
    assert envtool("lock", cwd=tmp_path).returncode == 0
    return tmp_path


def _full(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FULL, *args], cwd=root, capture_output=True, text=True, check=False)


def _answered_early(root: Path, *args: str) -> object:
    code = (
        "import sys; from envtool.__main__ import _unchanged_check; "
        f"print(_unchanged_check({list(args)!r}), 'click' in sys.modules)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()


@pytest.mark.parametrize(
    "args", [("check",), ("check", "-t", "gpu"), ("check", "--target=cpu", "--manifest", "environments/targets.yml")]
)
def test_unchanged_check_is_answered_without_click_and_says_what_the_full_cli_says(
    root: Path, args: tuple[str, ...]
) -> None:
    assert _answered_early(root, *args) == ["0", "False"]
    fast, full = envtool(*args, cwd=root), _full(root, *args)
    assert (fast.returncode, fast.stdout, fast.stderr) == (full.returncode, full.stdout, full.stderr)
    assert "up to date" in fast.stderr


def test_stale_lock_is_reported_alike(root: Path) -> None:
    group = root / "locks" / "gpu-lock.yml"
    group.write_text(group.read_text() + "# appended\n")
    assert _answered_early(root, "check") == ["1", "False"]
    fast, full = envtool("check", cwd=root), _full(root, "check")
    assert fast.returncode == full.returncode == 1
    assert fast.stderr == full.stderr
    assert "gpu: stale: locks/gpu-lock.yml was edited or truncated since envtool wrote it" in fast.stderr


@pytest.mark.parametrize(
    "args", [("check", "--json"), ("-v", "check"), ("check", "--help"), ("check", "-t"), ("check", "-t", "nope")]
)
def test_anything_else_goes_to_the_full_command_line(root: Path, args: tuple[str, ...]) -> None:
    assert _answered_early(root, *args)[0] == "None"
    result = envtool(*args, cwd=root)
    assert result.returncode == _full(root, *args).returncode
    assert "Traceback" not in result.stderr


def test_changed_input_goes_to_the_full_check(root: Path) -> None:
    spec = root / "environments" / "gpu.yml"
    spec.write_text(spec.read_text().replace("cudnn=8", "cudnn=8.4"))
    assert _answered_early(root, "check") == ["None", "False"]
    result = envtool("check", cwd=root)
    assert result.returncode == 1 and "spec environments/gpu.yml changed" in result.stderr
