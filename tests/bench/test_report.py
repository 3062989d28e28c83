"""The markdown report and the JSON section, from synthetic pytest-benchmark JSON."""

from __future__ import annotations

import json
from dataclasses import replace

from envtool.bench.report import envtool_section, markdown_report
from envtool.bench.results import compare_results, parse_results
from envtool.bench.suite import SuiteRun, parse_skips
from tests.bench.samples import context, synthetic


def test_markdown_report_has_facts_speedup_comparison_and_skips() -> None:
    data = synthetic()
    results = parse_results(data, "run.json")
    before = parse_results(synthetic(), "old.json")
    old = [r if r.device == "gpu" else replace(r, median_s=r.median_s / 2, data=tuple(t / 2 for t in r.data))
           for r in before]  # fmt: skip
    comparisons = compare_results(old, results)
    run = SuiteRun(
        ("python", "-m", "pytest"), 0, {"passed": 3, "skipped": 2},
        parse_skips(["SKIPPED [2] test_copies.py:23: no GPU: CUDA_VISIBLE_DEVICES='-1'"]),
    )  # fmt: skip
    text = markdown_report(context(run, data), results, comparisons)
    assert text.startswith("# TensorFlow benchmarks: linux-gpu on gpu01\n")
    assert "do not edit" in text
    assert "TensorFlow 2.9.3; CUDA 11.2; cuDNN 8" in text
    assert "GPU: NVIDIA H100 80GB HBM3 (TF sees NVIDIA H100 80GB HBM3)" in text
    assert "**Environment not checked against a lock.**" in text
    assert "| matmul[1024] | cpu | 5.00 ms |" in text
    assert "| 429.5 GFLOP/s | numpy.matmul (350.0 GFLOP/s) | 1.23 | 1.31x (range 1.10-1.40, 5 pairs) | CPU:0 |" in text
    assert "| matmul[1024] | 5.00 ms | 100 µs | x50.0 |" in text
    assert (
        "| keras_fit | cpu | 25.0 ms (IQR 23.8 ms-26.3 ms, 5 rounds) | 50.0 ms (IQR 47.5 ms-52.5 ms, 5 rounds) | +100.0% |"
        in text
    )
    assert "**slower by ≥ 10%, significant** |" in text
    assert "- 2 x no GPU: CUDA_VISIBLE_DEVICES='-1' (`test_copies.py:23`)" in text
    section = envtool_section(context(run, data), comparisons)
    json.dumps(section)  # JSON-ready
    assert section["format"] == 2 and section["tf"]["cuda_version"] == "11.2" and section["environment"] is None
    assert section["run"]["skipped"][0]["count"] == 2
    assert [w["regressed"] for w in section["comparison"]["workloads"]] == [True, False, True]
