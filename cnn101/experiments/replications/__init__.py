"""Three papers' headline experiments, re-run small on the digits, with provenance.

``python -m cnn101.experiments.replications NAME [--seeds 0 1 ... 9] [--smoke]
[--device auto] [--out FILE]`` trains every arm of one replication over several
seeds (10 by default) with :func:`cnn101.experiments.run_many` and writes a results
file (JSON): the paper's claim, our numbers per seed, each arm's 95 % interval and
the paired differences the verdict rests on, the seeds, the command, the library
versions, the machine, the date and a digest of the code the run depends on
(:data:`DIGEST_FILES`). Every seed draws its own training set (and every other
random choice of its run); all seeds and arms are scored on one shared test set, so
each score belongs to a seed and a test digit: the intervals are those of that
crossed design (:func:`cnn101.experiments.accuracy_interval` for one arm, never
outside [0, 1]; :func:`cnn101.experiments.paired_difference` for a difference of
two arms, with the smallest difference the run could detect). A difference is
"detected" only when its interval excludes 0. The site's page "Replications" is
built from the committed results files (``tutorials/replications/NAME.json``);
:func:`check_results` refuses a file whose digest no longer matches the code and
names the command that makes a new one.

One module per paper holds its sizes, the paper's words, the arms, how they are
scored and the verdict:

``jansson2022``
    Jansson & Lindeberg (JMIV 2022, arXiv:2106.06418): a standard CNN, a plain
    scale-channel network, FovMax and FovAvg trained at one scale and tested at
    seven scales over a factor of 8; and the standard CNN trained at the smallest
    test scale (0.35x), which tests whether digits that small can be read at all.
``zhang2019``
    Zhang (ICML 2019, arXiv:1904.11486): max pooling against anti-aliased max
    pooling with blur filters of 2, 3 or 5 taps; accuracy and consistency under
    shifts.
``kanazawa2014``
    Kanazawa, Sharma & Jacobs (2014, arXiv:1412.5104): a ConvNet against the same
    network with scale-invariant convolutions, on MNIST-Scale-like digits; test
    error.

The shared parts: :mod:`~cnn101.experiments.replications.data` (the digits),
:mod:`~cnn101.experiments.replications.scoring` (intervals and the verdicts'
phrases), :mod:`~cnn101.experiments.replications.running` (:func:`replicate`),
:mod:`~cnn101.experiments.replications.results` (the results files) and
:mod:`~cnn101.experiments.replications.command_line`. The digest of a record is
:func:`cnn101.verdicts.code_digest` of ``DIGEST_FILES[name]``.

Each full run is sized to finish in about ten minutes on two shared CPU cores
(:data:`SIZES`); the papers trained on 10,000 to 1.2 million images for far
longer, which the results files list among the differences of setting.

(Every module here imports Keras at its top: importing ``cnn101.experiments``,
which any of them does first, has already loaded TensorFlow quietly.)
"""

from __future__ import annotations

from cnn101.experiments.replications.command_line import main
from cnn101.experiments.replications.results import RESULTS_DIR, check_results, write_results
from cnn101.experiments.replications.running import (
    DIGEST_FILES,
    PAPERS,
    REPLICATIONS,
    SIZES,
    command_for,
    replicate,
)

__all__ = [
    "DIGEST_FILES",
    "PAPERS",
    "REPLICATIONS",
    "RESULTS_DIR",
    "SIZES",
    "check_results",
    "command_for",
    "main",
    "replicate",
    "write_results",
]
