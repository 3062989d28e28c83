"""Shared by the envtool toolkit benchmarks (``pytest benchmarks/toolkit``): keep it minimal.

The benchmarks reuse the test builders (``tests/factories.py``,
``tests/install_helpers.py``), so the project root must be importable.
"""

from __future__ import annotations

import os
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


# --------------------------------------------------------------------------- lock, check, scaling
# test_lock.py, test_check.py and test_scaling.py: isolation, generated channels over HTTP,
# the side-by-side fixture and the ratio table printed at the end of the run.

#: Variables that would point envtool, rattler, conda or uv at the developer's machine.
_LEAKY_PREFIXES = ("CONDA_", "MAMBA_", "PIXI_", "RATTLER_", "UV_", "PIP_", "ENVTOOL_")
_LEAKY_NAMES = ("CONDARC", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
_COMPARISONS = pytest.StashKey[list[sidebyside.Comparison]]()


@pytest.fixture(scope="session", autouse=True)
def _hermetic_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """What ``tests/conftest.py`` does per test, once per session: no user config, caches in tmp, uv offline.

    Subprocesses (``envtool``, uv, the raw scripts) inherit it.
    """
    base = tmp_path_factory.mktemp("bench-caches")
    caches = {name: base / name for name in ("rattler", "envtool", "uv", "xdg-cache", "xdg-config")}
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if (name.startswith(_LEAKY_PREFIXES) or name in _LEAKY_NAMES) and name != "ENVTOOL_SNAPSHOT":
                mp.delenv(name)
        mp.setenv("RATTLER_CACHE_DIR", str(caches["rattler"]))
        mp.setenv("ENVTOOL_CACHE_DIR", str(caches["envtool"]))
        mp.setenv("UV_CACHE_DIR", str(caches["uv"]))
        mp.setenv("XDG_CACHE_HOME", str(caches["xdg-cache"]))
        mp.setenv("XDG_CONFIG_HOME", str(caches["xdg-config"]))
        mp.setenv("UV_NO_CONFIG", "1")
        mp.setenv("UV_PYTHON_DOWNLOADS", "never")
        mp.setenv("UV_OFFLINE", "1")
        for var in ("NO_PROXY", "no_proxy"):
            current = os.environ.get(var, "")
            mp.setenv(var, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))
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


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print envtool vs raw side by side, one line per comparison."""
    comparisons = config.stash.get(_COMPARISONS, [])
    if comparisons:
        terminalreporter.section("envtool vs raw (ratio = envtool / baseline, best rounds)")
        for line in sidebyside.table(comparisons):
            terminalreporter.write_line(line)
