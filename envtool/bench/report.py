"""The human report of a benchmark run: a markdown document with the facts that explain it.

It opens with whether the environment measured is its lock's (and every
difference if not), then shows each workload's median time and throughput, the
reference measured in the same run (numpy on the CPU, the FP32 peak on a GPU)
and the quotient of the two, the paired estimate where the suite timed the
workload and its reference in turn (labelled as such, with its range), the
GPU's speed-up where both devices ran, the comparison with an earlier run and
the reason each skipped case was skipped.

>>> format_seconds(0.00638)
'6.38 ms'
>>> format_rate(27684.8, "images/s")
'27,685 images/s'
>>> short_device("/job:localhost/replica:0/task:0/device:GPU:0")
'GPU:0'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envtool.bench.environment import EnvironmentCheck
from envtool.bench.host import HostFacts
from envtool.bench.results import ALPHA, BenchResult, Comparison, speedups
from envtool.bench.suite import SuiteRun, group_skips

# The keys of a result's extra_info that describe the environment, not the workload.
TF_FACT_KEYS = (
    "tf_version",
    "cuda_version",
    "cudnn_version",
    "is_cuda_build",
    "python",
    "numpy_version",
    "numpy_blas",
    "numpy_blas_core",
    "blas_threads",
    "openmp",
    "onednn",
    "cpu_flags",
    "gpu_name",
    "compute_capability",
)


@dataclass(frozen=True)
class ReportContext:
    """Everything about a run that is not a result: who ran what, where and when."""

    label: str
    command: str
    when: str
    python: str
    suite: str
    device: str
    host: HostFacts
    run: SuiteRun
    tf: Mapping[str, Any]
    threshold: float
    environment: EnvironmentCheck | None = None
    compared_load: float | None = None


def tf_facts(data: Mapping[str, Any]) -> dict[str, Any]:
    """The environment facts the suite recorded, merged over all results (GPU facts included).

    >>> tf_facts({"benchmarks": [{"extra_info": {"tf_version": "2.9.3", "size": 1}},
    ...     {"extra_info": {"gpu_name": "NVIDIA T4"}}]})
    {'tf_version': '2.9.3', 'gpu_name': 'NVIDIA T4'}
    """
    facts: dict[str, Any] = {}
    for entry in data.get("benchmarks") or []:
        extra = entry.get("extra_info") or {} if isinstance(entry, dict) else {}
        for key in TF_FACT_KEYS:
            if extra.get(key) is not None and key not in facts:
                facts[key] = extra[key]
    return facts


def format_seconds(seconds: float) -> str:
    """A duration with a unit that keeps three significant digits.

    >>> format_seconds(1.5), format_seconds(0.0000123)
    ('1.50 s', '12.3 µs')
    """
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if seconds >= scale:
            value = seconds / scale
            digits = ".2f" if value < 10 else ".1f" if value < 100 else ".0f"
            return f"{value:{digits}} {unit}"
    return f"{seconds / 1e-9:.0f} ns"


def format_rate(value: float | None, unit: str | None) -> str:
    """A throughput with its unit, ``-`` when the suite recorded none.

    >>> format_rate(336.751, "GFLOP/s"), format_rate(None, None)
    ('336.8 GFLOP/s', '-')
    """
    if value is None:
        return "-"
    number = f"{value:,.0f}" if value >= 1000 else f"{value:.1f}"
    return f"{number} {unit}" if unit else number


def short_device(device: str | None) -> str:
    """The last part of a TensorFlow device string (``CPU:0``), ``-`` if none was recorded."""
    if not device:
        return "-"
    return device.rsplit("device:", 1)[-1]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    align = ["---:" if index in right else "---" for index in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return lines


def _paired(result: BenchResult) -> str:
    if result.paired_ratio is None:
        return "-"
    text = f"{result.paired_ratio:.2f}x"
    if result.paired_range is not None:
        text += f" (range {result.paired_range[0]:.2f}-{result.paired_range[1]:.2f}"
        text += f", {result.paired_rounds} pairs)" if result.paired_rounds else ")"
    return text


def results_table(results: Sequence[BenchResult]) -> list[str]:
    """The markdown table of every result.

    "Throughput / reference" is the quotient of the two columns before it;
    "Paired estimate" is the median over rounds that timed the workload and
    its reference in turn, a separate measurement that load affects less.
    """
    header: tuple[str, ...] = ("Workload", "Device", "Median", "± stddev", "Rounds")
    header += ("Throughput", "Reference", "Throughput / reference", "Paired estimate", "Ran on")
    rows = []
    for result in results:
        reference = "-"
        if result.reference:
            reference = f"{result.reference} ({format_rate(result.reference_throughput, result.unit)})"
        rows.append(
            (
                result.workload,
                result.device,
                format_seconds(result.median_s),
                format_seconds(result.stddev_s),
                str(result.rounds),
                format_rate(result.throughput, result.unit),
                reference,
                f"{result.ratio:.2f}" if result.ratio is not None else "-",
                _paired(result),
                short_device(result.ran_on),
            )
        )
    return _table(header, rows, right={2, 3, 4, 5, 7, 8})


def speedup_table(results: Sequence[BenchResult]) -> list[str]:
    """The markdown table of the GPU's speed-up over the CPU, empty if no workload ran on both."""
    rows = [
        (
            pair.workload,
            format_seconds(pair.cpu.median_s),
            format_seconds(pair.gpu.median_s),
            f"x{pair.factor:.1f}",
        )
        for pair in speedups(results)
    ]
    if not rows:
        return []
    return _table(("Workload", "CPU median", "GPU median", "GPU speed-up"), rows, right={1, 2, 3})


