"""Shared fixtures: hermetic environment, local conda channels, wheels, HTTP servers.

The builders live in :mod:`tests.factories`; these fixtures only wrap them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import (
    DirectoryServer,
    channel_url,
    index_channel,
    make_conda_package,
    make_python_package,
    make_wheel,
)

#: Variables that would point envtool, rattler, conda or uv at the developer's machine.
_LEAKY_PREFIXES = ("CONDA_", "MAMBA_", "PIXI_", "RATTLER_", "UV_", "PIP_", "ENVTOOL_")
_LEAKY_NAMES = ("CONDARC", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
#: ENVTOOL_ variables that select test data rather than behaviour.
_KEEP = ("ENVTOOL_SNAPSHOT",)


@pytest.fixture(scope="session")
def _session_caches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Cache directories shared by the whole session (so package extraction is reused)."""
    base = tmp_path_factory.mktemp("caches")
    return {name: base / name for name in ("rattler", "envtool", "uv", "xdg")}


@pytest.fixture(autouse=True)
def _hermetic_env(
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    _session_caches: dict[str, Path],
) -> None:
    """Isolate every test from the user's configuration, caches and indexes.

    Clears conda/mamba/pixi/rattler/uv/pip/envtool variables (except
    ``ENVTOOL_SNAPSHOT``), points the caches at per-session temp dirs, makes uv
    ignore config files, never download Pythons and (unless the test is marked
    ``network``) stay offline, and exempts 127.0.0.1 from any proxy.
    """
    for name in list(os.environ):
        if (name.startswith(_LEAKY_PREFIXES) or name in _LEAKY_NAMES) and name not in _KEEP:
            monkeypatch.delenv(name)
    monkeypatch.setenv("RATTLER_CACHE_DIR", str(_session_caches["rattler"]))
    monkeypatch.setenv("ENVTOOL_CACHE_DIR", str(_session_caches["envtool"]))
    monkeypatch.setenv("UV_CACHE_DIR", str(_session_caches["uv"]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(_session_caches["xdg"]))
    monkeypatch.setenv("UV_NO_CONFIG", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    if request.node.get_closest_marker("network") is None:
        monkeypatch.setenv("UV_OFFLINE", "1")
    for var in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(var, "")
        monkeypatch.setenv(var, ",".join(filter(None, [current, "127.0.0.1", "localhost"])))


@pytest.fixture(autouse=True)
def _doctest_tmp(doctest_namespace: dict[str, Any], tmp_path: Path) -> None:
    """Doctests get ``tmp``, a fresh temporary directory (``str``)."""
    doctest_namespace["tmp"] = str(tmp_path)


class ChannelFactory:
    """A local conda channel under construction: add packages, then index."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        """``file://`` URL of the channel."""
        return channel_url(self.dir)

    def add(self, name: str, version: str, build: str = "0", **kwargs: Any) -> Path:
        """Build a package into the channel (see ``make_conda_package``); not yet indexed."""
        return make_conda_package(self.dir, name, version, build, **kwargs)

    def add_python(self, version: str | None = None, **kwargs: Any) -> Path:
        """Add the fake ``python`` package (see ``make_python_package``)."""
        return make_python_package(self.dir, version, **kwargs)

    def index(self) -> str:
        """(Re)write repodata for all subdirs; returns :attr:`url`."""
        index_channel(self.dir)
        return self.url


@pytest.fixture
def channel_factory(tmp_path: Path) -> ChannelFactory:
    """An empty local channel at ``tmp_path/channel``."""
    return ChannelFactory(tmp_path / "channel")


class WheelFactory:
    """Builds wheels into one directory, usable as ``uv --find-links``."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str, version: str, **kwargs: Any) -> Path:
        """Build a wheel (see ``make_wheel``) and return its path."""
        return make_wheel(self.dir, name, version, **kwargs)


@pytest.fixture
def wheel_factory(tmp_path: Path) -> WheelFactory:
    """Wheels at ``tmp_path/wheels``: ``wheel_factory("pkg", "1.0", requires=[...])``."""
    return WheelFactory(tmp_path / "wheels")


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[DirectoryServer]:
    """Serve ``tmp_path/www`` (created empty; fill it any time) with a request log."""
    root = tmp_path / "www"
    root.mkdir()
    with DirectoryServer(root) as server:
        yield server
