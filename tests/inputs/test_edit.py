"""Spec files edited in place keep their comments, order, quoting and indentation (golden files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.errors import SpecError
from envtool.inputs.edit import add_dependency, remove_dependency

GOLDEN = Path(__file__).parent / "golden"
PROJECT_SPECS = sorted(p for p in (Path(__file__).parents[2] / "environments").glob("*.yml") if p.name != "targets.yml")


def test_add_keeps_everything_else() -> None:
    text = (GOLDEN / "spec.yml").read_text()
    text = add_dependency(text, "numpy>=1.21,<1.24", pip=False)  # replaced where it stands, still double-quoted
    text = add_dependency(text, "scipy", pip=False)  # new: before the pip: list
    text = add_dependency(text, "tensorflow-text==2.9.0", pip=True)  # new: end of the pip: list
    text = add_dependency(text, "pandas>=1.5", pip=False)  # single quotes and the inline comment kept
    assert text == (GOLDEN / "spec-added.yml").read_text()


def test_remove_takes_the_comment_above_and_keeps_the_rest() -> None:
    text = (GOLDEN / "spec.yml").read_text()
    for name in ("numpy", "python", "protobuf", "matplotlib-base"):
        text = remove_dependency(text, name, pip=None)
    assert text == (GOLDEN / "spec-removed.yml").read_text()


def test_add_then_remove_gives_the_file_back() -> None:
    original = (GOLDEN / "spec.yml").read_text()
    edited = add_dependency(add_dependency(original, "tqdm", pip=False), "rich", pip=True)
    assert remove_dependency(remove_dependency(edited, "rich", pip=True), "tqdm", pip=False) == original


@pytest.mark.parametrize("path", PROJECT_SPECS, ids=lambda p: p.name)
def test_the_projects_own_specs_round_trip(path: Path) -> None:
    text = path.read_text()
    assert remove_dependency(add_dependency(text, "tqdm", pip=False), "tqdm", pip=False) == text


def test_a_pip_section_is_created_with_pip_and_removed_when_emptied() -> None:
    text = "dependencies:\n  - python=3.9\n"
    added = add_dependency(text, "rich", pip=True)
    assert added == "dependencies:\n  - python=3.9\n  - pip\n  - pip:\n      - rich\n"
    assert remove_dependency(added, "rich", pip=True) == "dependencies:\n  - python=3.9\n  - pip\n"


def test_removing_what_is_not_there() -> None:
    with pytest.raises(SpecError, match="'scipy' is not in its dependencies"):
        remove_dependency((GOLDEN / "spec.yml").read_text(), "scipy", pip=None, path="spec.yml")
