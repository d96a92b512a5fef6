"""cnn101.experiments.statistics against SciPy's Student-t and the binomial error."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cnn101 import experiments
from cnn101._tf import tensorflow

tensorflow()
from _tiny import _planted  # noqa: E402


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
