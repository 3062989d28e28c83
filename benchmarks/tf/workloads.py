"""Models and data the workloads share; TensorFlow is imported when they are called."""

from __future__ import annotations

from typing import Any

SAMPLES, FEATURES, CLASSES = 4096, 64, 10
FIT_BATCH = {"cpu": 64, "gpu": 256}
# NHWC input (less the batch) of ResNet-50's first stage.
BLOCK_SHAPE = (56, 56, 64)


def classification_data(device: str) -> tuple[Any, int]:
    """A batched ``tf.data`` dataset of random features and labels, and its steps per epoch."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, FEATURES), dtype=np.float32)
    y = rng.integers(0, CLASSES, SAMPLES)
    batch = FIT_BATCH[device]
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch), -(-SAMPLES // batch)


def small_model() -> Any:
    """A compiled three-layer MLP; its logits stay float32 under a mixed-precision policy."""
    import tensorflow as tf

    layers = tf.keras.layers
    model = tf.keras.Sequential(
        [
            tf.keras.Input(shape=(FEATURES,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(CLASSES),
            layers.Activation("linear", dtype="float32"),
        ]
    )
    model.compile(
        optimizer=tf.keras.optimizers.Adam(1e-3),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def resnet_block() -> Any:
    """A ResNet basic block: two 3x3 convolutions with batch norm, ReLU and the skip."""
    import tensorflow as tf

    layers = tf.keras.layers
    channels = BLOCK_SHAPE[-1]
    inputs = tf.keras.Input(shape=BLOCK_SHAPE)
    x = layers.Conv2D(channels, 3, padding="same", use_bias=False)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(channels, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(layers.Add()([x, inputs]))
    return tf.keras.Model(inputs, x, name="resnet_block")


def fit_steady_epochs(bench: Any, data: Any, rounds: int = 10) -> tuple[Any, float]:
    """Build the small model on the bench's device, fit one untimed epoch (tracing), then time
    ``rounds`` steady epochs; returns the model and the first epoch's seconds."""
    import time

    import tensorflow as tf

    with tf.device(bench.tf_device):
        model = small_model()
        start = time.perf_counter()
        model.fit(data, epochs=1, verbose=0)
        first = time.perf_counter() - start
        bench.pedantic(lambda: model.fit(data, epochs=1, verbose=0), rounds=bench.rounds(rounds, rounds))
    return model, first
