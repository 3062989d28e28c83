"""What users run, as whole processes, interleaved with raw scripts doing the same work.

The project's own targets against the conda-forge snapshot (``../shared/conda-forge-tf29``
or ``$ENVTOOL_SNAPSHOT``), each case run round by round beside its baseline:

* ``envtool lock --force --target linux-gpu --mirror conda-forge=SNAPSHOT`` against
  ``python rawlock.py`` solving the same specs with the same virtual packages and
  writing the records it solved as JSON;
* the same with 8 copies of that target (the cost of each additional target);
* ``envtool check`` (nothing stale) against ``python -c "import rattler"``;
* ``envtool lock --force`` of every target (pip halves from PyPI, pinned by
  ``exclude-newer``, uv's cache warm) against rawlock with uv online and with
  ``UV_OFFLINE=1`` (needs PyPI; ``--online``).

Medians of the rounds (wall time, and CPU time, which a loaded machine blurs less),
their ratios, and the peak RSS of each process tree. With
``--before REPO`` (a checkout with its own ``.venv``) the same cases also run
with that checkout's envtool on its own locks, in the same rounds::

    python benchmarks/toolkit/processes.py --rounds 15 [--online] [--before /tmp/envtool-before]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SNAPSHOT = Path(os.environ.get("ENVTOOL_SNAPSHOT") or ROOT.parent / "shared" / "conda-forge-tf29")
RAWLOCK = HERE / "rawlock.py"
GPU = "linux-gpu"


@dataclass
class Command:
    """One side of a case: a command line, where it runs, and what it measured."""

    label: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)

    def run(self) -> None:
        """Run once; record wall time, CPU time (user + system, all threads) and the peak RSS of the process tree."""
        start = time.perf_counter()
        proc = subprocess.Popen(
            self.argv, cwd=self.cwd, env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        self.seconds.append(time.perf_counter() - start)
        self.cpu.append(usage.ru_utime + usage.ru_stime)
        self.peak_kib.append(usage.ru_maxrss)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{self.label}: {' '.join(self.argv)} exited {proc.returncode}: {err.decode()[-800:]}")


def copy_project(source: Path, dest: Path, gpu_copies: int = 0) -> Path:
    """Copy ``environments/`` and ``locks/`` of ``source``; with ``gpu_copies``, only that many linux-gpu targets."""
    shutil.copytree(source / "environments", dest / "environments")
    shutil.copytree(source / "locks", dest / "locks")
    if gpu_copies:
        manifest = dest / "environments" / "targets.yml"
        text = manifest.read_text(encoding="utf-8")
        head = text[: text.index("\ntargets:")]
        block = _target_block(text, GPU)
        copies = "".join(
            block.replace(f"  {GPU}:", f"  gpu{n}:").replace("tf29-gpu", f"gpu{n}") for n in range(gpu_copies)
        )
        manifest.write_text(f"{head}\ntargets:\n{copies}", encoding="utf-8")
    return dest


def _target_block(text: str, name: str) -> str:
    lines = text[text.index("\ntargets:") + 1 :].splitlines(keepends=True)[1:]
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {name}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][2:3] not in (" ", "\n", "")), len(lines))
    return "".join(lines[start:end])


def raw_plan_file(project: Path, dest: Path, names: tuple[str, ...] = ()) -> Path:
    """The rawlock plan of ``project``'s targets through the snapshot mirror."""
    sys.path[:0] = [str(HERE), str(ROOT)]
    from workload import raw_plan, write_plan

    from envtool.inputs.mirrors import MirrorMap

    mirrors = dict(MirrorMap.parse([f"conda-forge={SNAPSHOT.resolve()}"], origin="benchmark").mirrors)
    plan = raw_plan(project / "environments" / "targets.yml", mirrors, names)
    return write_plan(plan, dest)


def envtool_bin(repo: Path) -> str:
    """The ``envtool`` script of a checkout's ``.venv`` (this interpreter's for this checkout)."""
    if repo.resolve() == ROOT:
        return str(Path(sys.executable).parent / "envtool")
    return str(repo / ".venv" / "bin" / "envtool")


