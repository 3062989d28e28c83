"""The solver's explanation, made short by keeping what names the user's inputs.

rattler explains an unsatisfiable request as a tree of causes, alternatives
included (``tensorflow 2.9.1 would require python >=3.10`` for a build the user
never wanted). The explanation kept here follows each branch that ends in a
conflict and keeps, along it, only the lines that name a package of the spec
or a virtual package, and the conflict itself. When the conflict is a virtual
package the target declares (``__cuda=11.2`` against ``__cuda >=11.2.2``), the
message says so and how to fix it.

>>> tree = '''Cannot solve the request because of: tensorflow 2.9.* cuda112* cannot be installed because there are no viable options:
... └─ tensorflow 2.9.1 would require
...    └─ python >=3.10,<3.11.0a0, for which no candidates were found.
... The following packages are incompatible
... ├─ __cuda * can be installed with any of the following options:
... │  └─ __cuda 11.2
... └─ tensorflow 2.9.* cuda112* cannot be installed because there are no viable options:
...    └─ tensorflow 2.9.1 would require
...       └─ tensorflow-estimator ==2.9.1 cuda112py39hd320b7a_0, which cannot be installed because there are no viable options:
...          └─ cudatoolkit >=11.2,<12, which cannot be installed because there are no viable options:
...             └─ cudatoolkit 11.2.2 would constrain
...                └─ __cuda >=11.2.2, which conflicts with any installable versions previously reported'''
>>> print(explain(tree, ["tensorflow", "cudatoolkit"]))
tensorflow 2.9.* cuda112* cannot be installed: cudatoolkit >=11.2,<12 cannot be installed: cudatoolkit 11.2.2 would constrain __cuda >=11.2.2, which conflicts with any installable versions previously reported
>>> virtual_conflict(tree, {"__cuda": "11.2"})
('cudatoolkit 11.2.2 needs __cuda >=11.2.2 but the target declares __cuda=11.2', '__cuda >=11.2.2')
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from envtool.errors import SolveError
from envtool.inputs.spec import EnvSpec
from envtool.inputs.targets import Target

_TREE = re.compile(r"^[\s│├└─|`]+")
_CONFLICT = re.compile(r"conflicts with|which is missing|no candidates were found|cannot be installed because of", re.I)
_CONSTRAINT = re.compile(
    r"(?P<who>[A-Za-z0-9_.\-]+ \S+) would (?:constrain|require)\s+(?P<vp>__[a-z0-9_]+)(?P<spec>[^,]*)"
)


@dataclass
class _Node:
    depth: int
    text: str
    parent: _Node | None


def solve_error(target: Target, spec: EnvSpec, message: str) -> SolveError:
    """The one-line error for an unsatisfiable target, naming the conflict and the fix."""
    where = ", ".join(str(p) for p in spec.sources)
    what = f"target {target.name!r} ({target.platform}) cannot be solved"
    declared = {v.name: v.version for v in target.virtual_packages}
    conflict = virtual_conflict(message, declared)
    inputs = [dep.name for dep in spec.conda]
    if conflict is not None:
        reason, wanted = conflict
        name = wanted.split()[0]
        if name in declared:  # the target wants it, at another version: that is the conflict
            fix = (
                f"declare a {name} the solve accepts ({wanted}) under the target's virtual-packages in targets.yml, "
                "or pin an older build that accepts the declared one"
            )
            return SolveError(where, f"{what}: {reason}", fix)
        # Not declared: the build needing it may be only one of the options; name the others' causes too.
        others = explain(message, inputs, skip_virtual=True).rstrip(".")
        fix = (
            f"if the target machine has it (a GPU target for __cuda), declare '{name}=VERSION' under the "
            "target's virtual-packages in targets.yml; otherwise pin a build that does not need it"
            + (", and relax the pins the other builds conflict with" if others else "")
        )
        return SolveError(where, f"{what}: {reason}" + (f"; other builds: {others}" if others else ""), fix)
    return SolveError(
        where,
        f"{what}: {explain(message, inputs)}",
        "relax or change the pins named above, or check the target's virtual-packages",
    )


def explain(message: str, inputs: Sequence[str] = (), *, skip_virtual: bool = False) -> str:
    """The branches of the solver's tree that end in a conflict, each cut to the lines naming inputs.

    Branches ending at a virtual package come first (alone, unless ``skip_virtual``
    leaves them out: then only the others are explained, '' when there are none).
    """
    leaves = _leaves(message)
    if skip_virtual:
        chosen = [leaf for leaf in leaves if "__" not in leaf.text and _CONFLICT.search(leaf.text)]
    else:
        wanted = [leaf for leaf in leaves if "__" in leaf.text and _CONFLICT.search(leaf.text)]
        chosen = wanted or [leaf for leaf in leaves if _CONFLICT.search(leaf.text)] or leaves
    names = {n.lower() for n in inputs}
    branches: list[str] = []
    for leaf in chosen:
        chain: list[str] = []
        tail = leaf.text
        node: _Node | None = leaf.parent
        if node is not None and node.text.endswith(("would require", "would constrain")):
            tail, node = f"{node.text} {leaf.text}", node.parent
        while node is not None:
            if _names_input(node.text, names) and not node.text.endswith(("would require", "would constrain")):
                chain.insert(0, _short(node.text))
            node = node.parent
        chain.append(tail)
        branch = ": ".join(dict.fromkeys(chain))
        if branch not in branches:
            branches.append(branch)
    return re.sub(r"\s+", " ", "; ".join(branches)).strip()


def virtual_conflict(message: str, declared: Mapping[str, str]) -> tuple[str, str] | None:
    """``(reason, wanted)`` when a package needs another version of a declared virtual package."""
    for leaf in _leaves(message):
        node = leaf.parent
        match = _CONSTRAINT.search(f"{node.text} {leaf.text}") if node is not None else None
        if match is None or "__" not in leaf.text:
            continue
        name, spec = match.group("vp"), match.group("spec").strip()
        wanted = f"{name} {spec}".strip() if spec not in ("", "*") else name
        if name in declared:
            return f"{match.group('who')} needs {wanted} but the target declares {name}={declared[name]}", wanted
        return f"{match.group('who')} needs {wanted}, which the target does not declare", wanted
    return None


def _leaves(message: str) -> list[_Node]:
    text = message.split("because of:", 1)[-1] if "because of:" in message else message
    nodes: list[_Node] = []
    stack: list[_Node] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        prefix = _TREE.match(raw)
        depth = len(prefix.group(0)) if prefix else 0
        while stack and stack[-1].depth >= depth:
            stack.pop()
        node = _Node(depth, raw[depth:].strip(), stack[-1] if stack else None)
        nodes.append(node)
        stack.append(node)
    parents = {id(n.parent) for n in nodes if n.parent is not None}
    return [n for n in nodes if id(n) not in parents]


def _names_input(text: str, names: set[str]) -> bool:
    first = text.split(" ", 1)[0].lower()
    return first.startswith("__") or first in names


def _short(text: str) -> str:
    return re.sub(
        r",? (which )?cannot be installed because there are no viable options:?$", " cannot be installed", text
    )
