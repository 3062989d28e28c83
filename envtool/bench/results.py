"""Benchmark results: read pytest-benchmark's JSON, pair CPU with GPU, compare two runs.

A :class:`BenchResult` is one benchmarked workload on one device, read from an
entry of pytest-benchmark's ``benchmarks`` list (with every round's time, which
``envtool bench`` asks for with ``--benchmark-save-data``) and its
``extra_info`` (which the TF suite fills: ``throughput``, ``throughput_unit``,
``reference``, ``reference_throughput``, ``paired_ratio``, ``ran_on``).

Two runs compare round by round: a workload regressed when its median got
``threshold`` slower *and* a one-sided Mann-Whitney rank test says its rounds
are slower than the old rounds stretched by the threshold (p < ``ALPHA``), so
one stray slow round, or a noisy run whose median moved by chance, is not
flagged.

>>> entry = {"name": "test_matmul[cpu-1024]", "params": {"device": "cpu", "size": 1024},
...     "stats": {"median": 0.004, "mean": 0.0042, "stddev": 0.0003, "rounds": 5,
...               "data": [0.004, 0.0041, 0.0039, 0.004, 0.0042]},
...     "extra_info": {"throughput": 536.9, "throughput_unit": "GFLOP/s"}}
>>> from dataclasses import replace
>>> result = parse_entry(entry)
>>> result.workload, result.device, result.throughput, len(result.data)
('matmul[1024]', 'cpu', 536.9, 5)
>>> slower = replace(result, median_s=0.0052, data=tuple(t * 1.3 for t in result.data))
>>> [c.verdict for c in compare_results([result], [slower])]
['slower']
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envtool.errors import BenchError

DEFAULT_THRESHOLD = 0.10
# Significance level of the rank test that decides a regression.
ALPHA = 0.05
# Fewer rounds than this on either side cannot show a significant difference.
MIN_ROUNDS = 3

__all__ = [
    "DEFAULT_THRESHOLD",
    "BenchResult",
    "Comparison",
    "Speedup",
    "compare_results",
    "load_results",
    "parse_entry",
    "parse_results",
    "speedups",
    "spread",
    "workload_name",
]


@dataclass(frozen=True)
class BenchResult:
    """One workload on one device: its timing and what the suite recorded about it."""

    workload: str
    device: str
    name: str
    median_s: float
    mean_s: float
    stddev_s: float
    rounds: int
    throughput: float | None = None
    unit: str | None = None
    reference: str | None = None
    reference_throughput: float | None = None
    paired_ratio: float | None = None
    paired_range: tuple[float, float] | None = None
    paired_rounds: int | None = None
    ran_on: str | None = None
    data: tuple[float, ...] = ()

    @property
    def ratio(self) -> float | None:
        """Throughput over the reference's: the quotient of the two numbers shown beside it."""
        if self.throughput is None or not self.reference_throughput:
            return None
        return self.throughput / self.reference_throughput

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the same workload across runs: ``(workload, device)``."""
        return self.workload, self.device


@dataclass(frozen=True)
class Speedup:
    """A workload that ran on both the CPU and the GPU in one run."""

    workload: str
    cpu: BenchResult
    gpu: BenchResult

    @property
    def factor(self) -> float:
        """How many times faster the GPU ran it (CPU median / GPU median)."""
        return self.cpu.median_s / self.gpu.median_s if self.gpu.median_s else float("inf")


@dataclass(frozen=True)
class Comparison:
    """A workload in an old and a new run, and the verdict on it.

    ``verdict`` is ``slower`` (a regression: the median is ``threshold``
    slower and the rank test significant), ``noise`` (the median moved by the
    threshold but the rounds do not show it), ``ok``, or ``inconclusive``
    (too few rounds recorded to test).
    """

    workload: str
    device: str
    old_median_s: float
    new_median_s: float
    verdict: str
    p_value: float | None = None
    old_rounds: int = 0
    new_rounds: int = 0
    old_iqr: tuple[float, float] | None = None
    new_iqr: tuple[float, float] | None = None

    @property
    def regressed(self) -> bool:
        """Whether this workload counts as a regression."""
        return self.verdict == "slower"

    @property
    def change(self) -> float:
        """Relative change of the median time: +0.25 is 25 % slower."""
        return self.new_median_s / self.old_median_s - 1.0 if self.old_median_s else 0.0


def workload_name(name: str, params: Mapping[str, Any] | None) -> str:
    """A test's workload name: no ``test_`` prefix, and no device among its parameters.

    >>> workload_name("test_matmul[gpu-4096]", {"device": "gpu", "size": 4096})
    'matmul[4096]'
    >>> workload_name("test_keras_fit[cpu]", {"device": "cpu"})
    'keras_fit'
    >>> workload_name("test_tiny", None)
    'tiny'
    """
    base = name.split("[", 1)[0].removeprefix("test_")
    others = [str(value) for key, value in (params or {}).items() if key != "device"]
    return f"{base}[{'-'.join(others)}]" if others else base


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def parse_entry(entry: Mapping[str, Any]) -> BenchResult:
    """One entry of pytest-benchmark's ``benchmarks`` list as a :class:`BenchResult`.

    Raises :class:`KeyError` or :class:`TypeError` on an entry without name or stats.
    """
    params = entry.get("params") or {}
    extra = entry.get("extra_info") or {}
    stats = entry["stats"]
    ran_on = extra.get("ran_on")
    paired = _number(extra.get("paired_ratio"))
    if paired is None and extra.get("ratio_method"):  # files written before paired_ratio existed
        paired = _number(extra.get("ratio"))
    low, high = _number(extra.get("paired_ratio_min")), _number(extra.get("paired_ratio_max"))
    pairs = extra.get("paired_rounds")
    return BenchResult(
        workload=workload_name(str(entry["name"]), params),
        device=str(params.get("device") or extra.get("device") or "cpu"),
        name=str(entry["name"]),
        median_s=float(stats["median"]),
        mean_s=float(stats["mean"]),
        stddev_s=float(stats.get("stddev") or 0.0),
        rounds=int(stats.get("rounds") or 0),
        throughput=_number(extra.get("throughput")),
        unit=extra.get("throughput_unit"),
        reference=extra.get("reference"),
        reference_throughput=_number(extra.get("reference_throughput")),
        paired_ratio=paired,
        paired_range=(low, high) if low is not None and high is not None else None,
        paired_rounds=pairs if isinstance(pairs, int) else None,
        ran_on=ran_on if isinstance(ran_on, str) else None,
        data=tuple(float(t) for t in stats.get("data") or ()),
    )


def parse_results(data: Any, where: str) -> list[BenchResult]:
    """Every result in a pytest-benchmark JSON document, in the order pytest ran them.

    >>> parse_results({"benchmarks": "nope"}, "old.json")
    Traceback (most recent call last):
    ...
    envtool.errors.BenchError: old.json: not pytest-benchmark JSON (no 'benchmarks' list); \
