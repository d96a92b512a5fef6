"""cnn101.experiments.statistics: SciPy's Student-t, plain ANOVA loops, and coverage by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from _tiny import _planted
from scipy import stats

from cnn101 import experiments


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


def test_summaries_are_over_seeds_only():
    with pytest.raises(ValueError, match="1-D"):
        experiments.Summary.of([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(ValueError, match="2 seeds"):
        experiments.Summary.of([0.5]).interval()


# --- the crossed design: seeds x one shared test set ---------------------------------


def _mean_squares_by_loops(y):
    """The two-way ANOVA without replication, written out cell by cell."""
    n_seeds, n_items = len(y), len(y[0])
    grand = sum(sum(row) for row in y) / (n_seeds * n_items)
    seed_mean = [sum(row) / n_items for row in y]
    item_mean = [sum(y[s][i] for s in range(n_seeds)) / n_seeds for i in range(n_items)]
    ss_seed = n_items * sum((m - grand) ** 2 for m in seed_mean)
    ss_item = n_seeds * sum((m - grand) ** 2 for m in item_mean)
    ss_res = sum(
        (y[s][i] - seed_mean[s] - item_mean[i] + grand) ** 2
        for s in range(n_seeds)
        for i in range(n_items)
    )
    return (
        grand,
        ss_seed / (n_seeds - 1),
        ss_item / (n_items - 1),
        ss_res / ((n_seeds - 1) * (n_items - 1)),
    )


def test_crossed_mean_is_the_anova_estimate_with_satterthwaites_dof():
    """Var(mean) = (MS_seed + MS_item - MS_res) / (S I); dof by Satterthwaite's formula."""
    rng = np.random.default_rng(3)
    y = (rng.random((4, 30)) < rng.uniform(0.3, 0.9, 30)).astype(float)
    y += rng.normal(0, 0.3, (4, 1))  # a seed effect, so that both components are positive
    grand, ms_s, ms_i, ms_e = _mean_squares_by_loops(y.tolist())
    assert ms_s > ms_e and ms_i > ms_e
    mean, var, dof = experiments.statistics.crossed_mean(y)
    assert mean == pytest.approx(grand)
    assert var == pytest.approx((ms_s + ms_i - ms_e) / y.size)
    expected_dof = (ms_s + ms_i - ms_e) ** 2 / (ms_s**2 / 3 + ms_i**2 / 29 + ms_e**2 / (3 * 29))
    assert dof == pytest.approx(expected_dof)


def test_crossed_mean_of_pure_effects():
    """Only seeds differ: the variance of the seed means / S, S - 1 dof; only items: / I."""
    seeds = np.repeat([[0.2], [0.5], [0.9], [0.4]], 6, axis=1)
    _, var, dof = experiments.statistics.crossed_mean(seeds)
    assert var == pytest.approx(np.var([0.2, 0.5, 0.9, 0.4], ddof=1) / 4)
    assert dof == pytest.approx(3)
    items = np.tile(np.linspace(0, 1, 8), (3, 1))
    _, var, dof = experiments.statistics.crossed_mean(items)
    assert var == pytest.approx(np.var(np.linspace(0, 1, 8), ddof=1) / 8)
    assert dof == pytest.approx(7)
    assert experiments.statistics.crossed_mean(np.ones((3, 5)))[1:] == (0.0, math.inf)


def test_paired_difference_pairs_by_example():
    """A shared item effect cancels: arms that differ by a constant give a zero-width interval."""
    rng = np.random.default_rng(0)
    b = rng.random((3, 50))
    interval = experiments.paired_difference(b + 0.1, b)
    mean, low, high = interval
    assert (mean, low, high) == pytest.approx((0.1, 0.1, 0.1))
    assert (interval.seeds, interval.items) == (3, 50)
    # and the difference's interval is Student's t at the crossed mean's dof
    a = (rng.random((5, 200)) < 0.8).astype(float)
    b = (rng.random((5, 200)) < 0.7).astype(float)
    interval = experiments.paired_difference(a, b, level=0.9)
    mean, var, dof = experiments.statistics.crossed_mean(a - b)
    half = stats.t.ppf(0.95, dof) * math.sqrt(var)
    assert (interval.low, interval.high) == pytest.approx((mean - half, mean + half))
    assert interval.detectable() == pytest.approx(
        (stats.t.ppf(0.95, dof) + stats.t.ppf(0.8, dof)) * math.sqrt(var)
    )


