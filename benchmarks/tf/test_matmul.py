"""Dense float32 matmul, the workload closest to the hardware's peak.

The CPU result is compared with numpy's matmul measured in the same run on the
same host: ``ratio`` is TF's GFLOP/s over numpy's, both as shown, and
``paired_ratio`` the median over interleaved TF/numpy pairs (with its range);
the GPU result with the device's FP32 peak where the GPU is in
``tfbench.KNOWN_FP32_PEAK_TFLOPS``.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

import tfbench

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

SIZES = (1024, 2048, 4096)
# (cpu, gpu) rounds: a 4096 matmul takes about 0.3 s on two AVX-512 cores.
ROUNDS = {1024: (30, 50), 2048: (15, 30), 4096: (8, 20)}


def random_matrix(size: int, seed: int) -> Any:
    return np.random.default_rng(seed).standard_normal((size, size), dtype=np.float32)


@pytest.mark.parametrize("size", SIZES)
def test_matmul(bench: Any, size: int) -> None:
    a_host, b_host = random_matrix(size, 0), random_matrix(size, 1)
    a, b = bench.to_device(a_host), bench.to_device(b_host)

    def step() -> Any:
        with tf.device(bench.tf_device):
            return bench.block(tf.matmul(a, b))

    c = bench.pedantic(step, rounds=bench.rounds(*ROUNDS[size]), warmup_rounds=1)
    bench.placed(c)
    mine = tfbench.gflops(tfbench.matmul_flops(size), bench.median_s())
    bench.throughput("gflops", mine, "GFLOP/s")
    bench.record(size=size, dtype="float32")
    if bench.device == "cpu":
        # numpy and TF in turn, so that both see the same load on a shared machine.
        tf_times, np_times = tfbench.paired_times(step, lambda: np.matmul(a_host, b_host), rounds=5)
        numpy_gflops = tfbench.gflops(tfbench.matmul_flops(size), statistics.median(np_times))
        bench.reference("numpy.matmul", numpy_gflops, mine, (tf_times, np_times))
    else:
        peak = tfbench.peak_fp32_tflops(bench.extra_info.get("gpu_name") or "")
        bench.reference("fp32 peak", peak * 1000 if peak else None, mine)
        bench.record(tf32=bool(tf.config.experimental.tensor_float_32_execution_enabled()))
