"""The PNG plot of a benchmark run: one panel per workload, CPU beside GPU, with the speed-up.

Each panel shows the workload's throughput (or runs per second where the suite
recorded none) on each device that ran it, the reference measured in the same
run as a hatched bar (numpy's matmul on the CPU, the FP32 peak on a GPU), and
the GPU's speed-up over the CPU in the title. matplotlib is the optional extra
``plot``; :func:`plot_unavailable` says why the plot is skipped without it.

>>> panels = plot_panels([BenchResult("matmul[1024]", "cpu", "t", 0.004, 0.004, 0.0, 5,
...     throughput=536.9, unit="GFLOP/s", reference="numpy.matmul", reference_throughput=250.0)])
>>> [(bar.label, bar.value, bar.reference) for bar in panels[0].bars]
[('CPU', 536.9, False), ('numpy.matmul', 250.0, True)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from envtool.bench.results import BenchResult

COLOURS = {"cpu": "#4C72B0", "gpu": "#55A868", "reference": "#BBBBBB"}


@dataclass(frozen=True)
class Bar:
    """One bar of a panel: a device's throughput or a reference."""

    label: str
    value: float
    colour: str
    reference: bool = False
    missing: bool = False


@dataclass(frozen=True)
class Panel:
    """One workload's panel: its bars, their unit and the GPU's speed-up if both ran."""

    workload: str
    unit: str
    bars: tuple[Bar, ...]
    speedup: float | None
    ratios: tuple[str, ...] = ()


def plot_unavailable() -> str | None:
    """Why the PNG cannot be drawn here (matplotlib missing), ``None`` when it can."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "matplotlib is not installed (pip install 'envtool[plot]'); skipped the PNG"
    return None


def _rate(result: BenchResult) -> tuple[float, str]:
    if result.throughput is not None:
        return result.throughput, result.unit or ""
    return (1.0 / result.median_s if result.median_s else 0.0), "runs/s"


def plot_panels(results: Sequence[BenchResult], devices: Sequence[str] = ()) -> list[Panel]:
    """The panels of the plot, one per workload in first-seen order (pure; no matplotlib).

    A device in ``devices`` (those asked for) without a result gets an empty,
    ``missing`` bar, so that a CPU-only run still shows where the GPU would be.

    >>> only_cpu = BenchResult("keras_fit", "cpu", "t", 0.05, 0.05, 0.0, 5)
    >>> [(b.label, b.value, b.missing) for b in plot_panels([only_cpu], ("cpu", "gpu"))[0].bars]
    [('CPU', 20.0, False), ('GPU', 0.0, True)]
    """
    by_workload: dict[str, dict[str, BenchResult]] = {}
    for result in results:
        by_workload.setdefault(result.workload, {})[result.device] = result
    panels = []
    for workload, by_device in by_workload.items():
        bars: list[Bar] = []
        unit = ""
        for device in ("cpu", "gpu"):
            found = by_device.get(device)
            if found is None:
                if device in devices:
                    bars.append(Bar(device.upper(), 0.0, COLOURS[device], missing=True))
                continue
            value, unit = _rate(found)
            bars.append(Bar(device.upper(), value, COLOURS[device]))
            if found.reference and found.reference_throughput and found.throughput is not None:
                bars.append(Bar(found.reference, found.reference_throughput, COLOURS["reference"], True))
        speedup = None
        if "cpu" in by_device and "gpu" in by_device and by_device["gpu"].median_s:
            speedup = by_device["cpu"].median_s / by_device["gpu"].median_s
        ratios = tuple(
            f"{device.upper()} {r.ratio:.2f}x {r.reference}"
            for device, r in sorted(by_device.items())
            if r.ratio is not None and r.reference
        )
        panels.append(Panel(workload, unit, tuple(bars), speedup, ratios))
    return panels


def write_plot(results: Sequence[BenchResult], path: Path, title: str, devices: Sequence[str] = ()) -> None:
    """Draw the panels of ``results`` into the PNG ``path`` (matplotlib must be importable)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = plot_panels(results, devices)
    columns = min(4, max(1, len(panels)))
    rows = max(1, math.ceil(len(panels) / columns))
    figure = Figure(figsize=(4.2 * columns, 3.4 * rows + 0.8), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=12)
    axes = figure.subplots(rows, columns, squeeze=False).flatten()
    for ax, panel in zip(axes, panels, strict=False):
        labels = [bar.label for bar in panel.bars]
        values = [bar.value for bar in panel.bars]
        drawn = ax.bar(
            range(len(values)),
            values,
            width=0.6,
            color=[bar.colour for bar in panel.bars],
            edgecolor="black",
            linewidth=0.5,
        )
        for patch, bar in zip(drawn, panel.bars, strict=True):
            if bar.reference:
                patch.set_hatch("//")
        texts = [_value_text(bar) for bar in panel.bars]
        ax.bar_label(drawn, labels=texts, fontsize=8)
        ax.set_xlim(-0.6, max(2, len(values)) - 0.4)
        ax.set_xticks(range(len(labels)), labels, fontsize=8)
        ax.set_ylabel(panel.unit, fontsize=8)
        ax.set_ylim(0, max(values, default=1.0) * 1.2 or 1.0)
        ax.tick_params(axis="y", labelsize=8)
        speed = f"GPU speed-up x{panel.speedup:.1f}" if panel.speedup is not None else _only(panel)
        ax.set_title("\n".join((panel.workload, "; ".join((speed, *panel.ratios)))), fontsize=9)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    figure.supxlabel(
        "hatched: reference measured in the same run (numpy.matmul on the CPU, the FP32 peak on a GPU); "
        "titles give the ratio to it (timed in interleaved pairs on the CPU); "
        "'not run': asked for but skipped (the markdown report says why)",
        fontsize=8,
    )
    tmp = path.with_name(f".{path.name}.tmp")
    figure.savefig(tmp, format="png", dpi=100)
    tmp.replace(path)


def _value_text(bar: Bar) -> str:
    if bar.missing:
        return "not run"
    return f"{bar.value:,.0f}" if bar.value >= 100 else f"{bar.value:.3g}"


def _only(panel: Panel) -> str:
    ran = [bar.label for bar in panel.bars if not bar.reference and not bar.missing]
    return f"{'/'.join(ran)} only" if ran else "no result"
