"""Host-to-device and device-to-host copies of a 64 MiB float32 tensor (GPU only)."""

from __future__ import annotations

from typing import Any

import pytest

import tfbench

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

MIB = 64
ELEMENTS = MIB * 2**20 // 4


def record_bandwidth(bench: Any) -> None:
    median = bench.median_s()
    rate = round(MIB * 2**20 / median / 1e9, 2) if median else None
    bench.throughput("gb_per_s", rate, "GB/s")
    bench.record(bytes=MIB * 2**20)


@pytest.mark.devices("gpu")
def test_copy_host_to_device(bench: Any) -> None:
    with tf.device("/CPU:0"):
        host = tf.identity(np.ones(ELEMENTS, dtype=np.float32))
    tfbench.check_placement("cpu", host.device)

    def copy() -> Any:
        with tf.device(bench.tf_device):
            return bench.block(tf.identity(host))

    on_device = bench.pedantic(copy, rounds=20, warmup_rounds=2)
    bench.placed(on_device)
    record_bandwidth(bench)


@pytest.mark.devices("gpu")
def test_copy_device_to_host(bench: Any) -> None:
    on_device = bench.to_device(np.ones(ELEMENTS, dtype=np.float32))
    bench.placed(on_device)
    bench.pedantic(on_device.numpy, rounds=20, warmup_rounds=2)
    bench.record(ran_on=f"{on_device.device} -> host")
    record_bandwidth(bench)
