"""Shared fixtures: hermetic environment, local conda channels, wheels, HTTP servers.

The builders live in :mod:`tests.factories`; these fixtures only wrap them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import (
    DirectoryServer,
    channel_url,
    index_channel,
    isolate_environment,
    make_conda_package,
    make_python_package,
    make_wheel,
)


@pytest.fixture(scope="session")
def _session_caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cache directories shared by the whole session (so package extraction is reused)."""
    return tmp_path_factory.mktemp("caches")


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, _session_caches: Path) -> None:
    """Isolate every test from the user's configuration, caches and indexes (offline unless marked ``network``)."""
    isolate_environment(monkeypatch, _session_caches, offline=request.node.get_closest_marker("network") is None)


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


@pytest.fixture(scope="session")
def locked_tf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a ``cpu`` and a ``gpu`` target (``__cuda=11.2.2``), locked once per session: read only."""
    from tests.projects import locked_tf_project

    return locked_tf_project(tmp_path_factory.mktemp("locked-tf"))


@pytest.fixture
def locked_copy(locked_tf: Path, tmp_path: Path) -> Path:
    """A copy of :func:`locked_tf` of the test's own (its specs name the session's channel)."""
    import shutil

    return Path(shutil.copytree(locked_tf, tmp_path / "project"))
