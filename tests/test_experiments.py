"""The experiment runner against known answers.

* A model that can only reach chance (constant inputs, balanced labels) ends at
  cross-entropy ln 2 and accuracy 0.5.
* Early stopping stops at a planted minimum, counted in optimizer steps: gradient
  descent on (w - 10)^2 moves w = 10 (1 - 0.9^k) after step k; with two steps an
  epoch the validation loss (w - 3)^2 is lowest after epoch 2 (step 4, w = 3.44).
* The recorded validation loss is the example-weighted mean over the whole
  validation set: Keras' ``evaluate`` in one batch, and a NumPy cross-entropy.
* A seed's run is the same alone or beside other runs.
* The cache is reused, invalidated when a parameter changes, and recomputed (with
  one warning) when an entry is damaged.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from cnn101 import experiments
from cnn101._tf import tensorflow
from cnn101.experiments import runner

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


def _classifier(seed_layer: int = 4):
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(seed_layer, "relu"), keras.layers.Dense(3)]
    )
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


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

    settings = {"max_steps": 40, "patience": 6, "batch_size": 16, **kwargs}
    return experiments.Recipe(name, _classifier, x, y, evaluate, augment=jitter, **settings)


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


def test_cache_is_reused_and_invalidated(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_planted(), seeds=(0, 1))
    assert "cached" not in capsys.readouterr().out
    again = experiments.run(_planted(), seeds=(0, 1))
    assert capsys.readouterr().out.count("cached") == 2
    assert again.histories == first.histories and again.stopped == first.stopped
    assert again.model(0).get_layer("w").get_weights()[0][0, 0] == pytest.approx(
        first.summary("w").values[0]
    )
    changed = experiments.run(_planted(patience=5), seeds=(0,))
    assert "cached" not in capsys.readouterr().out
    assert len(changed.histories[0]["val_loss"]) == 5
    extra = experiments.run(_planted(), seeds=(0, 1, 2))  # only seed 2 is new
    assert capsys.readouterr().out.count("cached") == 2
    assert extra.seeds == (0, 1, 2)
    assert not list(tmp_path.rglob(".partial-*"))  # writes go through a renamed temporary


def test_a_cached_model_is_rebuilt_without_a_warning(tmp_path, monkeypatch):
    """Weights saved with Adam's state load into a fresh model silently (no page warning)."""
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_faulty(), seeds=(0,), verbose=False)
    again = experiments.run(_faulty(), seeds=(0,), verbose=False)  # from the cache
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rebuilt = again.model(0)
    for a, b in zip(rebuilt.get_weights(), first.model(0).get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("damage", ["record", "fields", "weights"])
def test_a_damaged_cache_entry_is_trained_again_with_one_warning(
    tmp_path, monkeypatch, capsys, damage
):
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_planted(), seeds=(0,), verbose=False)
    record = next(tmp_path.rglob("seed-0.json"))
    if damage == "record":
        record.write_text('{"history": [1, 2')
    elif damage == "fields":
        record.write_text(json.dumps({"history": {}}))
    else:
        weights = next(tmp_path.rglob("seed-0.weights.h5"))
        weights.write_bytes(weights.read_bytes()[:100])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")  # third-party deprecations
        warnings.simplefilter("always", RuntimeWarning)
        again = experiments.run(_planted(), seeds=(0,))
    assert [str(w.message) for w in caught if "damaged" in str(w.message)] == [
        str(w.message) for w in caught
    ]
    assert len(caught) == 1
    assert "cached" not in capsys.readouterr().out
    assert again.histories == first.histories
    assert experiments.run(_planted(), seeds=(0,), verbose=False).model(0) is not None


def test_an_unusable_cache_location_is_refused_before_training(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv(experiments.CACHE_ENV, str(blocker / "cache"))
    built = []

    def build():
        built.append(1)
        return _linear_model()

    recipe = experiments.Recipe("r", build, np.ones((8, 1)), np.ones(8), lambda m: {})
    with pytest.raises(ValueError, match=r"CNN101_EXPERIMENT_CACHE.*cache=False"):
        experiments.run(recipe, seeds=(0,))
    assert not built


def _faulty(build=_classifier, **kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    settings = {"x": x, "y": rng.integers(0, 3, 40), "evaluate": lambda m: {}, **kwargs}
    return experiments.Recipe("faulty", build, max_steps=2, **settings)


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


def test_summary_and_difference_are_the_textbook_statistics():
    s = experiments.Summary.of([1.0, 2.0, 6.0])
    assert s.mean == pytest.approx(3.0)
    assert s.std == pytest.approx(np.std([1, 2, 6], ddof=1))
    assert s.sem == pytest.approx(s.std / math.sqrt(3))
    assert (s.min, s.max, s.n) == (1.0, 6.0, 3)
    low, high = stats.t.interval(0.9, 2, loc=3.0, scale=stats.sem([1, 2, 6]))
    assert s.interval(0.9) == pytest.approx((low, high))
    a = experiments.run(_planted(), seeds=(0, 1), cache=False, verbose=False)
    d = experiments.difference(a, a, "w")
    assert d.mean == 0 and d.std == 0


def test_a_proportion_reports_the_test_sets_own_error():
    """Binomial standard error sqrt(p(1-p)/n); the interval adds it to the seeds' spread."""
    s = experiments.Summary.of([0.80, 0.84, 0.82])
    assert s.binomial_se(400) == pytest.approx(math.sqrt(0.82 * 0.18 / 400))
    half = stats.t.ppf(0.975, 2) * math.sqrt(s.sem**2 + 0.82 * 0.18 / 400)
    assert s.interval(n_test=400) == pytest.approx((0.82 - half, 0.82 + half))
    assert s.interval(n_test=400)[0] < s.interval()[0]
    with pytest.raises(ValueError, match="proportions"):
        experiments.Summary.of([1.0, 2.0]).binomial_se(10)
    with pytest.raises(ValueError, match="2 seeds"):
        experiments.Summary.of([0.5]).interval()


def test_summaries_are_over_seeds_only():
    with pytest.raises(ValueError, match="1-D"):
        experiments.Summary.of([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"max_steps": 0}, "max_steps"),
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


def test_a_result_refuses_a_boolean_seed():
    result = experiments.run(_planted(), seeds=(0, 1), cache=False, verbose=False)
    with pytest.raises(TypeError, match="`seed`"):
        result.model(True)


# --- argument checks of Result.summary, difference, run and Recipe, against NumPy's indexing ---


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
