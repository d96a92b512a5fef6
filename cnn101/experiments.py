"""Run a training recipe over several seeds: early stopping in steps, learning curves, spread, cache.

A result from training is a claim about a *distribution* of runs. :func:`run`
trains one :class:`Recipe` once per seed: it holds out a validation split (drawn
by the seed), trains until the validation loss has not improved for ``patience``
optimizer steps (within ``max_steps``), restores the best weights, then calls the
recipe's ``evaluate`` on the trained model. It returns a :class:`Result` with
every seed's learning curves, how each run stopped ("patience" or "budget") and
its test metrics; :meth:`Result.summary` gives the mean, standard deviation,
standard error, range and a Student-t confidence interval across seeds, and
:func:`difference` the paired difference of two arms seed by seed (the number to
assert on). :func:`assert_converged` checks that every run stopped by patience.

How it trains. The seeds of a recipe train together: one traced ``tf.function``
runs a whole epoch of every seed (each with its own batch order, augmentation
draws, loss and optimizer) and returns each seed's training loss and its exact
validation loss, the example-weighted mean over the whole validation set. Python
only decides, once per epoch, which runs stop and which weights to keep. Every
random choice of a run (initial weights, validation split, batch order,
augmentation) comes from generators seeded by that run's seed alone, so a run
ends exactly as it would alone, whatever trains beside it.

Each run prints one line (seed, how it stopped, steps, best validation loss,
seconds), never Keras' progress bars. Runs are cached on disk (weights and
metrics) under a key made of the recipe's parameters, its data, the source of its
functions, ``cnn101``'s source and the library versions: running a cell again is
instant, and a code change recomputes. The cache directory is
``$CNN101_EXPERIMENT_CACHE`` when set, else ``~/.cache/cnn101/experiments``; pass
``cache=False`` to :func:`run` to skip it.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._digest import cache_folder, digest_files, package_versions
from cnn101._tf import tensorflow

tf = tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

__all__ = [
    "Recipe",
    "Result",
    "Summary",
    "accuracy_gap",
    "assert_converged",
    "cache_dir",
    "difference",
    "paired_interval",
    "run",
    "run_many",
]

CACHE_ENV = "CNN101_EXPERIMENT_CACHE"
_VERSIONED = ("tensorflow", "keras", "numpy")
_STREAMS = {"split": 0, "validation": 1, "order": 2, "augment": 3, "draw": 4}  # one generator each


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Return the generator of one kind of random choice of the run of ``seed``."""
    return np.random.default_rng([seed, _STREAMS[stream]])


def _level(level: Any) -> float:
    """Return a confidence level strictly between 0 and 1, else raise a named error."""
    message = f"`level` must be a number strictly between 0 and 1. Received: level={check.describe(level)}"
    if not check.is_number(level):
        raise TypeError(message)
    if not check.is_finite_number(level) or not 0 < level < 1:
        raise ValueError(message)
    return float(level)


