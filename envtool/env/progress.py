"""The progress protocol the installers report to; the CLI draws it."""

from __future__ import annotations

from typing import Protocol


class InstallProgress(Protocol):
    """Receives progress from :func:`create_environment`; the CLI draws it.

    Phases: ``"conda"`` and ``"pip"`` (begun and ended once each) and, only
    when ``per_package`` is true, ``"fetch"`` (conda packages into the cache,
    downloaded or already there) and ``"link"`` (into the environment) with one
    :meth:`advance` per package. Per-package events come from rattler's worker
    threads, several at once, and cost a little time (a few ms per 50
    packages); leave ``per_package`` false when only phases are shown.
    """

    per_package: bool

    def begin(self, phase: str, total: int) -> None:
        """A phase starts with ``total`` items."""

    def advance(self, phase: str, item: str) -> None:
        """One item (a package name) of a phase is done."""

    def end(self, phase: str) -> None:
        """A phase is over."""
