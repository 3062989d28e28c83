"""Is the environment under test the locked one? Checked before anything is timed.

A prefix (``envtool create``, conda, micromamba) is compared with its lock
exactly as ``envtool verify`` does: every conda package from ``conda-meta``
and the pip half. A bare interpreter (``--python``: a venv standing in for the
locked environment on a CI host) is compared as far as an interpreter can be:
its CPython version with the lock's ``python``, every Python package the lock
takes from conda (by PyPI name and version) and the pip half (name, version and
the sha256 the installer recorded). In both cases the BLAS numpy really loaded
(``threadpoolctl``, read by the environment's own Python) is compared with the
BLAS package the lock pins, since a wheel bundles its own.

The benchmark harness (pytest, pytest-benchmark, threadpoolctl and what they
require that the lock does not pin) is listed apart: it is needed to run the
suite and changes nothing it measures.

>>> from envtool.env.verify import Difference
>>> check = EnvironmentCheck("locks/linux-cpu.yml", "ab" * 32, "linux-cpu", "interpreter", "3.9.2",
...     (Difference("changed", "pip", "numpy", "1.23.5", "1.26.4"),
...      Difference("missing", "conda", "backports", "1.0", "")))
>>> check.headline()
'environment differs from locks/linux-cpu.yml in 2 packages: numpy 1.23.5 -> 1.26.4, backports 1.0 missing'
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from envtool.env.verify import Difference, InstalledPip, compare_pip, verify_environment
from envtool.errors import BenchError, CheckFailed
from envtool.locking.pypi import conda_python_packages
from envtool.model import CondaPackage, PipPackage, TargetLock, normalize

# What the suite needs beside the locked packages; never counted as drift.
HARNESS = ("pytest", "pytest-benchmark", "threadpoolctl")

# threadpoolctl's internal_api -> the conda packages that provide that BLAS, in lock order of preference.
BLAS_PACKAGES = {"openblas": ("libopenblas", "openblas"), "mkl": ("mkl",), "blis": ("blis",)}

PROBE_TIMEOUT_S = 300


@dataclass(frozen=True)
class Installed:
    """A distribution as the environment's Python reports it."""

    name: str
    version: str
    installer: str = ""
    sha256: str | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Probe:
    """What the environment's Python said of itself (:mod:`envtool.bench.probe`)."""

    python: str
    distributions: Mapping[str, Installed]
    libraries: tuple[Mapping[str, Any], ...] = ()
    libraries_unknown: str | None = None

    @property
    def blas(self) -> Mapping[str, Any] | None:
        """The first BLAS threadpoolctl found loaded (numpy's), ``None`` if none."""
        return next((lib for lib in self.libraries if lib.get("user_api") == "blas"), None)


@dataclass(frozen=True)
class EnvironmentCheck:
    """The environment under test against its lock: every difference, and the harness apart."""

    lock: str
    lock_digest: str
    target: str
    checked: str  # "prefix" or "interpreter"
    python: str
    differences: tuple[Difference, ...]
    harness: tuple[tuple[str, str], ...] = ()
    libraries: tuple[Mapping[str, Any], ...] = ()
    libraries_unknown: str | None = None
    allowed_drift: bool = False

    @property
    def matches(self) -> bool:
        """Whether nothing differs from the lock."""
        return not self.differences

    def headline(self) -> str:
        """``environment matches LOCK`` or ``environment differs from LOCK in N packages: ...``."""
        if self.matches:
            return f"environment matches {self.lock}"
        count = len(self.differences)
        listed = ", ".join(describe(d) for d in self.differences)
        return f"environment differs from {self.lock} in {count} package{'s' if count > 1 else ''}: {listed}"

    def refusal(self) -> CheckFailed:
        """The error that stops a benchmark of a drifted environment."""
        return CheckFailed(
            self.lock,
            self.headline(),
            "benchmark the locked environment (`envtool create`), or pass --allow-drift to measure it anyway "
            "with the differences recorded",
        )

    def as_json(self) -> dict[str, Any]:
        """The ``environment`` section of the result JSON."""
        return {
            "lock": self.lock,
            "lock_body_sha256": self.lock_digest,
            "target": self.target,
            "checked": self.checked,
            "python": self.python,
            "matches": self.matches,
            "allowed_drift": self.allowed_drift,
            "headline": self.headline(),
            "differences": [
                {"name": d.name, "locked": d.locked, "installed": d.installed, "kind": d.kind,
                 "manager": d.manager, "detail": d.detail}
                for d in self.differences
            ],
            "harness": [{"name": name, "version": version} for name, version in self.harness],
            "libraries": [dict(lib) for lib in self.libraries],
            "libraries_unknown": self.libraries_unknown,
        }  # fmt: skip


