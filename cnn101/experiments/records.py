"""What to train and what came back: :class:`Recipe`, :class:`Result`, and comparisons of Results.

A :class:`Recipe` names a model builder, its data, how to evaluate it and its
budget (``max_steps``, ``patience`` in optimizer steps); :func:`cnn101.experiments.run`
trains it once per seed and returns a :class:`Result` (every seed's learning
curves, how each run stopped, its test metrics). :func:`compare` gives the difference
of two Results with its interval (from their per-example scores on the shared
test set), :func:`estimate` one Result's accuracy with its interval, and
:func:`difference` a metric's paired difference seed by seed;
:func:`assert_converged` checks that every run stopped by patience.
"""

from __future__ import annotations

import inspect
import json
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import keras
from cnn101.experiments.statistics import (
    Interval,
    Summary,
    accuracy_interval,
    paired_difference,
)

__all__ = ["Recipe", "Result", "assert_converged", "compare", "difference", "estimate"]


def _number(value: Any, name: str, low: float, high: float, what: str) -> float:
    if not check.is_number(value):
        raise TypeError(f"`{name}` must be {what}. Received: {name}={check.describe(value)}")
    if not low <= value < high:
        raise ValueError(f"`{name}` must be {what}. Received: {name}={check.describe(value)}")
    return float(value)


def _copyable(value: Any, name: str) -> None:
    """Refuse an array (a view, a broadcast) whose float32 copy would exhaust memory.

    A list is in memory already: its copy is no larger than it is.
    """
    shape = getattr(value, "shape", None)
    if shape is not None:
        check.array_size(tuple(shape), name, what="float32 copy")


