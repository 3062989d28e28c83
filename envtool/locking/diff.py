"""What changed between two sets of locks, per target: the answer of ``envtool diff`` and ``lock --update``.

Packages are matched by name within each half (conda names as they are, pip
names PEP 503-normalized); a Python package that left one half and arrived in
the other under the same PyPI name is *moved*. Versions are ordered by the
half's own rules: rattler's for conda, PEP 440 (``packaging``) for pip. Same
version with another build or file is *rebuilt*.

>>> from envtool.model import CondaPackage, TargetLock
>>> def pkg(v, b): return CondaPackage("numpy", v, b, f"https://c/linux-64/numpy-{v}-{b}.conda", "0" * 32)
>>> old = TargetLock("cpu", "linux-64", "", (), (pkg("1.23.4", "py39_0"),))
>>> new = TargetLock("cpu", "linux-64", "", (), (pkg("1.23.5", "py39_0"),))
>>> [(c.kind, c.name, c.before, c.after) for c in diff_target(old, new).changes]
[('upgraded', 'numpy', '1.23.4 py39_0', '1.23.5 py39_0')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envtool.locking.pypi_names import pypi_name
from envtool.model import CondaPackage, PipPackage, TargetLock, normalize

#: The kinds of change, in the order reports list them.
KINDS = ("added", "removed", "upgraded", "downgraded", "rebuilt", "moved")

Package = CondaPackage | PipPackage


@dataclass(frozen=True)
class Change:
    """One package that differs: ``before``/``after`` are ``version build`` (``None`` when absent)."""

    kind: str
    name: str
    manager: str  # conda, pip, or "conda -> pip" for a move
    before: str | None
    after: str | None

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "kind": self.kind,
            "name": self.name,
            "manager": self.manager,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class TargetDiff:
    """A target's changes; ``status`` is ``changed``, ``unchanged``, ``added`` or ``removed`` (the whole lock)."""

    target: str
    platform: str
    status: str
    changes: tuple[Change, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The stable JSON form."""
        return {
            "target": self.target,
            "platform": self.platform,
            "status": self.status,
            "changes": [c.as_json() for c in self.changes],
        }


def diff_target(old: TargetLock | None, new: TargetLock | None) -> TargetDiff:
    """The changes from ``old`` to ``new`` (either may be missing: the whole lock added or removed)."""
    some = new or old
    assert some is not None
    status = "added" if old is None else "removed" if new is None else "changed"
    before, after = _entries(old), _entries(new)
    moves = _moves(before, after)
    changes = [Change("moved", name, how, b, a) for key, (name, how, b, a) in moves.items() if key in before]
    for ident in sorted(set(before) | set(after)):
        if ident in moves:
            continue
        change = _compare(ident[0], before.get(ident), after.get(ident))
        if change is not None:
            changes.append(change)
    changes.sort(key=lambda c: (KINDS.index(c.kind), c.name))
    if status == "changed" and not changes:
        status = "unchanged"
    return TargetDiff(some.target, some.platform, status, tuple(changes))


def diff_locks(
    old: Mapping[str, TargetLock], new: Mapping[str, TargetLock], targets: Sequence[str] = ()
) -> list[TargetDiff]:
    """Per target (all of either side, or those named), sorted by target name."""
    names = sorted(set(old) | set(new)) if not targets else list(targets)
    return [diff_target(old.get(name), new.get(name)) for name in names if name in old or name in new]


def _entries(lock: TargetLock | None) -> dict[tuple[str, str], Package]:
    """``(manager, name) -> package``: conda names as they are, pip names normalized."""
    if lock is None:
        return {}
    out: dict[tuple[str, str], Package] = {("conda", c.name): c for c in lock.conda}
    out.update({("pip", normalize(p.name)): p for p in lock.pip})
    return out


def _python_name(package: Package) -> str:
    """The PyPI name a conda Python package installs (``""`` for other conda packages)."""
    if not isinstance(package, CondaPackage) or package.name == "python":
        return ""
    return pypi_name(package.name, package.depends) or ""


def _moves(
    before: dict[tuple[str, str], Package], after: dict[tuple[str, str], Package]
) -> dict[tuple[str, str], tuple[str, str, str, str]]:
    """Packages that left one half and arrived in the other under the same PyPI name, by both their keys."""
    gone = {k: p for k, p in before.items() if k not in after}
    new = {k: p for k, p in after.items() if k not in before}
    out: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    for key, old in gone.items():
        python = _python_name(old) if key[0] == "conda" else key[1]
        if not python:
            continue
        for other, package in new.items():
            arrived = _python_name(package) if other[0] == "conda" else other[1]
            if other[0] != key[0] and arrived == python and other not in out:
                move = (package.name, f"{key[0]} -> {other[0]}", _label(old), _label(package))
                out[key] = out[other] = move
                break
    return out


def _label(package: Package) -> str:
    return f"{package.version} {package.build}" if isinstance(package, CondaPackage) else package.version


def _compare(manager: str, old: Package | None, new: Package | None) -> Change | None:
    if old is None and new is not None:
        return Change("added", new.name, manager, None, _label(new))
    if new is None and old is not None:
        return Change("removed", old.name, manager, _label(old), None)
    assert old is not None and new is not None
    if old.version == new.version:
        if old.url != new.url:
            return Change("rebuilt", new.name, manager, _label(old), _label(new))
        return None
    newer = _newer(manager, old.version, new.version)
    return Change("upgraded" if newer else "downgraded", new.name, manager, _label(old), _label(new))


def _newer(manager: str, old: str, new: str) -> bool:
    """Whether ``new`` sorts after ``old`` under the half's own version rules."""
    if manager == "pip":
        from packaging.version import InvalidVersion, Version

        try:
            return Version(new) > Version(old)
        except InvalidVersion:
            return new > old
    import rattler

    return bool(rattler.Version(new) > rattler.Version(old))


# ------------------------------------------------------------------ reports


def render(diffs: Sequence[TargetDiff], fmt: str, before: str, after: str) -> str:
    """The report in ``text``, ``markdown`` or ``json``."""
    if fmt == "json":
        import json

        data = {"from": before, "to": after, "targets": [d.as_json() for d in diffs]}
        return json.dumps(data, indent=2, sort_keys=False) + "\n"
    if fmt == "markdown":
        return render_markdown(diffs, before, after)
    return render_text(diffs)


def _headline(diff: TargetDiff) -> str:
    if diff.status in ("added", "removed"):
        return f"lock {diff.status} ({len(diff.changes)} packages)"
    if diff.status == "unchanged":
        return "unchanged"
    counts = [f"{sum(c.kind == k for c in diff.changes)} {k}" for k in KINDS if any(c.kind == k for c in diff.changes)]
    return ", ".join(counts)


def render_text(diffs: Sequence[TargetDiff]) -> str:
    """One heading per target, one line per change."""
    if not diffs:
        return "no locks on either side\n"
    lines: list[str] = []
    width = max((len(c.name) for d in diffs for c in d.changes), default=0)
    for diff in diffs:
        lines.append(f"{diff.target} ({diff.platform}): {_headline(diff)}")
        if diff.status in ("added", "removed"):
            continue
        for c in diff.changes:
            lines.append(f"  {c.kind:<10} {c.name:<{width}}  {_span(c)}  ({c.manager})")
    return "\n".join(lines) + "\n"


def _span(change: Change) -> str:
    if change.before is None:
        return str(change.after)
    if change.after is None:
        return str(change.before)
    return f"{change.before} -> {change.after}"


def render_markdown(diffs: Sequence[TargetDiff], before: str, after: str) -> str:
    """A pull-request comment: a summary, then a table per changed target (large ones folded)."""
    changed = [d for d in diffs if d.status != "unchanged"]
    lines = [
        f"#### Lock changes: `{before}` → `{after}`",
        "",
        f"{len(changed)} of {len(diffs)} targets changed."
        + (
            ""
            if len(changed) == len(diffs)
            else f" Unchanged: {', '.join(f'`{d.target}`' for d in diffs if d.status == 'unchanged')}."
        ),
    ]
    for diff in changed:
        lines += ["", f"**`{diff.target}`** ({diff.platform}): {_headline(diff)}", ""]
        if diff.status in ("added", "removed"):
            continue
        folded = len(diff.changes) > 20
        if folded:
            lines += ["<details><summary>all changes</summary>", ""]
        lines += ["| change | package | before | after |", "| --- | --- | --- | --- |"]
        lines += [f"| {c.kind} | `{c.name}` ({c.manager}) | {c.before or ''} | {c.after or ''} |" for c in diff.changes]
        if folded:
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"
