"""Argument checks of the experiment runner and the recipes, against NumPy's own indexing."""

from __future__ import annotations

import numpy as np
import pytest

from cnn101 import experiments, recipes


def _result(metrics: dict[str, np.ndarray]) -> experiments.Result:
    x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    recipe = experiments.Recipe(
        "arm", lambda: None, x, (x[:, 0] > 0).astype(int), evaluate=lambda m: {}
    )
    seeds = tuple(range(len(next(iter(metrics.values())))))
    return experiments.Result(
        name="arm",
        seeds=seeds,
        histories=[{"loss": [1.0], "val_loss": [1.0]} for _ in seeds],
        best_epochs=[1 for _ in seeds],
        metrics=metrics,
        seconds=[0.0 for _ in seeds],
        weights=[None for _ in seeds],
        recipe=recipe,
    )


def test_summary_index_picks_what_numpy_picks():
    values = np.random.default_rng(0).uniform(size=(3, 5, 2))
    result = _result({"acc": values})
    for index, expected in [
        ((1, 0), values[:, 1, 0]),
        ((np.int64(4), -1), values[:, 4, -1]),
    ]:
        np.testing.assert_array_equal(result.summary("acc", index).values, expected)


@pytest.mark.parametrize("index", [(), 2])
def test_summary_of_a_metric_with_conditions_needs_one_condition(index):
    """Pooling conditions (test scales) would count them as seeds."""
    result = _result({"acc": np.zeros((3, 5, 2))})
    with pytest.raises(ValueError, match="`index` must pick one entry"):
        result.summary("acc", index)


@pytest.mark.parametrize(
    ("index", "error"),
    [
        (5, ValueError),
        ((0, 2), ValueError),
        ((0, 0, 0), ValueError),
        (None, TypeError),
        (1.0, TypeError),
        (True, TypeError),
        ("0", TypeError),
        ([0, 1], TypeError),
    ],
)
def test_summary_index_out_of_range_or_not_an_integer_is_named(index, error):
    result = _result({"acc": np.zeros((3, 5, 2))})
    with pytest.raises(error, match="`index`"):
        result.summary("acc", index)
    with pytest.raises(error, match="`index`"):
        experiments.difference(result, result, "acc", index)


@pytest.mark.parametrize("flag", ["cache", "verbose"])
@pytest.mark.parametrize("value", ["no", None, 0, np.nan])
def test_run_flags_must_be_booleans(flag, value):
    recipe = _result({"acc": np.zeros(1)}).recipe
    for call in (
        lambda: experiments.run(recipe, (0,), **{flag: value}),
        lambda: experiments.run_many({"arm": recipe}, (0,), **{flag: value}),
    ):
        with pytest.raises(TypeError, match=f"`{flag}` must be True or False"):
            call()


@pytest.mark.parametrize("bad", [np.array([1.0, np.nan]), np.array(["a", "b"]), np.float32(1.0)])
def test_recipe_data_must_be_finite_numbers_per_example(bad):
    with pytest.raises((ValueError, TypeError), match="`x`"):
        experiments.Recipe("arm", lambda: None, bad, np.zeros(2), evaluate=lambda m: {})


@pytest.mark.parametrize("data", [None, 3, {"x_train": np.zeros((2, 28, 28))}])
def test_recipes_name_their_data(data):
    for make in (recipes.shift_recipes, recipes.zoom_recipes):
        with pytest.raises(TypeError, match="`data` must be a Digits draw"):
            make(data)


@pytest.mark.parametrize(
    ("input_shape", "error"),
    [
        ((4, 4, 1), ValueError),
        ((32, 32), ValueError),
        ((32, 32, 0), ValueError),
        ((True, True, True), TypeError),
        ((32.0, 32, 1), TypeError),
        ("32", TypeError),
    ],
)
def test_shift_cnn_names_a_bad_input_shape(input_shape, error):
    with pytest.raises(error, match="`input_shape`"):
        recipes.shift_cnn("max", input_shape=input_shape)


def test_shift_cnn_takes_numpy_numbers():
    model = recipes.shift_cnn(
        "avg", input_shape=(np.int64(16), 16, 1), learning_rate=np.float32(1e-3)
    )
    assert model.output_shape == (None, 10)
