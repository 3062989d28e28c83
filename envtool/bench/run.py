"""``envtool bench``: run the TensorFlow benchmarks in an environment and keep the results.

A run takes a :class:`BenchRequest`, finds the environment's Python (from a
target name, a prefix, or ``--python``) and the lock it must match
(:mod:`envtool.bench.target`), checks the environment against that lock
before anything is timed (:mod:`envtool.bench.environment`; a difference
stops the run unless ``allow_drift``, which records it), runs the suite with
it (:mod:`envtool.bench.suite`), and writes three files into the output
directory, named ``<label>-<host>-<YYYYmmdd-HHMMSS>``:

* ``.json``: pytest-benchmark's JSON plus an ``envtool`` key (format 2) with the
  environment check, the host's facts, the suite's counts and skip reasons,
  and the comparison;
* ``.md``: the markdown report (:mod:`envtool.bench.report`);
* ``.png``: the plot (:mod:`envtool.bench.plot`), where matplotlib is installed.

With ``compare`` set, each workload is compared with the earlier run, round by
round (:func:`envtool.bench.results.compare_results`); one that is
``threshold`` (10 %) slower or more, and significantly so, is a regression, and
:func:`check_outcome` raises :class:`~envtool.errors.CheckFailed` (exit 1) for
it, as it does when a benchmark failed (an op fell back to the CPU).

>>> result_stem("linux-64-cpu", "gpu01.example.org", datetime(2026, 11, 26, 7, 13, 5))
'linux-64-cpu-gpu01-20261126-071305'
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from envtool.bench.environment import CheckRequest, EnvironmentCheck, check_environment
from envtool.bench.host import collect_host_facts
from envtool.bench.plot import plot_unavailable, write_plot
from envtool.bench.report import ReportContext, envtool_section, markdown_report, tf_facts
from envtool.bench.results import DEFAULT_THRESHOLD, BenchResult, Comparison, compare_results, load_results
from envtool.bench.suite import PYTEST_NO_TESTS, PYTEST_OK, Device, SuiteRun, group_skips, run_suite, suite_command
from envtool.bench.target import find_subject, label_for_python, resolve_python, safe_name
from envtool.errors import BenchError, CheckFailed, ConfigError

DEFAULT_SUITE = Path("benchmarks") / "tf"

__all__ = [
    "BenchError",
    "BenchOutcome",
    "BenchRequest",
    "check_environment_first",
    "check_outcome",
    "run_bench",
]


@dataclass(frozen=True)
class BenchRequest:
    """What to benchmark, where, and what to compare it with.

    Give ``target`` (a target name, whose environment ``envtool create`` puts
    in ``<project>/.envtool/envs/<target>``, or a prefix path) or ``python``;
    ``lock`` names the lock to match (required with ``python``).
    """

    target: str | None = None
    python: Path | None = None
    device: Device = "all"
    compare: Path | None = None
    output_dir: Path = Path("bench-results")
    suite: Path | None = None
    label: str | None = None
    project_dir: Path = field(default_factory=Path.cwd)
    threshold: float = DEFAULT_THRESHOLD
    select: str | None = None
    lock: Path | None = None
    allow_drift: bool = False


@dataclass(frozen=True)
class BenchOutcome:
    """What a run produced: its results, the files written and the comparison."""

    label: str
    python: Path
    results: tuple[BenchResult, ...]
    run: SuiteRun
    json_path: Path
    markdown_path: Path
    plot_path: Path | None
    plot_skipped: str | None
    compared_with: Path | None = None
    comparisons: tuple[Comparison, ...] | None = None
    threshold: float = DEFAULT_THRESHOLD
    environment: EnvironmentCheck | None = None

    @property
    def regressions(self) -> tuple[Comparison, ...]:
        """The workloads at least ``threshold`` slower than in the compared run."""
        return tuple(c for c in self.comparisons or () if c.regressed)


def result_stem(label: str, hostname: str, when: datetime) -> str:
    """The common stem of a run's output files."""
    return f"{safe_name(label)}-{safe_name(hostname.split('.', 1)[0])}-{when:%Y%m%d-%H%M%S}"


