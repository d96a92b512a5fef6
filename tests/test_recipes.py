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
        lambda: recipes.transfer_source_recipe(recipes.digits(20, 5), canvas=20),
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
        ["transfer", "--sizes", "1"],
    ],
)
def test_command_line_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        recipes.main(argv)
    assert stop.value.code == 2
    assert "error" in capsys.readouterr().err


def _fake_result(metrics, recipe=None):
    """A Result holding given per-seed metrics (no training: nothing here builds a model)."""
    from cnn101.experiments import Result

    seeds = tuple(range(len(next(iter(metrics.values())))))
    n = len(seeds)
    arrays = {k: np.asarray(v, dtype=float) for k, v in metrics.items()}
    return Result("fake", seeds, [{}] * n, [0] * n, arrays, [0.0] * n, [None] * n, recipe)


def test_transfer_arms_differ_only_in_copied_and_frozen_layers():
    """Tutorial 6: one labelled set per seed (the same in every arm), no copy in validation."""
    data = recipes.digits(200, 100)
    source = recipes.transfer_source_recipe(data)
    assert set(source.y.tolist()) == set(range(5))  # digits 0-4, relabelled 0..4
    arms = recipes.transfer_recipes(data, _fake_result({"accuracy": [0.9]}, source), 30)
    assert list(arms) == list(recipes.TRANSFER_ARMS)
    first = arms["from scratch"]
    assert set(first.y.tolist()) == set(range(5))  # digits 5-9, relabelled 0..4
    draws = []
    for recipe in arms.values():
        assert recipe.x is first.x and recipe.batch_size == first.batch_size
        assert (recipe.max_steps, recipe.patience) == recipes.TRANSFER_BUDGET
        draws.append(recipe.draw(recipe.x, recipe.y, np.random.default_rng(7)))
    x, y, x_val, y_val = draws[0]
    assert len(x) == 300 and len(x_val) == 15 and x.shape[1:] == (24, 24, 1)
    assert np.array_equal(x[:30], x[30:60]) and np.array_equal(y[:30], y[30:60])  # repeated
    assert set(y_val.tolist()) <= set(range(5))
    assert not any((x_val == image).all(axis=(1, 2, 3)).any() for image in x[:30])
    for other in draws[1:]:  # every arm of a seed learns from the same digits
        assert all(np.array_equal(a, b) for a, b in zip(draws[0], other, strict=True))
    other_seed = first.draw(first.x, first.y, np.random.default_rng(8))
    assert not np.array_equal(other_seed[0], x)  # another seed, another labelled set
    assert first.params["n_test"] == int((data.y_test >= 5).sum())


def test_freeze_conv_layers_leaves_the_probe_its_softmax_layer():
    from cnn101.models import plain_cnn

    model = recipes.freeze_conv_layers(plain_cnn((24, 24, 1), num_classes=5), 3)
    assert sum(int(w.shape.num_elements()) for w in model.trainable_weights) == 32 * 5 + 5
    two = recipes.freeze_conv_layers(plain_cnn((24, 24, 1), num_classes=5), 2)
    assert sum(int(w.shape.num_elements()) for w in two.trainable_weights) == (
        3 * 3 * 16 * 32 + 32 + 32 * 5 + 5
    )
    with pytest.raises(ValueError, match="`count`"):
        recipes.freeze_conv_layers(plain_cnn((24, 24, 1)), 4)


def test_paired_interval_is_t_times_the_seed_and_test_errors():
    """Against a hand computation, with t(0.975, 2 dof) = 4.303 from printed tables."""
    a = _fake_result(
        {"accuracy": [0.5, 0.75, 0.5], "correct": [[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 1, 0]]}
    )
    b = _fake_result(
        {"accuracy": [0.25, 0.5, 0.5], "correct": [[1, 0, 0, 0], [1, 1, 0, 0], [0, 1, 1, 0]]}
    )
    mean, low, high = recipes.paired_interval(a, b)
    d = np.array([0.25, 0.25, 0.0])
    per_digit = np.array([0, 0, 2 / 3, 0])
    half = 4.303 * np.hypot(d.std(ddof=1) / np.sqrt(3), per_digit.std(ddof=1) / 2)
    assert mean == pytest.approx(d.mean())
    assert (low, high) == pytest.approx((d.mean() - half, d.mean() + half), abs=2e-3)
    with pytest.raises(TypeError, match="`a`"):
        recipes.paired_interval(_fake_result({"accuracy": [0.5, 0.6]}), b)


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
