"""A run checks the environment against its lock before anything is timed; its command line."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from envtool.bench.run import BenchRequest, command_line
from envtool.cli import cli
from envtool.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED
from tests.bench.envs import lock, prefix_for, write_lock
from tests.bench.samples import make_fake_suite


@pytest.fixture
def fake_suite(tmp_path: Path) -> Path:
    return make_fake_suite(tmp_path)


def test_command_line_repeats_the_request() -> None:
    request = BenchRequest(python=Path("/x/python"), device="cpu", compare=Path("old.json"), lock=Path("l.yml"),
                           allow_drift=True)  # fmt: skip
    assert command_line(request) == (
        "envtool bench --python /x/python --lock l.yml --allow-drift --device cpu --compare old.json "
        "--output-dir bench-results"
    )


def test_an_environment_matching_its_lock_is_measured_and_says_so(fake_suite: Path, tmp_path: Path) -> None:
    demo = lock()
    prefix = prefix_for(demo, tmp_path / "env")
    lock_file = write_lock(demo, tmp_path / "demo-lock.yml")
    out = tmp_path / "out"
    args = ["bench", str(prefix), "--lock", str(lock_file), "--suite", str(fake_suite), "--output-dir", str(out), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    [json_path] = out.glob("env-*.json")
    environment = json.loads(json_path.read_text())["envtool"]["environment"]
    assert environment["matches"] is True and environment["checked"] == "prefix" and environment["differences"] == []
    assert f"**environment matches {lock_file}**" in json_path.with_suffix(".md").read_text()


def test_a_drifted_environment_is_refused_before_anything_is_timed(fake_suite: Path, tmp_path: Path) -> None:
    demo = lock()
    prefix = prefix_for(demo, tmp_path / "env")
    newer = write_lock(replace(demo, pip=(replace(demo.pip[0], version="1.1"),)), tmp_path / "newer-lock.yml")
    out = tmp_path / "out"
    args = ["bench", str(prefix), "--lock", str(newer), "--suite", str(fake_suite), "--output-dir", str(out), "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert f"environment differs from {newer} in 1 package: tiny 1.1 -> 1.0" in result.stderr
    assert "--allow-drift" in result.stderr and "test_sum" not in result.output
    assert not out.exists()  # nothing ran, nothing written


def test_a_bare_interpreter_needs_a_lock(fake_suite: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["bench", "--python", sys.executable, "--suite", str(fake_suite)])
    assert result.exit_code == EXIT_BAD_INPUT
    assert "no lock to check the interpreter against; pass --lock FILE" in result.stderr
