"""Benchmark results: read pytest-benchmark's JSON, pair CPU with GPU, compare two runs.

A :class:`BenchResult` is one benchmarked workload on one device, read from an
entry of pytest-benchmark's ``benchmarks`` list and its ``extra_info`` (which
the TF suite fills: ``throughput``, ``throughput_unit``, ``reference``,
``ratio``, ``ran_on``). Timings compare by their median, the statistic least
moved by a stray slow round.

>>> entry = {"name": "test_matmul[cpu-1024]", "params": {"device": "cpu", "size": 1024},
...     "stats": {"median": 0.004, "mean": 0.0042, "stddev": 0.0003, "rounds": 20},
...     "extra_info": {"throughput": 536.9, "throughput_unit": "GFLOP/s"}}
>>> from dataclasses import replace
>>> result = parse_entry(entry)
>>> result.workload, result.device, result.throughput
('matmul[1024]', 'cpu', 536.9)
>>> [c.regressed for c in compare_results([result], [replace(result, median_s=0.0045)])]
[True]
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envtool.errors import BenchError

DEFAULT_THRESHOLD = 0.10

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
    ratio: float | None = None
    ran_on: str | None = None

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
    """A workload in an old and a new run; ``regressed`` when it got ``threshold`` slower."""

    workload: str
    device: str
    old_median_s: float
    new_median_s: float
    regressed: bool

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
        ratio=_number(extra.get("ratio")),
        ran_on=ran_on if isinstance(ran_on, str) else None,
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


def compare_results(
    old: Sequence[BenchResult],
    new: Sequence[BenchResult],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[Comparison]:
    """Each workload of ``new`` that ``old`` also has; ``regressed`` if ``threshold`` slower.

    >>> from dataclasses import replace
    >>> old = [BenchResult("matmul[1024]", "cpu", "t", 1.0, 1.0, 0.0, 5)]
    >>> [(c.regressed, round(c.change, 2)) for c in compare_results(old, [replace(old[0],
    ...     median_s=1.09)])]
    [(False, 0.09)]
    """
    before = {result.key: result for result in old}
    comparisons = []
    for result in new:
        previous = before.get(result.key)
        if previous is None:
            continue
        regressed = result.median_s >= previous.median_s * (1.0 + threshold)
        comparisons.append(Comparison(result.workload, result.device, previous.median_s, result.median_s, regressed))
    return comparisons
