"""Run a training recipe over several seeds: early stopping in steps, learning curves, spread, cache.

A result from training is a claim about a *distribution* of runs. :func:`run`
trains one :class:`Recipe` once per seed: it holds out a validation split (drawn
by the seed), trains until the validation loss has not improved for ``patience``
optimizer steps (within ``max_steps``), restores the best weights, then calls the
recipe's ``evaluate`` on the trained model. It returns a :class:`Result` with
every seed's learning curves, how each run stopped ("patience" or "budget") and
its test metrics; :meth:`Result.summary` gives the mean, standard deviation,
standard error, range and a Student-t confidence interval across seeds, and
:func:`compare` the difference of two arms with an interval that counts both
the seeds and the shared test set (the number to assert on). :func:`assert_converged` checks that every run stopped by patience.

Each run prints one line (seed, how it stopped, steps, best validation loss,
seconds), never Keras' progress bars. Runs are cached on disk (weights and
metrics); running a cell again is instant, and a code change recomputes; pass
``cache=False`` to :func:`run` to skip it.

Where each part lives (every name below is importable from ``cnn101.experiments``):

* :mod:`cnn101.experiments.records`: :class:`Recipe` and :class:`Result`, and the
  comparisons of Results (:func:`compare`, :func:`estimate`, :func:`difference`,
  :func:`assert_converged`);
* :mod:`cnn101.experiments.statistics`: :class:`Summary`, :class:`Interval`,
  :func:`paired_difference` and :func:`accuracy_interval`: intervals for the
  crossed design of seeds x one shared test set (NumPy and SciPy only);
* :mod:`cnn101.experiments.runner`: the trainer, :func:`run` and :func:`run_many`;
* :mod:`cnn101.experiments.cache`: :func:`cache_dir` and the cache key;
* :mod:`cnn101.experiments.recipes`: the trained experiments of tutorials 2, 3
  and 6, with their command line, ``python -m cnn101.experiments``.
"""

from __future__ import annotations

from cnn101.experiments.cache import CACHE_ENV, cache_dir  # noqa: F401  (CACHE_ENV: its name)
from cnn101.experiments.records import (
    Recipe,
    Result,
    assert_converged,
    compare,
    difference,
    estimate,
)
from cnn101.experiments.runner import run, run_many
from cnn101.experiments.statistics import (
    Interval,
    Summary,
    accuracy_interval,
    paired_difference,
)

__all__ = [
    "Interval",
    "Recipe",
    "Result",
    "Summary",
    "accuracy_interval",
    "assert_converged",
    "cache_dir",
    "compare",
    "difference",
    "estimate",
    "paired_difference",
    "run",
    "run_many",
]
