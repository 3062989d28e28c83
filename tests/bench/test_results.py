"""Comparing two runs round by round: noise is not a regression, a real shift is."""

from __future__ import annotations

import random
import statistics
from pathlib import Path

import pytest

from envtool.bench.results import (
    BenchError,
    BenchResult,
    compare_results,
    judge,
    load_results,
    parse_entry,
    parse_results,
    speedups,
    workload_name,
)
from envtool.errors import EXIT_BAD_INPUT
from tests.bench.samples import synthetic


def result(rounds: list[float], workload: str = "matmul[1024]") -> BenchResult:
    return BenchResult(workload, "cpu", f"test_{workload}", statistics.median(rounds), statistics.mean(rounds),
                       statistics.pstdev(rounds), len(rounds), data=tuple(rounds))  # fmt: skip


def noisy_rounds(seed: int, count: int = 15, centre: float = 0.01) -> list[float]:
    """Rounds of a workload on a shared machine: mostly near the centre, now and then far slower."""
    rng = random.Random(seed)
    return [centre * rng.lognormvariate(0.0, 0.25) for _ in range(count)]


def test_identical_distributions_with_a_high_variance_outlier_are_not_flagged() -> None:
    old = noisy_rounds(1)
    new = [*noisy_rounds(2)[:-1], 0.01 * 40]  # one round 40x slower: another job took the cores
    [comparison] = compare_results([result(old)], [result(new)])
    assert not comparison.regressed and comparison.verdict in ("ok", "noise")


def test_a_median_moved_by_chance_is_noise_not_a_regression() -> None:
    # Same distribution, few rounds: find seeds whose medians differ by >= 10 % by chance alone.
    pairs = [(a, a + 1000) for a in range(200)]
    moved = [(a, b) for a, b in pairs
             if statistics.median(noisy_rounds(b, 6)) >= 1.1 * statistics.median(noisy_rounds(a, 6))]  # fmt: skip
    assert moved, "no chance movement among 200 seeds"
    verdicts = [judge(result(noisy_rounds(a, 6)), result(noisy_rounds(b, 6))).verdict for a, b in moved]
    # The median alone would have flagged every one of them.
    assert verdicts.count("slower") <= len(verdicts) * 0.1, verdicts
    assert "noise" in verdicts


def test_a_real_thirty_percent_shift_is_flagged() -> None:
    old = noisy_rounds(3)
    new = [t * 1.3 for t in noisy_rounds(4)]
    [comparison] = compare_results([result(old)], [result(new)])
    assert comparison.regressed and comparison.verdict == "slower"
    assert comparison.p_value is not None and comparison.p_value < 0.05
    assert comparison.change == pytest.approx(statistics.median(new) / statistics.median(old) - 1)
    assert comparison.old_iqr is not None and comparison.new_rounds == 15


def test_a_shift_below_the_threshold_is_not_flagged_however_significant() -> None:
    old = [0.010 + i * 1e-6 for i in range(20)]
    new = [t * 1.05 for t in old]
    comparison = judge(result(old), result(new), threshold=0.10)
    assert comparison.verdict == "ok"
    assert judge(result(old), result(new), threshold=0.03).verdict == "slower"


def test_without_rounds_the_comparison_is_inconclusive_not_a_verdict() -> None:
    old = BenchResult("fit", "cpu", "test_fit", 0.01, 0.01, 0.0, 5)
    new = BenchResult("fit", "cpu", "test_fit", 0.05, 0.05, 0.0, 5)
    comparison = judge(old, new)
    assert comparison.verdict == "inconclusive" and not comparison.regressed and comparison.p_value is None


def test_ratio_is_the_quotient_of_the_numbers_shown_and_the_paired_estimate_is_apart() -> None:
    # The suite once printed "1.68x" beside 466 and 480 GFLOP/s: the paired estimate, unlabelled.
    entry = {
        "name": "test_mixed_precision_matmul[cpu]", "params": {"device": "cpu"},
        "stats": {"median": 0.036, "mean": 0.037, "stddev": 0.001, "rounds": 15, "data": [0.036] * 15},
        "extra_info": {"throughput": 466.0, "throughput_unit": "GFLOP/s", "reference": "tf float32 matmul",
                       "reference_throughput": 480.0, "ratio": 0.971, "paired_ratio": 1.68,
                       "paired_ratio_min": 1.2, "paired_ratio_max": 1.9, "paired_rounds": 5},
    }  # fmt: skip
    parsed = parse_entry(entry)
    assert parsed.ratio == pytest.approx(466.0 / 480.0)
    assert (parsed.paired_ratio, parsed.paired_range, parsed.paired_rounds) == (1.68, (1.2, 1.9), 5)
    old_style = {**entry, "extra_info": {**entry["extra_info"], "ratio": 1.68, "ratio_method": "pairs"}}
    del old_style["extra_info"]["paired_ratio"]
    assert parse_entry(old_style).paired_ratio == 1.68  # files written before: their "ratio" was paired


def test_results_from_pytest_benchmark_json() -> None:
    results = parse_results(synthetic(), "run.json")
    assert [(r.workload, r.device) for r in results] == [
        ("matmul[1024]", "cpu"),
        ("matmul[1024]", "gpu"),
        ("keras_fit", "cpu"),
    ]
    assert results[0].ratio == pytest.approx(429.5 / 350.0) and results[0].unit == "GFLOP/s"
    [pair] = speedups(results)
    assert pair.workload == "matmul[1024]" and pair.factor == pytest.approx(50.0)
    assert workload_name("test_x[gpu-a-1]", {"device": "gpu", "a": "a", "n": 1}) == "x[a-1]"


def test_compare_flags_a_significant_slow_down_only() -> None:
    old = parse_results(synthetic(), "old.json")
    data = synthetic()
    slower = data["benchmarks"][0]["stats"]
    slower["median"] *= 1.3  # every round 30 % slower
    slower["data"] = [t * 1.3 for t in slower["data"]]
    data["benchmarks"][1]["stats"]["median"] *= 1.15  # the median moved, the rounds did not
    data["benchmarks"][2]["stats"]["median"] = 0.04  # faster
    comparisons = compare_results(old, parse_results(data, "new.json"))
    assert [c.verdict for c in comparisons] == ["slower", "noise", "ok"]
    assert comparisons[0].change == pytest.approx(0.30)
    assert compare_results(old, parse_results(data, "new.json"), threshold=0.4)[0].regressed is False


def test_unreadable_results_are_bad_input(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text('{"benchmarks": [{"name": "x"}]}')
    with pytest.raises(BenchError, match=r"a\.json: not JSON") as err:
        load_results(tmp_path / "a.json")
    assert err.value.exit_code == EXIT_BAD_INPUT
    with pytest.raises(BenchError, match="benchmark #0 has no usable name or stats"):
        load_results(tmp_path / "b.json")
    with pytest.raises(BenchError, match="cannot read it"):
        load_results(tmp_path / "missing.json")
