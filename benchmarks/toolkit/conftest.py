"""Shared by the envtool toolkit benchmarks (``pytest benchmarks/toolkit``): keep it minimal.

The benchmarks reuse the test builders (``tests/factories.py``,
``tests/install_helpers.py``), so the project root must be importable.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sidebyside
from channels import ChannelServer, generate_channel

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.factories import isolate_environment  # noqa: E402  (needs ROOT on sys.path)

# --------------------------------------------------------------------------- lock, check, scaling
# test_lock.py, test_check.py and test_scaling.py: isolation, generated channels over HTTP,
# the side-by-side fixture and the ratio table printed at the end of the run.

_COMPARISONS = pytest.StashKey[list[sidebyside.Comparison]]()


@pytest.fixture(scope="session", autouse=True)
def _hermetic_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """What ``tests/conftest.py`` does per test, once per session: no user config, caches in tmp, uv offline.

    Subprocesses (``envtool``, uv, the raw scripts) inherit it.
    """
    base = tmp_path_factory.mktemp("bench-caches")
    caches = {name: base / name for name in ("rattler", "envtool", "uv", "xdg-cache", "xdg-config")}
    with pytest.MonkeyPatch.context() as mp:
        isolate_environment(mp, base, offline=True)
        yield caches


@pytest.fixture(scope="session")
def channel_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChannelServer]:
    """A local HTTP server for the generated channels (answers 304 to a warm cache)."""
    with ChannelServer(tmp_path_factory.mktemp("channels")) as server:
        yield server


@pytest.fixture(scope="session")
def bench_channel(channel_server: ChannelServer) -> Callable[..., str]:
    """``bench_channel(records, platforms)``: the URL of a generated channel, generated once per session."""
    made: dict[tuple[int, tuple[str, ...]], str] = {}

    def get(records: int, platforms: tuple[str, ...] = ("linux-64",)) -> str:
        key = (records, platforms)
        if key not in made:
            name = f"ch{records}-{'-'.join(platforms)}"
            generate_channel(channel_server.directory / name, records, platforms)
            made[key] = f"{channel_server.url}/{name}"
        return made[key]

    return get


@pytest.fixture
def side_by_side(benchmark: Any, request: pytest.FixtureRequest) -> Callable[..., sidebyside.Comparison]:
    """``side_by_side(case, ours, raw, rounds=N, goal_ratio=..)``: see :func:`sidebyside.compare`."""

    def run(case: str, ours: sidebyside.Side, raw: sidebyside.Side, **options: Any) -> sidebyside.Comparison:
        result = sidebyside.compare(benchmark, case, ours, raw, **options)
        request.config.stash.setdefault(_COMPARISONS, []).append(result)
        return result

    return run


@pytest.fixture
def record_comparison(request: pytest.FixtureRequest) -> Callable[[sidebyside.Comparison], None]:
    """Add a comparison derived from others (say, the cost of one more target) to the ratio table."""

    def record(comparison: sidebyside.Comparison) -> None:
        request.config.stash.setdefault(_COMPARISONS, []).append(comparison)

    return record


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print envtool vs raw side by side, one line per comparison."""
    comparisons = config.stash.get(_COMPARISONS, [])
    if comparisons:
        terminalreporter.section("envtool vs raw (ratio = envtool / baseline, best rounds)")
        for line in sidebyside.table(comparisons):
            terminalreporter.write_line(line)
