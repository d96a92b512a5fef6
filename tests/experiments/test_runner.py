"""cnn101.experiments.runner against known answers.

* A model that can only reach chance (constant inputs, balanced labels) ends at
  cross-entropy ln 2 and accuracy 0.5.
* Early stopping stops at a planted minimum, counted in optimizer steps: gradient
  descent on (w - 10)^2 moves w = 10 (1 - 0.9^k) after step k; with two steps an
  epoch the validation loss (w - 3)^2 is lowest after epoch 2 (step 4, w = 3.44).
* The recorded validation loss is the example-weighted mean over the whole
  validation set: Keras' ``evaluate`` in one batch, and a NumPy cross-entropy.
* A seed's run is the same alone or beside other runs.
* Augmentation draws, made for the next epoch while an epoch trains, follow the
  run's own generator: the examples of epoch k are the k-th draw of a plain loop
  over that generator, and a draw made for an epoch that never comes is unused.
"""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
from _tiny import _classifier, _faulty, _planted, _result

from cnn101 import experiments
from cnn101._tf import keras
from cnn101.experiments import runner


@pytest.mark.parametrize(("patience", "epochs"), [(3, 4), (4, 4), (5, 5), (6, 5)])
def test_early_stopping_stops_at_a_planted_minimum_counted_in_steps(patience, epochs):
    """Two steps an epoch: the best is step 4; stop at the first epoch end >= 4 + patience."""
    result = experiments.run(_planted(patience), seeds=(0,), cache=False, verbose=False)
    history = result.histories[0]
    expected_w = [10 * (1 - 0.9 ** (2 * e)) for e in range(1, epochs + 1)]
    np.testing.assert_allclose(history["val_loss"], [(w - 3) ** 2 for w in expected_w], rtol=1e-4)
    assert history["step"] == [2 * e for e in range(1, epochs + 1)]
    assert (result.best_epochs, result.best_steps, result.stopped) == ([2], [4], ["patience"])
    assert result.converged
    experiments.assert_converged({"planted": result})
    assert result.summary("w").mean == pytest.approx(10 * (1 - 0.9**4), rel=1e-5)


def test_a_run_out_of_budget_is_reported_and_fails_the_convergence_check(capsys):
    result = experiments.run(_planted(patience=3, max_steps=3), seeds=(0, 1), cache=False)
    assert [len(h["val_loss"]) for h in result.histories] == [2, 2]  # 4 steps >= 3
    assert result.stopped == ["budget", "budget"] and not result.converged
    assert capsys.readouterr().out.count("stopped by budget after 4 steps") == 2
    with pytest.raises(AssertionError, match=r"2 run.*budget.*planted"):
        experiments.assert_converged([result])
    with pytest.raises(TypeError, match="`results`"):
        experiments.assert_converged({"a": "not a result"})


def test_min_delta_ignores_small_improvements():
    """With min_delta larger than every improvement after epoch 1, epoch 1 is kept."""
    result = experiments.run(_planted(min_delta=100.0), seeds=(0,), cache=False, verbose=False)
    assert result.best_epochs == [1] and result.best_steps == [2]


