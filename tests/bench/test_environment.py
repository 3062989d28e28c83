"""The environment check before a benchmark: real probes of real venvs and prefixes against locks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from envtool.bench.environment import (
    CheckRequest,
    EnvironmentCheck,
    Installed,
    Probe,
    blas_difference,
    check_environment,
    lock_body_digest,
    run_probe,
)
from envtool.model import TargetLock
from tests.bench.envs import PYTHON_VERSION, bare_venv, conda, dist_info, lock, prefix_for, write_lock


def check(python: Path, target_lock: TargetLock, tmp_path: Path, prefix: Path | None = None) -> EnvironmentCheck:
    path = write_lock(target_lock, tmp_path / "demo-lock.yml")
    return check_environment(CheckRequest(python, target_lock, path, "locks/demo-lock.yml", prefix))


def test_interpreter_matching_its_lock_with_the_harness_apart(tmp_path: Path) -> None:
    python, site = bare_venv(tmp_path / "venv")
    dist_info(site, "six", "1.16.0")  # the lock takes it from conda: same PyPI name and version
    dist_info(site, "tiny", "1.0")
    dist_info(site, "pytest", "8.0.0", requires=("pluggy<2,>=1.5", "six", "colorama; sys_platform == 'win32'"))
    dist_info(site, "pluggy", "1.5.0", requires=("pre-commit; extra == 'dev'",))
    result = check(python, lock(), tmp_path)
    assert result.matches, result.differences
    assert result.headline() == "environment matches locks/demo-lock.yml"
    assert result.harness == (("pluggy", "1.5.0"), ("pytest", "8.0.0"))  # six is locked: compared, not harness
    assert result.checked == "interpreter" and result.python == PYTHON_VERSION
    section = result.as_json()
    assert section["matches"] is True and section["lock_body_sha256"] == result.lock_digest


def test_interpreter_drift_names_every_difference(tmp_path: Path) -> None:
    python, site = bare_venv(tmp_path / "venv")
    dist_info(site, "six", "1.15.0")
    dist_info(site, "requests", "2.31.0")
    result = check(python, lock(python="3.9.16"), tmp_path)
    assert [(d.name, d.kind, d.manager, d.locked, d.installed) for d in result.differences] == [
        ("python", "changed", "conda", "3.9.16", PYTHON_VERSION),
        ("six", "changed", "conda", "1.16.0", "1.15.0"),
        ("tiny", "missing", "pip", "1.0", ""),
        ("requests", "extra", "pip", "", "2.31.0"),
    ]
    assert result.headline() == (
        f"environment differs from locks/demo-lock.yml in 4 packages: python 3.9.16 -> {PYTHON_VERSION}, "
        "six 1.16.0 -> 1.15.0, tiny 1.0 missing, requests 2.31.0 not in the lock"
    )
    assert "--allow-drift" in str(result.refusal())


def test_prefix_is_checked_as_envtool_verify_checks_it(tmp_path: Path) -> None:
    target_lock = lock()
    prefix = prefix_for(target_lock, tmp_path / "env")
    result = check(prefix / "bin" / "python", target_lock, tmp_path, prefix)
    assert result.matches and result.checked == "prefix", result.differences
    changed = replace(target_lock, conda=(*target_lock.conda[:2], conda("libzlib", "1.3", python=False)))
    drift = check(prefix / "bin" / "python", changed, tmp_path, prefix)
    assert [(d.name, d.locked, d.installed) for d in drift.differences] == [("libzlib", "1.3 0", "1.2.13 0")]


def test_prefix_harness_extras_are_not_drift(tmp_path: Path) -> None:
    target_lock = lock()
    prefix = prefix_for(target_lock, tmp_path / "env")
    site = next(prefix.glob("lib/python*/site-packages"))
    dist_info(site, "pytest", "8.0.0")  # this run's Python has pytest: the probe reports what it requires
    dist_info(site, "left-behind", "0.1")
    result = check(prefix / "bin" / "python", target_lock, tmp_path, prefix)
    assert [(d.name, d.kind) for d in result.differences] == [("left-behind", "extra")]


def test_the_blas_numpy_loads_is_compared_with_the_locked_one() -> None:
    openblas = conda("libopenblas", "0.3.21", python=False, build="pthreads_h78a6416_3")
    wheel = {"user_api": "blas", "internal_api": "openblas", "version": "0.3.20",
             "filepath": "/venv/numpy.libs/libopenblas64_p-r0-2f7c42d4.3.20.so"}  # fmt: skip
    probe = Probe("3.9.2", {}, (wheel,))
    difference = blas_difference([openblas], probe)
    assert difference is not None
    assert (difference.name, difference.locked, difference.installed) == ("libopenblas", "0.3.21", "openblas 0.3.20")
    assert "numpy.libs" in difference.detail
    assert blas_difference([replace(openblas, version="0.3.20")], probe) is None
    assert blas_difference([], probe) is None
    assert blas_difference([openblas], Probe("3.9.2", {}, (), "threadpoolctl is not installed")) is None


def test_probe_reports_this_python(tmp_path: Path) -> None:
    python, site = bare_venv(tmp_path / "venv")
    dist_info(site, "tiny", "1.0", requires=("six>=1",), installer="uv")
    probe = run_probe(python)
    assert probe.python == PYTHON_VERSION
    assert probe.distributions == {"tiny": Installed("tiny", "1.0", "uv", None, ("six",))}
    assert probe.libraries_unknown == "numpy is not installed"


def test_lock_body_digest_ignores_the_header(tmp_path: Path) -> None:
    one, two = tmp_path / "a.yml", tmp_path / "b.yml"
    one.write_text("# header one\nbody: 1\n")
    two.write_text("# header two\n# more\nbody: 1\n")
    assert lock_body_digest(one) == lock_body_digest(two)
    two.write_text("# header two\nbody: 2\n")
    assert lock_body_digest(one) != lock_body_digest(two)


def test_a_broken_interpreter_is_bad_input(tmp_path: Path) -> None:
    from envtool.errors import EXIT_BAD_INPUT, BenchError

    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho broken >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(BenchError, match="failed to list its packages \\(broken\\)") as err:
        run_probe(fake)
    assert err.value.exit_code == EXIT_BAD_INPUT