def _with_spread(median: float, iqr: tuple[float, float] | None, rounds: int) -> str:
    if iqr is None:
        return format_seconds(median)
    return f"{format_seconds(median)} (IQR {format_seconds(iqr[0])}-{format_seconds(iqr[1])}, {rounds} rounds)"


VERDICTS = {
    "slower": "**slower by ≥ {threshold:.0%}, significant**",
    "noise": "moved ≥ {threshold:.0%}, not significant (noise)",
    "ok": "ok",
    "inconclusive": "inconclusive: too few rounds recorded",
}


def comparison_table(comparisons: Sequence[Comparison], threshold: float) -> list[str]:
    """The markdown table of the comparison with an earlier run; p is the rank test's (see ``results``)."""
    rows = []
    for c in comparisons:
        rows.append(
            (
                c.workload,
                c.device,
                _with_spread(c.old_median_s, c.old_iqr, c.old_rounds),
                _with_spread(c.new_median_s, c.new_iqr, c.new_rounds),
                f"{c.change:+.1%}",
                f"{c.p_value:.3g}" if c.p_value is not None else "-",
                VERDICTS[c.verdict].format(threshold=threshold),
            )
        )
    header = ("Workload", "Device", "Before: median", "Now: median", "Change of median", "p", "Verdict")
    return _table(header, rows, right={2, 3, 4, 5})


def blas_text(tf: Mapping[str, Any], environment: EnvironmentCheck | None) -> str:
    """numpy's BLAS as threadpoolctl saw it: in the suite's process, else in the environment check's.

    >>> blas_text({"numpy_blas": "openblas 0.3.20", "numpy_blas_core": "Haswell", "blas_threads": 2}, None)
    'openblas 0.3.20, Haswell kernels, 2 threads (threadpoolctl)'
    >>> blas_text({}, None)
    'BLAS unknown (threadpoolctl not installed in the environment)'
    """
    name, core, threads = tf.get("numpy_blas"), tf.get("numpy_blas_core"), tf.get("blas_threads")
    if not name and environment is not None:
        blas = next((lib for lib in environment.libraries if lib.get("user_api") == "blas"), None)
        if blas is not None:
            name = f"{blas.get('internal_api')} {blas.get('version')}"
            core, threads = blas.get("architecture"), blas.get("num_threads")
    if not name:
        return "BLAS unknown (threadpoolctl not installed in the environment)"
    parts = [str(name), *([f"{core} kernels"] if core else []), *([f"{threads} threads"] if threads else [])]
    return ", ".join(parts) + " (threadpoolctl)"


def environment_lines(environment: EnvironmentCheck | None) -> list[str]:
    """The report's headline on the environment measured, with every difference listed."""
    if environment is None:
        return ["**Environment not checked against a lock.**"]
    lines = [f"**{environment.headline()}** (checked as {environment.checked}, Python {environment.python})."]
    if environment.differences:
        note = "measured anyway (--allow-drift)" if environment.allowed_drift else "not measured"
        lines += ["", f"Differences, {note}:", ""]
        rows = [
            (d.name, d.kind, d.manager, d.locked or "-", d.installed or "-", d.detail or "")
            for d in environment.differences
        ]
        lines += _table(("Package", "Difference", "From", "Locked", "Installed", "Detail"), rows, right=set())
    if environment.harness:
        lines += ["", "Harness, not in the lock: " + ", ".join(f"{n} {v}" for n, v in environment.harness) + "."]
    return lines


