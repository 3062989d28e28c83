"""``envtool diff``: two real lock folders, one committed in a temporary git repository, in every format."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from envtool.lockfiles.folder import read_folder, read_revision
from envtool.locking.diff import diff_locks, diff_target
from envtool.model import CondaPackage, PipPackage, TargetLock
from tests.factories import index_channel, make_conda_package
from tests.projects import envtool, locked_tf_project


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def test_diff_against_head_and_against_a_folder(tmp_path: Path) -> None:
    root = locked_tf_project(tmp_path / "p")
    _git(root, "init", "-q")
    _git(root, "add", "environments", "locks")
    _git(root, "commit", "-qm", "locks")
    shutil.copytree(root / "locks", tmp_path / "old-locks")
    # numpy moves up, pip arrives, cudnn is rebuilt; the cpu target has no cudnn
    base = root / "environments" / "base.yml"
    base.write_text(
        base.read_text().replace("numpy<2", "numpy>=2").replace("- tensorflow=2.9", "- tensorflow=2.9\n- pip")
    )
    make_conda_package(root / "channel", "cudnn", "8.4.1", "h1", build_number=1, depends=["cudatoolkit 11.2.*"])
    index_channel(root / "channel")
    assert envtool("lock", cwd=root).returncode == 0

    text = envtool("diff", cwd=root)
    assert text.returncode == 0, text.stderr
    assert text.stdout.splitlines() == [
        "cpu (linux-64): 1 added, 1 upgraded",
        "  added      pip    23.0 pyhd8ed1ab_0  (conda)",
        "  upgraded   numpy  1.23.5 py39_0 -> 2.0.0 py39_0  (conda)",
        "gpu (linux-64): 1 added, 1 upgraded, 1 rebuilt",
        "  added      pip    23.0 pyhd8ed1ab_0  (conda)",
        "  upgraded   numpy  1.23.5 py39_0 -> 2.0.0 py39_0  (conda)",
        "  rebuilt    cudnn  8.4.1 h0 -> 8.4.1 h1  (conda)",
    ]

    data = json.loads(envtool("diff", "HEAD", "--format", "json", "--target", "gpu", cwd=root).stdout)
    assert data["from"] == "HEAD" and data["to"] == "working tree"
    assert [(t["target"], t["status"]) for t in data["targets"]] == [("gpu", "changed")]
    assert data["targets"][0]["changes"][2] == {
        "kind": "rebuilt", "name": "cudnn", "manager": "conda", "before": "8.4.1 h0", "after": "8.4.1 h1",
    }  # fmt: skip

    markdown = envtool("diff", str(tmp_path / "old-locks"), "--format", "markdown", cwd=root).stdout
    assert "2 of 2 targets changed." in markdown
    assert "| upgraded | `numpy` (conda) | 1.23.5 py39_0 | 2.0.0 py39_0 |" in markdown
    assert markdown.count("| change | package | before | after |") == 2
    # a folder and the revision it was committed at hold the same locks
    assert read_folder(tmp_path / "old-locks") == read_revision(root / "locks", "HEAD")

    bad = envtool("diff", "no-such-rev", cwd=root)
    assert bad.returncode == 2 and bad.stderr.startswith("error: no-such-rev: not a locks folder")


def test_a_package_moving_between_halves() -> None:
    conda = CondaPackage(
        "fastjsonschema",
        "2.16.3",
        "pyhd8ed1ab_0",
        "https://c/noarch/fastjsonschema-2.16.3-pyhd8ed1ab_0.conda",
        "0" * 32,
        None,
        ("python >=3.3",),
    )
    pip = PipPackage("fastjsonschema", "2.16.3", "https://p/fastjsonschema-2.16.3-py3-none-any.whl", "a" * 64)
    old = TargetLock("t", "linux-64", "", (), (conda,))
    new = TargetLock("t", "linux-64", "", (), (), (pip,))
    changes = diff_target(old, new).changes
    assert [(c.kind, c.manager, c.before, c.after) for c in changes] == [
        ("moved", "conda -> pip", "2.16.3 pyhd8ed1ab_0", "2.16.3")
    ]
    assert [c.kind for c in diff_target(new, TargetLock("t", "linux-64", "", (), (), (pip,))).changes] == []


def test_conda_names_sharing_a_pypi_name_stay_apart() -> None:
    def pkg(name: str, build: str) -> CondaPackage:
        url = f"https://c/noarch/{name}-5.12.0-{build}.conda"
        return CondaPackage(name, "5.12.0", build, url, "0" * 32, None, ("python >=3.7",))

    old = TargetLock("t", "linux-64", "", (), (pkg("importlib_resources", "h0"), pkg("importlib-resources", "h0")))
    assert diff_target(old, old).status == "unchanged"
    new = TargetLock("t", "linux-64", "", (), (pkg("importlib_resources", "h0"), pkg("importlib-resources", "h1")))
    assert [(c.kind, c.name) for c in diff_target(old, new).changes] == [("rebuilt", "importlib-resources")]


def test_the_committed_locks_equal_themselves() -> None:
    locks = read_folder(Path(__file__).parents[2] / "locks")
    assert {d.status for d in diff_locks(locks, locks)} == {"unchanged"}