@dataclass(frozen=True)
class Recipe:
    """What to train and how to measure it.

    Parameters
    ----------
    name : str
        Names the arm in progress lines, plots and the cache.
    build : callable () -> keras.Model, or (seed) -> keras.Model
        Returns a new *compiled* model; :func:`run` seeds Keras with the run's
        seed first, so the initial weights depend on the seed only. A builder
        that takes an argument receives the seed (for example to start from that
        seed's source network).
    x, y : array_like
        Training data (the validation split is held out of it, per seed).
    evaluate : callable (keras.Model) -> dict of str to float or array_like
        Test metrics of a trained model (for example accuracy at several scales).
    augment : callable (x, y, numpy.random.Generator) -> (x, y), optional
        Applied to the training part at every epoch (new draws each time) and once
        to the validation part, so early stopping watches the training distribution.
        It must keep the number of examples and their shape from epoch to epoch.
    draw : callable (x, y, numpy.random.Generator) -> (x, y) or (x, y, x_val, y_val), optional
        The seed's own data set, drawn once per seed before anything else (a random
        subset of the pool ``x``, digits placed at random positions, ...), so that
        seeds vary the data draw too. A pair is then split by
        ``validation_fraction``; four arrays are the training and validation sets
        themselves (``validation`` must then be None).
    max_steps : int, default 2000
        The budget: at most this many optimizer steps (whole epochs: training
        stops at the end of the epoch that reaches it).
    patience : int, default 200
        Stop when the validation loss (measured after every epoch) has not fallen
        for this many optimizer steps.
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

    Examples
    --------
    >>> x = np.linspace(-1, 1, 80, dtype="float32")[:, None]
    >>> def build():
    ...     model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    ...     model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ...     return model
    >>> recipe = Recipe("sign", build, x, (x[:, 0] > 0).astype(int), lambda m: {}, batch_size=16)
    >>> recipe.n_train, recipe.steps_per_epoch  # 20 % of the 80 held out to stop on
    (64, 4)
    """

    name: str
    build: Callable[[], Any]
    x: Any
    y: Any
    evaluate: Callable[[Any], Mapping[str, Any]]
    augment: Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple] | None = None
    draw: Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple] | None = None
    max_steps: int = 2000
    patience: int = 200
    min_delta: float = 0.0
    batch_size: int = 128
    validation_fraction: float = 0.2
    validation: tuple[Any, Any] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check.text(self.name, "name", optional=False, empty=False)
        for attr in ("build", "evaluate"):
            if not callable(getattr(self, attr)):
                raise TypeError(
                    f"`{attr}` must be callable. Received: {attr}={check.describe(getattr(self, attr))}"
                )
        for attr in ("augment", "draw"):
            if getattr(self, attr) is not None and not callable(getattr(self, attr)):
                raise TypeError(
                    f"`{attr}` must be callable or None. Received: {attr}={check.describe(getattr(self, attr))}"
                )
        if self.draw is not None and self.validation is not None:
            raise ValueError(
                "`validation` must be None when `draw` is given (a draw of four arrays returns "
                "the seed's own validation set)."
            )
        check.positive_int(self.max_steps, "max_steps")
        check.positive_int(self.patience, "patience")
        check.positive_int(self.batch_size, "batch_size")
        _number(self.min_delta, "min_delta", 0, math.inf, "a finite number >= 0")
        fraction = _number(
            self.validation_fraction, "validation_fraction", 0, 1, "a number between 0 and 1"
        )
        if fraction == 0:
            raise ValueError(
                f"`validation_fraction` must be a number strictly between 0 and 1. Received: validation_fraction={check.describe(self.validation_fraction)}"
            )
        for attr in ("x", "y"):  # finite real numbers, one entry per example
            _copyable(getattr(self, attr), attr)
            if check.as_float_array(getattr(self, attr), attr).ndim == 0:
                raise ValueError(
                    f"`{attr}` must hold one entry per example (at least 1-D). Received: {attr}={check.describe(getattr(self, attr))}"
                )
        if len(self.x) != len(self.y):
            raise ValueError(
                f"`x` and `y` must have one label per example. Received: {len(self.x)} examples and {len(self.y)} labels"
            )
        if self.validation is not None:
            pair = check.instance(
                self.validation, "validation", tuple | list, "a pair (x_val, y_val)"
            )
            if (
                len(pair) != 2
                or any(np.ndim(part) == 0 for part in pair)
                or len(pair[0]) != len(pair[1])
                or len(pair[0]) == 0
            ):
                raise ValueError(
                    "`validation` must be a pair (x_val, y_val) of equal, non-zero length. "
                    f"Received: validation={check.describe(pair)}"
                )
            for part in pair:
                _copyable(part, "validation")
                check.as_float_array(part, "validation")
            if self.augment is None and np.shape(pair[0])[1:] != np.shape(self.x)[1:]:
                raise ValueError(
                    f"`validation` must hold examples shaped like `x`'s {np.shape(self.x)[1:]}. "
                    f"Received: {np.shape(pair[0])[1:]}"
                )
        elif self.draw is None and (
            round(len(self.x) * fraction) < 1 or len(self.x) - round(len(self.x) * fraction) < 1
        ):
            raise ValueError(
                f"`x` must hold enough examples for a training and a validation part. Received: {len(self.x)} examples"
            )
        try:
            json.dumps(dict(self.params), sort_keys=True)
        except (TypeError, ValueError):
            raise TypeError(
                f"`params` must be a JSON-serialisable mapping. Received: params={check.describe(self.params)}"
            ) from None

    @property
    def n_train(self) -> int:
        """The number of examples each run learns from (``x`` less its validation part).

        With a ``draw``, the size of the pool ``x`` instead; each run counts its own.
        """
        if self.validation is not None:
            return len(self.x)
        return len(self.x) - round(len(self.x) * self.validation_fraction)

    @property
    def steps_per_epoch(self) -> int:
        """Optimizer steps in one pass over the training part: ``ceil(n_train / batch_size)``."""
        return -(-self.n_train // self.batch_size)


@dataclass(frozen=True)
class Result:
    """Every seed's training run of one :class:`Recipe`.

    Attributes
    ----------
    name : str
    seeds : tuple of int
    histories : list of dict
        Per seed: ``{"loss": [...], "val_loss": [...], "step": [...]}``, one value
        per epoch run: the mean training loss of the epoch, the validation loss
        after it, and the optimizer steps taken by then.
    best_epochs : list of int
        Per seed, the 1-based epoch whose weights were kept.
    metrics : dict of str to ndarray
        Per metric, an array whose first axis is the seed.
    seconds : list of float
        Training time per seed (as first trained, also when read from the cache).
    weights : list of pathlib.Path or None
        Saved weights per seed (None without a cache); see :meth:`model`.
    recipe : Recipe
    stopped : list of str
        Per seed, ``"patience"`` (the validation loss stopped falling) or
        ``"budget"`` (``max_steps`` ran out first: the run may not have converged).
    best_steps : list of int
        Per seed, the optimizer steps taken when the kept weights were reached.

    Examples
    --------
    >>> from cnn101.experiments import run
    >>> x = np.linspace(-1, 1, 80, dtype="float32")[:, None]
    >>> y = (x[:, 0] > 0).astype(int)
    >>> def build():
    ...     model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    ...     model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ...     return model
    >>> def evaluate(model):
    ...     return {"accuracy": float((model(x).numpy().argmax(1) == y).mean())}
    >>> recipe = Recipe("sign", build, x, y, evaluate, max_steps=8, patience=4)
    >>> result = run(recipe, seeds=(0, 1), cache=False, verbose=False)
    >>> result.seeds, result.metrics["accuracy"].shape, len(result.histories)
    ((0, 1), (2,), 2)
    >>> result.summary("accuracy").n
    2
    """

    name: str
    seeds: tuple[int, ...]
    histories: list[dict[str, list[float]]]
    best_epochs: list[int]
    metrics: dict[str, np.ndarray]
    seconds: list[float]
    weights: list[Path | None]
    recipe: Recipe = field(repr=False)
    stopped: list[str] = field(default_factory=list)
    best_steps: list[int] = field(default_factory=list)
    _models: dict[int, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def converged(self) -> bool:
        """Whether every seed's run stopped by patience (not by its budget)."""
        return len(self.stopped) == len(self.seeds) and all(s == "patience" for s in self.stopped)

    def summary(self, metric: str, index: Any = ()) -> Summary:
        """Return the across-seed :class:`Summary` of ``metrics[metric][:, index]``.

        A metric with several conditions per seed (for example accuracy at five
        test scales) needs ``index`` to pick one: a summary is over seeds only.

        Parameters
        ----------
        metric : str
            A key of :attr:`metrics`.
        index : int or tuple of int, default ()
            Which entry of each seed's value, when it holds several.

        Returns
        -------
        Summary
        """
        values = self._metric(metric)
        picks = index if isinstance(index, tuple) else (index,)
        if not all(check.is_integer(i) for i in picks):
            raise TypeError(
                f"`index` must be an integer or a tuple of integers. Received: index={check.describe(index)}"
            )
        if len(picks) != values.ndim - 1 or any(
            not -n <= int(i) < n for i, n in zip(picks, values.shape[1:], strict=False)
        ):
            raise ValueError(
                f"`index` must pick one entry of the per-seed values of {metric!r} (shape "
                f"{values.shape[1:]}; () when it is one number). Received: index={check.describe(index)}"
            )
        return Summary.of(values[(slice(None), *(int(i) for i in picks))])

    def _metric(self, metric: str) -> np.ndarray:
        metric = check.text(metric, "metric", optional=False)
        if metric not in self.metrics:
            raise ValueError(
                f"`metric` must be one of {sorted(self.metrics)}. Received: metric={check.describe(metric)}"
            )
        return self.metrics[metric]

    def model(self, seed: int) -> Any:
        """Return the trained model of ``seed`` (rebuilt from its saved weights if needed).

        Parameters
        ----------
        seed : int
            One of :attr:`seeds`.

        Returns
        -------
        keras.Model
            The weights kept by early stopping; needs the run to have been cached.
        """
        if not check.is_integer(seed):
            raise TypeError(f"`seed` must be an integer. Received: seed={check.describe(seed)}")
        if seed not in self.seeds:
            raise ValueError(
                f"`seed` must be one of {list(self.seeds)}. Received: seed={check.describe(seed)}"
            )
        seed = int(seed)
        if seed not in self._models:
            path = self.weights[self.seeds.index(seed)]
            if path is None:
                raise ValueError(f"The model of seed {seed} was not kept (run with cache=True).")
            model = build_model(self.recipe, seed)
            try:
                with warnings.catch_warnings():  # the file keeps the optimizer's state too,
                    # which a model rebuilt for testing has no use for (nor variables to take)
                    warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
                    model.load_weights(path)
            except Exception as error:  # h5py and Keras raise many kinds
                raise ValueError(
                    f"The saved weights of seed {seed} ({path}) cannot be read "
                    f"({type(error).__name__}); delete them to train again."
                ) from None
            self._models[seed] = model
        return self._models[seed]


def build_model(recipe: Recipe, seed: int) -> Any:
    """Return the recipe's compiled model for ``seed``, its initial weights drawn from the seed."""
    keras.utils.set_random_seed(seed)
    takes_seed = any(  # a required positional parameter receives the seed
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in inspect.signature(recipe.build).parameters.values()
    )
    model = recipe.build(seed) if takes_seed else recipe.build()
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`build` of {recipe.name!r} must return a Keras model. Received: {check.describe(model)}"
        )
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ValueError(
            f"`build` of {recipe.name!r} must return a compiled model with a loss "
            "(call model.compile(optimizer, loss) first)."
        )
    return model


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
        Assert on it, not on one run: for example that its
        :meth:`Summary.interval` excludes 0.

    Examples
    --------
    >>> def result(values):
    ...     n = len(values)
    ...     return Result("arm", tuple(range(n)), [{}] * n, [1] * n,
    ...                   {"accuracy": np.array(values)}, [0.0] * n, [None] * n, None)
    >>> gap = difference(result([0.9, 0.8, 0.85]), result([0.6, 0.5, 0.6]), "accuracy")
    >>> round(gap.mean, 3), gap.n
    (0.283, 3)
    """
    for name, value in (("a", a), ("b", b)):
        check.instance(value, name, Result, "a Result")
    if a.seeds != b.seeds:
        raise ValueError(
            f"`a` and `b` must be run with the same seeds. Received: {list(a.seeds)} and {list(b.seeds)}"
        )
    return Summary.of(a.summary(metric, index).values - b.summary(metric, index).values)


def _per_example(result: Result, metric: str, index: Any, name: str) -> np.ndarray:
    """Return ``result``'s per-example scores of ``metric`` at ``index``: shape (seeds, n_test)."""
    values = result._metric(metric)
    picks = index if isinstance(index, tuple) else (index,)
    if not all(check.is_integer(i) for i in picks):
        raise TypeError(
            f"`index` must be an integer or a tuple of integers. Received: index={check.describe(index)}"
        )
    if values.ndim != len(picks) + 2 or any(
        not -n <= int(i) < n for i, n in zip(picks, values.shape[1:-1], strict=False)
    ):
        raise ValueError(
            f"`{name}`'s metric {metric!r} must hold one score per test example (per seed, "
            f"shape {values.shape[1:]}), and `index` must pick one condition before the last "
            f"axis. Received: index={check.describe(index)}"
        )
    return values[(slice(None), *(int(i) for i in picks))]


def compare(
    a: Result, b: Result, metric: str = "correct", index: Any = (), *, level: float = 0.95
) -> Interval:
    """Return the difference ``a - b`` of two arms and its interval, by seed and test example.

    The arms ran with the same seeds on one shared test set; their per-example
    scores (``metric``: ``"correct"`` is 1 where a run got a test example right)
    are compared by :func:`cnn101.experiments.statistics.paired_difference`, which
    counts the error of both sources once (which seeds, which test examples).

    Parameters
    ----------
    a, b : Result
        Two arms run with the same seeds.
    metric : str, default "correct"
        A metric with one score per test example (its last axis).
    index : int or tuple of int, default ()
        Picks one condition of a metric with several (for example one test scale).
    level : float, default 0.95

    Returns
    -------
    Interval
        Unpacks as ``(mean, low, high)``.

    Examples
    --------
    >>> def result(correct):
    ...     n = len(correct)
    ...     return Result("arm", tuple(range(n)), [{}] * n, [1] * n,
    ...                   {"correct": np.array(correct)}, [0.0] * n, [None] * n, None)
    >>> rng = np.random.default_rng(0)
    >>> b = (rng.random((4, 300)) < 0.6).astype(float)
    >>> gap = compare(result(np.maximum(b, rng.random((4, 300)) < 0.5)), result(b))
    >>> round(gap.mean, 2), gap.seeds, gap.items, bool(gap.low > 0)
    (0.2, 4, 300, True)
    """
    for name, value in (("a", a), ("b", b)):
        check.instance(value, name, Result, "a Result")
    metric = check.text(metric, "metric", optional=False)
    if a.seeds != b.seeds:
        raise ValueError(
            f"`a` and `b` must be run with the same seeds. Received: {list(a.seeds)} and {list(b.seeds)}"
        )
    return paired_difference(
        _per_example(a, metric, index, "a"), _per_example(b, metric, index, "b"), level
    )


def estimate(
    result: Result, metric: str = "correct", index: Any = (), *, level: float = 0.95
) -> Interval:
    """Return one arm's mean score over seeds and test examples, with an interval within [0, 1].

    Parameters
    ----------
    result : Result
    metric : str, default "correct"
        A metric with one score in [0, 1] per test example (its last axis).
    index : int or tuple of int, default ()
        Picks one condition of a metric with several.
    level : float, default 0.95

    Returns
    -------
    Interval
        From :func:`cnn101.experiments.statistics.accuracy_interval`.

    Examples
    --------
    >>> one = Result("arm", (0, 1), [{}] * 2, [1] * 2, {"correct": np.ones((2, 50))},
    ...              [0.0] * 2, [None] * 2, None)
    >>> mean, low, high = estimate(one)
    >>> mean, high
    (1.0, 1.0)
    """
    check.instance(result, "result", Result, "a Result")
    metric = check.text(metric, "metric", optional=False)
    return accuracy_interval(_per_example(result, metric, index, "result"), level)


def _results_in(results: Any, path: str) -> list[tuple[str, Result]]:
    if isinstance(results, Result):
        return [(path, results)]
    if isinstance(results, Mapping) and results:
        items = results.items()
    elif isinstance(results, list | tuple) and results:
        items = enumerate(results)
    else:
        raise TypeError(
            "`results` must be a Result, or a non-empty mapping or list of them (nested allowed). "
            f"Received: {path}={check.describe(results)}"
        )
    return [pair for key, value in items for pair in _results_in(value, f"{path}[{key!r}]")]


def assert_converged(results: Any) -> None:
    """Raise AssertionError unless every run of ``results`` stopped by patience.

    A run that stopped because its ``max_steps`` ran out may still have been
    improving: its metrics are those of an unfinished run. Call this under a
    learning-curve plot that claims the curves have flattened.

    Parameters
    ----------
    results : Result, or a mapping or list of Result (nested allowed)

    Examples
    --------
    >>> from cnn101.experiments import run
    >>> x = np.linspace(-1, 1, 64, dtype="float32")[:, None]
    >>> def build():
    ...     model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    ...     model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ...     return model
    >>> recipe = Recipe("short", build, x, (x[:, 0] > 0).astype(int), lambda m: {}, max_steps=2)
    >>> short = run(recipe, seeds=(0,), cache=False, verbose=False)
    >>> try:
    ...     assert_converged({"short": short})
    ... except AssertionError as error:
    ...     print(error)
    1 run(s) stopped by their budget, not by patience: short (seed 0: budget). Raise the recipe's max_steps.
    """
    found = _results_in(results, "results")
    unfinished = [
        f"{result.name} (seed {seed}: {stopped or 'unknown'})"
        for _, result in found
        for seed, stopped in zip(
            result.seeds, result.stopped or [None] * len(result.seeds), strict=True
        )
        if stopped != "patience"
    ]
    if unfinished:
        raise AssertionError(
            f"{len(unfinished)} run(s) stopped by their budget, not by patience: "
            + ", ".join(unfinished)
            + ". Raise the recipe's max_steps."
        )
