"""``envtool bench``: run the TensorFlow benchmarks in an environment, report, compare.

Exit codes: 0 ok; 1 the environment differs from its lock (without
``--allow-drift``), a benchmark failed (an op fell back to the CPU) or a
workload is significantly 10 % or more slower than in ``--compare``; 2 bad
input (no such environment, no lock for ``--python``, unreadable ``--compare``
file, the suite could not run).
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import click
from rich.console import Console
from rich.table import Table

from envtool.bench.report import format_rate, format_seconds, short_device
from envtool.bench.results import DEFAULT_THRESHOLD, speedups
from envtool.bench.run import BenchOutcome, BenchRequest, check_outcome, run_bench
from envtool.bench.suite import Device, group_skips
from envtool.cli import run


def _results_table(outcome: BenchOutcome) -> Table:
    table = Table(title=f"{outcome.label}: {outcome.python}")
    for column in ("Workload", "Device", "Median", "Throughput", "Throughput / reference", "Paired", "Ran on"):
        right = column in ("Median", "Throughput", "Throughput / reference", "Paired")
        table.add_column(column, justify="right" if right else "left", no_wrap=column == "Workload")
    for result in outcome.results:
        ratio = "-"
        if result.ratio is not None:
            shown = format_rate(result.reference_throughput, None)
            ratio = f"{result.ratio:.2f} ({format_rate(result.throughput, None)}/{shown} {result.reference})"
        paired = f"{result.paired_ratio:.2f}" if result.paired_ratio is not None else "-"
        table.add_row(
            result.workload,
            result.device,
            format_seconds(result.median_s),
            format_rate(result.throughput, result.unit),
            ratio,
            paired,
            short_device(result.ran_on),
        )
    return table


def _print_outcome(console: Console, outcome: BenchOutcome) -> None:
    if outcome.environment is not None:
        console.print(outcome.environment.headline(), markup=False, highlight=False, soft_wrap=True)
    if outcome.results:
        console.print(_results_table(outcome))
    for pair in speedups(outcome.results):
        console.print(f"GPU speed-up {pair.workload}: x{pair.factor:.1f}")
    for reason, count, _ in group_skips(outcome.run.skips):
        console.print(f"skipped {count}: {reason}", markup=False)
    for comparison in outcome.comparisons or ():
        verdict = {"slower": "SLOWER", "noise": "noise (not significant)"}.get(comparison.verdict, comparison.verdict)
        p_value = f", p={comparison.p_value:.3g}" if comparison.p_value is not None else ""
        console.print(
            f"{comparison.workload} ({comparison.device}): median {comparison.change:+.1%}{p_value} {verdict}",
            markup=False,
        )
    console.print(f"wrote {outcome.json_path}", markup=False)
    console.print(f"wrote {outcome.markdown_path}", markup=False)
    if outcome.plot_path is not None:
        console.print(f"wrote {outcome.plot_path}", markup=False)
    if outcome.plot_skipped:
        console.print(f"note: {outcome.plot_skipped}", markup=False)


@click.command("bench")
@click.argument("target", required=False)
@click.option(
    "--python",
    "python",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Run the suite with this interpreter instead of a TARGET's or PREFIX's.",
)
@click.option(
    "--lock",
    "lock_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The lock the environment must match (required with --python) [default: the target's, or the prefix's].",
)
@click.option(
    "--allow-drift",
    is_flag=True,
    help="Measure an environment that differs from its lock; the differences are recorded in the results.",
)
@click.option(
    "--device",
    type=click.Choice(["cpu", "gpu", "all"]),
    default="all",
    show_default=True,
    help="Devices to run on; GPU cases skip, with the reason, where there is no GPU.",
)
@click.option(
    "--compare",
    type=click.Path(dir_okay=False, path_type=Path),
    help="An earlier run's JSON; exit 1 if a workload got --threshold slower, significantly over its rounds.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, min_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Relative slow-down of the median that counts as a regression (when significant).",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("bench-results"),
    show_default=True,
    help="Where the JSON, markdown and PNG go.",
)
@click.option(
    "--suite",
    type=click.Path(file_okay=False, path_type=Path),
    help="The benchmark directory [default: benchmarks/tf of the project].",
)
@click.option("--label", help="Name of the environment in file names [default: the target's].")
@click.option("-k", "select", help="Only the benchmarks matching this pytest -k expression.")
@click.option("-q", "--quiet", is_flag=True, help="Do not echo the suite's output.")
def bench(
    *,
    target: str | None,
    python: Path | None,
    lock_file: Path | None,
    allow_drift: bool,
    device: str,
    compare: Path | None,
    threshold: float,
    output_dir: Path,
    suite: Path | None,
    label: str | None,
    select: str | None,
    quiet: bool,
) -> None:
    """Run the TensorFlow benchmarks with TARGET's Python (a target name or a PREFIX).

    A target name means the environment `envtool create TARGET` made, in
    .envtool/envs/TARGET; --python runs any interpreter instead, checked
    against --lock. The environment is compared with its lock first, and a
    difference stops the run unless --allow-drift. Writes
    <label>-<host>-<date>.json/.md/.png into --output-dir.
    """
    request = BenchRequest(
        target=target,
        python=python,
        device=cast(Device, device),
        compare=compare,
        output_dir=output_dir,
        suite=suite,
        label=label,
        threshold=threshold,
        select=select,
        lock=lock_file,
        allow_drift=allow_drift,
    )
    echo = None if quiet else (lambda line: click.echo(line, err=True))
    outcome = run(lambda: run_bench(request, on_output=echo))
    console = Console()
    if not console.is_terminal:  # logs: room for the whole table instead of 80 columns
        console.width = 120
    _print_outcome(console, outcome)
    run(lambda: check_outcome(outcome))
