"""What users run, as whole processes, beside the raw scripts doing the same work.

The project's own TF 2.9 GPU target, locked against the conda-forge snapshot
(``../shared/conda-forge-tf29`` or ``$ENVTOOL_SNAPSHOT``), and ``envtool check``
of the project's own locks:

* ``envtool lock --force --target linux-gpu --mirror conda-forge=SNAPSHOT`` against
  ``python rawlock.py`` (the same specs and virtual packages through py-rattler,
  the records written as JSON); goal 1.3x;
* the same with 8 copies of the target, and from the two the cost of each
  additional target; goal 1.5x the raw cost of one more target;
* ``envtool check`` against ``python -c "import rattler"``; goal 1.0x.

``processes.py`` runs the same cases (and a lock of every target against PyPI)
outside pytest, with peak memory and an older checkout beside this one.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from processes import GPU, RAWLOCK, ROOT, SNAPSHOT, copy_project, raw_plan_file
from sidebyside import Comparison

ROUNDS = 11
ENVTOOL = str(Path(sys.executable).parent / "envtool")
MIRROR = ["--mirror", f"conda-forge={SNAPSHOT.resolve()}"]
pytestmark = [
    pytest.mark.snapshot,
    pytest.mark.skipif(
        not (SNAPSHOT / "noarch" / "repodata.json").is_file(),
        reason=f"conda-forge snapshot not found at {SNAPSHOT} (set ENVTOOL_SNAPSHOT)",
    ),
]
_RESULTS: dict[int, Comparison] = {}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of the project (as it is, and with 8 copies of linux-gpu) and the raw plans for them."""
    root = tmp_path_factory.mktemp("bench-processes")
    copy_project(ROOT, root / "project-1")
    copy_project(ROOT, root / "project-8", 8)
    raw_plan_file(root / "project-1", root / "plan-1.json", (GPU,))
    raw_plan_file(root / "project-8", root / "plan-8.json")
    return root


def _lock_case(work: Path, copies: int, side_by_side: Callable[..., Comparison]) -> Comparison:
    extra = ["--target", GPU] if copies == 1 else []
    env = {"ENVTOOL_CACHE_DIR": str(work / "cache-envtool")}

    def ours(_: int) -> None:
        command = [ENVTOOL, "lock", "--force", *extra, *MIRROR]
        subprocess.run(
            command, cwd=work / f"project-{copies}", env={**_environ(), **env}, check=True, capture_output=True
        )

    def raw(_: int) -> None:
        command = [sys.executable, str(RAWLOCK), str(work / f"plan-{copies}.json"), str(work / "cache-raw"),
                   str(work / "solved.json")]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)

    what = f"lock --target {GPU}" if copies == 1 else f"lock {copies} copies of {GPU}"
    result = side_by_side(f"{what}, snapshot (process)", ours, raw, rounds=ROUNDS, goal_ratio=1.3)
    _RESULTS[copies] = result
    return result


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.benchmark(group="lock TF 2.9 GPU, snapshot, whole process")
def test_lock_gpu_process(benchmark: Any, side_by_side: Callable[..., Comparison], work: Path) -> None:
    _lock_case(work, 1, side_by_side)
    assert (work / "project-1" / "locks" / "linux-gpu.yml").read_bytes() == (
        ROOT / "locks" / "linux-gpu.yml"
    ).read_bytes()


@pytest.mark.benchmark(group="lock 8 x TF 2.9 GPU, snapshot, whole process")
def test_lock_gpu_copies_process(
    benchmark: Any,
    side_by_side: Callable[..., Comparison],
    record_comparison: Callable[[Comparison], None],
    work: Path,
) -> None:
    eight = _lock_case(work, 8, side_by_side)
    one = _RESULTS.get(1)
    if one is None:
        return
    # The cost of one more target: the median difference between 8 targets and 1, over 7.
    ours = (statistics.median(eight.ours) - statistics.median(one.ours)) / 7
    raw = (statistics.median(eight.raw) - statistics.median(one.raw)) / 7
    if ours > 0 and raw > 0:
        record_comparison(Comparison("each additional target (medians)", (ours,), (raw,), goal_ratio=1.5))


@pytest.mark.benchmark(group="check, whole process")
def test_check_project_process(benchmark: Any, side_by_side: Callable[..., Comparison], work: Path) -> None:
    def ours(_: int) -> None:
        subprocess.run([ENVTOOL, "check"], cwd=work / "project-1", check=True, capture_output=True)

    def raw(_: int) -> None:
        subprocess.run([sys.executable, "-c", "import rattler"], check=True, capture_output=True)

    side_by_side("check of the project's locks (process)", ours, raw, rounds=15, goal_ratio=1.0,
                 baseline="import rattler")  # fmt: skip