def describe(difference: Difference) -> str:
    """One difference in a few words.

    >>> describe(Difference("extra", "pip", "pytest-xdist", "", "3.5.0"))
    'pytest-xdist 3.5.0 not in the lock'
    """
    if difference.kind == "missing":
        return f"{difference.name} {difference.locked} missing"
    if difference.kind == "extra":
        return f"{difference.name} {difference.installed} not in the lock"
    if difference.kind != "changed":  # e.g. files altered since installation
        return f"{difference.name}: {difference.detail or difference.kind}"
    return f"{difference.name} {difference.locked} -> {difference.installed}"


def lock_body_digest(path: Path) -> str:
    """sha256 of a lock file's body: its text after the leading ``#`` header lines."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return hashlib.sha256("".join(lines[start:]).encode("utf-8")).hexdigest()


def parse_probe(text: str, where: str) -> Probe:
    """The probe's JSON output as a :class:`Probe`."""
    try:
        data = json.loads(text.strip().splitlines()[-1])
        dists = {
            normalize(str(d["name"])): Installed(
                str(d["name"]), str(d["version"]), str(d.get("installer") or ""), d.get("sha256"),
                tuple(str(r) for r in d.get("requires") or ()),
            )
            for d in data["distributions"]
        }  # fmt: skip
        return Probe(str(data["python"]), dists, tuple(data.get("libraries") or ()), data.get("libraries_unknown"))
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise BenchError(where, f"cannot read what the environment's Python reported ({err!r})") from err


