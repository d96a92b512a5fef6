"""Statistics of trained runs: a number's spread over seeds, and intervals for crossed designs.

A trained result is a claim about a distribution of runs. :class:`Summary` holds
one number's values over seeds (mean, standard deviation, standard error, range
and a Student-t interval over seeds). The tutorials' comparisons are measured on
*one shared test set* by runs of several seeds: every score belongs to a seed and
a test example, a crossed design with two sources of error (which seed, which
examples). :func:`paired_difference` gives the interval of the difference of two
arms from their per-example scores, :func:`accuracy_interval` that of one arm's
accuracy (always within [0, 1]); both return an :class:`Interval`, which also
says the smallest effect the run could detect. NumPy and SciPy only: no
TensorFlow.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn101 import _validation as check

__all__ = ["Interval", "Summary", "accuracy_interval", "crossed_mean", "paired_difference"]


def _level(level: Any, name: str = "level") -> float:
    """Return a confidence level strictly between 0 and 1, else raise a named error."""
    message = f"`{name}` must be a number strictly between 0 and 1. Received: {name}={check.describe(level)}"
    if not check.is_number(level):
        raise TypeError(message)
    if not check.is_finite_number(level) or not 0 < level < 1:
        raise ValueError(message)
    return float(level)


def _t_quantile(level: float, dof: float) -> float:
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
        except (TypeError, ValueError, OverflowError):  # an int beyond float64 overflows
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

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Return a confidence interval for the mean over seeds: Student's t, n - 1 dof.

        Right for a number each seed measures without a shared test set (a best
        validation loss, a training time). A proportion measured on one shared
        test set has a second source of error, the test examples: use
        :func:`paired_difference` or :func:`accuracy_interval` on the per-example
        scores instead.

        Parameters
        ----------
        level : float, default 0.95

        Returns
        -------
        (float, float)
        """
        level = _level(level)
        if self.n < 2:
            raise ValueError(f"An interval needs at least 2 seeds. Received: {self.n} seed")
        half = _t_quantile(level, self.n - 1) * self.sem
        return self.mean - half, self.mean + half

    def __str__(self) -> str:
        seeds = "seed" if self.n == 1 else "seeds"
        return (
            f"{self.mean:.3f} ± {self.std:.3f} ({self.min:.3f} to {self.max:.3f}, {self.n} {seeds})"
        )


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval, from a crossed design of seeds x test examples.

    Unpacks and indexes as the tuple ``(mean, low, high)``. Made by
    :func:`paired_difference` and :func:`accuracy_interval`.

    Attributes
    ----------
    mean : float
        The estimate: the mean over seeds and test examples.
    low, high : float
        The interval's ends.
    se : float
        The estimate's standard error (both sources of error counted once).
    dof : float
        Satterthwaite's degrees of freedom of ``se`` (``inf`` when ``se`` is 0).
    level : float
        The confidence level.
    seeds, items : int
        The number of seeds (runs) and of test examples.

    Examples
    --------
    >>> mean, low, high = Interval(0.1, 0.05, 0.15, 0.025, 40.0, 0.95, 10, 500)
    >>> low < mean < high
    True
    >>> Interval(0.1, 0.05, 0.15, 0.025, 40.0, 0.95, 10, 500)[1]
    0.05
    >>> print(Interval(0.1, 0.05, 0.15, 0.025, 40.0, 0.95, 10, 500))
    +0.100 (+0.050 to +0.150; 10 seeds x 500 test examples)
    """

    mean: float
    low: float
    high: float
    se: float
    dof: float
    level: float
    seeds: int
    items: int

    def __iter__(self):
        return iter((self.mean, self.low, self.high))

    def __len__(self) -> int:
        return 3

    def __getitem__(self, index):
        return (self.mean, self.low, self.high)[index]

    def detectable(self, power: float = 0.8) -> float:
        """Return the smallest effect this design detects with probability ``power``.

        A true difference of ``(t(level) + t(power)) * se`` (Student's t at
        :attr:`dof`) gives an interval that excludes zero with probability
        ``power``, for a two-sided interval at :attr:`level`: the smallest effect
        the run could detect, to report beside "not detected".

        Parameters
        ----------
        power : float, default 0.8
            Strictly between 0.5 and 1.

        Returns
        -------
        float

        Examples
        --------
        >>> round(Interval(0.0, -0.05, 0.05, 0.025, math.inf, 0.95, 10, 500).detectable(), 3)
        0.07
        """
        power = _level(power, "power")
        if power <= 0.5:
            raise ValueError(
                f"`power` must be a number strictly between 0.5 and 1. Received: power={power}"
            )
        from scipy import stats

        return float((_t_quantile(self.level, self.dof) + stats.t.ppf(power, self.dof)) * self.se)

    def to_json(self) -> dict[str, float]:
        """Return the interval as a JSON-serialisable dict, with the smallest detectable effect.

        Returns
        -------
        dict
            Keys ``mean``, ``low``, ``high``, ``se``, ``dof`` (None when
            infinite), ``level``, ``seeds``, ``items`` and ``detectable`` (at 80 %
            power).

        Examples
        --------
        >>> Interval(0.1, 0.05, 0.15, 0.025, 40.0, 0.95, 10, 500).to_json()["seeds"]
        10
        """
        return {
            "mean": self.mean,
            "low": self.low,
            "high": self.high,
            "se": self.se,
            "dof": self.dof if math.isfinite(self.dof) else None,
            "level": self.level,
            "seeds": self.seeds,
            "items": self.items,
            "detectable": self.detectable(),
        }

    def __str__(self) -> str:
        return (
            f"{self.mean:+.3f} ({self.low:+.3f} to {self.high:+.3f}; "
            f"{self.seeds} seeds x {self.items} test examples)"
        )


def _scores(value: Any, name: str) -> np.ndarray:
    """Return per-(seed, test example) scores as a float64 array of shape (seeds, items)."""
    if isinstance(value, str | bytes | Mapping) or value is None:
        raise TypeError(
            f"`{name}` must be an array of shape (seeds, test examples) of per-example scores "
            f"(1 where a run is right, else 0). Received: {name}={check.describe(value)}"
        )
    array = np.asarray(check.as_float_array(value, name), dtype=np.float64)
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 2:
        raise ValueError(
            f"`{name}` must be 2-D, of shape (seeds, test examples), with at least 2 seeds and "
            f"2 test examples (one row per seed's run, one column per shared test example). "
            f"Received: array with shape {array.shape}"
        )
    return array


def crossed_mean(scores: Any) -> tuple[float, float, float]:
    """Return the grand mean of a seeds x test-examples table, its variance and its dof.

    Each seed's run is scored on every example of one shared test set, so a score
    ``y[s, i]`` has a seed effect, an example effect and a residual: the two-way
    crossed random-effects model with one observation per cell [2]_. The grand
    mean's variance is ``var_seed / S + var_item / I + var_residual / (S I)``;
    from the ANOVA mean squares it is estimated as
    ``(MS_seed + MS_item - MS_residual) / (S I)``. A component whose estimate is
    negative (its mean square below ``MS_residual``) is set to zero. The degrees
    of freedom of the linear combination of mean squares are Satterthwaite's
    [1]_, with a zeroed component's mean square kept in that sum (its estimate
    rests on as few seeds as any other): in the test suite's simulations this
    keeps the coverage of 3-seed intervals near the nominal level, where
    dropping the term falls 2-3 points short.

    Parameters
    ----------
    scores : array_like of shape (seeds, items)
        Per-run, per-test-example scores (0/1 correctness, or any real score).

    Returns
    -------
    (float, float, float)
        The mean, the estimated variance of the mean, and its degrees of
        freedom (``inf`` when the variance is 0).

    References
    ----------
    .. [1] F. E. Satterthwaite, "An approximate distribution of estimates of
           variance components", *Biometrics Bulletin* 2(6), 110-114, 1946.
    .. [2] S. R. Searle, G. Casella and C. E. McCulloch, *Variance Components*,
           Wiley, 1992.

    Examples
    --------
    A seed effect alone (every example scored alike within a run): the
    variance is that of the seed means over ``S``, with ``S - 1`` dof.

    >>> y = np.repeat([[0.6], [0.8], [0.7]], 4, axis=1)
    >>> mean, var, dof = crossed_mean(y)
    >>> round(mean, 3), round(var, 4), dof
    (0.7, 0.0033, 2.0)
    """
    y = _scores(scores, "scores")
    n_seeds, n_items = y.shape
    grand = float(y.mean())
    seed_means, item_means = y.mean(axis=1), y.mean(axis=0)
    ms_seed = n_items * float(((seed_means - grand) ** 2).sum()) / (n_seeds - 1)
    ms_item = n_seeds * float(((item_means - grand) ** 2).sum()) / (n_items - 1)
    dof_residual = (n_seeds - 1) * (n_items - 1)
    residual = y - seed_means[:, None] - item_means[None, :] + grand
    ms_residual = float((residual**2).sum()) / dof_residual
    # (S I) Var(mean) as a sum of +-mean squares, each with its dof. A component
    # estimated below zero counts as zero (its mean square is replaced by
    # MS_residual), but its mean square's dof stay in the sum: a seed variance
    # estimated at zero from 3 seeds is no better known than one estimated above it.
    parts = [
        (max(ms_seed, ms_residual), n_seeds - 1),
        (max(ms_item, ms_residual), n_items - 1),
        (-ms_residual, dof_residual),
    ]
    total = sum(part for part, _ in parts)
    if total <= 0:  # every run scored every example alike
        return grand, 0.0, math.inf
    dof = total**2 / sum(part**2 / d for part, d in parts)
    return grand, total / y.size, float(dof)


def paired_difference(correct_a: Any, correct_b: Any, level: float = 0.95) -> Interval:
    """Return the difference ``a - b`` of two arms and its interval, paired by seed and test example.

    Both arms ran with the same seeds and were scored on the same test set, so
    the difference ``d[s, i] = a[s, i] - b[s, i]`` is itself a seeds x test-examples
    table; its mean's interval counts both sources of error once, seeds and test
    examples, from the two-way crossed random-effects decomposition
    (:func:`crossed_mean`) with Satterthwaite's degrees of freedom [1]_. Pairing
    by example removes what the arms share (which digits are hard); pairing by
    seed, what a seed's data draw does to both. The interval's coverage is
    checked by simulation in the test suite (3-10 seeds, 300-1,000 examples).

    Parameters
    ----------
    correct_a, correct_b : array_like of shape (seeds, n_test)
        Which shared test examples each seed's run got right (1 or 0), or any
        per-example score (a consistency in [0, 1]); rows are seeds in the same
        order in both.
    level : float, default 0.95

    Returns
    -------
    Interval
        Unpacks as ``(mean, low, high)``; also carries the standard error, the
        dof and the smallest detectable effect (:meth:`Interval.detectable`).

    References
    ----------
    .. [1] F. E. Satterthwaite, "An approximate distribution of estimates of
           variance components", *Biometrics Bulletin* 2(6), 110-114, 1946.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> b = (rng.random((5, 400)) < 0.7).astype(int)
    >>> a = np.maximum(b, rng.random((5, 400)) < 0.3)  # a also gets some of b's errors right
    >>> mean, low, high = paired_difference(a, b)
    >>> bool(low > 0)
    True
    """
    level = _level(level)
    a, b = _scores(correct_a, "correct_a"), _scores(correct_b, "correct_b")
    if a.shape != b.shape:
        raise ValueError(
            "`correct_a` and `correct_b` must have the same shape (seeds, test examples): the "
            f"same seeds on the same test set. Received: shapes {a.shape} and {b.shape}"
        )
    mean, var, dof = crossed_mean(a - b)
    se = math.sqrt(var)
    half = _t_quantile(level, dof) * se
    return Interval(mean, mean - half, mean + half, se, dof, level, *a.shape)


def accuracy_interval(correct: Any, level: float = 0.95) -> Interval:
    """Return one arm's accuracy over seeds and a shared test set, with an interval within [0, 1].

    The accuracy's standard error comes from the crossed decomposition of
    :func:`crossed_mean` (seeds and test examples). The interval is Wilson's
    score interval [1]_ for a proportion measured on an *effective* number of
    examples, ``n_eff = p (1 - p) / se**2`` (at most ``seeds x n_test``), the
    design-effect correction of survey sampling [2]_, with Student's t at
    Satterthwaite's dof in place of the normal quantile. Unlike ``p ± t se`` it
    never leaves [0, 1], and it is not empty at an accuracy of 1.

    Parameters
    ----------
    correct : array_like of shape (seeds, n_test)
        Which test examples each seed's run got right (1 or 0), or per-example
        scores in [0, 1].
    level : float, default 0.95

    Returns
    -------
    Interval

    References
    ----------
    .. [1] E. B. Wilson, "Probable inference, the law of succession, and
           statistical inference", *Journal of the American Statistical
           Association* 22(158), 209-212, 1927.
    .. [2] E. L. Korn and B. I. Graubard, "Confidence intervals for proportions
           with small expected number of positive counts estimated from survey
           data", *Survey Methodology* 24(2), 193-201, 1998.

    Examples
    --------
    >>> mean, low, high = accuracy_interval(np.ones((3, 50)))  # every answer right
    >>> mean, high, bool(0.97 < low < 1)
    (1.0, 1.0, True)
    """
    level = _level(level)
    y = _scores(correct, "correct")
    if (y < 0).any() or (y > 1).any():
        raise ValueError(
            "`correct` must hold scores in [0, 1] (1 where a run is right). "
            f"Received: values from {y.min()} to {y.max()}"
        )
    p, var, dof = crossed_mean(y)
    n_eff = float(y.size)
    if var > 0 and 0 < p < 1:
        n_eff = min(n_eff, p * (1 - p) / var)
    t = _t_quantile(level, dof)
    scale = 1 + t**2 / n_eff
    centre = (p + t**2 / (2 * n_eff)) / scale
    half = t * math.sqrt(p * (1 - p) / n_eff + t**2 / (4 * n_eff**2)) / scale
    # Wilson's ends hold p exactly in exact arithmetic; keep them so in floating point.
    low, high = max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))
    return Interval(p, low, high, math.sqrt(var), dof, level, *y.shape)
