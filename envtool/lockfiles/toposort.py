"""Dependency order of a lock's packages, exactly as conda (and so conda-lock) orders them.

Round by round, every package whose dependencies are all placed is placed, in
name order; a dependency cycle is broken by placing the package with the
fewest unplaced dependencies (then by name). ``python`` never waits for
``pip`` (conda special-cases that cycle). Names that are only depended on
(virtual packages, packages of the other manager) take part in the order and
are left for the caller to skip.

>>> order({"b": {"a"}, "a": set(), "c": {"b", "__glibc"}})
['__glibc', 'a', 'b', 'c']
>>> order({"x": {"y"}, "y": {"x", "z"}, "z": set()})
['z', 'x', 'y']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """Names of ``graph`` (name -> names it depends on) and of its dependencies, dependencies first."""
    remaining = {name: set(deps) - {name} for name, deps in graph.items()}
    if "python" in remaining:
        remaining["python"].discard("pip")
    for extra in set().union(*remaining.values()) - remaining.keys():
        remaining[extra] = set()
    placed: list[str] = []
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if not deps)
        if not ready:
            ready = [min(remaining, key=lambda name: (len(remaining[name]), name))]
        for name in ready:
            del remaining[name]
        placed.extend(ready)
        done = set(ready)
        for name, deps in remaining.items():
            remaining[name] = deps - done
    return placed
