"""Exit codes through the real CLI: our files unusable (exit 2, naming them), bugs (70), ``-v`` keeps the code.

Also the small things: ``-n ''``, ``check --json`` for a pending target,
"wrote N files" counting changed files only, an unused ``--mirror``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from envtool.cli import run
from envtool.errors import EXIT_INTERNAL
from tests.install_helpers import read_only_mount_prefix, tiny_disk_prefix
from tests.projects import ENVTOOL, envtool, lock_files, tf_channel, write_project


def first_error(stderr: str) -> str:
    """The one ``error:`` line, checked to be the first line and the only one; no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def root(locked_copy: Path) -> Path:
    """A locked project of the test's own."""
    return locked_copy


def _in_wrapper(wrapper: list[str], root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*wrapper, ENVTOOL, *args], cwd=root, capture_output=True, text=True, check=False)


def test_read_only_locks_folder_is_bad_input_naming_it(root: Path) -> None:
    wrapper = read_only_mount_prefix(root / "locks")
    if wrapper is None:
        pytest.skip("cannot mount a read-only folder here")
    before = lock_files(root)
    spec = root / "environments" / "gpu.yml"
    spec.write_text(spec.read_text().replace("cudnn=8", "cudnn=8.4"))
    if not wrapper:  # not root: permissions are enough
        (root / "locks").chmod(0o555)
    try:
        done = _in_wrapper(wrapper, root, "lock")
    finally:
        (root / "locks").chmod(0o755)
    assert done.returncode == 2, done.stderr
    line = first_error(done.stderr)
    assert line.startswith(f"error: {root / 'locks'}"), line
    assert "Read-only file system" in line or "Permission denied" in line
    assert lock_files(root) == before


def test_full_locks_folder_is_bad_input_naming_it(root: Path) -> None:
    wrapper = tiny_disk_prefix(root / "locks", size_kb=4)
    if wrapper is None:
        pytest.skip("cannot mount a small tmpfs here")
    before = lock_files(root)
    done = _in_wrapper(wrapper, root, "lock", "--force")
    assert done.returncode == 2, done.stderr
    line = first_error(done.stderr)
    assert str(root / "locks") in line and "No space left on device; free some space, then retry" in line, line
    assert lock_files(root) == before  # the tmpfs was private to that process


def test_locks_being_a_file_is_bad_input_naming_it(root: Path) -> None:
    shutil.rmtree(root / "locks")
    (root / "locks").write_text("not a folder\n")
    done = envtool("lock", cwd=root)
    assert done.returncode == 2, done.stderr
    assert first_error(done.stderr).startswith(f"error: {root / 'locks'}: "), done.stderr
    assert "a file stands where a folder is expected" in done.stderr
    assert (root / "locks").read_text() == "not a folder\n"


def test_a_binary_lock_file_is_named_stale_by_check_and_rewritten_by_lock(root: Path) -> None:
    # envtool owns locks/: a file it cannot read is an edited lock, not an internal error
    good = (root / "locks" / "cpu.yml").read_bytes()
    (root / "locks" / "cpu.yml").write_bytes(b"\xff\xfe\x00binary\x00")
    check = envtool("check", cwd=root)
    assert check.returncode == 1, check.stderr
    assert check.stderr.splitlines()[0] == "cpu: stale: locks/cpu.yml is unreadable"
    assert "Traceback" not in check.stderr and "internal error" not in check.stderr
    lock = envtool("lock", cwd=root)
    assert lock.returncode == 0, lock.stderr
    assert (root / "locks" / "cpu.yml").read_bytes() == good


def test_create_and_verify_refuse_a_binary_lock_file(root: Path, tmp_path: Path) -> None:
    binary = tmp_path / "x-explicit.txt"
    binary.write_bytes(b"\xff\xfe\x00binary\x00")
    for args in (
        ["create", str(binary), "-p", str(tmp_path / "env")],
        ["verify", str(tmp_path), "--lock", str(binary)],
    ):
        done = envtool(*args, cwd=root)
        assert done.returncode == 2, done.stderr
        first_error(done.stderr)
    assert not (tmp_path / "env").exists()


def test_verbose_shows_the_traceback_and_keeps_the_exit_code(root: Path) -> None:
    (root / "environments" / "base.yml").write_text("name: tf\ndependancies: [python]\n")
    plain = envtool("lock", cwd=root)
    verbose = envtool("-v", "lock", cwd=root)
    assert (plain.returncode, verbose.returncode) == (2, 2)
    assert "Traceback" in verbose.stderr and "Traceback" not in plain.stderr
    assert verbose.stderr.splitlines()[-1] == plain.stderr.splitlines()[-1]


@click.command()
def _buggy() -> None:
    run(lambda: {}["missing"])


def test_an_internal_error_has_its_own_exit_code_with_or_without_verbose() -> None:
    result = CliRunner().invoke(_buggy, [])
    assert result.exit_code == EXIT_INTERNAL == 70
    assert "internal error: KeyError: 'missing'; run 'envtool -v ...' for the traceback" in result.output
    verbose = CliRunner().invoke(_buggy, [], obj={"verbose": True})
    assert verbose.exit_code == 70, verbose.output
    assert "Traceback" in verbose.output


def test_help_and_readme_document_the_exit_codes() -> None:
    done = subprocess.run([ENVTOOL, "--help"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    flat = " ".join(done.stdout.split())
    for phrase in ("2 bad input", "70 internal error", "130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP"):
        assert phrase in flat, done.stdout
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for row in ("| 70 |", "| 143 |", "| 129 |"):
        assert row in readme


# --------------------------------------------------------------------------- the small things


def test_an_empty_environment_name_is_refused(root: Path) -> None:
    before = sorted(p.name for p in root.iterdir())
    done = envtool("create", "cpu", "-n", "", cwd=root)
    assert done.returncode == 2, done.stderr
    assert first_error(done.stderr).startswith("error: -n/--name: invalid environment name ''")
    assert sorted(p.name for p in root.iterdir()) == before


def test_check_json_reports_a_pending_target_as_pending(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    from tests.factories import channel_url

    write_project(
        tmp_path,
        {
            "ok": {"platform": "linux-64", "specs": ["env.yml"]},
            "later": {"platform": "linux-64", "specs": ["env.yml"], "pending": "not in the snapshot yet"},
        },
        {"env.yml": {"channels": [channel_url(channel)], "dependencies": ["python=3.9"]}},
    )
    done = envtool("check", "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # "ok" is not locked yet; a pending target fails nothing
    by_target = {entry["target"]: entry for entry in json.loads(done.stdout)}
    assert by_target["later"]["status"] == "pending" and by_target["later"]["fresh"] is False
    assert by_target["later"]["pending"] == "not in the snapshot yet"
    assert by_target["ok"]["status"] == "stale" and by_target["ok"]["fresh"] is False


def test_wrote_counts_only_changed_files_and_an_unused_mirror_is_reported(root: Path) -> None:
    before = lock_files(root)
    again = envtool("lock", "--force", "--mirror", "https://conda.example.invalid/unused=/srv/mirror", cwd=root)
    assert again.returncode == 0, again.stderr
    assert "wrote 0 files for 2 targets" in again.stderr
    assert (
        "warning: --mirror for https://conda.example.invalid/unused is not used: no selected target has that channel"
        in again.stderr
    )
    assert lock_files(root) == before