def test_the_validation_loss_is_the_exact_mean_over_the_validation_set():
    """60 validation examples: Keras in batches of 32 would weight 28 of them wrongly."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 3)).astype("float32")
    y = rng.integers(0, 3, 300)
    validation = (x[:60], y[:60])
    recipe = experiments.Recipe(
        "exact", _classifier, x[60:], y[60:], lambda m: {}, validation=validation, max_steps=3
    )
    result = experiments.run(recipe, seeds=(0,), cache=False, verbose=False)
    model = result.model(0)  # the kept weights are those of the best epoch
    recorded = result.histories[0]["val_loss"][result.best_epochs[0] - 1]
    assert recorded == pytest.approx(model.evaluate(*validation, batch_size=60, verbose=0), 1e-6)
    logits = np.asarray(model(validation[0]), dtype=np.float64)
    log_p = logits - logits.max(1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(1, keepdims=True))
    assert recorded == pytest.approx(-log_p[np.arange(60), validation[1]].mean(), 1e-5)


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

    recipe = experiments.Recipe("chance", build, x, y, evaluate, max_steps=80, patience=6)
    result = experiments.run(recipe, seeds=(0, 1, 2), cache=False, verbose=False)
    assert result.summary("accuracy").max == pytest.approx(0.5)
    for history in result.histories:
        assert min(history["val_loss"]) == pytest.approx(math.log(2), abs=0.02)


def _noisy_recipe(name: str = "noisy", **kwargs) -> experiments.Recipe:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 3)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")

    def jitter(x, y, rng):
        return x + rng.normal(scale=0.3, size=x.shape).astype("float32"), y

    def evaluate(model):
        return {"first_weight": float(model.layers[0].get_weights()[0][0, 0])}

    settings = {"max_steps": 40, "patience": 6, "batch_size": 16, "augment": jitter, **kwargs}
    return experiments.Recipe(name, _classifier, x, y, evaluate, **settings)


def test_a_seed_trains_the_same_alone_or_beside_other_runs():
    """Curve, stopping and metrics of seed 1 do not depend on what trains beside it."""
    alone = experiments.run(_noisy_recipe(), seeds=(1,), cache=False, verbose=False)
    grouped = experiments.run(_noisy_recipe(), seeds=(0, 1, 2), cache=False, verbose=False)
    other = _noisy_recipe("other", patience=2, max_steps=16)  # stops much earlier
    mixed = experiments.run_many(
        {"other": other, "noisy": _noisy_recipe()},
        seeds=(2, 1),
        cache=False,
        verbose=False,
        side_by_side="all",
    )["noisy"]
    for result, i in ((grouped, 1), (mixed, 1)):
        assert result.histories[i] == alone.histories[0]
        assert result.best_steps[i] == alone.best_steps[0]
        assert result.stopped[i] == alone.stopped[0]
        assert result.metrics["first_weight"][i] == alone.metrics["first_weight"][0]
    assert grouped.histories[0] != grouped.histories[1]  # seeds differ


def test_each_epoch_trains_on_the_next_draw_of_the_runs_own_generator(monkeypatch):
    """The examples each epoch trains on are, in order, the draws of a plain loop."""
    recipe = _noisy_recipe()
    seen = {}  # seed -> the examples of every epoch that trained, in order
    train = runner._epoch_function

    def recording(runs):
        epoch = train(runs)

        def call(xs, ys, orders, active, *rest):
            for run, x, on in zip(runs, xs, active.numpy(), strict=True):
                if on:
                    seen.setdefault(run.seed, []).append(x.numpy())
            return epoch(xs, ys, orders, active, *rest)

        return call

    monkeypatch.setattr(runner, "_epoch_function", recording)
    result = experiments.run(recipe, seeds=(0, 1), cache=False, verbose=False)
    for seed, history in zip((0, 1), result.histories, strict=True):
        prepared = runner._Run.prepare(recipe, seed)  # the same training part
        rng = runner._rng(seed, "augment")
        plain_loop = [recipe.augment(prepared.x, prepared.y, rng)[0] for _ in history["step"]]
        assert len(seen[seed]) == len(history["step"])
        for got, expected in zip(seen[seed], plain_loop, strict=True):
            np.testing.assert_array_equal(got, expected)


def test_a_bad_augmentation_at_a_later_epoch_is_named_and_leaves_no_thread():
    calls = []

    def fails_third(x, y, rng):
        calls.append(1)
        return x if len(calls) == 3 else (x, y)

    recipe = _noisy_recipe()
    recipe = experiments.Recipe(
        "late fault", recipe.build, recipe.x, recipe.y, recipe.evaluate,
        augment=fails_third, max_steps=200, patience=200, batch_size=16,
    )  # fmt: skip
    before = threading.active_count()
    with pytest.raises(TypeError, match=r"`augment` of 'late fault' must return a pair"):
        experiments.run(recipe, seeds=(0,), cache=False, verbose=False)
    assert threading.active_count() == before


def test_an_augmentation_may_change_the_example_shape():
    """Raw (N, 3) examples drawn into (N, 4) ones, as digits are placed on a larger canvas."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 3)).astype("float32")

    def place(x, y, rng):
        return np.concatenate([x, rng.normal(size=(len(x), 1))], axis=1).astype("float32"), y

    def build():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    recipe = experiments.Recipe(
        "placed", build, x, (x[:, 0] > 0).astype(int), lambda m: {}, augment=place,
        max_steps=40, patience=3, batch_size=16,
    )  # fmt: skip
    result = experiments.run(recipe, seeds=(0, 1, 2, 3), cache=False, verbose=False)
    assert len({len(h["step"]) for h in result.histories}) > 1  # they stopped apart


