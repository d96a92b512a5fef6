"""The digits every replication trains and tests on: the pool, the test set, the placement.

Each replication draws its training digits per seed from the 4,000-digit training
pool of :func:`cnn101.datasets.load_digits` (:func:`subset`, called with the seed's
own generator) and scores every run on the first ``n_test`` of the 1,000 test
digits. :func:`centred` places digits at a scale, centred on a canvas.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnn101.datasets import load_digits
from cnn101.digits import bounding_boxes, place_digits

__all__ = ["centred", "digits", "subset"]


def centred(images: np.ndarray, scales: Any, canvas: int) -> np.ndarray:
    """Place each digit at its scale (see :func:`cnn101.digits.place_digits`), centred.

    Parameters
    ----------
    images : ndarray, shape (N, 28, 28)
        Digits in [0, 1].
    scales : float or array_like of shape (N,)
        Each digit's scale (1 keeps its 28x28 size).
    canvas : int
        The side of the square canvas.

    Returns
    -------
    ndarray, shape (N, canvas, canvas, 1)
        Each digit's ink box centred on the canvas; a digit with no ink stays blank.

    Examples
    --------
    >>> square = np.zeros((1, 28, 28))
    >>> square[0, 2:6, 2:6] = 1.0  # a 4x4 blot in a corner
    >>> placed = centred(square, 1.0, 12)
    >>> placed.shape, np.argwhere(placed[0, ..., 0] > 0.5).min(0).tolist()
    ((1, 12, 12, 1), [4, 4])
    """
    placed = place_digits(images, scales, canvas=canvas, seed=0)
    boxes = bounding_boxes(placed)
    out = np.zeros_like(placed)
    for i, (top, left, height, width) in enumerate(boxes):
        if height == 0:
            continue
        y, x = (canvas - height) // 2, (canvas - width) // 2
        out[i, y : y + height, x : x + width] = placed[i, top : top + height, left : left + width]
    return out


def digits(n_test: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the training pool (4,000 digits) and the first ``n_test`` test digits.

    Returns
    -------
    x_pool : ndarray, shape (4000, 28, 28)
    y_pool : ndarray, shape (4000,)
    x_test : ndarray, shape (n_test, 28, 28)
    y_test : ndarray, shape (n_test,)

    Examples
    --------
    >>> [a.shape[0] for a in digits(10)]
    [4000, 4000, 10, 10]
    """
    (x_pool, y_pool), (x_test, y_test) = load_digits(seed=0)
    return x_pool, y_pool, x_test[:n_test], y_test[:n_test]


def subset(x: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator) -> tuple:
    """Return ``n`` examples of the pool drawn without replacement by the seed's ``rng``.

    Examples
    --------
    >>> x, y = subset(np.arange(10), np.arange(10), 3, np.random.default_rng(0))
    >>> len(x), bool(np.array_equal(x, y)), len(set(x.tolist()))
    (3, True, 3)
    """
    index = rng.choice(len(x), size=n, replace=False)
    return x[index], y[index]
