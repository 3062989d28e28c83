"""envtool and its raw baseline, measured round by round in the same process, reported as ratios.

Each round runs the raw baseline, then envtool's side (the one pytest-benchmark
times), so both see the same machine state; both are also timed here with
``perf_counter``. Nothing asserts on a time: the ratios go to
``benchmark.extra_info`` and to the table printed at the end of the run.

>>> c = Comparison("lock", ours=(1.2, 1.4), raw=(1.0, 1.1), goal_ratio=1.3)
>>> round(c.ratio, 2), round(c.ratio_median, 2), c.verdict
(1.2, 1.24, 'met')
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Side = Callable[[int], object]  # called with the round number (fresh paths for cold rounds)


@dataclass(frozen=True)
class Comparison:
    """The per-round seconds of envtool (``ours``) and of the raw baseline, and the goal."""

    case: str
    ours: tuple[float, ...]
    raw: tuple[float, ...]
    goal_ratio: float | None = None
    goal_seconds: float | None = None
    baseline: str = "raw"

    @property
    def ratio(self) -> float:
        """Best envtool round over best raw round."""
        return min(self.ours) / min(self.raw)

    @property
    def ratio_median(self) -> float:
        """Median envtool round over median raw round."""
        return statistics.median(self.ours) / statistics.median(self.raw)

    @property
    def verdict(self) -> str:
        """``met`` or ``missed`` against the goals given (best rounds); ``-`` without goal."""
        checks = []
        if self.goal_ratio is not None:
            checks.append(self.ratio <= self.goal_ratio)
        if self.goal_seconds is not None:
            checks.append(min(self.ours) <= self.goal_seconds)
        if not checks:
            return "-"
        return "met" if all(checks) else "missed"

    @property
    def goal(self) -> str:
        """The goals as text (``<=1.3x``, ``<=0.25s``)."""
        parts = []
        if self.goal_ratio is not None:
            parts.append(f"<={self.goal_ratio:g}x")
        if self.goal_seconds is not None:
            parts.append(f"<={self.goal_seconds:g}s")
        return " ".join(parts) or "-"

    def info(self) -> dict[str, Any]:
        """What goes into ``benchmark.extra_info``."""
        return {
            "baseline": self.baseline,
            "envtool_min_s": round(min(self.ours), 4),
            "envtool_median_s": round(statistics.median(self.ours), 4),
            "raw_min_s": round(min(self.raw), 4),
            "raw_median_s": round(statistics.median(self.raw), 4),
            "ratio_min": round(self.ratio, 3),
            "ratio_median": round(self.ratio_median, 3),
            "goal": self.goal,
            "verdict": self.verdict,
            "rounds": len(self.ours),
        }


def compare(
    benchmark: Any,
    case: str,
    ours: Side,
    raw: Side,
    *,
    rounds: int,
    warmup: bool = True,
    prepare: Side | None = None,
    goal_ratio: float | None = None,
    goal_seconds: float | None = None,
    baseline: str = "raw",
) -> Comparison:
    """Run ``rounds`` rounds of raw-then-ours (after one unmeasured pair when ``warmup``).

    ``prepare`` runs untimed before each round (cleaning up after a cold round, say).
    """
    counter = itertools.count()
    ours_times: list[float] = []
    raw_times: list[float] = []
    if warmup:
        first = next(counter)
        if prepare is not None:
            prepare(first)
        raw(first)
        ours(first)

    def setup() -> tuple[tuple[int], dict[str, Any]]:
        number = next(counter)
        if prepare is not None:
            prepare(number)
        start = time.perf_counter()
        raw(number)
        raw_times.append(time.perf_counter() - start)
        return (number,), {}

    def timed(number: int) -> object:
        start = time.perf_counter()
        result = ours(number)
        ours_times.append(time.perf_counter() - start)
        return result

    benchmark.pedantic(timed, setup=setup, rounds=rounds, iterations=1)
    result = Comparison(case, tuple(ours_times), tuple(raw_times), goal_ratio, goal_seconds, baseline)
    benchmark.extra_info.update(result.info())
    return result


def table(comparisons: Sequence[Comparison]) -> list[str]:
    """The summary table, one line per comparison."""
    head = ("case", "rounds", "envtool min", "median", "baseline min", "median", "ratio", "(median)", "goal", "")
    rows = [head]
    for c in comparisons:
        rows.append(
            (
                c.case,
                str(len(c.ours)),
                _seconds(min(c.ours)),
                _seconds(statistics.median(c.ours)),
                f"{c.baseline} {_seconds(min(c.raw))}",
                _seconds(statistics.median(c.raw)),
                f"{c.ratio:.2f}x",
                f"{c.ratio_median:.2f}x",
                c.goal,
                c.verdict,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"
