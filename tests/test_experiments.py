"""The experiment runner against known answers.

* A model that can only reach chance (constant inputs, balanced labels) ends at
  cross-entropy ln 2 and accuracy 0.5.
* Early stopping stops at a planted minimum: gradient descent on (w - 10)^2 moves
  w = 10 (1 - 0.9^e) after epoch e, and the validation loss (w - 3)^2 is lowest at
  epoch 3 (w = 2.71; w = 3.44 after epoch 4).
* The cache is reused for the same recipe and invalidated when a parameter changes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnn101 import experiments
from cnn101._tf import tensorflow

tensorflow()
import keras  # noqa: E402


def _linear_model(learning_rate: float = 0.05):
    model = keras.Sequential(
        [
            keras.Input((1,)),
            keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros", name="w"),
        ]
    )
    model.compile(keras.optimizers.SGD(learning_rate), "mse")
    return model


def _planted(patience: int = 2, **kwargs) -> experiments.Recipe:
    x, y = np.ones((8, 1), "float32"), np.full((8,), 10.0, "float32")
    validation = (np.ones((4, 1), "float32"), np.full((4,), 3.0, "float32"))
    return experiments.Recipe(
        "planted",
        _linear_model,
        x,
        y,
        evaluate=lambda m: {"w": float(m.get_layer("w").get_weights()[0][0, 0])},
        validation=validation,
        batch_size=8,  # one step per epoch
        max_epochs=30,
        patience=patience,
        **kwargs,
    )


def test_early_stopping_stops_at_a_planted_minimum():
    result = experiments.run(_planted(), seeds=(0,), cache=False, verbose=False)
    curve = result.histories[0]["val_loss"]
    expected_w = [10 * (1 - 0.9**e) for e in range(1, 6)]
    np.testing.assert_allclose(curve, [(w - 3) ** 2 for w in expected_w], rtol=1e-4)
    assert result.best_epochs == [3]
    assert len(curve) == 3 + 2  # two epochs of patience after the best one
    assert result.summary("w").mean == pytest.approx(10 * (1 - 0.9**3), rel=1e-5)


def test_min_delta_ignores_small_improvements():
    """With min_delta larger than every improvement after epoch 1, epoch 1 is kept."""
    result = experiments.run(_planted(min_delta=100.0), seeds=(0,), cache=False, verbose=False)
    assert result.best_epochs == [1]


def test_a_model_that_can_only_reach_chance():
    x = np.zeros((200, 4), "float32")
    y = np.tile([0, 1], 100)

    def build():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(
            keras.optimizers.Adam(0.05),
            keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model

    def evaluate(model):
        return {"accuracy": float((model.predict(x, verbose=0).argmax(1) == y).mean())}

    recipe = experiments.Recipe("chance", build, x, y, evaluate, max_epochs=40, patience=3)
    result = experiments.run(recipe, seeds=(0, 1, 2), cache=False, verbose=False)
    assert result.summary("accuracy").max == pytest.approx(0.5)
    for history in result.histories:
        assert min(history["val_loss"]) == pytest.approx(math.log(2), abs=0.02)


def test_seeds_side_by_side_are_deterministic_and_distinct():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")

    def build():
        model = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(4, "relu"), keras.layers.Dense(2)]
        )
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    def evaluate(model):
        return {"first_weight": float(model.layers[0].get_weights()[0][0, 0])}

    recipe = experiments.Recipe("det", build, x, y, evaluate, max_epochs=5, patience=5)
    a = experiments.run(recipe, seeds=(0, 1), cache=False, verbose=False)
    b = experiments.run(recipe, seeds=(0, 1), cache=False, verbose=False)
    np.testing.assert_allclose(a.metrics["first_weight"], b.metrics["first_weight"], rtol=1e-6)
    assert a.metrics["first_weight"][0] != a.metrics["first_weight"][1]
    assert a.histories == b.histories


def test_cache_is_reused_and_invalidated(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_planted(), seeds=(0, 1))
    assert "cached" not in capsys.readouterr().out
    again = experiments.run(_planted(), seeds=(0, 1))
    assert capsys.readouterr().out.count("cached") == 2
    assert again.histories == first.histories and again.best_epochs == first.best_epochs
    assert again.model(0).get_layer("w").get_weights()[0][0, 0] == pytest.approx(
        first.summary("w").values[0]
    )
    changed = experiments.run(_planted(patience=3), seeds=(0,))
    assert "cached" not in capsys.readouterr().out
    assert len(changed.histories[0]["val_loss"]) == 3 + 3
    extra = experiments.run(_planted(), seeds=(0, 1, 2))  # only seed 2 is new
    assert capsys.readouterr().out.count("cached") == 2
    assert extra.seeds == (0, 1, 2)


def test_summary_and_difference_are_the_textbook_statistics():
    s = experiments.Summary.of([1.0, 2.0, 6.0])
    assert s.mean == pytest.approx(3.0)
    assert s.std == pytest.approx(np.std([1, 2, 6], ddof=1))
    assert s.sem == pytest.approx(s.std / math.sqrt(3))
    assert (s.min, s.max, s.n) == (1.0, 6.0, 3)
    a = experiments.run(_planted(), seeds=(0, 1), cache=False, verbose=False)
    d = experiments.difference(a, a, "w")
    assert d.mean == 0 and d.std == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_epochs": 0}, "max_epochs"),
        ({"patience": 1.5}, "patience"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"min_delta": float("nan")}, "min_delta"),
        ({"params": {"f": object()}}, "params"),
        ({"validation": (np.ones((2, 1)),)}, "validation"),
    ],
)
def test_bad_recipes_get_named_errors(kwargs, match):
    base = {
        "name": "bad",
        "build": _linear_model,
        "x": np.ones((4, 1)),
        "y": np.ones(4),
        "evaluate": lambda m: {},
    }
    with pytest.raises((ValueError, TypeError), match=match):
        experiments.Recipe(**{**base, **kwargs})


@pytest.mark.parametrize(
    ("seeds", "match"), [((), "seeds"), ((0, 0), "distinct"), ((-1,), "seeds"), (3, "seeds")]
)
def test_bad_seeds_get_named_errors(seeds, match):
    with pytest.raises((ValueError, TypeError), match=match):
        experiments.run(_planted(), seeds=seeds, cache=False, verbose=False)
