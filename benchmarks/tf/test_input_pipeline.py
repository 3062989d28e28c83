"""A ``tf.data`` input pipeline: decode-free image preprocessing, batching, prefetching.

The pipeline runs on the host's CPUs either way; the GPU variant also copies
every batch to the GPU, as a training loop would.
"""

from __future__ import annotations

from typing import Any

import pytest

tf = pytest.importorskip("tensorflow")
np = pytest.importorskip("numpy")

IMAGES, SIDE, BATCH = 4096, 32, 128


def preprocess(image: Any, label: Any) -> tuple[Any, Any]:
    image = tf.image.convert_image_dtype(image, tf.float32)
    image = tf.image.random_flip_left_right(image, seed=0)
    return (image - 0.5) / 0.25, label


def test_tf_data_pipeline(bench: Any) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (IMAGES, SIDE, SIDE, 3), dtype=np.uint8)
    labels = rng.integers(0, 10, IMAGES)
    data = (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(1024, seed=0)
        .map(preprocess, num_parallel_calls=tf.data.AUTOTUNE)
        .batch(BATCH)
        .prefetch(tf.data.AUTOTUNE)
    )

    def epoch() -> Any:
        last = None
        for x, _ in data:
            with tf.device(bench.tf_device):
                last = tf.identity(x)
        return bench.block(last)

    last = bench.pedantic(epoch, rounds=bench.rounds(8, 10), warmup_rounds=1)
    bench.placed(last)
    median = bench.median_s()
    per_s = round(IMAGES / median, 1) if median else None
    bench.throughput("elements_per_s", per_s, "images/s")
    bench.record(images=IMAGES, batch=BATCH, image_shape=[SIDE, SIDE, 3])