def _drawn_recipe(name: str = "drawn", **kwargs) -> experiments.Recipe:
    """A pool of 200 examples; each seed learns from its own 40 of them."""
    rng = np.random.default_rng(7)
    pool = rng.normal(size=(200, 3)).astype("float32")
    labels = (pool[:, 0] > 0).astype(int)

    def subset(x, y, rng):
        pick = rng.choice(len(x), 40, replace=False)
        return x[pick], y[pick]

    def build():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return model

    settings = {"max_steps": 40, "patience": 6, "batch_size": 16, "draw": subset, **kwargs}
    return experiments.Recipe(name, build, pool, labels, lambda m: {}, **settings)


def test_a_draw_gives_each_seed_its_own_data_the_same_alone_or_together():
    alone = experiments.run(_drawn_recipe(), seeds=(1,), cache=False, verbose=False)
    together = experiments.run(_drawn_recipe(), seeds=(0, 1), cache=False, verbose=False)
    assert together.histories[1] == alone.histories[0]
    assert together.histories[0] != together.histories[1]
    # 40 drawn, 8 of them (validation_fraction 0.2) held out: 32 examples, 2 steps an epoch
    assert together.histories[0]["step"][:2] == [2, 4]


def test_a_draw_of_four_arrays_is_the_training_and_validation_set():
    def split(x, y, rng):
        order = rng.permutation(len(x))
        return x[order[:30]], y[order[:30]], x[order[30:40]], y[order[30:40]]

    result = experiments.run(_drawn_recipe(draw=split), seeds=(0,), cache=False, verbose=False)
    assert result.histories[0]["step"][:2] == [2, 4]  # 30 examples: 2 steps an epoch


@pytest.mark.parametrize(
    ("draw", "error", "match"),
    [
        (lambda x, y, rng: x, TypeError, "must return"),
        (lambda x, y, rng: (x[:3], y[:2]), ValueError, "one label each"),
        (lambda x, y, rng: (x[:1], y[:1]), ValueError, "training and a validation part"),
    ],
)
def test_a_bad_draw_is_named_before_training(draw, error, match):
    with pytest.raises(error, match=match):
        experiments.run(_drawn_recipe(draw=draw), seeds=(0,), cache=False, verbose=False)


def test_a_draw_refuses_a_fixed_validation_set():
    with pytest.raises(ValueError, match="`validation` must be None"):
        _drawn_recipe(validation=(np.zeros((4, 3)), np.zeros(4)))


def _uncompiled():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])


def _wrong_input():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize(
    ("recipe", "error", "match"),
    [
        (lambda: _faulty(lambda: "a model"), TypeError, "must return a Keras model"),
        (lambda: _faulty(_uncompiled), ValueError, "compiled"),
        (lambda: _faulty(_wrong_input), ValueError, "input fits the data"),
        (lambda: _faulty(y=np.arange(40) % 5), ValueError, "from 0 to 2"),
        (lambda: _faulty(y=np.full(40, 0.5)), ValueError, "class label"),
        (lambda: _faulty(evaluate=lambda m: 0.5), TypeError, "`evaluate`.*dict"),
    ],
)
def test_faults_of_a_recipe_get_named_errors(recipe, error, match):
    with pytest.raises(error, match=match):
        experiments.run(recipe(), seeds=(0,), cache=False, verbose=False)


def test_faults_in_the_model_or_labels_are_found_before_training():
    trained = []

    def wrong_input():
        trained.append(1)
        return _wrong_input()

    good = _faulty()
    with pytest.raises(ValueError, match="input fits"):
        experiments.run_many({"good": good, "bad": _faulty(wrong_input)}, (0,), cache=False)
    assert trained == [1]  # built and refused; the good arm never trained either


def test_what_evaluate_returns_is_checked_before_training(monkeypatch):
    trained = []
    monkeypatch.setattr(runner, "_train_together", lambda runs: trained.append(runs))
    recipes = {"good": _faulty(), "bad": _faulty(evaluate=lambda m: 0.5)}
    with pytest.raises(TypeError, match="`evaluate` of 'faulty' must return a dict"):
        experiments.run_many(recipes, (0, 1), cache=False, verbose=False)
    assert trained == []  # neither arm trained a step


