"""What a lock asks of the machine, and the comparison with what the machine offers."""

from __future__ import annotations

from pathlib import Path

from envtool.env.doctor import check_host, lock_needs, wheel_minimums
from envtool.env.host import HostFacts
from envtool.model import CondaPackage, PipPackage, TargetLock


def _lock(
    platform: str = "linux-64", conda: tuple[CondaPackage, ...] = (), pip: tuple[PipPackage, ...] = ()
) -> TargetLock:
    return TargetLock("t", platform, "t", (), conda, pip)


def _pkg(name: str, *depends: str) -> CondaPackage:
    return CondaPackage(name, "1", "0", f"https://x/linux-64/{name}-1-0.conda", "0" * 32, None, depends)


def test_needs_come_from_declarations_records_and_wheels() -> None:
    wheel = PipPackage("tensorflow", "2.9.3", "https://x/tensorflow-2.9.3-cp39-cp39-manylinux2010_x86_64.whl", "a")
    lock = _lock(conda=(_pkg("cudatoolkit", "__cuda >=11.2"), _pkg("zlib", "libgcc")), pip=(wheel,))
    needs = [(n.name, n.spec) for n in lock_needs(lock, [("__cuda", "11.2.2")])]
    assert needs == [("__cuda", ">=11.2.2"), ("__cuda", ">=11.2"), ("__glibc", ">=2.12")]


def test_wheel_minimum_is_the_most_lenient_tag() -> None:
    assert wheel_minimums("x-1-cp39-cp39-macosx_11_0_arm64.macosx_10_14_x86_64.whl") == {"__osx": "10.14"}
    assert wheel_minimums("x-1-py3-none-any.whl") == {}


def test_wrong_platform_is_the_only_answer(tmp_path: Path) -> None:
    checks = check_host(_lock("osx-arm64"), HostFacts("linux-64"), (), tmp_path)
    assert [(c.name, c.status) for c in checks] == [("platform", "problem")]


def test_avx_missing_for_tensorflow(tmp_path: Path) -> None:
    lock = _lock(conda=(_pkg("tensorflow-base"),))
    checks = {c.name: c for c in check_host(lock, HostFacts("linux-64", glibc="2.36", avx=False), (), tmp_path)}
    assert checks["avx"].status == "problem"
    assert "lacks AVX" in checks["avx"].detail
    assert checks["cuda"].status == "skip"  # a CPU lock needs no driver


def test_disk_is_compared_with_the_sizes_the_lock_records(tmp_path: Path) -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Sized(CondaPackage):
        size: int = 0

    huge = Sized("big", "1", "0", "https://x/linux-64/big-1-0.conda", "0" * 32, size=10**18)
    checks = {c.name: c for c in check_host(_lock(conda=(huge,)), HostFacts("linux-64"), (), tmp_path / "new" / "env")}
    assert checks["disk"].status == "problem"
    assert "1 of 1 packages' sizes known" in checks["disk"].detail
    unknown = {c.name: c for c in check_host(_lock(conda=(_pkg("x"),)), HostFacts("linux-64"), (), tmp_path)}
    assert unknown["disk"].status == "skip" and "records no package sizes" in unknown["disk"].detail


def test_a_driver_reporting_the_locked_minor_is_told_to_reach_the_next_one(tmp_path: Path) -> None:
    # nvidia-smi shows major.minor only: 11.2 is older than the lock's >=11.2.2, so the fix names 11.3.
    lock = _lock(conda=(_pkg("cudatoolkit", "__cuda >=11.2.2"),))
    checks = {c.name: c for c in check_host(lock, HostFacts("linux-64", cuda="11.2", glibc="2.36"), (), tmp_path)}
    assert checks["cuda"].status == "problem"
    assert "reports CUDA 11.3 or newer" in checks["cuda"].fix
    ok = {c.name: c for c in check_host(lock, HostFacts("linux-64", cuda="11.3", glibc="2.36"), (), tmp_path)}
    assert ok["cuda"].status == "ok"
