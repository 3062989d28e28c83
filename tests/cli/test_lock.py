"""``envtool lock`` and ``envtool check`` through the real console script: exit codes and messages."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest

from tests.factories import channel_url, make_wheel
from tests.projects import envtool, lock_files, tf_channel, tf_project, wheels, write_project


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tf_project(tmp_path, tf_channel(tmp_path))
    return tmp_path


def _one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def test_lock_then_check_then_stale(root: Path) -> None:
    assert envtool("check", cwd=root).returncode == 1  # nothing locked yet
    first = envtool("lock", cwd=root)
    assert first.returncode == 0, first.stderr
    assert envtool("check", cwd=root).returncode == 0
    noop = envtool("lock", cwd=root)
    assert noop.returncode == 0 and "up to date" in noop.stderr
    spec = root / "environments" / "gpu.yml"
    spec.write_text(spec.read_text().replace("cudnn=8", "cudnn=8.4"))
    stale = envtool("check", cwd=root)
    assert stale.returncode == 1
    assert re.search(r"gpu: stale: spec environments/gpu.yml changed", stale.stderr), stale.stderr
    assert "cpu: up to date" in stale.stderr


def test_target_option_limits_the_run(root: Path) -> None:
    result = envtool("lock", "--target", "cpu", "--json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert set(lock_files(root)) == {"cpu.yml", "cpu-explicit.txt", "cpu-lock.yml"}


@pytest.mark.parametrize(
    ("edit", "pattern"),
    [
        (("base.yml", "name: tf\nchannels: [x\n"), r"environments/base.yml:\d+: malformed YAML"),
        (("base.yml", "name: tf\ndependancies: [python]\n"), r"base.yml:2: unknown key 'dependancies'"),
        (
            ("base.yml", "name: tf\nchannels: [conda-forge]\ndependencies:\n  - 'numpy >>= 1'\n"),
            r"base.yml:4: invalid match spec 'numpy >>= 1'",
        ),
        (
            ("targets.yml", "version: 1\ntargets:\n  t:\n    platform: linux-32\n    specs: [base.yml]\n"),
            r"targets.yml:4: unknown platform 'linux-32'.*use one of linux-64",
        ),
        (
            ("targets.yml", "version: 1\ntargets:\n  t:\n    platform: linux-64\n    specs: [nope.yml]\n"),
            r"environments/nope.yml: file not found",
        ),
        (("targets.yml", "version: 9\ntargets: {}\n"), r"targets.yml:1: unsupported manifest version 9"),
        (
            (
                "targets.yml",
                "version: 1\ntargets:\n  t:\n    platform: linux-64\n    specs: [base.yml]\n    virtual-packages: [cuda]\n",
            ),
            r"invalid virtual package 'cuda'",
        ),
        (
            ("base.yml", "channels: [conda-forge]\ndependencies:\n  - python=3.9\n  - pip:\n    - -e .\n"),
            r"base.yml:5: pip line '-e \.' cannot be locked; an editable install is a working copy",
        ),
        (
            (
                "targets.yml",
                "version: 1\npypi:\n  exclude-newer: '2023-04-30'\ntargets: {t: {platform: linux-64, specs: [base.yml]}}\n",
            ),
            r"targets.yml:3: exclude-newer under 'pypi:'.*move it to the top level",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2(root: Path, edit: tuple[str, str], pattern: str) -> None:
    (root / "environments" / edit[0]).write_text(edit[1])
    result = envtool("lock", cwd=root)
    assert result.returncode == 2, result.stderr
    assert re.search(pattern, _one_error_line(result.stderr)), result.stderr
    assert lock_files(root) == {}


def test_unsatisfiable_spec_names_the_conflict(root: Path) -> None:
    spec = root / "environments" / "base.yml"
    spec.write_text(spec.read_text().replace("numpy<2", "numpy>=3"))
    line = _one_error_line(envtool("lock", "--target", "cpu", cwd=root).stderr)
    assert "cannot be solved" in line and "numpy >=3" in line and "base.yml" in line


def test_unreachable_mirror_names_the_url(root: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: connection refused
    channel = channel_url(root / "channel")
    result = envtool("lock", "--mirror", f"{channel}=http://127.0.0.1:{port}/m", cwd=root, timeout=120)
    assert result.returncode == 2, result.stderr
    line = _one_error_line(result.stderr)
    assert f"http://127.0.0.1:{port}/m" in line


def test_bad_mirror_value(root: Path) -> None:
    result = envtool("lock", "--mirror", "conda-forge", cwd=root)
    assert result.returncode == 2
    assert "--mirror: invalid mirror 'conda-forge'" in _one_error_line(result.stderr)


def test_unknown_target(root: Path) -> None:
    result = envtool("lock", "--target", "nope", cwd=root)
    assert result.returncode == 2
    assert "unknown target 'nope'; known targets: cpu, gpu" in _one_error_line(result.stderr)


def test_pip_requirement_without_wheel_for_platform(tmp_path: Path) -> None:
    channel = tf_channel(tmp_path)
    links = wheels(tmp_path)
    make_wheel(links, "winonly", "1.0", tag="cp39-cp39-win_amd64")
    write_project(
        tmp_path, {"t": {"platform": "linux-64", "specs": ["s.yml"]}},
        {"s.yml": {"channels": [channel_url(channel)], "dependencies": ["python=3.9", {"pip": ["winonly"]}]}},
        pypi={"find-links": [str(links)]},
    )  # fmt: skip
    result = envtool("lock", cwd=tmp_path)
    assert result.returncode == 2
    assert re.search(r"s.yml.*winonly has no wheel for linux-64", _one_error_line(result.stderr))


def test_lock_of_unknown_format_version(root: Path) -> None:
    assert envtool("lock", cwd=root).returncode == 0
    path = root / "locks" / "cpu.yml"
    path.write_text(path.read_text().replace("lock format 1", "lock format 7"))
    result = envtool("check", cwd=root)
    assert result.returncode == 2
    assert "cpu.yml: unknown lock format '7'" in _one_error_line(result.stderr)
    group = root / "locks" / "cpu-lock.yml"
    group.write_text(group.read_text().replace("\nversion: 1\n", "\nversion: 5\n"))
    from envtool.errors import LockFormatError
    from envtool.lockfiles.conda_lock import read_conda_lock

    with pytest.raises(LockFormatError, match="unknown conda-lock file version 5"):
        read_conda_lock(group)


def test_verbose_shows_traceback(root: Path) -> None:
    (root / "environments" / "base.yml").write_text("bogus: 1\n")
    result = envtool("-v", "lock", cwd=root)
    assert result.returncode != 0 and "Traceback" in result.stderr