def run_probe(python: Path) -> Probe:
    """Run :mod:`envtool.bench.probe` with ``python`` and read its report."""
    source = Path(__file__).with_name("probe.py").read_text(encoding="utf-8")
    try:
        done = subprocess.run(
            [str(python), "-c", source], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BenchError(str(python), f"cannot ask it what it holds ({err})", "check the --python path") from err
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise BenchError(str(python), f"failed to list its packages ({tail})", "check that it is a working Python 3.7+")
    return parse_probe(done.stdout, str(python))


def harness_closure(dists: Mapping[str, Installed], locked: Iterable[str]) -> dict[str, Installed]:
    """The harness packages and what they require, as installed, less what the lock pins."""
    pinned = {normalize(name) for name in locked}
    todo = [normalize(name) for name in HARNESS]
    found: dict[str, Installed] = {}
    while todo:
        key = todo.pop()
        if key in found or key not in dists:
            continue
        found[key] = dists[key]
        todo.extend(normalize(name) for name in dists[key].requires)
    return {key: dist for key, dist in found.items() if key not in pinned}


def blas_difference(conda: Sequence[CondaPackage], probe: Probe) -> Difference | None:
    """The BLAS numpy loaded against the BLAS the lock pins; ``None`` if they agree or either is unknown."""
    blas = probe.blas
    locked = {p.name: p for p in conda}
    pinned = next((locked[name] for names in BLAS_PACKAGES.values() for name in names if name in locked), None)
    if blas is None or pinned is None:
        return None
    api, version = str(blas.get("internal_api") or "?"), str(blas.get("version") or "?")
    if pinned.name in BLAS_PACKAGES.get(api, ()) and same_release(pinned.version, version):
        return None
    where = str(blas.get("filepath") or "")
    return Difference(
        "changed", "conda", pinned.name, pinned.version, f"{api} {version}",
        f"numpy loads {where or 'another BLAS'}",
    )  # fmt: skip


def same_release(locked: str, reported: str) -> bool:
    """Whether a library's reported version is the locked one, as far as both say.

    threadpoolctl reports MKL as ``2022.1-Product`` where conda says ``2022.1.0``.

    >>> same_release("2022.1.0", "2022.1-Product"), same_release("0.3.21", "0.3.20")
    (True, False)
    """
    ours, theirs = re.findall(r"\d+", locked), re.findall(r"\d+", reported)
    shorter = min(len(ours), len(theirs))
    return (
        shorter > 0
        and ours[:shorter] == theirs[:shorter]
        and all(part == "0" for part in (ours[shorter:] or theirs[shorter:]))
    )


def _locked_python(lock: TargetLock) -> CondaPackage | None:
    return next((p for p in lock.conda if p.name == "python"), None)


def compare_interpreter(lock: TargetLock, probe: Probe) -> tuple[list[Difference], dict[str, Installed]]:
    """A bare interpreter against ``lock``: Python version, conda's Python packages, the pip half."""
    from_conda = conda_python_packages(lock.conda)
    wanted = [*lock.pip, *(PipPackage(name, version, "", "") for name, version in from_conda.items())]
    harness = harness_closure(probe.distributions, (p.name for p in wanted))
    installed = {
        key: InstalledPip(d.name, d.version, d.installer, d.sha256, "")
        for key, d in probe.distributions.items()
        if key not in harness
    }
    differences = [
        replace(d, manager="conda") if normalize(d.name) in from_conda else d for d in compare_pip(wanted, installed)
    ]
    python = _locked_python(lock)
    if python is not None and python.version != probe.python:
        differences.insert(
            0, Difference("changed", "conda", "python", python.version, probe.python, "the interpreter is not conda's")
        )
    return differences, harness


def compare_prefix(prefix: Path, lock: TargetLock, probe: Probe) -> tuple[list[Difference], dict[str, Installed]]:
    """A conda prefix against ``lock``, as ``envtool verify`` compares it, the harness left out."""
    report = verify_environment(prefix, lock)
    locked = [*(p.name for p in lock.pip), *conda_python_packages(lock.conda)]
    harness = harness_closure(probe.distributions, locked)
    differences = [
        d for d in report.differences if not (d.kind == "extra" and d.manager == "pip" and normalize(d.name) in harness)
    ]
    return differences, harness


@dataclass(frozen=True)
class CheckRequest:
    """What to check: the interpreter, its prefix (``None`` for a bare interpreter) and the lock."""

    python: Path
    lock: TargetLock
    lock_path: Path
    lock_label: str
    prefix: Path | None = None
    allow_drift: bool = False


def check_environment(request: CheckRequest) -> EnvironmentCheck:
    """Compare the environment with its lock; the caller refuses or records what differs."""
    probe = run_probe(request.python)
    if request.prefix is not None:
        differences, harness = compare_prefix(request.prefix, request.lock, probe)
    else:
        differences, harness = compare_interpreter(request.lock, probe)
    blas = blas_difference(request.lock.conda, probe)
    if blas is not None:
        differences.append(blas)
    return EnvironmentCheck(
        lock=request.lock_label,
        lock_digest=lock_body_digest(request.lock_path),
        target=request.lock.target,
        checked="prefix" if request.prefix is not None else "interpreter",
        python=probe.python,
        differences=tuple(differences),
        harness=tuple(sorted((d.name, d.version) for d in harness.values())),
        libraries=probe.libraries,
        libraries_unknown=probe.libraries_unknown,
        allowed_drift=request.allow_drift,
    )
