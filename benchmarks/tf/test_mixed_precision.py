"""Mixed precision where the device runs it fast: float16 on GPUs with tensor cores,
bfloat16 on CPUs with avx512_bf16 or AMX; skipped, with the reason, elsewhere.

The reference is the same work in float32, measured in the same run.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

import tfbench
from workloads import classification_data, small_model

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

SIZE = {"cpu": 1024, "gpu": 4096}


def plan(bench: Any) -> str:
    cc = bench.gpu_details.get("compute_capability")
    policy, why = tfbench.mixed_precision_plan(
        bench.device, tuple(cc) if cc else None, bench.extra_info["cpu_flags"]
    )
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

        c = bench.pedantic(step, rounds=bench.rounds(5, 30), warmup_rounds=1)
        f32_seconds = tfbench.median_time(step32, rounds=bench.rounds(10, 30), warmup=2)
    bench.placed(c)
    mine = tfbench.gflops(tfbench.matmul_flops(size), bench.median_s())
    bench.throughput("gflops", mine, "GFLOP/s")
    bench.reference(
        "tf float32 matmul", tfbench.gflops(tfbench.matmul_flops(size), f32_seconds), mine
    )
    bench.record(size=size, dtype=dtype.name)


def test_mixed_precision_fit(bench: Any) -> None:
    policy = plan(bench)
    data, steps = classification_data(bench.device)
    previous = tf.keras.mixed_precision.global_policy()
    try:
        tf.keras.mixed_precision.set_global_policy(policy)
        with tf.device(bench.tf_device):
            model = small_model()
            start = time.perf_counter()
            model.fit(data, epochs=1, verbose=0)
            first = time.perf_counter() - start
            bench.pedantic(lambda: model.fit(data, epochs=1, verbose=0), rounds=bench.rounds(5, 10))
            out = model.layers[0](next(iter(data))[0])
    finally:
        tf.keras.mixed_precision.set_global_policy(previous)
    bench.placed(out, model.trainable_variables[0])
    median = bench.median_s()
    bench.throughput("steps_per_s", round(steps / median, 1) if median else None, "steps/s")
    bench.record(steps_per_epoch=steps, first_epoch_s=round(first, 3), compute_dtype=out.dtype.name)