def test_validation_data_must_be_finite():
    x = np.ones((8, 3), "float32")
    bad = (np.full((4, 3), np.nan, "float32"), np.zeros(4))
    with pytest.raises(ValueError, match="`validation`"):
        experiments.Recipe("r", _classifier, x, np.zeros(8), lambda m: {}, validation=bad)


@pytest.mark.parametrize(
    ("seeds", "error"),
    [
        ((), ValueError),
        ((0, 0), ValueError),
        ((-1,), ValueError),
        (3, TypeError),  # not a sequence: a wrong type
        ("01", TypeError),
        ((True,), TypeError),
        ((0, 1.0), TypeError),
    ],
)
def test_bad_seeds_get_named_errors(seeds, error):
    with pytest.raises(error, match="seeds"):
        experiments.run(_planted(), seeds=seeds, cache=False, verbose=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"recipes": {}}, ValueError, "`recipes` must be a non-empty mapping"),
        ({"recipes": ["arm"]}, TypeError, "`recipes` must be a non-empty mapping"),
        ({"side_by_side": "rows"}, ValueError, "`side_by_side`"),
        ({"side_by_side": 3}, TypeError, "`side_by_side`"),
    ],
)
def test_run_many_refuses_bad_arguments_by_class(kwargs, error, match):
    recipes = {"arm": _result({"acc": np.zeros(1)}).recipe}
    with pytest.raises(error, match=match):
        experiments.run_many(**{"recipes": recipes, "seeds": (0,), "cache": False, **kwargs})


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


def test_evaluate_returning_other_metrics_for_a_seed_is_refused_naming_it():
    calls = []

    def evaluate(model):  # a check before training, then seed 1, then seed 0 (its model last)
        calls.append(1)
        return {"acc": 0.5} if len(calls) < 3 else {"accuracy": 0.5}

    with pytest.raises(
        ValueError,
        match=r"same metrics.*\{'accuracy': \(\)\} for seed 0, \{'acc': \(\)\} for seed 1",
    ):
        experiments.run(_faulty(evaluate=evaluate), seeds=(0, 1), cache=False, verbose=False)


def test_evaluate_returning_another_shape_for_a_seed_is_refused_naming_it():
    calls = []

    def evaluate(model):
        calls.append(1)
        return {"acc": [0.5, 0.5] if len(calls) < 3 else [0.5, 0.5, 0.5]}

    with pytest.raises(
        ValueError,
        match=r"same metrics, of the same shapes.*\(3,\)\} for seed 0, \{'acc': \(2,\)\} for seed 1",
    ):
        experiments.run(_faulty(evaluate=evaluate), seeds=(0, 1), cache=False, verbose=False)


def _augmenting(bad, after: int = 0):
    """The noisy recipe whose augmentation turns bad from its ``after``-th call on."""
    calls = []

    def augment(x, y, rng):
        calls.append(1)
        return bad(x, y) if len(calls) > after else (x, y)

    return _noisy_recipe(augment=augment, patience=1000), calls  # every epoch draws


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (lambda x, y: (np.full_like(x, np.nan), y), ValueError, "finite numbers"),
        (lambda x, y: (x, np.where(y > 0, np.inf, 0.0)), ValueError, "finite numbers"),
        (lambda x, y: (x[:, :2], y), ValueError, r"same shape at every epoch.*\(3,\).*\(2,\)"),
        (lambda x, y: (x.astype(str), y), TypeError, "real numbers"),
        (lambda x, y: (x[0], y), ValueError, "number of examples"),
    ],
)
def test_what_augment_returns_is_checked_before_training_on_it(monkeypatch, bad, error, match):
    """A fault in the first draw of the training part (the validation part's was good)."""
    trained = []
    steps = runner._train_step
    monkeypatch.setattr(runner, "_train_step", lambda *a: trained.append(1) or steps(*a))
    recipe, calls = _augmenting(bad, after=1)
    with pytest.raises(error, match=rf"`augment` of 'noisy' must .*{match}"):
        experiments.run(recipe, seeds=(0,), cache=False, verbose=False)
    assert len(calls) == 2 and not trained  # refused where it came back, before a step


def test_augment_turning_bad_at_a_later_epoch_is_refused_then():
    recipe, calls = _augmenting(lambda x, y: (np.full_like(x, np.nan), y), after=4)
    with pytest.raises(ValueError, match="`augment` of 'noisy' must return finite numbers"):
        experiments.run(recipe, seeds=(0,), cache=False, verbose=False)
    assert len(calls) == 5
