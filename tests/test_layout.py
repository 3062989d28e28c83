"""The package's layout: imports run down the stages only, and no module imports itself in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "envtool"
#: Top to bottom; a module may import its own stage and any stage below it.
STAGES = ["cli", "image", "bench", "env", "locking", "lockfiles", "inputs", ""]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _stage(module: str) -> str:
    if module == "envtool.__main__":  # ``python -m envtool``: the CLI's entry point
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES) else ""


def envtool_imports(path: Path) -> set[str]:
    """Every ``envtool...`` module ``path`` imports, at any depth (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "envtool":
                found.update(f"envtool.{alias.name}" for alias in node.names)
            elif node.module.startswith("envtool."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("envtool."))
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    return {_module_name(p): envtool_imports(p) for p in sorted(package.rglob("*.py"))}


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """``importer -> imported`` for each import that climbs to a higher stage."""
    bad = []
    for module, imported in graph.items():
        for target in imported:
            if STAGES.index(_stage(target)) < STAGES.index(_stage(module)):
                bad.append(f"{module} -> {target}")
    return sorted(bad)


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each circle of module imports found by depth-first search (``__init__`` edges to children ignored)."""
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if target not in graph or target.startswith(module + "."):
                continue
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [module])
    return cycles


def test_imports_only_go_down_the_stages() -> None:
    assert upward_imports(import_graph()) == []


def test_no_import_circle() -> None:
    assert import_cycles(import_graph()) == []


def test_every_stage_says_what_it_owns() -> None:
    for stage in STAGES[:-1]:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 80, stage


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "envtool.locking.solve",
            "from envtool.env.create import create_environment\n",
            ["envtool.locking.solve -> envtool.env.create"],
        ),
        (
            "envtool.inputs.spec",
            "def f():\n    from envtool import locking\n",
            ["envtool.inputs.spec -> envtool.locking"],
        ),
        ("envtool.model", "import envtool.lockfiles.header\n", ["envtool.model -> envtool.lockfiles.header"]),
        ("envtool.env.verify", "from envtool.lockfiles.read import read_lock\n", []),
    ],
)
def test_the_check_sees_an_upward_import(tmp_path: Path, module: str, source: str, expected: list[str]) -> None:
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    assert upward_imports({module: envtool_imports(path)}) == expected


def test_the_check_sees_a_circle() -> None:
    graph = {"envtool.a": {"envtool.b"}, "envtool.b": {"envtool.c"}, "envtool.c": {"envtool.a"}, "envtool.d": set()}
    assert import_cycles(graph) == [["envtool.a", "envtool.b", "envtool.c", "envtool.a"]]


def test_package_version_is_the_distributions() -> None:
    from importlib.metadata import version

    import envtool

    assert envtool.__version__ == version("envtool")