def cases(work: Path, repos: dict[str, Path], online: bool) -> dict[str, list[Command]]:
    """Every case: the raw baseline first, then envtool of each checkout in ``repos``."""
    mirror = ["--mirror", f"conda-forge={SNAPSHOT.resolve()}"]
    python = sys.executable
    out: dict[str, list[Command]] = {}
    projects = {(name, n): copy_project(repo, work / f"{name}-{n}", n) for name, repo in repos.items() for n in (0, 8)}
    raw_dir = copy_project(ROOT, work / "raw", 0)
    plans = {1: raw_plan_file(raw_dir, work / "plan-1.json", (GPU,)),
             8: raw_plan_file(copy_project(ROOT, work / "plan-8", 8), work / "plan-8.json")}  # fmt: skip
    for n, case, extra in (
        (1, f"lock --force --target {GPU}", ["--target", GPU]),
        (8, f"lock --force, 8 copies of {GPU}", []),
    ):
        raw = [python, str(RAWLOCK), str(plans[n]), str(work / "cache-raw"), str(work / "out.json")]
        out[case] = [Command("raw", raw, raw_dir)]
        for name, repo in repos.items():
            argv = [envtool_bin(repo), "lock", "--force", *extra, *mirror]
            env = {"ENVTOOL_CACHE_DIR": str(work / f"c-{name}")}
            out[case].append(Command(name, argv, projects[(name, 0 if n == 1 else n)], env))
    out["check"] = [Command("import rattler", [python, "-c", "import rattler"], raw_dir)]
    out["check"] += [Command(name, [envtool_bin(repo), "check"], projects[(name, 0)]) for name, repo in repos.items()]
    if online:
        plan = raw_plan_file(raw_dir, work / "plan-all.json")
        rawlock = [python, str(RAWLOCK), str(plan), str(work / "cache-raw"), str(work / "out.json")]
        case = "lock --force, all targets"
        out[case] = [
            Command("raw", rawlock, raw_dir),
            Command("raw, UV_OFFLINE=1", rawlock, raw_dir, {"UV_OFFLINE": "1"}),
        ]
        for name, repo in repos.items():
            env = {"ENVTOOL_CACHE_DIR": str(work / f"c-{name}")}
            out[case].append(Command(name, [envtool_bin(repo), "lock", "--force", *mirror], projects[(name, 0)], env))
    return out


def measure(all_cases: dict[str, list[Command]], rounds: int) -> None:
    """One unmeasured warm-up, then ``rounds`` interleaved rounds of every command of every case."""
    for commands in all_cases.values():
        for command in commands:
            command.run()
            command.seconds.clear()
            command.cpu.clear()
            command.peak_kib.clear()
    for _ in range(rounds):
        for commands in all_cases.values():
            for command in commands:
                command.run()


def table(all_cases: dict[str, list[Command]]) -> list[str]:
    """A markdown table: per case and side, median wall and CPU time, their ratios to the baseline, peak RSS."""
    lines = [
        "| case | side | median | min | / baseline | CPU | / baseline | peak RSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for case, commands in all_cases.items():
        base, base_cpu = statistics.median(commands[0].seconds), statistics.median(commands[0].cpu)
        for c in commands:
            median, cpu = statistics.median(c.seconds), statistics.median(c.cpu)
            lines.append(
                f"| {case} | {c.label} | {median * 1000:.0f} ms | {min(c.seconds) * 1000:.0f} ms | {median / base:.2f}x "
                f"| {cpu * 1000:.0f} ms | {cpu / base_cpu:.2f}x | {max(c.peak_kib) / 1024:.0f} MiB |"
            )
    return lines


def summary(all_cases: dict[str, list[Command]]) -> dict[str, Any]:
    """The medians as JSON-able data."""
    return {
        case: {
            c.label: {
                "median_s": statistics.median(c.seconds),
                "cpu_s": statistics.median(c.cpu),
                "peak_mib": max(c.peak_kib) / 1024,
            }
            for c in cmds
        }
        for case, cmds in all_cases.items()
    }


def main(argv: list[str]) -> int:
    """Run the cases and print the table (and ``--json`` data)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--online", action="store_true", help="also lock every target (pip halves from PyPI)")
    parser.add_argument("--before", type=Path, help="a checkout (with .venv) to measure beside this one")
    parser.add_argument("--json", type=Path, help="write the medians here")
    args = parser.parse_args(argv)
    if not (SNAPSHOT / "noarch" / "repodata.json").is_file():
        print(f"conda-forge snapshot not found at {SNAPSHOT} (set ENVTOOL_SNAPSHOT)", file=sys.stderr)
        return 2
    repos = {"envtool": ROOT} if args.before is None else {"before": args.before, "after": ROOT}
    with tempfile.TemporaryDirectory(prefix="envtool-processes-") as tmp:
        all_cases = cases(Path(tmp), repos, args.online)
        measure(all_cases, args.rounds)
    print("\n".join(table(all_cases)))
    if args.json:
        args.json.write_text(json.dumps(summary(all_cases), indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
