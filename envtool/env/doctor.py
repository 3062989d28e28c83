"""Can this machine run a lock? The checks of ``envtool doctor``, which ``envtool create`` runs first.

:func:`lock_needs` gathers what a lock asks of the machine: the virtual
packages its target was solved for (declared in ``targets.yml``), each conda
record's dependencies on ``__cuda``/``__glibc``/``__osx``, and the platform
tags of its wheels. :func:`check_host` compares them with
:func:`~envtool.env.host.probe_host`'s facts, one :class:`HostCheck` per
question: platform, NVIDIA driver, glibc, macOS, AVX, free disk. Versions are
compared with rattler's ``VersionSpec``.

>>> wheel_minimums("tensorflow-2.9.3-cp39-cp39-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
{'__glibc': '2.17'}
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from envtool.env.host import X86_64, HostFacts
from envtool.errors import InstallError
from envtool.model import TargetLock

#: Conda and PyPI packages whose TensorFlow 2.9 x86-64 builds are compiled for AVX.
TENSORFLOW_PACKAGES = ("tensorflow", "tensorflow-base", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-intel")
_LEGACY_MANYLINUX = {"manylinux1": "2.5", "manylinux2010": "2.12", "manylinux2014": "2.17"}
_GIB = 1024**3


@dataclass(frozen=True)
class HostCheck:
    """One answer of ``envtool doctor``: ``status`` is ``ok``, ``problem`` or ``skip``."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def as_json(self) -> dict[str, Any]:
        """The ``--json`` form."""
        return asdict(self)


@dataclass(frozen=True)
class Need:
    """One thing a lock asks of the machine: a virtual package version, and who asks."""

    name: str  # __cuda, __glibc, __osx
    spec: str  # a conda version spec, "" for any version
    why: str


# ------------------------------------------------------------------ what a lock needs


