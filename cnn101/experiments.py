"""Run a training recipe over several seeds: early stopping, learning curves, spread, cache.

A result from training is a claim about a *distribution* of runs. :func:`run`
trains one :class:`Recipe` once per seed: it holds out a validation split (drawn
by the seed), trains until the validation loss has not improved for ``patience``
epochs (within ``max_epochs``), restores the best weights, then calls the
recipe's ``evaluate`` on the trained model. It returns a :class:`Result` with
every seed's learning curves and test metrics; :meth:`Result.summary` gives the
mean, standard deviation, standard error and range across seeds, and
:func:`difference` the paired difference of two arms seed by seed (the number to
assert on).

Each run prints one line (seed, epochs used, best validation loss, seconds),
never Keras' progress bars. Runs are deterministic per seed, and cached on disk
(weights and metrics) under a key made of the recipe's parameters, its data, the
source of its functions, ``cnn101``'s source and the library versions: running a
cell again is instant, and a code change recomputes.

The cache directory is ``$CNN101_EXPERIMENT_CACHE`` when set, else
``~/.cache/cnn101/experiments``; pass ``cache=False`` to :func:`run` to skip it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import inspect
import json
import math
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

__all__ = [
    "Recipe",
    "Result",
    "Summary",
    "cache_dir",
    "difference",
    "run",
    "run_many",
]

CACHE_ENV = "CNN101_EXPERIMENT_CACHE"
_VERSIONED = ("tensorflow", "keras", "numpy")


@dataclass(frozen=True)
class Summary:
    """Across-seed statistics of one number.

    Attributes
    ----------
    values : ndarray of shape (n_seeds,)
    mean, std, sem, min, max : float
        ``std`` is the sample standard deviation (``ddof=1``; 0 for one seed) and
        ``sem = std / sqrt(n)``.

    Examples
    --------
    >>> s = Summary.of([0.8, 0.9, 1.0])
    >>> round(s.mean, 3), round(s.std, 3), round(s.sem, 3)
    (0.9, 0.1, 0.058)
    >>> print(s)
    0.900 ± 0.100 (0.800 to 1.000, 3 seeds)
    """

    values: np.ndarray
    mean: float
    std: float
    sem: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Any) -> Summary:
        """Summarise a 1-D sequence of per-seed values."""
        array = np.asarray(values, dtype=np.float64).reshape(-1)
        if array.size == 0 or not np.isfinite(array).all():
            raise ValueError(
                f"`values` must be a non-empty sequence of finite numbers. Received: values={check.describe(values)}"
            )
        std = float(array.std(ddof=1)) if array.size > 1 else 0.0
        return cls(
            values=array,
            mean=float(array.mean()),
            std=std,
            sem=std / math.sqrt(array.size),
            min=float(array.min()),
            max=float(array.max()),
        )

    @property
    def n(self) -> int:
        """The number of seeds."""
        return int(self.values.size)

    def __str__(self) -> str:
        seeds = "seed" if self.n == 1 else "seeds"
        return (
            f"{self.mean:.3f} ± {self.std:.3f} ({self.min:.3f} to {self.max:.3f}, {self.n} {seeds})"
        )


@dataclass(frozen=True)
class Recipe:
    """What to train and how to measure it.

    Parameters
    ----------
    name : str
        Names the arm in progress lines, plots and the cache.
    build : callable () -> keras.Model, or (seed) -> keras.Model
        Returns a new *compiled* model; :func:`run` seeds Keras first, so the
        initial weights depend on the seed only. A builder that takes an argument
        receives the seed (for example to start from that seed's source network).
    x, y : array_like
        Training data (the validation split is held out of it, per seed).
    evaluate : callable (keras.Model) -> dict of str to float or array_like
        Test metrics of a trained model (for example accuracy at several scales).
    augment : callable (x, y, numpy.random.Generator) -> (x, y), optional
        Applied to the training part at every epoch (new draws each time) and once
        to the validation part, so early stopping watches the training distribution.
    max_epochs : int, default 60
    patience : int, default 5
        Stop after this many epochs without a lower validation loss.
    min_delta : float, default 0.0
        A validation loss must fall by more than this to count as lower.
    batch_size : int, default 128
    validation_fraction : float, default 0.2
        Share of ``x`` held out (drawn by the seed) to decide when to stop.
    validation : (x_val, y_val), optional
        A fixed validation set instead: the model then learns from all of ``x``
        (for a small training set, where a fraction of it would be too few to
        tell when to stop).
    params : mapping, optional
        JSON-serialisable settings that the functions above close over (sizes,
        scales, ...): they go into the cache key.
    """

    name: str
    build: Callable[[], Any]
    x: Any
    y: Any
    evaluate: Callable[[Any], Mapping[str, Any]]
    augment: Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple] | None = None
    max_epochs: int = 60
    patience: int = 5
    min_delta: float = 0.0
    batch_size: int = 128
    validation_fraction: float = 0.2
    validation: tuple[Any, Any] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(
                f"`name` must be a non-empty string. Received: name={check.describe(self.name)}"
            )
        for attr in ("build", "evaluate"):
            if not callable(getattr(self, attr)):
                raise TypeError(
                    f"`{attr}` must be callable. Received: {attr}={check.describe(getattr(self, attr))}"
                )
        if self.augment is not None and not callable(self.augment):
            raise TypeError(
                f"`augment` must be callable or None. Received: augment={check.describe(self.augment)}"
            )
        check.positive_int(self.max_epochs, "max_epochs")
        check.positive_int(self.patience, "patience")
        check.positive_int(self.batch_size, "batch_size")
        delta = self.min_delta
        if (
            isinstance(delta, bool)
            or not isinstance(delta, int | float | np.floating)
            or not (0 <= delta < math.inf)
        ):
            raise ValueError(
                f"`min_delta` must be a finite number >= 0. Received: min_delta={check.describe(delta)}"
            )
        fraction = self.validation_fraction
        if (
            isinstance(fraction, bool)
            or not isinstance(fraction, int | float | np.floating)
            or not 0 < fraction < 1
        ):
            raise ValueError(
                f"`validation_fraction` must be a number strictly between 0 and 1. Received: validation_fraction={check.describe(fraction)}"
            )
        for attr in ("x", "y"):  # finite real numbers, one entry per example
            if check.as_float_array(getattr(self, attr), attr).ndim == 0:
                raise ValueError(
                    f"`{attr}` must hold one entry per example (at least 1-D). Received: {attr}={check.describe(getattr(self, attr))}"
                )
        if len(self.x) != len(self.y):
            raise ValueError(
                f"`x` and `y` must have one label per example. Received: {len(self.x)} examples and {len(self.y)} labels"
            )
        if self.validation is not None:
            if (
                not isinstance(self.validation, tuple | list)
                or len(self.validation) != 2
                or len(self.validation[0]) != len(self.validation[1])
                or len(self.validation[0]) == 0
            ):
                raise ValueError(
                    "`validation` must be a pair (x_val, y_val) of equal, non-zero length. "
                    f"Received: validation={check.describe(self.validation)}"
                )
        elif round(len(self.x) * fraction) < 1 or len(self.x) - round(len(self.x) * fraction) < 1:
            raise ValueError(
                f"`x` must hold enough examples for a training and a validation part. Received: {len(self.x)} examples"
            )
        try:
            json.dumps(dict(self.params), sort_keys=True)
        except (TypeError, ValueError):
            raise TypeError(
                f"`params` must be a JSON-serialisable mapping. Received: params={check.describe(self.params)}"
            ) from None


@dataclass(frozen=True)
class Result:
    """Every seed's training run of one :class:`Recipe`.

    Attributes
    ----------
    name : str
    seeds : tuple of int
    histories : list of dict
        Per seed: ``{"loss": [...], "val_loss": [...]}``, one value per epoch run.
    best_epochs : list of int
        Per seed, the 1-based epoch whose weights were kept.
    metrics : dict of str to ndarray
        Per metric, an array whose first axis is the seed.
    seconds : list of float
        Training time per seed (as first trained, also when read from the cache).
    weights : list of pathlib.Path or None
        Saved weights per seed (None without a cache); see :meth:`model`.
    """

    name: str
    seeds: tuple[int, ...]
    histories: list[dict[str, list[float]]]
    best_epochs: list[int]
    metrics: dict[str, np.ndarray]
    seconds: list[float]
    weights: list[Path | None]
    recipe: Recipe = field(repr=False)
    _models: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)

    def summary(self, metric: str, index: Any = ()) -> Summary:
        """Return the across-seed :class:`Summary` of ``metrics[metric][:, index]``."""
        values = self._metric(metric)
        if isinstance(index, tuple) and not index:
            return Summary.of(values)
        picks = index if isinstance(index, tuple) else (index,)
        if not all(check._is_int(i) for i in picks):
            raise TypeError(
                f"`index` must be an integer or a tuple of integers. Received: index={check.describe(index)}"
            )
        if len(picks) > values.ndim - 1 or any(
            not -n <= int(i) < n for i, n in zip(picks, values.shape[1:], strict=False)
        ):
            raise ValueError(
                f"`index` must pick one entry of the per-seed values of {metric!r} (shape "
                f"{values.shape[1:]}). Received: index={check.describe(index)}"
            )
        return Summary.of(values[(slice(None), *(int(i) for i in picks))])

    def _metric(self, metric: str) -> np.ndarray:
        if metric not in self.metrics:
            raise ValueError(
                f"`metric` must be one of {sorted(self.metrics)}. Received: metric={check.describe(metric)}"
            )
        return self.metrics[metric]

    def model(self, seed: int) -> Any:
        """Return the trained model of ``seed`` (rebuilt from its saved weights if needed)."""
        if seed not in self.seeds:
            raise ValueError(
                f"`seed` must be one of {list(self.seeds)}. Received: seed={check.describe(seed)}"
            )
        if seed not in self._models:
            path = self.weights[self.seeds.index(seed)]
            if path is None:
                raise ValueError(f"The model of seed {seed} was not kept (run with cache=True).")
            model = _build(self.recipe, seed)
            model.load_weights(path)
            self._models[seed] = model
        return self._models[seed]


def difference(a: Result, b: Result, metric: str, index: Any = ()) -> Summary:
    """Return the paired difference ``a - b`` of a metric, seed by seed.

    Parameters
    ----------
    a, b : Result
        Two arms run with the same seeds.
    metric : str
    index : int or tuple, optional
        Picks one entry of a per-seed array metric (for example one test scale).

    Returns
    -------
    Summary
        Assert on it, not on one run: ``d.mean > 2 * d.sem`` or ``d.min > 0``.
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, Result):
            raise TypeError(f"`{name}` must be a Result. Received: {name}={check.describe(value)}")
    if a.seeds != b.seeds:
        raise ValueError(
            f"`a` and `b` must be run with the same seeds. Received: {list(a.seeds)} and {list(b.seeds)}"
        )
    return Summary.of(a.summary(metric, index).values - b.summary(metric, index).values)


