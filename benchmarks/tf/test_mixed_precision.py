"""Mixed precision where the device runs it fast: float16 on GPUs with tensor cores,
bfloat16 on CPUs with avx512_bf16 or AMX; skipped, with the reason, elsewhere.

The reference is the same work in float32, timed in turn with the reduced-precision one.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

import tfbench
from workloads import classification_data, fit_steady_epochs

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

SIZE = {"cpu": 2048, "gpu": 4096}


def plan(bench: Any) -> str:
    cc = bench.gpu_details.get("compute_capability")
    policy, why = tfbench.mixed_precision_plan(bench.device, tuple(cc) if cc else None, bench.extra_info["cpu_flags"])
    if policy is None:
        pytest.skip(f"mixed precision: {why}")
    bench.record(policy=policy, policy_reason=why)
    return policy


def test_mixed_precision_matmul(bench: Any) -> None:
    policy = plan(bench)
    dtype = tf.float16 if policy == "mixed_float16" else tf.bfloat16
    size = SIZE[bench.device]
    host = np.random.default_rng(0).standard_normal((size, size), dtype=np.float32)
    a32 = bench.to_device(host)
    with tf.device(bench.tf_device):
        a = tf.cast(a32, dtype)

        def step() -> Any:
            return bench.block(tf.matmul(a, a))

        def step32() -> Any:
            return bench.block(tf.matmul(a32, a32))

        c = bench.pedantic(step, rounds=bench.rounds(15, 30), warmup_rounds=1)
        low, f32 = tfbench.paired_times(step, step32, rounds=bench.rounds(5, 20))
    bench.placed(c)
    flops = tfbench.matmul_flops(size)
    mine = tfbench.gflops(flops, bench.median_s())
    bench.throughput("gflops", mine, "GFLOP/s")
    f32_gflops = tfbench.gflops(flops, statistics.median(f32))
    bench.reference("tf float32 matmul", f32_gflops, mine, (low, f32))
    bench.record(size=size, dtype=dtype.name)


def test_mixed_precision_fit(bench: Any) -> None:
    policy = plan(bench)
    data, steps = classification_data(bench.device)
    previous = tf.keras.mixed_precision.global_policy()
    try:
        tf.keras.mixed_precision.set_global_policy(policy)
        model, first = fit_steady_epochs(bench, data)
        with tf.device(bench.tf_device):
            out = model.layers[0](next(iter(data))[0])
    finally:
        tf.keras.mixed_precision.set_global_policy(previous)
    bench.placed(out, model.trainable_variables[0])
    median = bench.median_s()
    bench.throughput("steps_per_s", round(steps / median, 1) if median else None, "steps/s")
    bench.record(steps_per_epoch=steps, first_epoch_s=round(first, 3), compute_dtype=out.dtype.name)
