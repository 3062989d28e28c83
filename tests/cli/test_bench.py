"""``envtool bench`` end to end on a fake suite: the files written, --compare, failures, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envtool.bench.plot import plot_unavailable
from envtool.cli import cli
from envtool.errors import EXIT_BAD_INPUT, EXIT_CHECK_FAILED
from tests.bench.samples import bench_args, make_fake_suite
from tests.projects import envtool


@pytest.fixture
def fake_suite(tmp_path: Path) -> Path:
    return make_fake_suite(tmp_path)


def test_cli_end_to_end_writes_json_markdown_png(fake_suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    result = CliRunner().invoke(cli, bench_args(fake_suite, out))
    assert result.exit_code == 0, result.output
    [json_path] = out.glob("fake-*.json")
    assert json_path.name.startswith("fake-") and not list(out.glob(".*"))
    data = json.loads(json_path.read_text())
    assert data["benchmarks"][0]["name"] == "test_sum[cpu]"
    assert data["envtool"]["format"] == 2
    environment = data["envtool"]["environment"]
    assert environment["matches"] is False and environment["allowed_drift"] is True
    assert {"name": "tiny", "locked": "1.0", "installed": "", "kind": "missing", "manager": "pip", "detail": ""} in (
        environment["differences"]
    )
    assert data["envtool"]["run"]["skipped"][0]["reason"] == "no GPU: fake suite"
    assert data["envtool"]["host"]["cpus_usable"] >= 1
    markdown = json_path.with_suffix(".md").read_text()
    assert "| sum | cpu |" in markdown and "1.5 sums/s" in markdown
    assert f"**{environment['headline']}**" in markdown and "tiny 1.0 missing" in environment["headline"]
    assert environment["headline"] in result.output
    assert "no GPU: fake suite" in result.output
    if plot_unavailable() is None:
        assert json_path.with_suffix(".png").is_file()


def test_cli_compare_flags_a_regression(fake_suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert CliRunner().invoke(cli, bench_args(fake_suite, out, "--device", "cpu")).exit_code == 0
    [first] = out.glob("*.json")
    old = json.loads(first.read_text())
    old["benchmarks"][0]["stats"]["median"] /= 100  # the old run was far faster, every round of it
    old["benchmarks"][0]["stats"]["data"] = [t / 100 for t in old["benchmarks"][0]["stats"]["data"]]
    (tmp_path / "old.json").write_text(json.dumps(old))
    result = CliRunner().invoke(
        cli, bench_args(fake_suite, out, "--device", "cpu", "--compare", str(tmp_path / "old.json"))
    )
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert "1 workload(s) 10% or more slower, significantly over their rounds: sum (cpu)" in result.stderr
    [second] = set(out.glob("*.json")) - {first}
    comparison = json.loads(second.read_text())["envtool"]["comparison"]
    assert comparison["threshold"] == 0.1 and comparison["workloads"][0]["regressed"] is True
    markdown = second.with_suffix(".md").read_text()
    assert "**slower by ≥ 10%, significant**" in markdown
    assert "Load average before the earlier run: " in markdown


def test_cli_failed_benchmark_exits_1(fake_suite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_FAIL", "1")
    result = CliRunner().invoke(cli, bench_args(fake_suite, tmp_path / "out"))
    assert result.exit_code == EXIT_CHECK_FAILED, result.output
    assert "benchmark(s) failed" in result.stderr and "fell back to the CPU" in result.stderr


def test_cli_bad_input_exits_2(fake_suite: Path, tmp_path: Path) -> None:
    (tmp_path / "old.json").write_text("[]")
    bad_compare = bench_args(fake_suite, tmp_path / "out", "--compare", str(tmp_path / "old.json"))
    result = CliRunner().invoke(cli, bad_compare)
    assert result.exit_code == EXIT_BAD_INPUT and "not pytest-benchmark JSON" in result.stderr
    missing = CliRunner().invoke(cli, ["bench", str(tmp_path / "no-such-prefix")])
    assert missing.exit_code == EXIT_BAD_INPUT and "no environment for" in missing.stderr
    no_suite = CliRunner().invoke(cli, bench_args(tmp_path / "nowhere", tmp_path / "out"))
    assert no_suite.exit_code == EXIT_BAD_INPUT and "no benchmark suite there" in no_suite.stderr


def test_console_script_runs_the_fake_suite(fake_suite: Path, tmp_path: Path) -> None:
    done = envtool(*bench_args(fake_suite, tmp_path / "out", "--device", "cpu"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "wrote " in done.stdout and "Traceback" not in done.stderr