def wheel_minimums(filename: str) -> dict[str, str]:
    """The oldest glibc or macOS a wheel's platform tags accept (the most lenient of its tags)."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return {}
    found: dict[str, list[tuple[int, ...]]] = {}
    for tag in tags:
        name, version = _platform_tag_minimum(tag.platform)
        if name:
            found.setdefault(name, []).append(tuple(int(x) for x in version.split(".")))
    return {name: ".".join(str(x) for x in min(versions)) for name, versions in found.items()}


def _platform_tag_minimum(tag: str) -> tuple[str, str]:
    for legacy, version in _LEGACY_MANYLINUX.items():
        if tag.startswith(legacy + "_"):
            return "__glibc", version
    match = re.match(r"manylinux_(\d+)_(\d+)_", tag)
    if match:
        return "__glibc", f"{match.group(1)}.{match.group(2)}"
    match = re.match(r"macosx_(\d+)_(\d+)_", tag)
    if match:
        return "__osx", f"{match.group(1)}.{match.group(2)}"
    return "", ""


def lock_needs(lock: TargetLock, declared: Sequence[tuple[str, str]] = ()) -> list[Need]:
    """Every virtual-package requirement of ``lock``: declared ones (``(name, version)``), records', wheels'."""
    needs = [Need(name, f">={version}", f"{lock.target} is locked for {name}={version}") for name, version in declared]
    for package in lock.conda:
        for dep in package.depends:
            name, _, spec = dep.strip().partition(" ")
            if name in ("__cuda", "__glibc", "__osx"):
                needs.append(Need(name, spec.strip(), f"{package.name} {package.version} needs {dep.strip()}"))
    for wheel in lock.pip:
        for name, version in wheel_minimums(wheel.filename).items():
            needs.append(Need(name, f">={version}", f"{wheel.filename} needs {name} >={version}"))
    return needs


def _matches(spec: str, version: str) -> bool:
    import rattler

    if not spec:
        return True
    try:
        return bool(rattler.VersionSpec(spec).matches(rattler.Version(version)))
    except Exception:  # an unparsable version cannot be vouched for
        return False


# ------------------------------------------------------------------ comparing


def check_host(
    lock: TargetLock, host: HostFacts, declared: Sequence[tuple[str, str]] = (), destination: Path | None = None
) -> list[HostCheck]:
    """One :class:`HostCheck` per question: platform, NVIDIA driver, glibc, macOS, AVX, free disk."""
    if lock.platform != host.platform:
        return [
            HostCheck(
                "platform",
                "problem",
                f"{lock.target} is locked for {lock.platform}, this machine is {host.platform}",
                f"use a target locked for {host.platform}, or run on a machine of platform {lock.platform}",
            )
        ]
    checks = [HostCheck("platform", "ok", f"{lock.platform}, as the lock")]
    needs = lock_needs(lock, declared)
    checks.append(_versioned(needs, "__cuda", host.cuda, host.sources, "NVIDIA driver (CUDA)"))
    if lock.platform.startswith("linux"):
        checks.append(_versioned(needs, "__glibc", host.glibc, host.sources, "glibc"))
    if lock.platform.startswith("osx"):
        checks.append(_versioned(needs, "__osx", host.osx, host.sources, "macOS"))
    checks.append(_avx_check(lock, host))
    checks.append(_disk_check(lock, destination))
    return checks


_FIXES = {
    "__cuda": "install or update the NVIDIA driver to one whose nvidia-smi reports CUDA{want}; "
    "if you know the driver runs it, set CONDA_OVERRIDE_CUDA; or use a CPU target",
    "__glibc": "run on a newer Linux (or in a container image with glibc{want}), or lock a target "
    "whose virtual-packages declare this machine's __glibc",
    "__osx": "update macOS{want}, or lock a target whose virtual-packages declare this machine's __osx",
}


def _versioned(needs: list[Need], name: str, have: str | None, sources: Mapping[str, str], label: str) -> HostCheck:
    relevant = [n for n in needs if n.name == name]
    short = name.strip("_")
    if not relevant:
        return HostCheck(short, "skip", f"the lock needs no {name}")
    strictest = _strictest(relevant)
    bound = re.match(r">=\s*([\w.]+)", strictest.spec)
    want = f" {_reported(name, bound.group(1))} or newer" if bound else ""
    if have is None:
        failure = sources.get(f"{short}-failure")
        found = f"no {label} found on this machine" + (f" ({failure})" if failure else "")
        return HostCheck(short, "problem", f"{found}; {strictest.why}", _FIXES[name].format(want=want))
    failed = [n for n in relevant if not _matches(n.spec, have)]
    source = sources.get(short)
    seen = f"{label} {have}" + (f" (from {source})" if source else "")
    if failed:
        return HostCheck(short, "problem", f"{seen}, but {failed[0].why}", _FIXES[name].format(want=want))
    return HostCheck(short, "ok", f"{seen}; the lock needs {name} {strictest.spec or '(any)'}")


def _reported(name: str, bound: str) -> str:
    """The lowest version a host reports that meets ``>=bound``.

    A driver reports ``__cuda`` as major.minor only, so ``>=11.2.2`` needs a driver
    reporting 11.3 (conda compares 11.2 as older than 11.2.2).

    >>> _reported("__cuda", "11.2.2"), _reported("__cuda", "11.2"), _reported("__glibc", "2.17.1")
    ('11.3', '11.2', '2.17.1')
    """
    parts = bound.split(".")
    if name != "__cuda" or len(parts) < 3 or not all(p.isdigit() for p in parts[:3]) or int(parts[2]) == 0:
        return bound
    return f"{parts[0]}.{int(parts[1]) + 1}"


def _strictest(needs: list[Need]) -> Need:
    """The requirement with the highest ``>=`` bound (the first when none has one)."""

    def bound(need: Need) -> tuple[int, ...]:
        match = re.match(r">=\s*([\d.]+)", need.spec)
        return tuple(int(x) for x in match.group(1).strip(".").split(".")) if match else ()

    return max(needs, key=bound)


def _avx_check(lock: TargetLock, host: HostFacts) -> HostCheck:
    names = {p.name for p in lock.conda} | {p.name for p in lock.pip}
    tf = sorted(names.intersection(TENSORFLOW_PACKAGES))
    if not tf or lock.platform not in X86_64:
        return HostCheck("avx", "skip", "the lock holds no TensorFlow build for x86-64")
    if host.avx is None:
        return HostCheck("avx", "skip", "cannot tell whether this CPU has AVX")
    if not host.avx:
        return HostCheck(
            "avx",
            "problem",
            f"this CPU lacks AVX, which {tf[0]} 2.9's x86-64 builds require (it would die with 'Illegal instruction')",
            "run on a CPU with AVX, or build TensorFlow from source for this CPU",
        )
    return HostCheck("avx", "ok", f"the CPU has AVX, as {tf[0]} requires")


def lock_size(lock: TargetLock) -> tuple[int, int]:
    """``(bytes, packages whose size is known)``: the sum of package sizes the lock records."""
    sizes = [getattr(p, "size", None) for p in (*lock.conda, *lock.pip)]
    known = [s for s in sizes if isinstance(s, int) and s > 0]
    return sum(known), len(known)


def _disk_check(lock: TargetLock, destination: Path | None) -> HostCheck:
    folder = (destination or Path.cwd()).resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return HostCheck("disk", "skip", f"cannot read the free space at {folder}")
    need, known = lock_size(lock)
    if not known:
        return HostCheck("disk", "skip", f"{free / _GIB:.1f} GiB free at {folder}; the lock records no package sizes")
    want = 2 * need  # an unpacked environment takes about twice its archives
    basis = f"{known} of {len(lock.conda) + len(lock.pip)} packages' sizes known, ~{want / _GIB:.1f} GiB unpacked"
    if free < want:
        return HostCheck(
            "disk",
            "problem",
            f"{free / _GIB:.1f} GiB free at {folder} ({basis})",
            "free some space or create the environment elsewhere with -p PATH",
        )
    return HostCheck("disk", "ok", f"{free / _GIB:.1f} GiB free at {folder} ({basis})")


def problems(checks: Sequence[HostCheck]) -> list[HostCheck]:
    """The checks that failed."""
    return [c for c in checks if c.status == "problem"]


def refuse_problems(checks: Sequence[HostCheck], origin: str) -> None:
    """Raise :class:`InstallError` naming the first problem when any check failed (``create``'s gate)."""
    failed = problems(checks)
    if failed:
        more = f" (and {len(failed) - 1} more problem(s); see 'envtool doctor')" if len(failed) > 1 else ""
        raise InstallError(
            origin,
            f"this machine cannot run the lock: {failed[0].detail}{more}",
            f"{failed[0].fix}; or pass --skip-host-check to create it anyway",
        )


def declared_needs(lock: TargetLock, start: Path) -> list[tuple[str, str]]:
    """The ``__cuda``/``__glibc``/``__osx`` the lock's target declares in the project's manifest, if found."""
    from envtool.errors import EnvtoolError
    from envtool.inputs.targets import find_manifest, load_manifest

    try:
        manifest = load_manifest(find_manifest(start))
    except EnvtoolError:
        return []
    target = manifest.targets.get(lock.target)
    if target is None or target.platform != lock.platform:
        return []
    return [(v.name, v.version) for v in target.virtual_packages if v.name in ("__cuda", "__glibc", "__osx")]


def pick_lock(locks: Sequence[TargetLock], target: str | None, host_platform: str) -> TargetLock:
    """The lock a doctor argument means: by target name, else this machine's platform, else the first."""
    for lock in locks:
        if target is not None and lock.target == target:
            return lock
    return next((lk for lk in locks if lk.platform == host_platform), locks[0])