def test_accuracy_interval_stays_in_the_unit_interval():
    for p in (0.0, 0.02, 0.5, 0.98, 1.0):
        rng = np.random.default_rng(1)
        correct = (rng.random((3, 120)) < p).astype(float)
        mean, low, high = experiments.accuracy_interval(correct)
        assert 0 <= low <= mean <= high <= 1
        assert low < high  # never empty, even at 0 or 1
    mean, low, high = experiments.accuracy_interval(np.ones((3, 100)))
    # Wilson at n = 300 and p = 1: the lower end is n / (n + z^2)
    assert low == pytest.approx(300 / (300 + stats.norm.ppf(0.975) ** 2))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _population_accuracy(alpha, sd):
    """E[sigmoid(alpha + sd Z)], Z standard normal, by Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    return float((w * _sigmoid(alpha + sd * x)).sum() / w.sum())


def _coverage(n_seeds, n_items, reps, rng, *, sd_run):
    """Simulate the tutorials' design; return the coverages and the width / spread ratio.

    Items of varied difficulty shared by both arms (plus an arm-by-item term), a
    random shift of each run's log-odds, a known effect (0.3 in log-odds). The
    truth is the population's accuracy difference, over items and runs.
    """
    sd_item, sd_arm_item, alphas = 1.5, 0.5, (1.6, 1.3)
    sd = math.sqrt(sd_item**2 + sd_arm_item**2 + sd_run**2)
    truth_a = _population_accuracy(alphas[0], sd)
    truth = truth_a - _population_accuracy(alphas[1], sd)
    covered = covered_a = 0
    widths, means = [], []
    for _ in range(reps):
        difficulty = rng.normal(0, sd_item, n_items)
        arms = []
        for alpha in alphas:
            logit = (
                alpha
                + difficulty
                + rng.normal(0, sd_arm_item, n_items)
                + rng.normal(0, sd_run, (n_seeds, 1))
            )
            arms.append((rng.random((n_seeds, n_items)) < _sigmoid(logit)).astype(float))
        interval = experiments.paired_difference(*arms)
        covered += interval.low <= truth <= interval.high
        widths.append(interval.high - interval.low)
        means.append(interval.mean)
        _, low, high = experiments.accuracy_interval(arms[0])
        covered_a += low <= truth_a <= high
    spread = 2 * stats.norm.ppf(0.975) * np.std(means)
    return covered / reps, covered_a / reps, np.mean(widths) / spread


@pytest.mark.parametrize("sd_run", [0.3, 0.8])
@pytest.mark.parametrize("n_items", [300, 1000])
@pytest.mark.parametrize("n_seeds", [3, 5, 10])
def test_intervals_cover_the_truth_in_the_tutorials_design(n_seeds, n_items, sd_run):
    """95 % intervals cover the true difference (and accuracy) 92-98 % of the time.

    1,000 simulated experiments per design: the binomial standard error of a
    coverage of 0.95 is 0.007, so 3 points is over 4 standard errors. With 10
    seeds the interval is at most 1.25x as wide as the estimate's own spread
    (+-1.96 of its standard deviation over the simulations).
    """
    rng = np.random.default_rng(1000 * n_seeds + n_items + int(10 * sd_run))
    coverage, coverage_a, ratio = _coverage(n_seeds, n_items, 1000, rng, sd_run=sd_run)
    assert abs(coverage - 0.95) <= 0.03, coverage
    assert abs(coverage_a - 0.95) <= 0.03, coverage_a
    if n_seeds == 10:
        assert ratio <= 1.25, ratio


def test_interval_inputs_are_checked():
    with pytest.raises(ValueError, match="same shape"):
        experiments.paired_difference(np.ones((3, 10)), np.ones((3, 11)))
    with pytest.raises(ValueError, match="at least 2 seeds"):
        experiments.paired_difference(np.ones((1, 10)), np.ones((1, 10)))
    with pytest.raises(ValueError, match="at least 2 seeds"):
        experiments.accuracy_interval([0.5, 0.6, 0.7])  # per-seed accuracies: not the design
    with pytest.raises(TypeError, match="correct_a"):
        experiments.paired_difference("right", np.ones((3, 10)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        experiments.accuracy_interval(np.full((3, 10), 2.0))
    with pytest.raises(ValueError, match="level"):
        experiments.paired_difference(np.ones((3, 10)), np.ones((3, 10)), level=1.5)
    with pytest.raises(ValueError, match="power"):
        experiments.paired_difference(np.ones((3, 10)), np.zeros((3, 10))).detectable(0.3)


@pytest.mark.parametrize("values", [[10**400], [1.0, 10**400], [1.0, -(10**400)]])
def test_a_value_beyond_float64_is_a_named_error_not_an_overflow(values):
    with pytest.raises(ValueError, match="`values` must be a non-empty 1-D sequence of finite"):
        experiments.Summary.of(values)
