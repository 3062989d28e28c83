"""Running the suite: its command line and what pytest's summary says."""

from __future__ import annotations

from pathlib import Path

from envtool.bench.suite import group_skips, parse_counts, parse_skips, suite_command


def test_pytest_summary_parsing() -> None:
    output = [
        "SKIPPED [3] test_matmul.py:28: no GPU: this TensorFlow is a CPU-only build",
        "SKIPPED [1] test_copies.py:23: no GPU: this TensorFlow is a CPU-only build",
        "SKIPPED [1] test_mixed_precision.py:34: mixed precision: compute capability 6.1 < 7.0",
        "======= 10 passed, 5 skipped, 1 warning in 10.55s =======",
    ]
    assert parse_counts(output) == {"passed": 10, "skipped": 5, "warning": 1}
    groups = group_skips(parse_skips(output))
    assert [(reason[:6], count) for reason, count, _ in groups] == [("no GPU", 4), ("mixed ", 1)]


def test_suite_command_uses_the_suites_own_config(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    command = suite_command(Path("/env/bin/python"), tmp_path, tmp_path / "o.json", "gpu", "matmul")
    assert command[:3] == ["/env/bin/python", "-m", "pytest"]
    assert ["-c", str(tmp_path / "pytest.ini")] == command[6:8]
    assert command[-4:] == ["--tf-device", "gpu", "-k", "matmul"]