def cache_dir() -> Path:
    """Return the experiment cache directory (``$CNN101_EXPERIMENT_CACHE`` or ~/.cache)."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path.home() / ".cache" / "cnn101" / "experiments"


def _source(fn: Any) -> bytes:
    try:
        return inspect.getsource(fn).encode()
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((getattr(fn, "__qualname__", repr(fn)), code and code.co_code)).encode()


def _package_digest() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    for name in _VERSIONED:
        digest.update(f"{name}={importlib.metadata.version(name)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def _recipe_key(recipe: Recipe) -> str:
    digest = hashlib.sha256(_package_digest().encode())
    for fn in (recipe.build, recipe.evaluate, recipe.augment):
        digest.update(_source(fn) if fn is not None else b"none")
    settings = [
        recipe.name,
        recipe.max_epochs,
        recipe.patience,
        float(recipe.min_delta),
        recipe.batch_size,
        float(recipe.validation_fraction),
        dict(recipe.params),
    ]
    digest.update(json.dumps(settings, sort_keys=True).encode())
    for array in (recipe.x, recipe.y, *(recipe.validation or ())):
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _build(recipe: Recipe, seed: int) -> Any:
    keras.utils.set_random_seed(seed)
    takes_seed = any(  # a required positional parameter receives the seed
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in inspect.signature(recipe.build).parameters.values()
    )
    model = recipe.build(seed) if takes_seed else recipe.build()
    if not isinstance(model, keras.Model):
        raise TypeError(f"`build` must return a Keras model. Received: {check.describe(model)}")
    if model.optimizer is None:
        raise ValueError("`build` must return a compiled model (call model.compile first).")
    return model


def _split(recipe: Recipe, seed: int) -> tuple[np.ndarray, ...]:
    """Return the seed's training and validation parts (validation augmented once)."""
    x, y = np.asarray(recipe.x), np.asarray(recipe.y)
    if recipe.validation is not None:
        x_val, y_val = (np.asarray(a) for a in recipe.validation)
        train = np.random.default_rng(seed).permutation(len(x))
    else:
        order = np.random.default_rng(seed).permutation(len(x))
        n_val = round(len(x) * recipe.validation_fraction)
        val, train = order[:n_val], order[n_val:]
        x_val, y_val = x[val], y[val]
    if recipe.augment is not None:
        drawn = recipe.augment(x_val, y_val, np.random.default_rng([seed, 1]))
        x_val, y_val = (np.asarray(a) for a in drawn)
    return x[train], y[train], x_val, y_val


