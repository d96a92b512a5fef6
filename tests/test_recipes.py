"""The tutorials' recipes: controlled arms, and a command line that checks its arguments."""

from __future__ import annotations

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
    data = recipes.digits(40, 10)
    arms = recipes.zoom_recipes(data)
    assert list(arms) == ["plain", "zoom-augmented", "natural sizes"]
    plain_boxes = scale.bounding_boxes(arms["plain"].x)[:, 2]
    natural_boxes = scale.bounding_boxes(arms["natural sizes"].x)[:, 2]
    assert np.ptp(natural_boxes) > np.ptp(plain_boxes)
    drawn, _ = arms["zoom-augmented"].augment(data.x_train, data.y_train, np.random.default_rng(0))
    assert drawn.shape == arms["plain"].x.shape


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


def test_gap_network_differs_from_shift_cnn_only_in_its_head():
    flat, gap = recipes.shift_cnn("max"), recipes.shift_cnn_gap("max")
    kinds = [type(layer).__name__ for layer in flat.layers]
    assert [type(layer).__name__ for layer in gap.layers] == [
        *kinds[:-2],
        "GlobalAveragePooling2D",
        "Dense",
    ]
    assert [w.shape for w in gap.weights[:-2]] == [w.shape for w in flat.weights[:-2]]
    assert gap.output_shape == (None, 10)
    # the head averages the map: a constant map gives the same logits wherever it sits
    assert gap.count_params() == flat.count_params() - (4 * 4 - 1) * 16 * 10


def test_shift_comparison_arms_and_the_far_shift_metrics():
    data = recipes.digits(40, 10)
    arms = recipes.shift_comparison(data)
    assert len(arms) == 11 and ("max gap", False) in arms and ("aps", False) in arms
    assert all(np.array_equal(r.x, arms["max", False].x) for r in arms.values())
    assert arms["max gap", False].params["head"] == "gap"
    metrics = arms["max", False].evaluate(recipes.shift_cnn("max"))
    assert len(metrics["agreement_by_shift"]) == len(recipes.TEST_SHIFTS)
    assert metrics["agreement_by_shift"][0] == 1.0
    assert metrics["accuracy_by_shift"][0] == metrics["accuracy"]
    with pytest.raises(ValueError, match="head"):
        recipes.shift_recipes(data, head="flat")
