"""Freshness from raw bytes: body digests catch edited locks; unchanged inputs are never parsed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from envtool.lockfiles.header import body_intact
from tests.projects import envtool, lock_files, tf_channel, tf_project


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tf_project(tmp_path, tf_channel(tmp_path))
    result = envtool("lock", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_every_lock_file_carries_its_body_digest(root: Path) -> None:
    for path in sorted((root / "locks").iterdir()):
        assert body_intact(path.read_text()) is True, path.name


def test_one_changed_sha256_in_a_group_file_is_stale_and_relocked(root: Path) -> None:
    committed = lock_files(root)
    group = root / "locks" / "gpu-lock.yml"
    text = group.read_text()
    start = text.index("sha256: ") + len("sha256: ")
    group.write_text(text[:start] + ("0" if text[start] != "0" else "1") + text[start + 1 :])
    check = envtool("check", cwd=root)
    assert check.returncode == 1
    assert "gpu: stale: locks/gpu-lock.yml was edited or truncated since envtool wrote it" in check.stderr
    assert "run 'envtool lock --target gpu'" in check.stderr
    assert "cpu: up to date" in check.stderr
    relock = envtool("lock", cwd=root)
    assert relock.returncode == 0, relock.stderr
    assert "gpu: locks/gpu-lock.yml was edited" in relock.stderr
    assert lock_files(root) == committed
    assert envtool("check", cwd=root).returncode == 0


def test_env_file_cut_to_its_header_is_stale_and_refused_by_create(root: Path) -> None:
    env_file = root / "locks" / "gpu.yml"
    header = "".join(line for line in env_file.read_text().splitlines(keepends=True) if line.startswith("#"))
    env_file.write_text(header)
    check = envtool("check", cwd=root)
    assert check.returncode == 1
    assert "locks/gpu.yml was edited or truncated since envtool wrote it" in check.stderr
    create = envtool("create", "gpu", cwd=root)
    assert create.returncode == 2
    assert create.stderr.startswith("error: ") and "Traceback" not in create.stderr
    assert "gpu.yml: edited or truncated since envtool wrote it; run 'envtool lock --target gpu'" in create.stderr
    assert not (root / ".envtool" / "envs" / "gpu").exists()


def test_create_refuses_an_edited_group_file(root: Path) -> None:
    group = root / "locks" / "cpu-lock.yml"
    group.write_text(group.read_text().replace("version: 1.23.5", "version: 1.23.6", 1))
    create = envtool("create", str(group), "-p", str(root / "env"), cwd=root)
    assert create.returncode == 2
    assert "cpu-lock.yml: edited or truncated since envtool wrote it" in create.stderr
    assert not (root / "env").exists()


def _check_in_a_process(root: Path) -> dict[str, object]:
    code = (
        "import json, sys; from pathlib import Path; from envtool.locking.lock import check; "
        f"fresh = [s.fresh for s in check(Path({str(root / 'environments' / 'targets.yml')!r}))]; "
        "print(json.dumps({'fresh': fresh, 'parsed': any(m.split('.')[0] in ('ruamel', 'yaml') for m in sys.modules)}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_check_of_unchanged_inputs_parses_no_yaml(root: Path) -> None:
    assert _check_in_a_process(root) == {"fresh": [True, True], "parsed": False}  # `lock` remembered the manifest
    spec = root / "environments" / "base.yml"
    spec.write_text("# a comment only\n" + spec.read_text())
    assert _check_in_a_process(root) == {"fresh": [True, True], "parsed": True}  # bytes changed: parsed, still fresh
    manifest = root / "environments" / "targets.yml"
    manifest.write_text(manifest.read_text() + "\n")
    assert _check_in_a_process(root) == {"fresh": [True, True], "parsed": True}
    assert _check_in_a_process(root) == {"fresh": [True, True], "parsed": True}  # the spec's bytes still differ
    assert envtool("lock", "--force", cwd=root).returncode == 0  # new headers record the new bytes
    assert _check_in_a_process(root) == {"fresh": [True, True], "parsed": False}
