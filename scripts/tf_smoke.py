"""Smoke test of a TensorFlow 2.9 environment: run it with that environment's Python.

    PREFIX/bin/python scripts/tf_smoke.py [--device cpu|gpu]

Checks that TensorFlow is 2.9.x and numpy is 1.x (TF 2.9 breaks with numpy 2),
then runs a matmul against numpy and a one-epoch Keras fit on tiny data, and
prints what it found. Exits 1 with the reason when a check fails; with
``--device gpu`` it also fails when no GPU is visible or an op ran elsewhere.
Runs on Python 3.7-3.10, with no dependency beyond TensorFlow's own.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from typing import Any


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")

    import numpy as np
    import tensorflow as tf

    failures = check_versions(tf, np, args.device)
    if not failures:
        where = "/GPU:0" if args.device == "gpu" else "/CPU:0"
        failures = check_matmul(tf, np, where) + check_fit(tf, np, where)
    if failures:
        sys.stdout.flush()
        for failure in failures:
            print(f"tf_smoke    FAILED: {failure}", file=sys.stderr)
        return 1
    print("tf_smoke    OK")
    return 0


def check_versions(tf: Any, np: Any, device: str) -> list[str]:
    """Print the versions and devices; the failures of the version checks."""
    build = dict(tf.sysconfig.get_build_info())
    gpus = tf.config.list_physical_devices("GPU")
    print(f"python      {platform.python_version()} ({sys.executable})")
    print(f"tensorflow  {tf.__version__} ({tf.version.GIT_VERSION})")
    print(f"numpy       {np.__version__}")
    print(f"cuda build  {build.get('is_cuda_build')} (CUDA {build.get('cuda_version', '-')}, ", end="")
    print(f"cuDNN {build.get('cudnn_version', '-')})")
    print(f"devices     {[d.name for d in tf.config.list_physical_devices()]}")
    failures = []
    if not tf.__version__.startswith("2.9."):
        failures.append(f"TensorFlow is {tf.__version__}, not 2.9.x")
    if int(np.__version__.split(".")[0]) >= 2:
        failures.append(f"numpy is {np.__version__}; TF 2.9 needs numpy<2")
    if device == "gpu" and not gpus:
        failures.append("--device gpu but TensorFlow sees no GPU")
    return failures


def check_matmul(tf: Any, np: Any, where: str) -> list[str]:
    """A 512x512 matmul on ``where``, compared with numpy's."""
    a = np.random.default_rng(0).standard_normal((512, 512), dtype=np.float32)
    with tf.device(where):
        start = time.perf_counter()
        product = tf.matmul(tf.constant(a), tf.constant(a))
        got = product.numpy()
        seconds = time.perf_counter() - start
    error = float(np.max(np.abs(got - a @ a)))
    print(f"matmul      512x512 on {product.device}: {seconds * 1e3:.1f} ms, ", end="")
    print(f"max |tf - numpy| = {error:.2e}")
    failures = []
    if error > 1e-2:
        failures.append(f"matmul differs from numpy by {error}")
    if where.strip("/").split(":")[0].lower() not in product.device.lower():
        failures.append(f"matmul ran on {product.device}, not on {where}")
    return failures


def check_fit(tf: Any, np: Any, where: str) -> list[str]:
    """One epoch of a tiny Keras classifier on ``where``; its loss must be finite."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((256, 8), dtype=np.float32)
    y = (x.sum(axis=1) > 0).astype(np.int64)
    with tf.device(where):
        model = tf.keras.Sequential(
            [
                tf.keras.Input(shape=(8,)),
                tf.keras.layers.Dense(16, activation="relu"),
                tf.keras.layers.Dense(2),
            ]
        )
        model.compile(
            optimizer="adam",
            loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        start = time.perf_counter()
        history = model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        seconds = time.perf_counter() - start
    loss = history.history["loss"][-1]
    accuracy = history.history["accuracy"][-1]
    print(f"keras fit   1 epoch, 8 steps on {model.trainable_variables[0].device}: ", end="")
    print(f"{seconds:.2f} s, loss {loss:.3f}, accuracy {accuracy:.3f}")
    return [] if np.isfinite(loss) else [f"Keras fit's loss is {loss}"]


if __name__ == "__main__":
    sys.exit(main())
