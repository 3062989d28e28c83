"""The PNG plot of a benchmark run: one panel per workload, CPU beside GPU, with the speed-up.

The figure's title says whether the environment measured is its lock's (and
names every difference if not), as the markdown report's headline does. Each
panel shows the workload's throughput (or runs per second where the suite
recorded none) on each device that ran it, the reference measured in the same
run as a hatched bar (numpy's matmul on the CPU, the FP32 peak on a GPU), and
in its title the GPU's speed-up over the CPU (the quotient of the two bars),
the quotient of each device's bar and its reference's, and, labelled
"paired", the estimate from rounds that timed both in turn. matplotlib is the optional extra
``plot``; :func:`plot_unavailable` says why the plot is skipped without it.

>>> panels = plot_panels([BenchResult("matmul[1024]", "cpu", "t", 0.004, 0.004, 0.0, 5,
...     throughput=536.9, unit="GFLOP/s", reference="numpy.matmul", reference_throughput=250.0)])
>>> [(bar.label, bar.value, bar.reference) for bar in panels[0].bars]
[('CPU', 536.9, False), ('numpy.matmul', 250.0, True)]
>>> panels[0].ratios
('CPU/numpy.matmul 537/250 = 2.15',)
"""

from __future__ import annotations

import math
import textwrap
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
        ratios = tuple(ratio_text(device, r) for device, r in sorted(by_device.items()) if r.ratio is not None)
        panels.append(Panel(workload, unit, tuple(bars), speedup, ratios))
    return panels


def ratio_text(device: str, result: BenchResult) -> str:
    """A panel's ratio: the quotient of the bars it names, then the paired estimate, labelled.

    >>> r = BenchResult("m", "cpu", "t", 1.0, 1.0, 0.0, 5, throughput=466.0, unit="GFLOP/s",
    ...     reference="tf float32", reference_throughput=480.0, paired_ratio=1.68, paired_range=(1.5, 1.8))
    >>> ratio_text("cpu", r)
    'CPU/tf float32 466/480 = 0.97; paired 1.68 (1.50-1.80)'
    """
    text = f"{device.upper()}/{result.reference} {_value_text_of(result.throughput)}/"
    text += f"{_value_text_of(result.reference_throughput)} = {result.ratio:.2f}" if result.ratio is not None else "-"
    if result.paired_ratio is not None:
        text += f"; paired {result.paired_ratio:.2f}"
        if result.paired_range is not None:
            text += f" ({result.paired_range[0]:.2f}-{result.paired_range[1]:.2f})"
    return text


def _value_text_of(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def write_plot(
    results: Sequence[BenchResult], path: Path, title: str, devices: Sequence[str] = (), headline: str = ""
) -> None:
    """Draw the panels of ``results`` into the PNG ``path`` (matplotlib must be importable).

    ``headline`` (the environment check's) goes under the title, wrapped, whole.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = plot_panels(results, devices)
    columns = min(4, max(1, len(panels)))
    rows = max(1, math.ceil(len(panels) / columns))
    width = 4.2 * columns
    chars = int(width * 14)
    wrapped = textwrap.wrap(headline, width=chars, break_on_hyphens=False) if headline else []
    legend = textwrap.wrap(LEGEND, width=int(width * 16), break_on_hyphens=False)
    figure = Figure(figsize=(width, 3.4 * rows + 0.8 + 0.18 * (len(wrapped) + len(legend))), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle("\n".join([title, *wrapped]), fontsize=10 if wrapped else 12)
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
        ax.set_title("\n".join((panel.workload, speed, *panel.ratios)), fontsize=8)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    figure.supxlabel("\n".join(legend), fontsize=8)
    tmp = path.with_name(f".{path.name}.tmp")
    figure.savefig(tmp, format="png", dpi=100)
    tmp.replace(path)


LEGEND = (
    "hatched: reference measured in the same run (numpy.matmul on the CPU, the FP32 peak on a GPU); "
    "titles: bar/reference = the quotient of the two bars; 'paired': median (range) of rounds timing both in turn; "
    "'not run': asked for but skipped (the markdown report says why)"
)


def _value_text(bar: Bar) -> str:
    return "not run" if bar.missing else _value_text_of(bar.value)


def _only(panel: Panel) -> str:
    ran = [bar.label for bar in panel.bars if not bar.reference and not bar.missing]
    return f"{'/'.join(ran)} only" if ran else "no result"
