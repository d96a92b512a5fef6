"""The trainer: every seed of a recipe trained together, each stopping by its own patience.

One traced ``tf.function`` runs a whole epoch of every seed (each with its own
batch order, augmentation draws, loss and optimizer) and returns each seed's
training loss and its exact validation loss. Python only decides, once per epoch,
which runs stop and which weights to keep. Every random choice of a run (data
draw, initial weights, validation split, batch order, augmentation) comes from
generators seeded by that run's seed alone, so a run ends exactly as it would
alone, whatever trains beside it. The next epoch's augmentation draws are made in
a worker thread while the current epoch trains (each run's draws in the same
order as without it). :func:`run` trains one recipe, :func:`run_many` several
side by side.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import keras, tf  # noqa: F401  (keras: the Examples use it)
from cnn101.experiments.cache import (
    digest_file,
    read_record,
    recipe_key,
    usable_cache_dir,
    write_atomically,
    write_record,
)
from cnn101.experiments.records import Recipe, Result, build_model

__all__ = ["run", "run_many"]


_STREAMS = {"split": 0, "validation": 1, "order": 2, "augment": 3, "draw": 4}  # one generator each


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Return the generator of one kind of random choice of the run of ``seed``."""
    return np.random.default_rng([seed, _STREAMS[stream]])


