"""The plot's panels (pure) and the PNG (matplotlib)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from envtool.bench.plot import plot_panels, plot_unavailable, write_plot
from envtool.bench.results import parse_results
from tests.bench.samples import synthetic


def test_plot_panels_pair_devices_and_references() -> None:
    results = parse_results(synthetic(), "run.json")
    matmul, fit = plot_panels(results, ("cpu", "gpu"))
    assert [b.label for b in matmul.bars] == ["CPU", "numpy.matmul", "GPU", "fp32 peak"]
    assert matmul.speedup == pytest.approx(50.0) and matmul.unit == "GFLOP/s"
    assert matmul.ratios == (
        "CPU/numpy.matmul 430/350 = 1.23; paired 1.31 (1.10-1.40)",
        "GPU/fp32 peak 21,475/67,000 = 0.32",
    )
    assert [(b.label, b.missing) for b in fit.bars] == [("CPU", False), ("GPU", True)]
    assert fit.speedup is None


def test_write_plot_makes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = tmp_path / "plot.png"
    write_plot(parse_results(synthetic(), "run.json"), path, "test", ("cpu", "gpu"))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_plot_is_skipped_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    reason = plot_unavailable()
    assert reason is not None and "envtool[plot]" in reason
