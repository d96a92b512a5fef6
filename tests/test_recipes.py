"""The tutorials' recipes: controlled arms, and a command line that checks its arguments."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnn101 import recipes, scale


def test_shift_arms_differ_only_in_downsampling():
    """Every pooling variant has the same weights; only the downsampling op changes."""
    models = {p: recipes.shift_cnn(p) for p in recipes.POOLINGS}
    counts = {p: m.count_params() for p, m in models.items()}
    assert len(set(counts.values())) == 1
    shapes = {p: [w.shape for w in m.weights] for p, m in models.items()}
    assert all(s == shapes["max"] for s in shapes.values())
    for model in models.values():
        assert model.output_shape == (None, 10)


def test_shift_recipes_hold_data_and_budget_fixed():
    data = recipes.digits(40, 10)
    plain, shifted = recipes.shift_recipes(data), recipes.shift_recipes(data, augment=True)
    for arms in (plain, shifted):
        assert set(arms) == set(recipes.POOLINGS)
        first = next(iter(arms.values()))
        for recipe in arms.values():
            assert recipe.x is first.x and recipe.y is first.y
            assert (recipe.max_steps, recipe.patience) == (first.max_steps, first.patience)
    assert all(r.augment is None for r in plain.values())
    assert all(r.augment is not None for r in shifted.values())
    x, _ = shifted["max"].augment(plain["max"].x, plain["max"].y, np.random.default_rng(0))
    assert x.shape == plain["max"].x.shape and not np.array_equal(x, plain["max"].x)


def test_zoom_arms_differ_only_in_the_sizes_seen():
    """Every arm moves its digits at every epoch; only the sizes differ."""
    data = recipes.digits(40, 10)
    arms = recipes.zoom_recipes(data)
    assert list(arms) == ["plain", "zoom-augmented", "natural sizes", "only 0.5x", "only 2x"]
    for recipe in arms.values():
        assert recipe.x is data.x_train and recipe.y is data.y_train
        assert (recipe.max_steps, recipe.patience) == recipes.ZOOM_BUDGET
        assert recipe.augment is not None
    ink = scale.bounding_boxes(data.x_train)[:, 2]
    for name, s in (("plain", 1.0), ("only 0.5x", 0.5), ("only 2x", 2.0)):
        x, _ = arms[name].draw(data.x_train, data.y_train, np.random.default_rng(0))
        assert x.shape == (40, 40, 40, 1)
        assert (scale.bounding_boxes(x[..., 0])[:, 2] == np.maximum(1, np.round(s * ink))).all()
    zoomed, _ = arms["zoom-augmented"].augment(data.x_train, data.y_train, np.random.default_rng(0))
    ratio = scale.bounding_boxes(zoomed[..., 0])[:, 2] / ink
    assert ratio.min() >= 0.5 - 0.05 and ratio.max() <= 2.0 + 0.05 and np.ptp(ratio) > 0.5


@pytest.mark.parametrize("name", ["plain", "natural sizes", "only 2x"])
def test_sizes_are_drawn_per_seed_and_only_moved_each_epoch(name):
    data = recipes.digits(40, 10)
    recipe = recipes.zoom_recipes(data)[name]
    one, _ = recipe.draw(data.x_train, data.y_train, np.random.default_rng(1))
    other, _ = recipe.draw(data.x_train, data.y_train, np.random.default_rng(2))
    assert not np.array_equal(one, other)  # seeds vary the draw (positions, sizes)
    moved, _ = recipe.augment(one, data.y_train, np.random.default_rng(3))
    boxes, new_boxes = scale.bounding_boxes(one[..., 0]), scale.bounding_boxes(moved[..., 0])
    # The epoch's redraw keeps each digit's pixels exactly (its size) and moves it.
    assert (new_boxes[:, 2:] == boxes[:, 2:]).all() and (new_boxes[:, :2] != boxes[:, :2]).any()
    for i, (top, left, h, w) in enumerate(boxes):
        t, lft = new_boxes[i, :2]
        assert np.array_equal(
            moved[i, t : t + h, lft : lft + w], one[i, top : top + h, left : left + w]
        )
    if name == "natural sizes":
        sizes = scale.bounding_boxes(other[..., 0])[:, 2]
        assert not np.array_equal(boxes[:, 2], sizes)  # each seed its own sizes


def test_channel_arms_differ_only_in_their_channels():
    data = recipes.digits(40, 10)
    zoom = recipes.zoom_recipes(data)
    short = dataclasses.replace(zoom["plain"], max_steps=1)
    plain = recipes.run(short, seeds=(0,), cache=False, verbose=False)
    arms = recipes.scale_channel_recipes(data, plain)
    assert {n: tuple(r.params["channels"]) for n, r in arms.items()} == recipes.CHANNEL_SETS
    for recipe in arms.values():
        assert (recipe.max_steps, recipe.patience, recipe.min_delta) == (
            *recipes.CHANNEL_BUDGET,
            0.0,
        )
        assert recipe.x is data.x_train and None not in (recipe.draw, recipe.augment)
    inserted = recipes.inserted_channels(data, plain)
    assert inserted["two-sided"]["accuracy"].shape == (1, len(recipes.TEST_SCALES))
    wins = inserted["two-sided"]["channel_wins"]
    assert wins.shape == (1, len(recipes.TEST_SCALES), 5)
    assert np.allclose(wins.sum(axis=-1), 1.0)


def test_accuracy_gap_matches_the_formula():
    # Paired differences all 0.1: the spread over seeds is 0; only the test sets' error
    # remains, t(0.975, 2 dof) = 4.302653 times sqrt(2 * 0.5 * 0.5 / 100) (p = 0.55, 0.45
    # give 0.2475 each).
    mean, (low, high) = recipes.accuracy_gap([0.55] * 3, [0.45] * 3, n_test=100)
    half = 4.302653 * np.sqrt(2 * 0.2475 / 100)
    assert mean == pytest.approx(0.1)
    assert (low, high) == pytest.approx((0.1 - half, 0.1 + half), abs=1e-5)
    with pytest.raises(ValueError, match="`a` and `b`"):
        recipes.accuracy_gap([0.5], [0.4], n_test=100)
    with pytest.raises(ValueError, match="`a` and `b`"):
        recipes.accuracy_gap([1.5, 0.5], [0.4, 0.4], n_test=100)


@pytest.mark.parametrize(
    "call",
    [
        lambda: recipes.shift_cnn("median"),
        lambda: recipes.digits(5000),
        lambda: recipes.scale_channel_recipes(recipes.digits(20, 5), plain="not a result"),
        lambda: recipes.transfer_recipes(recipes.digits(20, 5), "not a result", 30),
    ],
)
def test_bad_arguments_get_named_errors(call):
    with pytest.raises((ValueError, TypeError), match=r"`\w+`"):
        call()


@pytest.mark.parametrize(
    "argv",
    [
        ["nothing"],
        ["shift", "--seeds", "0", "0"],
        ["shift", "--n-train", "5"],
        ["scale", "--n-test", "0"],
    ],
)
def test_command_line_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        recipes.main(argv)
    assert stop.value.code == 2
    assert "error" in capsys.readouterr().err