class _SideBySideStopping(keras.callbacks.Callback):
    """Early stopping for each model of a side-by-side run, with its best weights."""

    def __init__(self, models: list[Any], names: list[str], runs: list[tuple[Recipe, int]]) -> None:
        super().__init__()
        self.models, self.names = models, names
        self.patience = [recipe.patience for recipe, _ in runs]
        self.min_delta = [float(recipe.min_delta) for recipe, _ in runs]
        self.max_epochs = [recipe.max_epochs for recipe, _ in runs]
        self.curves: list[dict[str, list[float]]] = [{"loss": [], "val_loss": []} for _ in models]
        self.best = [math.inf] * len(models)
        self.best_epoch = [0] * len(models)
        self.best_weights = [m.get_weights() for m in models]
        self.wait = [0] * len(models)
        self.done = [False] * len(models)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        for i, name in enumerate(self.names):
            if self.done[i]:
                continue
            # Keras names each output's loss, except when there is only one output.
            key = f"{name}_loss" if f"{name}_loss" in logs else "loss"
            loss, val_loss = float(logs[key]), float(logs[f"val_{key}"])
            self.curves[i]["loss"].append(loss)
            self.curves[i]["val_loss"].append(val_loss)
            if val_loss < self.best[i] - self.min_delta[i]:
                self.best[i], self.best_epoch[i], self.wait[i] = val_loss, epoch + 1, 0
                self.best_weights[i] = self.models[i].get_weights()
            else:
                self.wait[i] += 1
            self.done[i] = self.wait[i] >= self.patience[i] or epoch + 1 >= self.max_epochs[i]
        if all(self.done):
            self.model.stop_training = True

    def restore(self) -> None:
        for model, weights in zip(self.models, self.best_weights, strict=True):
            model.set_weights(weights)


