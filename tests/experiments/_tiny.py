"""Tiny recipes the engine's tests train: a planted minimum, a classifier, faulty ones."""

from __future__ import annotations

import numpy as np

from cnn101 import experiments
from cnn101._tf import keras


def _linear_model(learning_rate: float = 0.05):
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", name="w"),
        ]
    )
    model.compile(keras.optimizers.SGD(learning_rate), "mse")
    return model


def _planted(patience: int = 3, **kwargs) -> experiments.Recipe:
    x, y = np.ones((8, 1), "float32"), np.full((8,), 10.0, "float32")
    validation = (np.ones((4, 1), "float32"), np.full((4,), 3.0, "float32"))
    settings = {"batch_size": 4, "max_steps": 60, "patience": patience, **kwargs}
    return experiments.Recipe(
        "planted",
        _linear_model,
        x,
        y,
        evaluate=lambda m: {"w": float(m.get_layer("w").get_weights()[0][0, 0])},
        validation=validation,
        **settings,
    )


def _classifier(seed_layer: int = 4):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(seed_layer, "relu"), keras.layers.Dense(3)]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _faulty(build=_classifier, **kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    settings = {"x": x, "y": rng.integers(0, 3, 40), "evaluate": lambda m: {}, **kwargs}
    return experiments.Recipe("faulty", build, max_steps=2, **settings)


def _result(
    metrics: dict[str, np.ndarray],
    recipe: experiments.Recipe | None = None,
    seeds: tuple[int, ...] | None = None,
) -> experiments.Result:
    """A trained-looking Result holding ``metrics`` (by default for seeds 0, 1, ...)."""
    if recipe is None:
        x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
        recipe = experiments.Recipe(
            "arm", lambda: None, x, (x[:, 0] > 0).astype(int), evaluate=lambda m: {}
        )
    if seeds is None:
        seeds = tuple(range(len(next(iter(metrics.values())))))
    return experiments.Result(
        name=recipe.name,
        seeds=tuple(seeds),
        histories=[{"loss": [1.0], "val_loss": [1.0]} for _ in seeds],
        best_epochs=[1 for _ in seeds],
        metrics=metrics,
        seconds=[0.0 for _ in seeds],
        weights=[None for _ in seeds],
        recipe=recipe,
    )
