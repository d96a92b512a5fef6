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

Each run prints one line (seed, how it stopped, steps, best validation loss,
seconds), never Keras' progress bars. Runs are cached on disk (weights and
metrics); running a cell again is instant, and a code change recomputes; pass
``cache=False`` to :func:`run` to skip it.

Where each part lives (every name below is importable from ``cnn101.experiments``):

* :mod:`cnn101.experiments.records`: :class:`Recipe` and :class:`Result`, and the
  comparisons of two Results (:func:`difference`, :func:`paired_interval`,
  :func:`assert_converged`);
* :mod:`cnn101.experiments.statistics`: :class:`Summary` and :func:`accuracy_gap`
  (NumPy and SciPy only);
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
    difference,
    paired_interval,
)
from cnn101.experiments.runner import run, run_many
from cnn101.experiments.statistics import Summary, accuracy_gap

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
