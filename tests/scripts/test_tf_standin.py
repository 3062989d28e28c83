"""The stand-in venv's requirements: the lock's hashes carried whole, uv's output split per package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from envtool.lockfiles.read import read_lock
from envtool.model import PipPackage, TargetLock

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def standin() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tf_standin", ROOT / "scripts" / "tf_standin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tf_standin"] = module
    spec.loader.exec_module(module)
    return module


def test_pip_half_keeps_every_accepted_hash_once(standin: ModuleType) -> None:
    wheel = PipPackage("absl-py", "1.4.0", "https://x/absl_py-1.4.0-py3-none-any.whl", "a" * 64, ("a" * 64, "b" * 64))
    lock = TargetLock("t", "linux-64", "t", (), (), (wheel,))
    assert standin.pip_half_requirements(lock) == (
        f"absl-py==1.4.0 --hash=sha256:{'a' * 64} --hash=sha256:{'b' * 64}\n"
    )


def test_compiled_requirements_split_per_package(standin: ModuleType) -> None:
    text = "numpy==1.23.5 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n# comment\nsix==1.16.0 \\\n    --hash=sha256:cc\n"
    blocks = standin._blocks(text)
    assert [b.split("==")[0] for b in blocks] == ["numpy", "six"]
    assert "--hash=sha256:bb" in blocks[0] and "--hash=sha256:cc" in blocks[1]


def test_the_committed_linux_cpu_lock_pins_every_pip_wheel_by_hash(standin: ModuleType) -> None:
    lock = read_lock(ROOT / "locks" / "linux-cpu.yml")[0]
    lines = standin.pip_half_requirements(lock).splitlines()
    assert len(lines) == len(lock.pip) and all("--hash=sha256:" in line for line in lines)
    assert any(line.startswith("tensorflow-cpu==2.9.3 ") for line in lines)


@pytest.mark.network
def test_conda_half_hashes_from_pypi(standin: ModuleType, tmp_path: Path) -> None:
    lock = read_lock(ROOT / "locks" / "linux-cpu.yml")[0]
    text, missing = standin.conda_half_requirements(lock, tmp_path)
    assert "numpy==1.23.5" in text and "--hash=sha256:" in text
    assert set(missing) <= {"backports==1.0", "nbconvert-core==7.3.1", "nbconvert-pandoc==7.3.1",
                            "python-fastjsonschema==2.16.3", "python-tzdata==2023.3"}  # fmt: skip
    harness = standin.harness_requirements(lock, tmp_path)
    assert "pytest==8.3.5" in harness and "packaging==" not in harness  # the lock pins packaging


def test_why_a_conda_pin_has_no_stand_in(standin: ModuleType) -> None:
    assert standin.why_not("Because backports was not found in the package registry and ...") == (
        "no project of that name on PyPI"
    )
    assert standin.why_not("Because there is no version of brotlipy==0.7.0 and ...").startswith("no wheel")
    assert standin.why_not("cause: something else") == "something else"
