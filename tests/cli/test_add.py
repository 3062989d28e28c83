"""``envtool add`` / ``envtool remove`` through the real CLI: edit, re-lock, refuse ambiguity, roll back on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from envtool.errors import SpecError
from envtool.locking.edit import EditRequest, edit_specs
from envtool.locking.lock import check
from tests.projects import envtool, lock_files, locked_tf_project


def test_add_and_remove_relock_only_the_targets_using_the_file(tmp_path: Path) -> None:
    root = locked_tf_project(tmp_path)
    base = root / "environments" / "base.yml"
    before = lock_files(root)

    added = envtool("add", "pip", cwd=root)  # a new name goes to the file every target composes
    assert added.returncode == 0, added.stderr
    assert base.read_text().endswith("- numpy<2\n- pip\n")
    assert added.stdout.splitlines() == [
        "cpu (linux-64): 1 added",
        "  added      pip  23.0 pyhd8ed1ab_0  (conda)",
        "gpu (linux-64): 1 added",
        "  added      pip  23.0 pyhd8ed1ab_0  (conda)",
    ]

    # numpy listed in two files: which one is meant cannot be guessed
    manifest = root / "environments" / "targets.yml"
    edited = edit_specs(EditRequest(manifest, "add", ("numpy<2",), file=Path("gpu.yml"), relock=False))
    assert edited.targets == ("gpu",) and edited.locked is None
    assert [s.fresh for s in check(manifest)] == [True, False]  # --no-lock leaves the lock stale
    ambiguous = envtool("remove", "numpy", cwd=root)
    assert ambiguous.returncode == 2
    assert "'numpy' is listed in 2 spec files; say which with --file" in ambiguous.stderr
    removed = edit_specs(EditRequest(manifest, "remove", ("numpy",), file=root / "environments/gpu.yml"))
    assert removed.locked is not None and removed.locked.fresh == ("gpu",)  # back as it was locked
    removed = envtool("remove", "pip", cwd=root)
    assert removed.returncode == 0, removed.stderr
    assert lock_files(root) == before


def test_a_failed_relock_gives_the_spec_back(tmp_path: Path) -> None:
    root = locked_tf_project(tmp_path)
    base = root / "environments" / "base.yml"
    spec, locks = base.read_bytes(), lock_files(root)
    failed = envtool("add", "numpy>=3", cwd=root)
    assert failed.returncode == 2
    assert "cannot be solved" in failed.stderr and "Traceback" not in failed.stderr
    assert base.read_bytes() == spec
    assert lock_files(root) == locks
    with pytest.raises(SpecError, match="invalid match spec 'numpy >>= 1'"):
        edit_specs(EditRequest(root / "environments" / "targets.yml", "add", ("numpy >>= 1",)))
    assert base.read_bytes() == spec
