"""Run the benchmark suite with an environment's own Python, and read what pytest said.

The suite is a pytest directory (``benchmarks/tf`` by default) that
understands ``--tf-device cpu|gpu|all`` and uses pytest-benchmark. It runs in
a subprocess of the environment's interpreter, with its own ``pytest.ini``
(never the project's configuration), and writes ``--benchmark-json``. Skip
reasons and failures come from pytest's short summary (``-rfEs``).

>>> lines = ["SKIPPED [3] test_matmul.py:28: no GPU: CPU-only build",
...     "FAILED test_conv.py::test_conv2d_forward[gpu] - PlacementError: asked for the GPU",
...     "==== 1 failed, 10 passed, 12 skipped, 2 warnings in 10.55s ===="]
>>> parse_counts(lines)
{'failed': 1, 'passed': 10, 'skipped': 12, 'warnings': 2}
>>> parse_skips(lines)
(Skip(location='test_matmul.py:28', reason='no GPU: CPU-only build', count=3),)
>>> parse_failures(lines)
('test_conv.py::test_conv2d_forward[gpu] - PlacementError: asked for the GPU',)
"""

from __future__ import annotations

import re
import subprocess
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from envtool.errors import BenchError

Device = Literal["cpu", "gpu", "all"]

# pytest's exit codes (pytest.ExitCode), as the suite's Python reports them.
PYTEST_OK = 0
PYTEST_TESTS_FAILED = 1
PYTEST_NO_TESTS = 5

_COUNT = re.compile(r"(\d+) (passed|failed|skipped|deselected|xfailed|xpassed|warnings?|errors?)\b")
_SKIP = re.compile(r"^SKIPPED \[(\d+)\] (.+?:\d+): (.*)$")


@dataclass(frozen=True)
class Skip:
    """Tests pytest skipped at one place, and why (e.g. no GPU visible to TensorFlow)."""

    location: str
    reason: str
    count: int


@dataclass(frozen=True)
class SuiteRun:
    """What one run of the suite did: its exit code, counts, skips, failures and output."""

    command: tuple[str, ...]
    exit_code: int
    counts: Mapping[str, int] = field(default_factory=dict)
    skips: tuple[Skip, ...] = ()
    failures: tuple[str, ...] = ()
    output_tail: str = ""

    @property
    def tests_failed(self) -> bool:
        """Whether some benchmark failed (e.g. an op fell back to the CPU)."""
        return self.exit_code == PYTEST_TESTS_FAILED


def suite_command(python: Path, suite: Path, json_path: Path, device: Device, select: str | None = None) -> list[str]:
    """The command line that runs ``suite`` with ``python`` and writes ``json_path``.

    >>> suite_command(Path("/env/bin/python"), Path("/p/benchmarks/tf"), Path("/p/out.json"),
    ...     "cpu")  # doctest: +NORMALIZE_WHITESPACE
    ['/env/bin/python', '-m', 'pytest', '/p/benchmarks/tf', '--rootdir', '/p/benchmarks/tf',
     '-p', 'no:cacheprovider', '-rfEs', '--benchmark-json', '/p/out.json', '--tf-device', 'cpu']
    """
    command = [str(python), "-m", "pytest", str(suite), "--rootdir", str(suite)]
    ini = suite / "pytest.ini"
    if ini.is_file():
        command += ["-c", str(ini)]
    command += ["-p", "no:cacheprovider", "-rfEs", "--benchmark-json", str(json_path)]
    command += ["--tf-device", device]
    if select:
        command += ["-k", select]
    return command


def parse_counts(lines: Iterable[str]) -> dict[str, int]:
    """The counts of pytest's last summary line (``10 passed, 12 skipped in 3.1s``)."""
    counts: dict[str, int] = {}
    for line in lines:
        stripped = line.strip("= \n")
        if re.search(r"\bin [\d.]+s\b", stripped) and _COUNT.search(stripped):
            counts = {word: int(number) for number, word in _COUNT.findall(stripped)}
    return counts


def parse_skips(lines: Iterable[str]) -> tuple[Skip, ...]:
    """The ``SKIPPED [n] file:line: reason`` lines of pytest's short summary."""
    skips = []
    for line in lines:
        match = _SKIP.match(line.rstrip("\n"))
        if match:
            skips.append(Skip(match.group(2), match.group(3), int(match.group(1))))
    return tuple(skips)


def group_skips(skips: Iterable[Skip]) -> list[tuple[str, int, tuple[str, ...]]]:
    """Skips grouped by reason: ``(reason, how many, where)``, in first-seen order.

    >>> group_skips([Skip("a.py:1", "no GPU", 1), Skip("b.py:2", "no GPU", 3)])
    [('no GPU', 4, ('a.py:1', 'b.py:2'))]
    """
    groups: dict[str, tuple[int, tuple[str, ...]]] = {}
    for skip in skips:
        count, where = groups.get(skip.reason, (0, ()))
        groups[skip.reason] = (count + skip.count, (*where, skip.location))
    return [(reason, count, where) for reason, (count, where) in groups.items()]


def parse_failures(lines: Iterable[str]) -> tuple[str, ...]:
    """The ``FAILED``/``ERROR`` lines of pytest's short summary, without the keyword."""
    failures = []
    for line in lines:
        for keyword in ("FAILED ", "ERROR "):
            if line.startswith(keyword):
                failures.append(line[len(keyword) :].rstrip("\n"))
    return tuple(failures)


def run_suite(command: list[str], cwd: Path, on_output: Callable[[str], None] | None = None) -> SuiteRun:
    """Run ``command`` in ``cwd``, passing each output line to ``on_output`` as it comes.

    Raises :class:`BenchError` when the interpreter cannot be started.
    """
    lines: list[str] = []
    tail: deque[str] = deque(maxlen=40)
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            errors="replace",
            bufsize=1,
        )
    except OSError as err:
        raise BenchError(
            command[0],
            f"cannot run it ({err.strerror or err})",
            "pass the environment's Python with --python PATH, or its prefix",
        ) from err
    assert process.stdout is not None  # guaranteed by stdout=PIPE
    with process:
        for line in process.stdout:
            lines.append(line)
            tail.append(line)
            if on_output is not None:
                on_output(line.rstrip("\n"))
    return SuiteRun(
        command=tuple(command),
        exit_code=process.returncode,
        counts=parse_counts(lines),
        skips=parse_skips(lines),
        failures=parse_failures(lines),
        output_tail="".join(tail),
    )