def _facts_lines(ctx: ReportContext) -> list[str]:
    host, tf = ctx.host, ctx.tf
    cuda = tf.get("cuda_version") or "none (CPU-only build)"
    cudnn = tf.get("cudnn_version") or "none"
    gpus = ", ".join(gpu.name for gpu in host.gpus) or "none found by nvidia-smi"
    counts = ", ".join(f"{n} {word}" for word, n in ctx.run.counts.items()) or "no summary"
    env = ", ".join(f"{k}={v}" for k, v in host.env.items()) or "none set"
    return [
        f"- Python: `{ctx.python}` (Python {tf.get('python', '?')}, numpy {tf.get('numpy_version', '?')} "
        f"with {blas_text(tf, ctx.environment)})",
        f"- TensorFlow {tf.get('tf_version', '?')}; CUDA {cuda}; cuDNN {cudnn}",
        f"- CPU: {host.cpu.model or '?'}, {host.cpus_usable} usable CPUs, "
        f"{(host.memory_mib or 0) / 1024:.0f} GiB; flags: {' '.join(host.cpu.flags) or '?'}"
        + (f"; load average {host.load_average:.2f} before the run" if host.load_average is not None else ""),
        f"- oneDNN: {tf.get('onednn', '?')}",
        f"- GPU: {gpus}" + (f" (TF sees {tf['gpu_name']})" if tf.get("gpu_name") else ""),
        f"- Environment variables: {env}",
        f"- Suite: `{ctx.suite}`, --tf-device {ctx.device}: {counts}",
    ]


def markdown_report(
    ctx: ReportContext, results: Sequence[BenchResult], comparisons: Sequence[Comparison] | None
) -> str:
    """The whole markdown report of one run."""
    lines = [
        f"# TensorFlow benchmarks: {ctx.label} on {ctx.host.hostname}",
        "",
        f"Generated by `{ctx.command}` on {ctx.when}; do not edit, rerun the command.",
        "",
        *environment_lines(ctx.environment),
        "",
        *_facts_lines(ctx),
        "",
        "## Results",
        "",
        *(results_table(results) if results else ["No benchmark produced a result."]),
    ]
    if pairs := speedup_table(results):
        lines += ["", "## CPU vs GPU", "", *pairs]
    if comparisons is not None:
        lines += ["", f"## Compared with the earlier run (threshold {ctx.threshold:.0%})", ""]
        lines += [
            f"A workload is slower when its median moved by the threshold and a one-sided Mann-Whitney test "
            f"of its rounds against the earlier rounds stretched by the threshold gives p < {ALPHA}.",
            "",
        ]
        if ctx.compared_load is not None and ctx.host.load_average is not None:
            lines += [
                f"Load average before the earlier run: {ctx.compared_load:.2f}; before this run: "
                f"{ctx.host.load_average:.2f} ({ctx.host.cpus_usable} usable CPUs).",
                "",
            ]
        lines += comparison_table(comparisons, ctx.threshold) if comparisons else ["No workload in common."]
    if ctx.run.skips:
        lines += ["", "## Skipped", ""]
        for reason, count, where in group_skips(ctx.run.skips):
            lines.append(f"- {count} x {reason} ({', '.join(f'`{w}`' for w in where)})")
    if ctx.run.failures:
        lines += ["", "## Failed", ""]
        lines += [f"- `{failure}`" for failure in ctx.run.failures]
    return "\n".join(lines) + "\n"


def envtool_section(ctx: ReportContext, comparisons: Sequence[Comparison] | None) -> dict[str, Any]:
    """The ``envtool`` key added to pytest-benchmark's JSON: format version, environment, host, run facts."""
    return {
        "format": 2,
        "environment": ctx.environment.as_json() if ctx.environment is not None else None,
        "label": ctx.label,
        "command": ctx.command,
        "when": ctx.when,
        "python": ctx.python,
        "suite": ctx.suite,
        "device": ctx.device,
        "host": ctx.host.to_json(),
        "tf": dict(ctx.tf),
        "run": {
            "exit_code": ctx.run.exit_code,
            "counts": dict(ctx.run.counts),
            "skipped": [{"location": s.location, "reason": s.reason, "count": s.count} for s in ctx.run.skips],
            "failed": list(ctx.run.failures),
        },
        "comparison": None
        if comparisons is None
        else {
            "threshold": ctx.threshold,
            "alpha": ALPHA,
            "workloads": [
                {
                    "workload": c.workload,
                    "device": c.device,
                    "old_median_s": c.old_median_s,
                    "new_median_s": c.new_median_s,
                    "change": round(c.change, 4),
                    "p_value": c.p_value,
                    "old_rounds": c.old_rounds,
                    "new_rounds": c.new_rounds,
                    "verdict": c.verdict,
                    "regressed": c.regressed,
                }
                for c in comparisons
            ],
        },
    }