def _unused_stem(out: Path, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... if a run in the same second already wrote it."""
    candidate, number = stem, 1
    while (out / f"{candidate}.json").exists():
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def command_line(request: BenchRequest) -> str:
    """The ``envtool bench`` command that repeats ``request`` (for the report's header)."""
    words = ["envtool", "bench"]
    words += [request.target] if request.target else ["--python", str(request.python)]
    if request.lock is not None:
        words += ["--lock", str(request.lock)]
    if request.allow_drift:
        words.append("--allow-drift")
    words += ["--device", request.device]
    if request.suite is not None:
        words += ["--suite", str(request.suite)]
    if request.select:
        words += ["-k", request.select]
    if request.compare is not None:
        words += ["--compare", str(request.compare)]
    words += ["--output-dir", str(request.output_dir)]
    return shlex.join(words)


def _suite_dir(request: BenchRequest) -> Path:
    suite = request.suite or request.project_dir / DEFAULT_SUITE
    suite = suite if suite.is_absolute() else Path.cwd() / suite
    if not suite.is_dir():
        raise ConfigError(str(suite), "no benchmark suite there", "run from the project root or pass --suite DIR")
    return suite


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _suite_error(run: SuiteRun, suite: Path, python: Path) -> BenchError:
    if run.exit_code == PYTEST_NO_TESTS:
        why = "; ".join(f"{n} skipped: {reason}" for reason, n, _ in group_skips(run.skips))
        return BenchError(
            str(suite),
            f"the suite ran no benchmark ({why or 'none collected'})",
            f"install TensorFlow 2.9 and the harness (pytest, pytest-benchmark, threadpoolctl) for {python}, "
            "or check --suite and -k",
        )
    return BenchError(
        str(suite),
        f"the suite did not run (pytest exit code {run.exit_code}); its output ended:\n" + run.output_tail.rstrip(),
        f"check that {python} has pytest and pytest-benchmark (`{python} -m pip install pytest pytest-benchmark`)",
    )


def earlier_load(data: Any) -> float | None:
    """The load average an earlier run recorded before it ran (``envtool.host.load_average``).

    >>> earlier_load({"envtool": {"host": {"load_average": 3.5}}}), earlier_load({"benchmarks": []})
    (3.5, None)
    """
    host = ((data or {}).get("envtool") or {}).get("host") or {} if isinstance(data, dict) else {}
    load = host.get("load_average") if isinstance(host, dict) else None
    return float(load) if isinstance(load, int | float) else None


def check_environment_first(request: BenchRequest, python: Path) -> EnvironmentCheck:
    """Check the environment against its lock; raise :class:`CheckFailed` if it differs, unless drift is allowed."""
    subject = find_subject(request.target, python, request.lock, request.project_dir)
    check = check_environment(
        CheckRequest(
            python=subject.python, lock=subject.lock, lock_path=subject.lock_path, lock_label=subject.lock_label,
            prefix=subject.prefix, allow_drift=request.allow_drift,
        )
    )  # fmt: skip
    if not check.matches and not request.allow_drift:
        raise check.refusal()
    return check


def run_bench(request: BenchRequest, on_output: Callable[[str], None] | None = None) -> BenchOutcome:
    """Run the suite for ``request`` and write its JSON, markdown and PNG.

    ``on_output`` receives each line pytest prints, as it prints it. Returns
    even when benchmarks failed or regressed; :func:`check_outcome` says so.
    """
    python = resolve_python(request.target, request.python, request.project_dir)
    suite = _suite_dir(request)
    old_data, old = load_results(request.compare) if request.compare is not None else (None, None)
    environment = check_environment_first(request, python)
    host = collect_host_facts()
    when = datetime.now().astimezone().replace(microsecond=0)
    label = request.label or (safe_name(Path(request.target).name) if request.target else label_for_python(python))
    out = request.output_dir if request.output_dir.is_absolute() else Path.cwd() / request.output_dir
    out.mkdir(parents=True, exist_ok=True)
    stem = _unused_stem(out, result_stem(label, host.hostname, when))
    raw = out / f".{stem}.pytest.json"
    command = suite_command(python, suite, raw, request.device, request.select)
    try:
        run = run_suite(command, cwd=suite, on_output=on_output)
        if run.exit_code not in (PYTEST_OK, 1) or not raw.is_file():
            raise _suite_error(run, suite, python)
        data, results = load_results(raw)
    finally:
        raw.unlink(missing_ok=True)
    comparisons = None if old is None else compare_results(old, results, request.threshold)
    ctx = ReportContext(
        label=label,
        command=command_line(request),
        when=when.isoformat(),
        python=str(python),
        suite=str(suite),
        device=request.device,
        host=host,
        run=run,
        tf=tf_facts(data),
        threshold=request.threshold,
        environment=environment,
        compared_load=earlier_load(old_data),
    )
    return _write_outputs(
        request,
        stem=out / stem,
        ctx=ctx,
        data=data,
        results=results,
        comparisons=comparisons,
        python=python,
    )


def _write_outputs(
    request: BenchRequest,
    *,
    stem: Path,
    ctx: ReportContext,
    data: dict[str, Any],
    results: list[BenchResult],
    comparisons: list[Comparison] | None,
    python: Path,
) -> BenchOutcome:
    data = {**data, "envtool": envtool_section(ctx, comparisons)}
    json_path = stem.with_name(stem.name + ".json")
    markdown_path = stem.with_name(stem.name + ".md")
    _write_atomic(json_path, json.dumps(data, indent=2, sort_keys=False) + "\n")
    _write_atomic(markdown_path, markdown_report(ctx, results, comparisons))
    plot_path: Path | None = None
    skipped = plot_unavailable()
    if skipped is None and not results:
        skipped = "no benchmark produced a result; skipped the PNG"
    if skipped is None:
        plot_path = stem.with_name(stem.name + ".png")
        devices = ("cpu", "gpu") if request.device == "all" else (request.device,)
        title = f"TensorFlow benchmarks: {ctx.label} on {ctx.host.hostname}, {ctx.when}"
        headline = ctx.environment.headline() if ctx.environment is not None else ""
        write_plot(results, plot_path, title, devices, headline)
    return BenchOutcome(
        label=ctx.label,
        python=python,
        results=tuple(results),
        run=ctx.run,
        json_path=json_path,
        markdown_path=markdown_path,
        plot_path=plot_path,
        plot_skipped=skipped,
        compared_with=request.compare,
        comparisons=None if comparisons is None else tuple(comparisons),
        threshold=request.threshold,
        environment=ctx.environment,
    )


def check_outcome(outcome: BenchOutcome) -> None:
    """Raise :class:`CheckFailed` if a benchmark failed or a workload regressed."""
    if outcome.run.tests_failed:
        failed = "; ".join(outcome.run.failures) or "see the suite's output"
        raise CheckFailed(
            str(outcome.markdown_path),
            f"{len(outcome.run.failures) or 'some'} benchmark(s) failed: {failed}",
            "a GPU case fails when an op fell back to the CPU; check the GPU setup",
        )
    if outcome.regressions:
        slower = ", ".join(f"{c.workload} ({c.device}) {c.change:+.0%}, p={c.p_value:.2g}" for c in outcome.regressions)
        raise CheckFailed(
            str(outcome.compared_with),
            f"{len(outcome.regressions)} workload(s) {outcome.threshold:.0%} or more slower, significantly over "
            "their rounds: " + slower,
            f"see {outcome.markdown_path}",
        )