pass a file written by `envtool bench` or `pytest --benchmark-json`
    """
    entries = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise BenchError(
            where,
            "not pytest-benchmark JSON (no 'benchmarks' list)",
            "pass a file written by `envtool bench` or `pytest --benchmark-json`",
        )
    results = []
    for index, entry in enumerate(entries):
        try:
            results.append(parse_entry(entry))
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise BenchError(where, f"benchmark #{index} has no usable name or stats ({err!r})") from err
    return results


def load_results(path: Path) -> tuple[dict[str, Any], list[BenchResult]]:
    """Read a pytest-benchmark (or ``envtool bench``) JSON file: the document and its results."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise BenchError(str(path), f"cannot read it ({err.strerror})") from err
    except json.JSONDecodeError as err:
        raise BenchError(str(path), f"not JSON ({err})") from err
    return data, parse_results(data, str(path))


def speedups(results: Iterable[BenchResult]) -> list[Speedup]:
    """The workloads that ran on both devices, in first-seen order."""
    by_key = {result.key: result for result in results}
    pairs = []
    for workload, device in by_key:
        if device == "cpu" and (workload, "gpu") in by_key:
            pairs.append(Speedup(workload, by_key[workload, "cpu"], by_key[workload, "gpu"]))
    return pairs


def slower_p_value(old: Sequence[float], new: Sequence[float], threshold: float) -> float:
    """One-sided Mann-Whitney p-value that ``new`` rounds are slower than ``old`` ones stretched by ``threshold``.

    >>> round(slower_p_value([1.0, 1.1, 0.9, 1.0], [1.5, 1.6, 1.4, 1.5], 0.1), 3)
    0.014
    """
    try:
        from scipy.stats import mannwhitneyu
    except ImportError as err:
        raise BenchError(
            "--compare", "scipy is not installed; the comparison tests every round", "pip install 'envtool[bench]'"
        ) from err
    stretched = [t * (1.0 + threshold) for t in old]
    return float(mannwhitneyu(list(new), stretched, alternative="greater").pvalue)


def judge(old: BenchResult, new: BenchResult, threshold: float = DEFAULT_THRESHOLD) -> Comparison:
    """Compare one workload's rounds in two runs (see the module's docstring for the rule)."""
    moved = new.median_s >= old.median_s * (1.0 + threshold)
    p_value = None
    if min(len(old.data), len(new.data)) < MIN_ROUNDS:
        verdict = "inconclusive"
    else:
        p_value = slower_p_value(old.data, new.data, threshold)
        verdict = "slower" if moved and p_value < ALPHA else "noise" if moved else "ok"
    return Comparison(
        old.workload, old.device, old.median_s, new.median_s, verdict, p_value,
        len(old.data), len(new.data), spread(old.data), spread(new.data),
    )  # fmt: skip


def compare_results(
    old: Sequence[BenchResult],
    new: Sequence[BenchResult],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Comparison]:
    """Each workload of ``new`` that ``old`` also has, judged round by round (:func:`judge`).

    >>> from dataclasses import replace
    >>> rounds = (1.0, 1.02, 0.98, 1.01, 0.99)
    >>> old = [BenchResult("matmul[1024]", "cpu", "t", 1.0, 1.0, 0.0, 5, data=rounds)]
    >>> [c.verdict for c in compare_results(old, [replace(old[0], median_s=1.09,
    ...     data=tuple(t * 1.09 for t in rounds))])]
    ['ok']
    """
    before = {result.key: result for result in old}
    return [judge(before[result.key], result, threshold) for result in new if result.key in before]


def spread(data: Sequence[float]) -> tuple[float, float] | None:
    """The interquartile range of some rounds, ``None`` for fewer than two.

    >>> spread([1.0, 2.0, 3.0, 4.0, 5.0])
    (2.0, 4.0)
    """
    if len(data) < 2:
        return None
    quartiles = statistics.quantiles(data, n=4, method="inclusive")
    return quartiles[0], quartiles[2]
