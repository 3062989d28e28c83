"""``envtool why PKG --target T``: how a package got into a target's lock.

Every package the target's specs request is a root; from each root that
reaches the package, the shortest chain of locked dependencies down to it
(breadth-first over the records' ``depends``), shortest chains first. Each
chain starts with the spec as written and the file and line that wrote it.

>>> from envtool.model import CondaPackage, TargetLock
>>> def pkg(name, *deps): return CondaPackage(name, "1", "0", f"https://c/noarch/{name}-1-0.conda", "0" * 32, None, deps)
>>> lock = TargetLock("t", "linux-64", "", (), (pkg("a", "b >=1"), pkg("b", "c"), pkg("c")))
>>> shortest_path(graph(lock), "a", "c")
['a', 'b', 'c']
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from envtool.errors import ConfigError
from envtool.inputs.spec import Dependency, compose, load
from envtool.inputs.targets import load_manifest
from envtool.model import TargetLock, normalize


@dataclass(frozen=True)
class Chain:
    """One way in: the requesting spec (text and ``file:line``) and the package names down to the one asked about."""

    requested: str
    origin: str
    manager: str
    packages: tuple[str, ...]


@dataclass(frozen=True)
class WhyResult:
    """The package as locked, and every chain that brings it in (shortest first)."""

    target: str
    package: str
    manager: str
    version: str
    chains: tuple[Chain, ...]
    note: str = ""


def graph(lock: TargetLock) -> dict[str, list[str]]:
    """Package -> the locked packages it depends on (virtual packages left out); pip names normalized."""
    out: dict[str, list[str]] = {}
    for c in lock.conda:
        out[c.name] = [d.split()[0] for d in c.depends if d.strip() and not d.startswith("__")]
    for p in lock.pip:
        out[normalize(p.name)] = [normalize(d.split()[0]) for d in p.depends if d.strip()]
    return out


def shortest_path(edges: Mapping[str, list[str]], start: str, goal: str) -> list[str] | None:
    """The shortest chain of dependencies from ``start`` to ``goal`` (``None`` if none)."""
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path: list[str] = []
            step: str | None = node
            while step is not None:
                path.append(step)
                step = came_from[step]
            return path[::-1]
        for nxt in sorted(edges.get(node, [])):
            if nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return None


def installed_requirements(prefix: Path) -> dict[str, list[str]]:
    """Pip package -> the packages it requires, read from an environment's ``*.dist-info/METADATA``.

    The lock's pip half records no dependencies (uv's ``pylock.toml`` has none);
    an environment created from the lock has them, in each wheel's metadata.
    Requirements behind an extra or a marker this machine does not meet are left out.
    """
    from email.parser import HeaderParser

    from packaging.requirements import InvalidRequirement, Requirement

    out: dict[str, list[str]] = {}
    for meta in sorted(prefix.glob("**/site-packages/*.dist-info/METADATA")):
        try:
            headers = HeaderParser().parsestr(meta.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        requires: list[str] = []
        for line in headers.get_all("Requires-Dist") or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                requires.append(normalize(req.name))
        out[normalize(str(headers.get("Name", meta.parent.name.split("-")[0])))] = requires
    return out


def why(manifest_path: Path, target_name: str, package: str, environment: Path | None = None) -> WhyResult:
    """Every requested package's shortest chain down to ``package`` in ``target_name``'s lock.

    ``environment``, when it exists, supplies the pip half's dependencies (see :func:`installed_requirements`).
    """
    from envtool.locking.update import previous_locks

    manifest = load_manifest(manifest_path)
    target = manifest.select([target_name])[0]
    lock = previous_locks(manifest, manifest.root / "locks", [target]).get(target.name)
    if lock is None:
        raise ConfigError(target.name, "no lock for this target", f"run 'envtool lock --target {target.name}' first")
    spec = compose([load(p) for p in target.specs])
    conda = {c.name: c for c in lock.conda}
    pip = {normalize(p.name): p for p in lock.pip}
    name = package.lower()
    if name in conda:
        manager, version = "conda", f"{conda[name].version} {conda[name].build}"
    elif normalize(name) in pip:
        name = normalize(name)
        manager, version = "pip", pip[name].version
    else:
        raise ConfigError(
            f"locks of {target.name}",
            f"{package!r} is not in the lock",
            "check the name (as in 'envtool diff' or the lock)",
        )
    edges = graph(lock)
    if lock.pip and environment is not None and environment.is_dir():
        for pip_name, requires in installed_requirements(environment).items():
            if pip_name in pip and not edges.get(pip_name):
                edges[pip_name] = [r for r in requires if r in pip]
    chains: list[Chain] = []
    roots: list[tuple[Dependency, str, str]] = [(d, "conda", d.name) for d in spec.conda]
    roots += [(d, "pip", normalize(d.name)) for d in spec.pip]
    for dep, half, root in roots:
        path = shortest_path(edges, root, name)
        if path is not None:
            chains.append(Chain(dep.text, _relative(dep.origin, manifest.root), half, tuple(path)))
    chains.sort(key=lambda c: (len(c.packages), c.packages))
    note = ""
    if manager == "pip" and not chains:
        note = (
            "the lock records no pip dependencies, and no environment of the target was found to read them from"
            f" (envtool create {target.name}); it comes in through the pip requirements: "
            + ", ".join(d.text for d in spec.pip)
        )
    return WhyResult(target.name, name, manager, version, tuple(chains), note)


def _relative(origin: str, root: Path) -> str:
    """``file:line`` with the file relative to the project root (as users type it)."""
    path, sep, line = origin.rpartition(":")
    if not sep or not line.isdigit():
        path, sep, line = origin, "", ""
    with contextlib.suppress(ValueError):
        path = Path(path).resolve().relative_to(root.resolve()).as_posix()
    return f"{path}{sep}{line}"


def render_why(result: WhyResult) -> str:
    """Text: the package as locked, then one chain per line, shortest first."""
    lines = [f"{result.package} {result.version} ({result.manager}) is in {result.target}'s lock:"]
    for chain in result.chains:
        lines.append(f"  {' -> '.join(chain.packages)}    [{chain.requested!r} at {chain.origin}]")
    if result.note:
        lines.append(f"  {result.note}")
    return "\n".join(lines) + "\n"