def _t_quantile(level: float, dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2, dof))


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
    >>> [round(v, 3) for v in s.interval(0.95)]  # mean ± t(0.975, 2 dof) x sem
    [0.652, 1.148]
    """

    values: np.ndarray
    mean: float
    std: float
    sem: float
    min: float
    max: float

    @classmethod
    def of(cls, values: Any) -> Summary:
        """Summarise a 1-D sequence of per-seed values (nested input is refused)."""
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            array = np.asarray([np.nan])
        if array.ndim != 1 or array.size == 0 or not np.isfinite(array).all():
            raise ValueError(
                "`values` must be a non-empty 1-D sequence of finite numbers, one per seed "
                "(summarise each condition on its own). "
                f"Received: values={check.describe(values)}"
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

    def interval(self, level: float = 0.95, *, n_test: int | None = None) -> tuple[float, float]:
        """Return a confidence interval for the mean over seeds: Student's t, n - 1 dof.

        Parameters
        ----------
        level : float, default 0.95
        n_test : int, optional
            When the values are proportions measured on one fixed test set of
            ``n_test`` examples (accuracy, consistency), the interval also holds
            that set's own sampling error: its half-width is
            ``t * sqrt(sem**2 + binomial_se(n_test)**2)``. The test set is the
            same for every seed, so its error does not average out over seeds.

        Returns
        -------
        (float, float)
        """
        level = _level(level)
        if self.n < 2:
            raise ValueError(f"An interval needs at least 2 seeds. Received: {self.n} seed")
        spread = self.sem**2 + (0.0 if n_test is None else self.binomial_se(n_test) ** 2)
        half = _t_quantile(level, self.n - 1) * math.sqrt(spread)
        return self.mean - half, self.mean + half

    def binomial_se(self, n_test: int) -> float:
        """Return ``sqrt(p (1 - p) / n_test)`` at ``p = mean``: the error of one fixed test set.

        Report it beside :attr:`std` (the spread across seeds) for a proportion.

        Examples
        --------
        >>> round(Summary.of([0.9, 0.9]).binomial_se(100), 3)
        0.03
        """
        n_test = check.positive_int(n_test, "n_test")
        if not (0 <= self.min and self.max <= 1):
            raise ValueError(
                f"`binomial_se` needs proportions in [0, 1]. Received: values from {self.min} to {self.max}"
            )
        return math.sqrt(self.mean * (1 - self.mean) / n_test)

    def __str__(self) -> str:
        seeds = "seed" if self.n == 1 else "seeds"
        return (
            f"{self.mean:.3f} ± {self.std:.3f} ({self.min:.3f} to {self.max:.3f}, {self.n} {seeds})"
        )


def _number(value: Any, name: str, low: float, high: float, what: str) -> float:
    if not check.is_number(value):
        raise TypeError(f"`{name}` must be {what}. Received: {name}={check.describe(value)}")
    if not low <= value < high:
        raise ValueError(f"`{name}` must be {what}. Received: {name}={check.describe(value)}")
    return float(value)


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
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(
                f"`name` must be a non-empty string. Received: name={check.describe(self.name)}"
            )
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
            if check.as_float_array(getattr(self, attr), attr).ndim == 0:
                raise ValueError(
                    f"`{attr}` must hold one entry per example (at least 1-D). Received: {attr}={check.describe(getattr(self, attr))}"
                )
        if len(self.x) != len(self.y):
            raise ValueError(
                f"`x` and `y` must have one label per example. Received: {len(self.x)} examples and {len(self.y)} labels"
            )
        if self.validation is not None:
            pair = self.validation
            if (
                not isinstance(pair, tuple | list)
                or len(pair) != 2
                or any(np.ndim(part) == 0 for part in pair)
                or len(pair[0]) != len(pair[1])
                or len(pair[0]) == 0
            ):
                raise ValueError(
                    "`validation` must be a pair (x_val, y_val) of equal, non-zero length. "
                    f"Received: validation={check.describe(pair)}"
                )
            check.as_float_array(pair[0], "validation")
            check.as_float_array(pair[1], "validation")
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
        if metric not in self.metrics:
            raise ValueError(
                f"`metric` must be one of {sorted(self.metrics)}. Received: metric={check.describe(metric)}"
            )
        return self.metrics[metric]

    def model(self, seed: int) -> Any:
        """Return the trained model of ``seed`` (rebuilt from its saved weights if needed)."""
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
            model = _build(self.recipe, seed)
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
        if not isinstance(value, Result):
            raise TypeError(f"`{name}` must be a Result. Received: {name}={check.describe(value)}")
    if a.seeds != b.seeds:
        raise ValueError(
            f"`a` and `b` must be run with the same seeds. Received: {list(a.seeds)} and {list(b.seeds)}"
        )
    return Summary.of(a.summary(metric, index).values - b.summary(metric, index).values)


def accuracy_gap(
    a: Any, b: Any, n_test: int, level: float = 0.95
) -> tuple[float, tuple[float, float]]:
    """Return the mean paired difference ``a - b`` of accuracies and its confidence interval.

    The interval is Student's t over the seeds (n - 1 degrees of freedom) with the
    half-width ``t * sqrt(sem**2 + p_a (1 - p_a) / n_test + p_b (1 - p_b) / n_test)``:
    the spread over seeds plus the binomial error of each arm's accuracy on the
    fixed ``n_test``-example test set (counted as if the two were independent,
    which is conservative for one shared test set).

    Parameters
    ----------
    a, b : array_like of shape (seeds,)
        Accuracies in [0, 1], seed by seed in the same order.
    n_test : int
        Test examples behind each accuracy.
    level : float, default 0.95

    Returns
    -------
    (float, (float, float))
        The mean difference and its interval.

    Examples
    --------
    >>> mean, (low, high) = accuracy_gap([0.9, 0.8, 0.85], [0.6, 0.5, 0.6], n_test=500)
    >>> round(mean, 3), round(low, 3), round(high, 3)
    (0.283, 0.146, 0.421)
    """
    for name, value in (("a", a), ("b", b)):
        if np.asarray(value).dtype.kind == "b":
            raise TypeError(
                f"`{name}` must be accuracies, not booleans. Received: {name}={value!r}"
            )
    a, b = check.as_float_array(a, "a"), check.as_float_array(b, "b")
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(
            "`a` and `b` must be 1-D sequences of the same length, at least 2 seeds. "
            f"Received: shapes {a.shape} and {b.shape}"
        )
    if not (((a >= 0) & (a <= 1)).all() and ((b >= 0) & (b <= 1)).all()):
        raise ValueError(
            f"`a` and `b` must be accuracies in [0, 1]. Received: a={a.tolist()}, b={b.tolist()}"
        )
    n_test = check.positive_int(n_test, "n_test")
    paired = Summary.of(a - b)
    pa, pb = a.mean(), b.mean()
    spread = paired.sem**2 + (pa * (1 - pa) + pb * (1 - pb)) / n_test
    level = _level(level)
    t = _t_quantile(level, a.size - 1)
    half = t * float(np.sqrt(spread))
    return paired.mean, (paired.mean - half, paired.mean + half)


def paired_interval(
    a: Result,
    b: Result,
    metric: str = "accuracy",
    *,
    n_test: int | None = None,
    level: float = 0.95,
) -> tuple[float, float, float]:
    """Return the mean paired difference ``a - b`` of a proportion and its interval.

    The arms are paired by seed (:func:`difference`) and measured
    on the same test set, whose own sampling error is added to the spread over seeds
    (a difference is not a proportion in [0, 1], so
    :meth:`Summary.interval`'s binomial term does not apply). The
    half-width is ``t(level, seeds - 1) * sqrt(sem**2 + s_test**2)``, where ``s_test``
    is:

    * with ``n_test=None``, estimated from the per-example differences: both results
      carry a ``"correct"`` metric (1 where a run is right, per test example), and
      ``s_test = std_i(d_i) / sqrt(n)``, ``d_i`` the seed mean of ``a``'s minus
      ``b``'s correctness on example ``i`` (``metric`` must then be ``"accuracy"``);
    * with ``n_test`` given, ``sqrt(se_a**2 + se_b**2)`` from each arm's binomial
      error on ``n_test`` examples (:meth:`Summary.binomial_se`):
      conservative, since two networks' errors on the same examples are positively
      correlated; for any proportion metric.

    Parameters
    ----------
    a, b : Result
        Two arms run with the same seeds.
    metric : str, default "accuracy"
        A proportion in [0, 1] with one value per seed.
    n_test : int, optional
        The test set's size, for the binomial form.
    level : float, default 0.95

    Returns
    -------
    (float, float, float)
        Mean difference, lower and upper end.

    Examples
    --------
    >>> round(Summary.of([0.1, 0.2, 0.3]).interval(0.95)[1], 3)  # no test error: t x sem
    0.448
    """
    for name, result in (("a", a), ("b", b)):
        if not isinstance(result, Result):
            raise TypeError(f"`{name}` must be a Result. Received: {name}={check.describe(result)}")
    metric = check.text(metric, "metric", optional=False)
    level = _level(level)
    if n_test is None:
        for name, result in (("a", a), ("b", b)):
            if "correct" not in result.metrics or metric != "accuracy":
                raise TypeError(
                    f"`{name}` must carry a 'correct' metric (per test example) for the "
                    "per-example form, with metric='accuracy'; or give `n_test`. Received: "
                    f"{name}={check.describe(result)}, metric={metric!r}"
                )
    else:
        n_test = check.positive_int(n_test, "n_test")
    gap = difference(a, b, metric)
    if gap.n < 2:
        raise ValueError(f"An interval needs at least 2 seeds. Received: {gap.n}")
    if n_test is None:
        per_example = (np.asarray(a.metrics["correct"]) - np.asarray(b.metrics["correct"])).mean(0)
        test_error = (per_example.std(ddof=1) / np.sqrt(per_example.size)) ** 2
    else:  # the binomial form, on the seeds' values: one formula, in accuracy_gap
        mean, (low, high) = accuracy_gap(
            a.metrics[metric], b.metrics[metric], n_test=n_test, level=level
        )
        return mean, low, high
    half = _t_quantile(level, gap.n - 1) * float(np.sqrt(gap.sem**2 + test_error))
    return gap.mean, gap.mean - half, gap.mean + half


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


def cache_dir() -> Path:
    """Return the experiment cache directory (``$CNN101_EXPERIMENT_CACHE`` or ~/.cache).

    Returns
    -------
    pathlib.Path
        Not created here; :func:`run` creates it when it first stores a run.

    Examples
    --------
    >>> cache_dir().name in ("experiments", os.path.basename(os.environ.get(CACHE_ENV, "")))
    True
    """
    return cache_folder(CACHE_ENV, Path.home() / ".cache" / "cnn101" / "experiments")


def _usable_cache_dir() -> Path:
    """Return :func:`cache_dir` after checking that a file can be written there."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError as error:
        raise ValueError(
            f"The experiment cache directory {str(folder)!r} cannot be written "
            f"({type(error).__name__}: {error.strerror or error}). Set ${CACHE_ENV} to a "
            "writable folder, or pass cache=False."
        ) from None
    return folder


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file beside it, then rename: never half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-", suffix=path.name)
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _digest_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


_RECORD_KEYS = {"history", "best_epoch", "best_step", "stopped", "seconds", "metrics", "weights"}


def _read_record(record_path: Path, weights_path: Path) -> dict | None:
    """Return a cached run, or None (with one warning when the entry is damaged)."""
    if not record_path.exists():
        return None
    try:
        record = json.loads(record_path.read_text())
        if not isinstance(record, dict) or not _RECORD_KEYS <= set(record):
            raise ValueError("missing fields")
        curves = record["history"]
        if not isinstance(record["metrics"], dict) or not (
            isinstance(curves, dict)
            and len({len(curves.get(k, ())) for k in ("loss", "val_loss", "step")}) == 1
            and curves["step"]
        ):
            raise ValueError("malformed fields")
        if _digest_file(weights_path) != record["weights"]:
            raise ValueError("the weights file does not match its record")
        return record
    except (OSError, ValueError, TypeError) as error:
        warnings.warn(
            f"The cached run {record_path} is damaged ({error}); training it again.",
            RuntimeWarning,
            stacklevel=4,
        )
        return None


def _source(fn: Any) -> bytes:
    try:
        return inspect.getsource(fn).encode()
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        return repr((getattr(fn, "__qualname__", repr(fn)), code and code.co_code)).encode()


def _package_digest() -> str:
    root = Path(__file__).resolve().parent
    versions = package_versions(_VERSIONED)  # with the Python version
    return digest_files(root, suffixes=(".py",), versions=versions).hexdigest()


def _recipe_key(recipe: Recipe) -> str:
    digest = hashlib.sha256(_package_digest().encode())
    for fn in (recipe.build, recipe.evaluate, recipe.augment, recipe.draw):
        digest.update(_source(fn) if fn is not None else b"none")
    settings = [
        recipe.name,
        recipe.max_steps,
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
        model = _build(recipe, seed)
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


def _augmented(recipe: Recipe, x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
    drawn = recipe.augment(x, y, rng)
    if not isinstance(drawn, tuple | list) or len(drawn) != 2:
        raise TypeError(
            f"`augment` of {recipe.name!r} must return a pair (x, y). Received: {check.describe(drawn)}"
        )
    x_new, y_new = (np.asarray(a) for a in drawn)
    if len(x_new) != len(x) or len(y_new) != len(y):
        raise ValueError(
            f"`augment` of {recipe.name!r} must keep the number of examples ({len(x)}). "
            f"Received: {len(x_new)} examples and {len(y_new)} labels"
        )
    return x_new, y_new


def _loss(model: Any, x: Any, y: Any) -> Any:
    """Return the model's compiled loss (regularisation included), as ``model.evaluate`` does."""
    return model.compute_loss(x=x, y=y, y_pred=model(x, training=False), training=False)


def _mean_loss(model: Any, x: Any, y: Any, chunk: int = 1024) -> Any:
    """Return the example-weighted mean loss over all of ``x``, in chunks of ``chunk``."""
    n = int(x.shape[0])
    total = 0.0
    for start in range(0, n, chunk):  # unrolled when traced: the sizes are fixed
        stop = min(start + chunk, n)
        total += _loss(model, x[start:stop], y[start:stop]) * (stop - start)
    return total / n


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
    steps (``tf.cond``). The runs share nothing but the loop over batch positions:
    each has its own model, loss, optimizer and data.
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
            _mean_loss(m, xv, yv) for m, xv, yv in zip(models, x_vals, y_vals, strict=True)
        ]
        return totals / n, tf.stack(validation)

    return epoch


def _train_together(runs: list[_Run]) -> float:
    """Train every run until it stops (by patience or budget); return the seconds taken.

    The runs share one traced epoch function; every random draw of a run comes
    from its own generators, so a run trains exactly as it would alone.
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
    for epoch in range(1, max_epochs + 1):
        active = [r.stopped is None for r in runs]
        batches = []
        for i, (run, on) in enumerate(zip(runs, active, strict=True)):
            if on and run.recipe.augment is not None:  # a stopped run keeps its last draw
                x, y = _augmented(run.recipe, run.x, run.y, augments[i])
                data[i] = (tf.constant(x, run.x_val.dtype), tf.constant(y, run.y_val.dtype))
            batches.append(orders[i].permutation(n) if on else np.arange(n))
        xs, ys = zip(*data, strict=True)
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
    if not isinstance(recipe, Recipe):
        raise TypeError(f"`recipe` must be a Recipe. Received: recipe={check.describe(recipe)}")
    cache, verbose = check.flag(cache, "cache"), check.flag(verbose, "verbose")
    return run_many({recipe.name: recipe}, seeds, cache=cache, verbose=verbose)[recipe.name]


def _check_seeds(seeds: Any) -> tuple[int, ...]:
    if isinstance(seeds, str) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise ValueError(
            f"`seeds` must be a non-empty sequence of distinct non-negative integers. Received: seeds={check.describe(seeds)}"
        )
    for seed in seeds:
        if not check.is_integer(seed):
            raise TypeError(
                f"`seeds` must hold integers (not booleans or floats). Received: seeds={check.describe(seeds)}"
            )
    seeds = tuple(check.seed(s, "seeds") for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"`seeds` must be distinct. Received: seeds={list(seeds)}")
    return seeds


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
    if not isinstance(recipes, Mapping) or not recipes:
        raise TypeError(
            f"`recipes` must be a non-empty mapping of names to Recipe. Received: recipes={check.describe(recipes)}"
        )
    for name, recipe in recipes.items():
        if not isinstance(recipe, Recipe):
            raise TypeError(
                f"`recipes[{name!r}]` must be a Recipe. Received: {check.describe(recipe)}"
            )
    seeds = _check_seeds(seeds)
    if side_by_side not in ("seeds", "all"):
        raise ValueError(
            f"`side_by_side` must be 'seeds' or 'all'. Received: side_by_side={check.describe(side_by_side)}"
        )
    folder = _usable_cache_dir() if cache else None

    def paths(recipe: Recipe, seed: int) -> tuple[Path | None, Path | None]:
        if folder is None:
            return None, None
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in recipe.name)
        where = folder / f"{slug}-{_recipe_key(recipe)[:20]}"
        return where / f"seed-{seed}.json", where / f"seed-{seed}.weights.h5"

    records: dict[tuple[str, int], dict] = {}
    groups: dict[tuple, list[tuple[str, _Run]]] = {}
    for name, recipe in recipes.items():
        for seed in seeds:
            record_path, weights_path = paths(recipe, seed)
            record = None if record_path is None else _read_record(record_path, weights_path)
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
                _write_atomically(weights_path, run.model.save_weights)
                record["weights"] = _digest_file(weights_path)
                _write_atomically(record_path, lambda p, r=record: p.write_text(json.dumps(r)))
            records[name, run.seed] = {**record, "cached": False}
    results = {}
    for name, recipe in recipes.items():
        rows = [records[name, seed] for seed in seeds]
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