@dataclass
class _Run:
    """One (recipe, seed) run: its data, its generators and its early-stopping state."""

    recipe: Recipe
    seed: int
    model: Any
    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    curves: dict[str, list] = field(
        default_factory=lambda: {"loss": [], "val_loss": [], "step": []}
    )
    best: float = math.inf
    best_epoch: int = 0
    best_step: int = 0
    best_weights: list | None = None
    stopped: str | None = None

    @classmethod
    def prepare(cls, recipe: Recipe, seed: int) -> _Run:
        """Build the model, draw the validation split and check both before any training."""
        x, y = np.asarray(recipe.x), np.asarray(recipe.y)
        pair = None
        if recipe.draw is not None:
            x, y, pair = _drawn(recipe, x, y, _rng(seed, "draw"))
        order = _rng(seed, "split").permutation(len(x))
        if pair is not None or recipe.validation is not None:
            x_val, y_val = pair or (np.asarray(a) for a in recipe.validation)
            train = order
        else:
            n_val = round(len(x) * recipe.validation_fraction)
            x_val, y_val, train = x[order[:n_val]], y[order[:n_val]], order[n_val:]
        if recipe.augment is not None:
            x_val, y_val = _augmented(recipe, x_val, y_val, _rng(seed, "validation"))
        model = build_model(recipe, seed)
        run = cls(recipe, seed, model, x[train], y[train], x_val, y_val)
        run.check()
        run.best_weights = model.get_weights()
        return run

    def check(self) -> None:
        """Raise a named error if the model does not fit the data or its labels."""
        model, name = self.model, self.recipe.name
        inputs, outputs = model.inputs, model.outputs
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(
                f"`build` of {name!r} must return a model with one input and one output."
            )
        expected = tuple(inputs[0].shape[1:])
        got = self.x_val.shape[1:]
        if len(expected) != len(got) or any(
            e not in (None, g) for e, g in zip(expected, got, strict=False)
        ):
            raise ValueError(
                f"`build` of {name!r} must return a model whose input fits the data: the model "
                f"takes (N, {', '.join(map(str, expected))}), the examples are (N, "
                f"{', '.join(map(str, got))})."
            )
        loss = getattr(model.loss, "name", model.loss)
        classes = outputs[0].shape[-1]
        if isinstance(loss, str) and "sparse_categorical" in loss:
            for part, labels in (("y", self.y), ("validation", self.y_val)):
                if (
                    labels.ndim != 1
                    or not np.all(np.mod(labels, 1) == 0)
                    or labels.min() < 0
                    or labels.max() >= classes
                ):
                    raise ValueError(
                        f"`{part}` of {name!r} must hold one class label per example, integers "
                        f"from 0 to {classes - 1} (the model has {classes} outputs). Received: "
                        f"labels from {labels.min()} to {labels.max()}, shape {labels.shape}"
                    )
        try:
            _loss(model, self.x_val[:2], self.y_val[:2])
        except Exception as error:  # Keras and TensorFlow raise many kinds here
            raise ValueError(
                f"`build` of {name!r} returned a model that cannot compute its loss on the "
                f"recipe's `x` and `y` ({type(error).__name__}: {str(error)[:200]})."
            ) from None

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in one pass over this run's training part."""
        return -(-len(self.x) // self.recipe.batch_size)

    def record(self, epoch: int, loss: float, val_loss: float) -> None:
        """Note one epoch's losses; keep the best weights; decide whether to stop."""
        recipe = self.recipe
        step = epoch * self.steps_per_epoch
        self.curves["loss"].append(loss)
        self.curves["val_loss"].append(val_loss)
        self.curves["step"].append(step)
        if val_loss < self.best - recipe.min_delta:
            self.best, self.best_epoch, self.best_step = val_loss, epoch, step
            self.best_weights = self.model.get_weights()
        elif step - self.best_step >= recipe.patience:
            self.stopped = "patience"
        if self.stopped is None and step >= recipe.max_steps:
            self.stopped = "budget"


def _drawn(recipe: Recipe, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
    """Return the seed's ``(x, y, validation pair or None)`` from the recipe's ``draw``."""
    drawn = recipe.draw(x, y, rng)
    if not isinstance(drawn, tuple | list) or len(drawn) not in (2, 4):
        raise TypeError(
            f"`draw` of {recipe.name!r} must return (x, y) or (x, y, x_val, y_val). "
            f"Received: {check.describe(drawn)}"
        )
    arrays = [check.as_float_array(a, "draw") for a in drawn]
    for xs, ys in zip(arrays[::2], arrays[1::2], strict=True):
        if xs.ndim == 0 or len(xs) != len(ys) or len(xs) == 0:
            raise ValueError(
                f"`draw` of {recipe.name!r} must return examples and one label each, at least "
                f"one. Received: {xs.shape} examples and {ys.shape} labels"
            )
    x_new, y_new = np.asarray(drawn[0]), np.asarray(drawn[1])
    if len(drawn) == 4:
        return x_new, y_new, (np.asarray(drawn[2]), np.asarray(drawn[3]))
    n_val = round(len(x_new) * recipe.validation_fraction)
    if n_val < 1 or len(x_new) - n_val < 1:
        raise ValueError(
            f"`draw` of {recipe.name!r} must return enough examples for a training and a "
            f"validation part. Received: {len(x_new)} examples"
        )
    return x_new, y_new, None


def _augmented(
    recipe: Recipe,
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    like: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple:
    """Return the recipe's ``augment`` of ``(x, y)``, checked before anything trains on it.

    A pair of finite real arrays, one example and one label each for every one given;
    with ``like`` (the augmented validation pair), each example and label shaped as there.
    """
    drawn = recipe.augment(x, y, rng)
    if not isinstance(drawn, tuple | list) or len(drawn) != 2:
        raise TypeError(
            f"`augment` of {recipe.name!r} must return a pair (x, y). Received: {check.describe(drawn)}"
        )
    x_new, y_new = (np.asarray(a) for a in drawn)
    if x_new.ndim == 0 or y_new.ndim == 0 or len(x_new) != len(x) or len(y_new) != len(y):
        raise ValueError(
            f"`augment` of {recipe.name!r} must keep the number of examples ({len(x)}). "
            f"Received: {x_new.shape} examples and {y_new.shape} labels"
        )
    for part, array in (("x", x_new), ("y", y_new)):
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"`augment` of {recipe.name!r} must return real numbers. Received: {part} of "
                f"dtype {array.dtype}"
            )
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(
                f"`augment` of {recipe.name!r} must return finite numbers. Received: {part} "
                "holding NaN or Inf"
            )
    if like is not None:
        for part, array, seen in (("x", x_new, like[0]), ("y", y_new, like[1])):
            if array.shape[1:] != seen.shape[1:]:
                raise ValueError(
                    f"`augment` of {recipe.name!r} must return the same shape at every epoch: "
                    f"{part} of examples shaped {seen.shape[1:]} (as the validation part). "
                    f"Received: {array.shape[1:]}"
                )
    return x_new, y_new


def _loss(model: Any, x: Any, y: Any) -> Any:
    """Return the model's compiled loss (regularisation included), as ``model.evaluate`` does."""
    return model.compute_loss(x=x, y=y, y_pred=model(x, training=False), training=False)


@tf.autograph.experimental.do_not_convert
def _mean_loss(model: Any, x: Any, y: Any, chunk: int = 1024) -> Any:
    """Return the example-weighted mean loss over all of ``x``, in chunks of ``chunk``."""
    n = int(x.shape[0])
    total = 0.0
    for start in range(0, n, chunk):  # unrolled when traced: the sizes are fixed
        stop = min(start + chunk, n)
        total += _loss(model, x[start:stop], y[start:stop]) * (stop - start)
    return total / n


@tf.autograph.experimental.do_not_convert  # plain TensorFlow: nothing for AutoGraph to rewrite
def _train_step(model: Any, x: Any, y: Any) -> Any:
    with tf.GradientTape() as tape:
        loss = model.compute_loss(x=x, y=y, y_pred=model(x, training=True), training=True)
    variables = model.trainable_variables
    model.optimizer.apply(tape.gradient(loss, variables), variables)
    return loss


def _epoch_function(runs: list[_Run]) -> Callable:
    """Return one traced function that trains every run for an epoch and validates each.

    It takes, per run, the epoch's training examples, labels and batch order, and
    whether the run is still training; it returns each run's mean training loss
    over the epoch and its exact validation loss. A run that has stopped skips its
    steps and its validation (``tf.cond``; its losses are then 0). The runs share
    nothing but the loop over batch positions: each has its own model, loss,
    optimizer and data.
    """
    models = [run.model for run in runs]
    batch, n = runs[0].recipe.batch_size, len(runs[0].x)
    for model in models:
        model.optimizer.build(model.trainable_variables)

    @tf.function
    def epoch(xs, ys, orders, active, x_vals, y_vals):
        totals = tf.zeros((len(models),))
        for start in tf.range(0, n, batch):
            stop = tf.minimum(start + batch, n)
            losses = []
            for i, model in enumerate(models):
                index = orders[i, start:stop]

                def step(model=model, i=i, index=index):
                    return _train_step(model, tf.gather(xs[i], index), tf.gather(ys[i], index))

                losses.append(tf.cond(active[i], step, lambda: tf.zeros(())))
            totals += tf.stack(losses) * tf.cast(stop - start, tf.float32)
        validation = [
            tf.cond(
                active[i],
                lambda m=m, xv=xv, yv=yv: tf.cast(_mean_loss(m, xv, yv), tf.float32),
                lambda: tf.zeros(()),
            )
            for i, (m, xv, yv) in enumerate(zip(models, x_vals, y_vals, strict=True))
        ]
        return totals / n, tf.stack(validation)

    return epoch


def _draws(runs: list[_Run], active: list[bool], augments: list) -> list[tuple | None]:
    """Return the next augmentation draw ``(x, y)`` of every active augmented run, else None."""
    return [
        _augmented(run.recipe, run.x, run.y, rng, (run.x_val, run.y_val))
        if on and run.recipe.augment is not None
        else None
        for run, on, rng in zip(runs, active, augments, strict=True)
    ]


def _train_together(runs: list[_Run]) -> float:
    """Train every run until it stops (by patience or budget); return the seconds taken.

    The runs share one traced epoch function; every random draw of a run comes
    from its own generators, so a run trains exactly as it would alone. While an
    epoch trains, a worker thread makes the next epoch's augmentation draws of
    the runs still training (a run that stops then never uses its draw, and never
    draws again), so the draws cost no training time.
    """
    start = time.perf_counter()
    epoch_fn = _epoch_function(runs)
    x_vals = tuple(tf.constant(r.x_val) for r in runs)
    y_vals = tuple(tf.constant(r.y_val) for r in runs)
    data = [(tf.constant(r.x), tf.constant(r.y)) for r in runs]  # augmented: redrawn
    orders = [_rng(r.seed, "order") for r in runs]
    augments = [_rng(r.seed, "augment") for r in runs]
    n = len(runs[0].x)
    max_epochs = max(-(-r.recipe.max_steps // r.steps_per_epoch) for r in runs)
    augmented = any(r.recipe.augment is not None for r in runs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnn101-augment") as worker:
        pending = worker.submit(_draws, runs, [True] * len(runs), augments) if augmented else None
        for epoch in range(1, max_epochs + 1):
            active = [r.stopped is None for r in runs]
            drawn = pending.result() if pending is not None else [None] * len(runs)
            batches = []
            for i, (run, on) in enumerate(zip(runs, active, strict=True)):
                if on and drawn[i] is not None:  # a stopped run keeps its last draw
                    x, y = drawn[i]
                    data[i] = (tf.constant(x, run.x_val.dtype), tf.constant(y, run.y_val.dtype))
                batches.append(orders[i].permutation(n) if on else np.arange(n))
            xs, ys = zip(*data, strict=True)
            if augmented and epoch < max_epochs:  # the next epoch's draws, while this one trains
                pending = worker.submit(_draws, runs, active, augments)
            losses, val_losses = epoch_fn(
                tuple(xs),
                tuple(ys),
                tf.constant(np.stack(batches), tf.int32),
                tf.constant(active),
                x_vals,
                y_vals,
            )
            for run, on, loss, val_loss in zip(
                runs, active, losses.numpy(), val_losses.numpy(), strict=True
            ):
                if on:
                    run.record(epoch, float(loss), float(val_loss))
            if all(r.stopped is not None for r in runs):
                break
    for run in runs:
        run.model.set_weights(run.best_weights)
    return time.perf_counter() - start


def run(
    recipe: Recipe,
    seeds: Sequence[int] = (0, 1, 2),
    *,
    cache: bool = True,
    verbose: bool = True,
) -> Result:
    """Train ``recipe`` once per seed with early stopping; evaluate each trained model.

    The same as ``run_many({recipe.name: recipe}, seeds)[recipe.name]``: see
    :func:`run_many`.

    Parameters
    ----------
    recipe : Recipe
    seeds : sequence of int, default (0, 1, 2)
        Distinct non-negative integers; each fixes the initial weights, the
        validation split, the batch order and the augmentation draws of its run.
    cache : bool, default True
        Reuse (and store) each seed's weights and metrics in :func:`cache_dir`.
    verbose : bool, default True
        Print one line per seed.

    Returns
    -------
    Result

    Examples
    --------
    >>> x = np.linspace(-1, 1, 64, dtype="float32")[:, None]
    >>> y = (x[:, 0] > 0).astype("int64")
    >>> def build():
    ...     model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    ...     model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ...     return model
    >>> recipe = Recipe("tiny", build, x, y, evaluate=lambda m: {"n": m.count_params()}, max_steps=3)
    >>> result = run(recipe, seeds=(0, 1), cache=False, verbose=False)
    >>> result.summary("n").mean, [len(h["val_loss"]) for h in result.histories], result.stopped
    (4.0, [3, 3], ['budget', 'budget'])
    """
    check.instance(recipe, "recipe", Recipe, "a Recipe")
    cache, verbose = check.flag(cache, "cache"), check.flag(verbose, "verbose")
    return run_many({recipe.name: recipe}, seeds, cache=cache, verbose=verbose)[recipe.name]


def _metrics(recipe: Recipe, model: Any) -> dict[str, list | float]:
    metrics = recipe.evaluate(model)
    if not isinstance(metrics, Mapping) or not all(isinstance(k, str) for k in metrics):
        raise TypeError(
            f"`evaluate` of {recipe.name!r} must return a dict of metric names to numbers or "
            f"arrays. Received: {check.describe(metrics)}"
        )
    out = {}
    for key, value in metrics.items():
        try:
            out[key] = np.asarray(value, dtype=np.float64).tolist()
        except (TypeError, ValueError):
            raise TypeError(
                f"`evaluate` of {recipe.name!r} must return numbers or arrays of numbers. "
                f"Received: {key}={check.describe(value)}"
            ) from None
    return out


def _evaluate(runs: list[_Run]) -> list[dict]:
    """Return each run's metrics, evaluating every seed of a recipe on one model.

    Each seed's weights are loaded in turn into the first run's model (its own
    last), so the recipe's ``evaluate`` traces Keras' predict function once per
    recipe, not once per seed.
    """
    metrics: dict[int, dict] = {}
    by_recipe: dict[int, list[int]] = {}
    for index, run in enumerate(runs):
        by_recipe.setdefault(id(run.recipe), []).append(index)
    for indices in by_recipe.values():
        first, twin = runs[indices[0]], runs[indices[0]].model
        for index in [*indices[1:], indices[0]]:
            twin.set_weights(runs[index].best_weights)
            metrics[index] = _metrics(runs[index].recipe, twin)
        twin.set_weights(first.best_weights)
    return [metrics[i] for i in range(len(runs))]


def _same_metrics(name: str, seeds: Sequence[int], rows: list[dict]) -> None:
    """Refuse seeds whose ``evaluate`` returned other metrics (names or shapes) than the first's."""
    first = {k: np.shape(v) for k, v in rows[0]["metrics"].items()}
    for seed, row in zip(seeds[1:], rows[1:], strict=True):
        got = {k: np.shape(v) for k, v in row["metrics"].items()}
        if got != first:
            raise ValueError(
                f"`evaluate` of {name!r} must return the same metrics, of the same shapes, for "
                f"every seed. Received: {first} for seed {seeds[0]}, {got} for seed {seed}"
            )


def _progress(name: str, seed: int, record: dict) -> str:
    curve = record["history"]["val_loss"]
    steps = record["history"]["step"][-1]
    note = (
        "cached"
        if record["cached"]
        else f"{record['seconds']:.1f} s ({record['side_by_side']} side by side)"
    )
    return (
        f"{name}, seed {seed}: stopped by {record['stopped']} after {steps} steps "
        f"({len(curve)} epochs, best at step {record['best_step']}), val loss {min(curve):.3f}, {note}"
    )


def run_many(
    recipes: Mapping[str, Recipe],
    seeds: Sequence[int] = (0, 1, 2),
    *,
    cache: bool = True,
    verbose: bool = True,
    side_by_side: Literal["seeds", "all"] = "seeds",
) -> dict[str, Result]:
    """Train every recipe once per seed with early stopping; evaluate each trained model.

    Every (recipe, seed) run missing from the cache is first built and checked
    (the model is compiled, its input and output fit the data, the labels fit its
    classes, the cache can be written): a fault is a named error before any
    training. The runs then train side by side, one traced epoch function for a
    group; each run has its own data order, validation split, augmentation draws,
    loss, optimizer and early stopping, so each ends exactly as it would alone.

    Parameters
    ----------
    recipes : mapping of str to Recipe
        The arms of a comparison, by name.
    seeds : sequence of int, default (0, 1, 2)
    cache : bool, default True
    verbose : bool, default True
        Print one line per run: seed, how it stopped, steps, best validation
        loss, seconds.
    side_by_side : {"seeds", "all"}, default "seeds"
        Train the seeds of each recipe together (``"seeds"``), or every run that
        shares the training size and batch size (``"all"``). A group's epoch
        loop runs until its last run stops (stopped runs skip their steps).

    Returns
    -------
    dict of str to Result
        In the order of ``recipes``.

    Examples
    --------
    Two arms that differ in one thing (the hidden width), three steps each:

    >>> x = np.linspace(-1, 1, 64, dtype="float32")[:, None]
    >>> y = (x[:, 0] > 0).astype("int64")
    >>> def build(width):
    ...     model = keras.Sequential(
    ...         [keras.Input((1,)), keras.layers.Dense(width), keras.layers.Dense(2)]
    ...     )
    ...     model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ...     return model
    >>> arms = {
    ...     f"width {w}": Recipe(f"width {w}", lambda w=w: build(w), x, y,
    ...                          evaluate=lambda m: {"n": m.count_params()}, max_steps=3)
    ...     for w in (2, 4)
    ... }
    >>> results = run_many(arms, seeds=(0, 1), cache=False, verbose=False)
    >>> {name: r.summary("n").mean for name, r in results.items()}
    {'width 2': 10.0, 'width 4': 18.0}
    """
    cache, verbose = check.flag(cache, "cache"), check.flag(verbose, "verbose")
    message = f"`recipes` must be a non-empty mapping of names to Recipe. Received: recipes={check.describe(recipes)}"
    if not isinstance(recipes, Mapping):
        raise TypeError(message)
    if not recipes:
        raise ValueError(message)
    for name, recipe in recipes.items():
        if not isinstance(recipe, Recipe):
            raise TypeError(
                f"`recipes[{name!r}]` must be a Recipe. Received: {check.describe(recipe)}"
            )
    seeds = check.seeds(seeds)
    side_by_side = check.choice(side_by_side, "side_by_side", ("seeds", "all"))
    folder = usable_cache_dir() if cache else None

    def paths(recipe: Recipe, seed: int) -> tuple[Path | None, Path | None]:
        if folder is None:
            return None, None
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in recipe.name)
        where = folder / f"{slug}-{recipe_key(recipe)[:20]}"
        return where / f"seed-{seed}.json", where / f"seed-{seed}.weights.h5"

    records: dict[tuple[str, int], dict] = {}
    groups: dict[tuple, list[tuple[str, _Run]]] = {}
    for name, recipe in recipes.items():
        for seed in seeds:
            record_path, weights_path = paths(recipe, seed)
            record = None if record_path is None else read_record(record_path, weights_path)
            if record is not None:
                records[name, seed] = {**record, "cached": True}
                continue
            prepared = _Run.prepare(recipe, seed)
            key = (len(prepared.x), recipe.batch_size, name if side_by_side == "seeds" else "")
            groups.setdefault(key, []).append((name, prepared))
    checked: set[int] = set()
    for group in groups.values():  # what `evaluate` returns is checked before any training
        for _, run in group:
            if id(run.recipe) not in checked:
                checked.add(id(run.recipe))
                _metrics(run.recipe, run.model)
    models: dict[tuple[str, int], Any] = {}
    for group in groups.values():
        runs = [run for _, run in group]
        seconds = _train_together(runs)
        for (name, run), metrics in zip(group, _evaluate(runs), strict=True):
            record = {
                "history": run.curves,
                "best_epoch": run.best_epoch,
                "best_step": run.best_step,
                "stopped": run.stopped,
                "seconds": seconds,
                "side_by_side": len(group),
                "metrics": metrics,
            }
            models[name, run.seed] = run.model
            record_path, weights_path = paths(run.recipe, run.seed)
            if record_path is not None:
                record_path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(weights_path, run.model.save_weights)
                record["weights"] = digest_file(weights_path)
                write_record(record_path, record)
            records[name, run.seed] = {**record, "cached": False}
    results = {}
    for name, recipe in recipes.items():
        rows = [records[name, seed] for seed in seeds]
        _same_metrics(recipe.name, seeds, rows)
        if verbose:
            for seed, record in zip(seeds, rows, strict=True):
                print(_progress(recipe.name, seed, record))
        results[name] = Result(
            name=recipe.name,
            seeds=seeds,
            histories=[r["history"] for r in rows],
            best_epochs=[r["best_epoch"] for r in rows],
            metrics={k: np.asarray([r["metrics"][k] for r in rows]) for k in rows[0]["metrics"]},
            seconds=[r["seconds"] for r in rows],
            weights=[paths(recipe, seed)[1] for seed in seeds],
            recipe=recipe,
            stopped=[r["stopped"] for r in rows],
            best_steps=[r["best_step"] for r in rows],
            _models={seed: models[name, seed] for seed in seeds if (name, seed) in models},
        )
    return results
