"""The tutorials' recipes: controlled arms, and a command line that checks its arguments."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from cnn101 import datasets, digits, experiments, models
from cnn101.experiments import recipes
from cnn101.experiments.command_line import main


def test_shift_arms_differ_only_in_downsampling():
    """Every pooling variant has the same weights; only the downsampling op changes."""
    networks = {p: models.shift_cnn(p) for p in models.POOLINGS}
    counts = {p: m.count_params() for p, m in networks.items()}
    assert len(set(counts.values())) == 1
    shapes = {p: [w.shape for w in m.weights] for p, m in networks.items()}
    assert all(s == shapes["max"] for s in shapes.values())
    for model in networks.values():
        assert model.output_shape == (None, 10)


def test_shift_recipes_hold_data_and_budget_fixed():
    data = recipes.digits(40, 10)
    plain, shifted = recipes.shift_recipes(data), recipes.shift_recipes(data, augment=True)
    for arms in (plain, shifted):
        assert set(arms) == set(models.POOLINGS)
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
    ink = digits.bounding_boxes(data.x_train)[:, 2]
    for name, s in (("plain", 1.0), ("only 0.5x", 0.5), ("only 2x", 2.0)):
        x, _ = arms[name].draw(data.x_train, data.y_train, np.random.default_rng(0))
        assert x.shape == (40, 40, 40, 1)
        assert (digits.bounding_boxes(x[..., 0])[:, 2] == np.maximum(1, np.round(s * ink))).all()
    zoomed, _ = arms["zoom-augmented"].augment(data.x_train, data.y_train, np.random.default_rng(0))
    ratio = digits.bounding_boxes(zoomed[..., 0])[:, 2] / ink
    assert ratio.min() >= 0.5 - 0.05 and ratio.max() <= 2.0 + 0.05 and np.ptp(ratio) > 0.5


@pytest.mark.parametrize("name", ["plain", "natural sizes", "only 2x"])
def test_sizes_are_drawn_per_seed_and_only_moved_each_epoch(name):
    data = recipes.digits(40, 10)
    recipe = recipes.zoom_recipes(data)[name]
    one, _ = recipe.draw(data.x_train, data.y_train, np.random.default_rng(1))
    other, _ = recipe.draw(data.x_train, data.y_train, np.random.default_rng(2))
    assert not np.array_equal(one, other)  # seeds vary the draw (positions, sizes)
    moved, _ = recipe.augment(one, data.y_train, np.random.default_rng(3))
    boxes, new_boxes = digits.bounding_boxes(one[..., 0]), digits.bounding_boxes(moved[..., 0])
    # The epoch's redraw keeps each digit's pixels exactly (its size) and moves it.
    assert (new_boxes[:, 2:] == boxes[:, 2:]).all() and (new_boxes[:, :2] != boxes[:, :2]).any()
    for i, (top, left, h, w) in enumerate(boxes):
        t, lft = new_boxes[i, :2]
        assert np.array_equal(
            moved[i, t : t + h, lft : lft + w], one[i, top : top + h, left : left + w]
        )
    if name == "natural sizes":
        sizes = digits.bounding_boxes(other[..., 0])[:, 2]
        assert not np.array_equal(boxes[:, 2], sizes)  # each seed its own sizes


def test_channel_arms_differ_only_in_their_channels():
    data = recipes.digits(40, 10)
    zoom = recipes.zoom_recipes(data)
    short = dataclasses.replace(zoom["plain"], max_steps=1)
    plain = experiments.run(short, seeds=(0,), cache=False, verbose=False)
    arms = recipes.scale_channel_recipes(data, plain)
    control = arms.pop(recipes.PLAIN_FINE_TUNED)  # the plain network, fine-tuned the same way
    assert {n: tuple(r.params["channels"]) for n, r in arms.items()} == recipes.CHANNEL_SETS
    assert control.params["channels"] == [] and control.params["canvas"] == [28, 40]
    tuned = control.build(0)  # the plain weights of seed 0, in the plain network
    assert tuned.count_params() == plain.model(0).count_params()
    for got, want in zip(tuned.get_weights(), plain.model(0).get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    measured = control.evaluate(tuned)
    assert set(measured) == {"accuracy", "correct"}  # no channels, no channel wins
    for recipe in [*arms.values(), control]:
        assert (recipe.max_steps, recipe.patience, recipe.min_delta) == (
            *recipes.CHANNEL_BUDGET,
            0.0,
        )
        assert recipe.x is data.x_train and None not in (recipe.draw, recipe.augment)
    inserted = recipes.inserted_channels(data, plain)
    assert inserted["two-sided"]["accuracy"].shape == (1, len(recipes.TEST_SCALES))
    assert set(inserted["two-sided"]) == {"accuracy", "correct"}
    correct = inserted["two-sided"]["correct"]  # (seeds, scales, test digits)
    assert correct.shape == (1, len(recipes.TEST_SCALES), len(data.y_test))
    np.testing.assert_allclose(correct.mean(axis=-1), inserted["two-sided"]["accuracy"])
    counted = recipes.inserted_channels(data, plain, channels={"up": (2.0, 1.0)}, wins=True)
    shares = counted["up"]["channel_wins"]
    assert shares.shape == (1, len(recipes.TEST_SCALES), 2)
    assert np.allclose(shares.sum(axis=-1), 1.0)  # every pooled feature has one winner


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: models.shift_cnn("median"), ValueError),
        (lambda: recipes.digits(5000), ValueError),
        (
            lambda: recipes.scale_channel_recipes(recipes.digits(20, 5), plain="not a result"),
            TypeError,
        ),
        (lambda: recipes.transfer_recipes(recipes.digits(20, 5), "not a result", 30), TypeError),
        (lambda: recipes.transfer_source_recipe(recipes.digits(20, 5), canvas=20), ValueError),
    ],
)
def test_bad_arguments_get_named_errors(call, error):
    with pytest.raises(error, match=r"`\w+`"):
        call()


@pytest.mark.parametrize(
    "argv",
    [
        ["nothing"],
        ["shift", "--seeds", "0", "0"],
        ["shift", "--seeds", "4294967296"],  # past NumPy's seeds: refused before training
        ["shift", "--n-train", "5"],
        ["scale", "--n-test", "0"],
        ["scale", "--part", "trunk"],
        ["transfer", "--sizes", "1"],
    ],
)
def test_command_line_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
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


def test_the_class_keeping_control_changes_only_the_classes():
    """classes="same": digits 0-4 the source never saw, tested on digits 0-4; all else equal."""
    from cnn101.datasets import load_digits

    data = recipes.digits(200, 100)
    source = _fake_result({"accuracy": [0.9]}, recipes.transfer_source_recipe(data))
    new = recipes.transfer_recipes(data, source, 30)
    same = recipes.transfer_recipes(data, source, 30, classes="same")
    assert list(same) == list(new)
    (x_all, y_all), _ = load_digits()
    unseen = x_all[200:][y_all[200:] < 5]  # digits 0-4 after the source's 200
    for arm in same:
        a, b = new[arm], same[arm]
        assert b.params["classes"] == "same" and a.params["classes"] == "new"
        assert {k: v for k, v in a.params.items() if k not in ("classes", "n_test")} == {
            k: v for k, v in b.params.items() if k not in ("classes", "n_test")
        }
        assert (a.max_steps, a.patience, a.batch_size) == (b.max_steps, b.patience, b.batch_size)
    assert np.array_equal(same["from scratch"].x, unseen)
    assert same["from scratch"].params["n_test"] == int((data.y_test < 5).sum())
    with pytest.raises(ValueError, match="`classes`"):
        recipes.transfer_recipes(data, source, 30, classes="other")


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


def test_compare_and_estimate_use_the_per_digit_scores():
    """compare / estimate are paired_difference / accuracy_interval on the per-example metric."""
    rng = np.random.default_rng(0)
    a_correct = (rng.random((3, 2, 40)) < 0.8).astype(float)  # (seeds, conditions, digits)
    b_correct = (rng.random((3, 2, 40)) < 0.6).astype(float)
    a, b = _fake_result({"correct": a_correct}), _fake_result({"correct": b_correct})
    for i in (0, 1):
        got = experiments.compare(a, b, "correct", i)
        want = experiments.paired_difference(a_correct[:, i], b_correct[:, i])
        assert tuple(got) == pytest.approx(tuple(want))
        got = experiments.estimate(a, "correct", i)
        assert tuple(got) == pytest.approx(tuple(experiments.accuracy_interval(a_correct[:, i])))
    with pytest.raises(ValueError, match="one score per test example"):
        experiments.compare(_fake_result({"correct": [0.5, 0.6, 0.7]}), b)  # per-seed numbers
    with pytest.raises(ValueError, match="one score per test example"):
        experiments.compare(a, b, "correct")  # a condition must be picked
    with pytest.raises(ValueError, match="same seeds"):
        experiments.compare(a, _fake_result({"correct": b_correct[:2]}), "correct", 0)
    with pytest.raises(TypeError, match="`b`"):
        experiments.compare(a, b_correct)


def test_gap_network_differs_from_shift_cnn_only_in_its_head():
    flat, gap = models.shift_cnn("max"), models.shift_cnn_gap("max")
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
    assert len(arms) == 9 and ("max gap", False) in arms and ("aps", False) in arms
    assert ("max", True) in arms and ("blur", True) in arms and ("avg", True) not in arms
    assert len(recipes.shift_comparison(data, shifted=models.POOLINGS)) == 11
    assert ("aps", False) not in recipes.shift_comparison(data, aps=False)
    assert all(np.array_equal(r.x, arms["max", False].x) for r in arms.values())
    assert arms["max gap", False].params["head"] == "gap"
    metrics = arms["max", False].evaluate(models.shift_cnn("max"))
    assert len(metrics["agreement_by_shift"]) == len(recipes.TEST_SHIFTS)
    assert metrics["agreement_by_shift"][0] == 1.0
    assert metrics["accuracy_by_shift"][0] == metrics["accuracy"]
    with pytest.raises(ValueError, match="head"):
        recipes.shift_recipes(data, head="flat")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda d: recipes.shift_comparison(d, shifted=[]), ValueError, "`shifted`"),
        (lambda d: recipes.shift_comparison(d, shifted="max"), TypeError, "`shifted`"),
        (lambda d: recipes.channel_wins(3, np.zeros((1, 28, 28, 1))), TypeError, "`model`"),
        (
            lambda d: recipes.channel_wins(models.plain_cnn(), np.zeros((1, 28, 28, 1))),
            ValueError,
            "`model`",
        ),
    ],
)
def test_a_wrong_type_is_a_type_error_and_a_wrong_value_a_value_error(call, error, match):
    with pytest.raises(error, match=match):
        call(recipes.digits(20, 5))


def test_the_transfer_size_rule_is_what_a_draw_needs():
    """Every size in the range fits its training and validation digits in the pool; no other."""
    for pool in range(0, 40):
        fits = [n for n in range(0, 60) if n >= 2 and n + max(1, n // 2) <= pool]
        assert list(recipes.transfer.transfer_sizes(pool)) == fits
    x, y = recipes.transfer.transfer_pool(recipes.digits(20, 5))
    (_, y_all), _ = datasets.load_digits()
    assert len(x) == int(np.isin(y_all, recipes.TARGET_CLASSES).sum()) and set(y) == set(range(5))


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
        models.shift_cnn("max", input_shape=input_shape)


def test_shift_cnn_takes_numpy_numbers():
    model = models.shift_cnn(
        "avg", input_shape=(np.int64(16), 16, 1), learning_rate=np.float32(1e-3)
    )
    assert model.output_shape == (None, 10)


def test_transfer_draw_is_shared_by_the_arms_and_equals_a_fresh_draw():
    """The arms reuse one seed's draw: the same sets and generator state as drawing anew."""
    data = recipes.digits(200, 100)
    source = _fake_result({"accuracy": [0.9]}, recipes.transfer_source_recipe(data))
    arms = recipes.transfer_recipes(data, source, 30)
    fresh = recipes.transfer_recipes(data, source, 30)["from scratch"]
    gens = [np.random.default_rng(11) for _ in range(3)]
    first = arms["from scratch"].draw(arms["from scratch"].x, arms["from scratch"].y, gens[0])
    again = arms["2 conv copied"].draw(arms["2 conv copied"].x, arms["2 conv copied"].y, gens[1])
    alone = fresh.draw(fresh.x, fresh.y, gens[2])
    for a, b, c in zip(first, again, alone, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert gens[0].bit_generator.state == gens[1].bit_generator.state == gens[2].bit_generator.state
    first[0][:] = -1.0  # a caller writing into its sets does not reach the next arm's
    third = arms["1 conv copied"]
    assert (third.draw(third.x, third.y, np.random.default_rng(11))[0] >= 0).all()
