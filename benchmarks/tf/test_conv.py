"""Conv2D forward and backward through a ResNet basic block (two 3x3 convs, BN, skip).

GFLOP/s counts the two convolutions only: 2 x the conv FLOPs forward, and 3 x
forward for forward + backward (gradients for the inputs and the weights).
"""

from __future__ import annotations

from typing import Any

import pytest

import tfbench
from workloads import BLOCK_SHAPE, resnet_block

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

BATCH = {"cpu": 8, "gpu": 64}


def block_input(device: str) -> tuple[Any, int]:
    shape = (BATCH[device], *BLOCK_SHAPE)
    data = np.random.default_rng(0).standard_normal(shape, dtype=np.float32)
    return data, 2 * tfbench.conv2d_flops(shape, filters=BLOCK_SHAPE[-1], kernel=3)


def test_conv2d_forward(bench: Any) -> None:
    data, flops = block_input(bench.device)
    with tf.device(bench.tf_device):
        x = tf.identity(data)
        model = resnet_block()
        forward = tf.function(lambda x: model(x, training=False))

        def step() -> Any:
            return bench.block(forward(x))

        y = bench.pedantic(step, rounds=bench.rounds(20, 50), warmup_rounds=2)
    bench.placed(y, model.trainable_variables[0])
    bench.throughput("gflops", tfbench.gflops(flops, bench.median_s()), "GFLOP/s")
    bench.record(batch=BATCH[bench.device], input_shape=list(data.shape))


def test_conv2d_backward(bench: Any) -> None:
    data, flops = block_input(bench.device)
    with tf.device(bench.tf_device):
        x = tf.identity(data)
        model = resnet_block()

        @tf.function
        def gradients(x: Any) -> Any:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(model(x, training=True)))
            return tape.gradient(loss, model.trainable_variables)

        def step() -> Any:
            grads = gradients(x)
            bench.block(grads[0])
            return grads

        grads = bench.pedantic(step, rounds=bench.rounds(12, 50), warmup_rounds=2)
    bench.placed(grads[0], model.trainable_variables[0])
    bench.throughput("gflops", tfbench.gflops(3 * flops, bench.median_s()), "GFLOP/s")
    bench.record(batch=BATCH[bench.device], input_shape=list(data.shape), pass_="fwd+bwd")
