"""What the toolkit benchmarks lock: targets over a generated channel, as a project and as a raw plan.

The same targets become an envtool project (``environments/targets.yml`` and
spec files, written with ``tests.projects.write_project``) and a *raw plan*:
the exact channels, match specs, virtual packages (platform defaults
included) and uv arguments of each target, as JSON-able data for
:mod:`rawlock`. The plan is derived from the project with envtool's own
parsers, outside any timing, so both sides do the same work.

>>> [t.name for t in FOUR_TARGETS]
['linux-cpu', 'linux-gpu', 'osx-cpu', 'win-cpu']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from channels import GPU_SPECS, specs_for

#: The pip half of every target with pip: a pure-Python tree and one package of platform wheels.
PIP_REQUIREMENTS = ("benchapp>=1", "benchnative")
#: The TF 2.9 GPU spec of the project's real targets, for the conda-forge snapshot.
TF_SPECS = ("python=3.9", "tensorflow=2.9", "cudatoolkit=11.2", "cudnn=8", "numpy", "pandas")


@dataclass(frozen=True)
class BenchTarget:
    """One target of a benchmark project."""

    name: str
    platform: str
    gpu: bool = False
    virtual_packages: tuple[str, ...] = ()
    lockfile: str = "cpu"


#: linux-64 CPU and GPU, osx-64 and win-64, like the project's own targets.
FOUR_TARGETS = (
    BenchTarget("linux-cpu", "linux-64", virtual_packages=("__glibc=2.17",)),
    BenchTarget("linux-gpu", "linux-64", True, ("__cuda=11.2.2", "__glibc=2.17"), "gpu"),
    BenchTarget("osx-cpu", "osx-64", virtual_packages=("__osx=10.15",)),
    BenchTarget("win-cpu", "win-64"),
)
#: The scaling benchmark's targets: one CPU and one GPU target on linux-64.
LINUX_TARGETS = FOUR_TARGETS[:2]


def make_wheels(folder: Path) -> Path:
    """A ``--find-links`` folder for :data:`PIP_REQUIREMENTS`: a few versions, one per platform."""
    from tests.factories import make_wheel

    for version in ("0.9", "1.0", "1.1", "2.0"):
        make_wheel(folder, "benchapp", version, requires=["benchlib>=1", "benchutil"])
    for version in ("0.9", "1.0", "1.2"):
        make_wheel(folder, "benchlib", version, requires=["benchutil>=0.5"])
    for version in ("0.4", "0.5", "0.6"):
        make_wheel(folder, "benchutil", version)
    for tag in ("manylinux_2_17_x86_64", "macosx_10_9_x86_64", "win_amd64"):
        make_wheel(folder, "benchnative", "1.0", tag=f"cp39-cp39-{tag}")
    return folder


def write_project(
    root: Path,
    channel: str,
    targets: Sequence[BenchTarget],
    find_links: Path | None = None,
    conda_specs: Sequence[str] | None = None,
) -> Path:
    """Write an envtool project of ``targets`` over ``channel``; return its manifest.

    Every target composes ``base.yml`` (and ``gpu.yml`` when it is a GPU
    target); with ``find_links`` the base has the pip half. ``conda_specs``
    replaces the generated channel's specs (then ``gpu.yml`` adds nothing).
    """
    from tests.projects import write_project as write

    base: list[Any] = list(conda_specs or specs_for("linux-64", False))
    if find_links is not None:
        base.append({"pip": list(PIP_REQUIREMENTS)})
    specs: dict[str, Any] = {"base.yml": {"name": "bench", "channels": [channel], "dependencies": base}}
    if any(t.gpu for t in targets) and conda_specs is None:
        specs["gpu.yml"] = {"dependencies": list(GPU_SPECS)}
    declared = {
        t.name: {
            "platform": t.platform,
            "specs": ["base.yml", "gpu.yml"] if t.gpu and "gpu.yml" in specs else ["base.yml"],
            "virtual-packages": list(t.virtual_packages),
            "lockfile": t.lockfile,
        }
        for t in targets
    }
    top: dict[str, Any] = {"pypi": {"find-links": [str(find_links)]}} if find_links else {}
    return write(root, declared, specs, **top)


def raw_plan(manifest: Path, mirrors: dict[str, str] | None = None, names: Sequence[str] = ()) -> dict[str, Any]:
    """The raw calls a lock of every (or every named) unpending target in ``manifest`` needs, as JSON-able data.

    uv gets what envtool gives it: this interpreter (``--python``, which spares uv
    probing every Python on PATH) and the manifest's ``exclude-newer``.
    """
    import sys

    from envtool.inputs.mirrors import MirrorMap
    from envtool.inputs.spec import compose, load
    from envtool.inputs.targets import load_manifest
    from envtool.locking.pypi import uv_platform
    from envtool.locking.solve import SolveRequest

    loaded = load_manifest(manifest)
    mirror_map = MirrorMap(mirrors or {})
    targets = []
    for target in loaded.targets.values():
        if target.pending or (names and target.name not in names):
            continue
        spec = compose(load(p) for p in target.specs)
        channels = SolveRequest(target, spec, "strict", mirror_map, manifest.parent).channels
        entry: dict[str, Any] = {
            "name": target.name,
            "platform": target.platform,
            "channels": [mirror_map.to_mirror(c) for c in channels],
            "specs": [dep.text for dep in spec.conda],
            "virtual_packages": [v.text for v in target.virtual_packages],
        }
        if spec.pip:
            settings = loaded.pypi
            entry["pip"] = {
                "requirements": [dep.text for dep in spec.pip],
                "python_platform": uv_platform(target),
                "index_url": settings.index_url,
                "find_links": settings.resolved_find_links(manifest.parent),
                "exclude_newer": settings.exclude_newer,
                "python": sys.executable,
                "env": {"MACOSX_DEPLOYMENT_TARGET": "10.15"} if target.platform == "osx-64" else {},
            }
        targets.append(entry)
    return {"channel_priority": loaded.channel_priority, "targets": targets}


def write_plan(plan: dict[str, Any], path: Path) -> Path:
    """Write ``plan`` for ``python rawlock.py PLAN CACHE``."""
    path.write_text(json.dumps(plan, indent=1), encoding="utf-8")
    return path
