"""Across-seed statistics: a number's spread over seeds, paired differences, their intervals.

A trained result is a claim about a distribution of runs. :class:`Summary` holds
one number's values over seeds (mean, standard deviation, standard error, range
and a Student-t interval, optionally widened by a test set's own binomial error);
:func:`accuracy_gap` is the interval of a paired difference of accuracies, with
each seed's test set's own error. The comparisons of two trained arms
(:func:`cnn101.experiments.difference`, :func:`cnn101.experiments.paired_interval`)
build on them. NumPy and SciPy only: no TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn101 import _validation as check

__all__ = ["Summary", "accuracy_gap"]


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

        Parameters
        ----------
        n_test : int
            The number of test examples each seed's proportion was measured on.

        Returns
        -------
        float

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
