"""cnn101.experiments.records: Recipe's and Result's argument checks, against NumPy's indexing."""

from __future__ import annotations

import numpy as np
import pytest
from _tiny import _linear_model, _planted, _result

from cnn101 import experiments


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_steps": 0}, ValueError, "max_steps"),
        ({"patience": 1.5}, TypeError, "patience"),
        ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
        ({"min_delta": float("nan")}, ValueError, "min_delta"),
        ({"params": {"f": object()}}, TypeError, "params"),
        ({"validation": (np.ones((2, 1)),)}, ValueError, "validation"),
        ({"validation": 3}, TypeError, "validation"),  # not a pair at all: a wrong type
        ({"name": ""}, ValueError, "`name` must be a non-empty string"),
        ({"name": 3}, TypeError, "`name` must be a non-empty string"),
    ],
)
def test_bad_recipes_get_named_errors(kwargs, error, match):
    base = {
        "name": "bad",
        "build": _linear_model,
        "x": np.ones((4, 1)),
        "y": np.ones(4),
        "evaluate": lambda m: {},
    }
    with pytest.raises(error, match=match):
        experiments.Recipe(**{**base, **kwargs})


def test_a_result_refuses_a_boolean_seed():
    result = experiments.run(_planted(), seeds=(0, 1), cache=False, verbose=False)
    with pytest.raises(TypeError, match="`seed`"):
        result.model(True)


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


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (np.array([1.0, np.nan]), ValueError),
        (np.array(["a", "b"]), TypeError),
        (np.float32(1.0), ValueError),  # a number, but not one entry per example
    ],
)
def test_recipe_data_must_be_finite_numbers_per_example(bad, error):
    with pytest.raises(error, match="`x`"):
        experiments.Recipe("arm", lambda: None, bad, np.zeros(2), evaluate=lambda m: {})


@pytest.mark.parametrize(
    ("metric", "error"), [("loss", ValueError), (3, TypeError), (None, TypeError)]
)
def test_an_unknown_metric_is_a_wrong_value_and_a_non_string_a_wrong_type(metric, error):
    result = _result({"acc": np.zeros((3, 5))})
    for call in (
        lambda: result.summary(metric),
        lambda: experiments.difference(result, result, metric),
        lambda: experiments.estimate(result, metric),
    ):
        with pytest.raises(error, match="`metric`"):
            call()


@pytest.mark.parametrize("attr", ["x", "y", "validation"])
def test_data_too_large_to_copy_is_refused_before_any_copy(attr):
    """A broadcast view of 2**40 rows takes no memory; its float32 copy would take 4 TiB."""
    rows = np.broadcast_to(np.float32(0.0), (2**40, 1))
    kwargs = {"x": np.ones((8, 1), "float32"), "y": np.zeros(8)}
    if attr == "validation":
        kwargs["validation"] = (rows, rows[:, 0])
    else:
        kwargs[attr] = rows if attr == "x" else rows[:, 0]
    with pytest.raises(
        ValueError, match=rf"`{attr}` asks for a float32 copy of shape \(1099511627776"
    ):
        experiments.Recipe("huge", _linear_model, evaluate=lambda m: {}, **kwargs)