def _group_key(recipe: Recipe, model: Any) -> str:
    """Return what runs sharing one Keras model must agree on: sizes and optimizer."""
    n_val = (
        0 if recipe.validation is not None else round(len(recipe.x) * recipe.validation_fraction)
    )
    n_train = len(recipe.x) - n_val
    config = {k: v for k, v in model.optimizer.get_config().items() if k != "name"}
    return json.dumps(
        [n_train, recipe.batch_size, type(model.optimizer).__name__, config], default=str
    )


def _train_side_by_side(
    runs: list[tuple[Recipe, int]], models: list[Any]
) -> list[tuple[Any, dict, int, float]]:
    """Train one model per (recipe, seed), side by side in one Keras model.

    Each model gets its own inputs (its own training part, batch order and
    augmentation draws) and its own loss; the wrapper minimises their sum, so the
    gradient of each model's weights is that of its own loss alone, exactly as if
    it were trained by itself, while the batches of all runs go through one step.
    A model whose validation loss has not improved for its recipe's ``patience``
    epochs is done (its curve ends there, and its best weights are restored at the
    end); training stops when every model is done.
    """
    names = [f"run_{i}" for i in range(len(runs))]
    for model, name in zip(models, names, strict=True):
        model.name = f"{name}_{model.name}"  # operation names must be unique in the wrapper
    parts = [_split(recipe, seed) for recipe, seed in runs]
    # The validation part has the shape the models see (it is augmented when training is).
    inputs = [
        keras.Input(shape=p[2].shape[1:], name=f"{n}_input")
        for n, p in zip(names, parts, strict=True)
    ]
    outputs = {n: m(i) for n, m, i in zip(names, models, inputs, strict=True)}
    wrapper = keras.Model(inputs, outputs, name="side_by_side")
    first = models[0]
    optimizer = first.optimizer.__class__.from_config(first.optimizer.get_config())
    wrapper.compile(
        optimizer=optimizer, loss={n: m.loss for n, m in zip(names, models, strict=True)}
    )
    stopping = _SideBySideStopping(models, names, runs)

    def feed(arrays: list[np.ndarray], suffix: str) -> dict[str, np.ndarray]:
        return {f"{n}{suffix}": np.asarray(a) for n, a in zip(names, arrays, strict=True)}

    val = (feed([p[2] for p in parts], "_input"), feed([p[3] for p in parts], ""))
    batch_size, max_epochs = runs[0][0].batch_size, max(r.max_epochs for r, _ in runs)
    start = time.perf_counter()
    if all(recipe.augment is None for recipe, _ in runs):
        wrapper.fit(
            feed([p[0] for p in parts], "_input"),
            feed([p[1] for p in parts], ""),
            batch_size=batch_size,
            epochs=max_epochs,
            validation_data=val,
            callbacks=[stopping],
            verbose=0,
        )
    else:
        rngs = [np.random.default_rng([seed, 2]) for _, seed in runs]
        stopping.set_model(wrapper)
        for epoch in range(max_epochs):
            drawn = [
                (p[0], p[1]) if recipe.augment is None else recipe.augment(p[0], p[1], rng)
                for (recipe, _), p, rng in zip(runs, parts, rngs, strict=True)
            ]
            fitted = wrapper.fit(
                feed([d[0] for d in drawn], "_input"),
                feed([d[1] for d in drawn], ""),
                batch_size=batch_size,
                epochs=1,
                validation_data=val,
                verbose=0,
            )
            stopping.on_epoch_end(epoch, {k: v[-1] for k, v in fitted.history.items()})
            if all(stopping.done):
                break
    stopping.restore()
    seconds = time.perf_counter() - start
    for model in models:
        model.name = model.name.split("_", 2)[2]
    return [
        (model, curves, best, seconds)
        for model, curves, best in zip(models, stopping.curves, stopping.best_epoch, strict=True)
    ]


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
        validation split, the batch order and the augmentation draws.
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
    >>> recipe = Recipe("tiny", build, x, y, evaluate=lambda m: {"n": m.count_params()}, max_epochs=3)
    >>> result = run(recipe, seeds=(0, 1), cache=False, verbose=False)
    >>> result.summary("n").mean, [len(h["val_loss"]) for h in result.histories]
    (4.0, [3, 3])
    """
    if not isinstance(recipe, Recipe):
        raise TypeError(f"`recipe` must be a Recipe. Received: recipe={check.describe(recipe)}")
    cache, verbose = check.flag(cache, "cache"), check.flag(verbose, "verbose")
    return run_many({recipe.name: recipe}, seeds, cache=cache, verbose=verbose)[recipe.name]


def run_many(
    recipes: Mapping[str, Recipe],
    seeds: Sequence[int] = (0, 1, 2),
    *,
    cache: bool = True,
    verbose: bool = True,
    side_by_side: Literal["seeds", "all"] = "seeds",
) -> dict[str, Result]:
    """Train every recipe once per seed with early stopping; evaluate each trained model.

    The (recipe, seed) runs missing from the cache are trained side by side in one
    Keras model: each run has its own data order, validation split, augmentation
    draws, loss and early stopping, so each is trained exactly as it would be
    alone, but one step updates them all (one ``fit`` instead of one per run).

    Parameters
    ----------
    recipes : mapping of str to Recipe
        The arms of a comparison, by name.
    seeds : sequence of int, default (0, 1, 2)
    cache : bool, default True
    verbose : bool, default True
        Print one line per run: seed, epochs used, best validation loss, seconds.
    side_by_side : {"seeds", "all"}, default "seeds"
        Train the seeds of each recipe together (``"seeds"``), or every run that
        shares the training size, batch size and optimizer (``"all"``). A model
        that has stopped still computes until its group is done, so ``"all"``
        pays for the slowest arm; ``"seeds"`` groups runs that stop at similar
        epochs.

    Returns
    -------
    dict of str to Result
        In the order of ``recipes``.
    """
    cache, verbose = check.flag(cache, "cache"), check.flag(verbose, "verbose")
    if not isinstance(recipes, Mapping) or not recipes:
        raise TypeError(
            f"`recipes` must be a non-empty mapping of names to Recipe. Received: recipes={check.describe(recipes)}"
        )
    for name, recipe in recipes.items():
        if not isinstance(recipe, Recipe):
            raise TypeError(
                f"`recipes[{name!r}]` must be a Recipe. Received: {check.describe(recipe)}"
            )
    if isinstance(seeds, int | str) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise ValueError(
            f"`seeds` must be a non-empty sequence of distinct non-negative integers. Received: seeds={check.describe(seeds)}"
        )
    seeds = tuple(check.non_negative_int(s, "seeds") for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"`seeds` must be distinct. Received: seeds={list(seeds)}")
    if side_by_side not in ("seeds", "all"):
        raise ValueError(
            f"`side_by_side` must be 'seeds' or 'all'. Received: side_by_side={check.describe(side_by_side)}"
        )

    def paths(recipe: Recipe, seed: int) -> tuple[Path | None, Path | None]:
        if not cache:
            return None, None
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in recipe.name)
        folder = cache_dir() / f"{slug}-{_recipe_key(recipe)[:20]}"
        return folder / f"seed-{seed}.json", folder / f"seed-{seed}.weights.h5"

    records: dict[tuple[str, int], dict] = {}
    missing: dict[str, list[tuple[str, int, Any]]] = {}
    for name, recipe in recipes.items():
        for seed in seeds:
            record_path, weights_path = paths(recipe, seed)
            if record_path is not None and record_path.exists() and weights_path.exists():
                records[name, seed] = {**json.loads(record_path.read_text()), "cached": True}
            else:
                model = _build(recipe, seed)
                key = _group_key(recipe, model) + (name if side_by_side == "seeds" else "")
                missing.setdefault(key, []).append((name, seed, model))
    models: dict[tuple[str, int], Any] = {}
    for group in missing.values():
        runs = [(recipes[name], seed) for name, seed, _ in group]
        trained = _train_side_by_side(runs, [model for _, _, model in group])
        for (name, seed, _), (model, curves, best, secs) in zip(group, trained, strict=True):
            metrics = dict(recipes[name].evaluate(model))
            record = {
                "history": curves,
                "best_epoch": best,
                "seconds": secs,
                "side_by_side": len(group),
                "metrics": {
                    k: np.asarray(v, dtype=np.float64).tolist() for k, v in metrics.items()
                },
            }
            models[name, seed] = model
            record_path, weights_path = paths(recipes[name], seed)
            if record_path is not None:
                record_path.parent.mkdir(parents=True, exist_ok=True)
                model.save_weights(weights_path)
                record_path.write_text(json.dumps(record))
            records[name, seed] = {**record, "cached": False}
    results = {}
    for name, recipe in recipes.items():
        if verbose:
            for seed in seeds:
                record = records[name, seed]
                curve = record["history"]["val_loss"]
                note = (
                    "cached"
                    if record["cached"]
                    else f"{record['seconds']:.1f} s ({record['side_by_side']} side by side)"
                )
                print(
                    f"{recipe.name}, seed {seed}: {len(curve)} epochs (best {record['best_epoch']}), "
                    f"val loss {min(curve):.3f}, {note}"
                )
        per_seed = [records[name, seed]["metrics"] for seed in seeds]
        results[name] = Result(
            name=recipe.name,
            seeds=seeds,
            histories=[records[name, seed]["history"] for seed in seeds],
            best_epochs=[records[name, seed]["best_epoch"] for seed in seeds],
            metrics={
                k: np.asarray([m[k] for m in per_seed], dtype=np.float64) for k in per_seed[0]
            },
            seconds=[records[name, seed]["seconds"] for seed in seeds],
            weights=[paths(recipe, seed)[1] for seed in seeds],
            recipe=recipe,
            _models={seed: models[name, seed] for seed in seeds if (name, seed) in models},
        )
    return results
