"""A small Keras model's ``fit``: the first epoch (tracing included) and steady epochs apart."""

from __future__ import annotations

from typing import Any

import pytest

from workloads import FIT_BATCH, classification_data, fit_steady_epochs, small_model

tf = pytest.importorskip("tensorflow")


def record_rate(bench: Any, steps: int, **info: Any) -> None:
    median = bench.median_s()
    bench.throughput("steps_per_s", round(steps / median, 1) if median else None, "steps/s")
    bench.record(steps_per_epoch=steps, batch=FIT_BATCH[bench.device], **info)


def test_keras_fit(bench: Any) -> None:
    """Steady epochs: the first epoch (tracing) runs untimed, and its time is recorded apart."""
    data, steps = classification_data(bench.device)
    model, first = fit_steady_epochs(bench, data)
    with tf.device(bench.tf_device):
        out = model(next(iter(data))[0])
    bench.placed(out, model.trainable_variables[0])
    median = bench.median_s()
    tracing = round(first - median, 3) if median else None
    record_rate(bench, steps, first_epoch_s=round(first, 3), tracing_s=tracing)


def test_keras_fit_first_epoch(bench: Any) -> None:
    """Each round builds a fresh model (untimed) and fits its first epoch, tracing included."""
    data, steps = classification_data(bench.device)
    models = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        with tf.device(bench.tf_device):
            models.append(small_model())
        return (models[-1],), {}

    def first_epoch(model: Any) -> None:
        with tf.device(bench.tf_device):
            model.fit(data, epochs=1, verbose=0)

    bench.pedantic(first_epoch, setup=setup, rounds=bench.rounds(5, 5))
    bench.placed(models[-1].trainable_variables[0])
    median = bench.median_s()
    record_rate(bench, steps, first_epoch_s=round(median, 3) if median else None)
