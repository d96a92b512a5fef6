"""The digits the trained experiments share: a fixed split of the bundled MNIST digits.

:func:`digits` returns a :class:`Digits` split (the same for every arm and seed;
each recipe draws its own per-seed subset and positions from it); the scales and
the canvas of the scale experiments (:data:`TEST_SCALES`, :data:`DIGIT_CANVAS`)
are shared by tutorials 3 and 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101.datasets import load_digits

__all__ = ["DIGIT_CANVAS", "TEST_SCALES", "Digits", "digits"]


TEST_SCALES = (0.5, 0.71, 1.0, 1.41, 2.0)


DIGIT_CANVAS = 40  # a digit at scale 2 (40 pixels tall) just fits


@dataclass(frozen=True)
class Digits:
    """A fixed train/test draw of MNIST digits (28x28, float32 in [0, 1]).

    Made by :func:`digits`; every recipe of this module takes one.

    Attributes
    ----------
    x_train : ndarray of shape (n_train, 28, 28), float32
    y_train : ndarray of shape (n_train,), int
    x_test : ndarray of shape (n_test, 28, 28), float32
    y_test : ndarray of shape (n_test,), int

    Examples
    --------
    >>> d = digits(10, 5)
    >>> isinstance(d, Digits), d.x_train.dtype, bool(d.x_train.max() <= 1.0)
    (True, dtype('float32'), True)
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def digits(n_train: int = 1500, n_test: int = 500) -> Digits:
    """Return the first ``n_train`` training and ``n_test`` test digits of :func:`load_digits`.

    Parameters
    ----------
    n_train : int, default 1500
        At most 4000 (the validation split is held out of these by each run).
    n_test : int, default 500
        At most 1000.

    Returns
    -------
    Digits

    Examples
    --------
    >>> d = digits(100, 50)
    >>> d.x_train.shape, d.y_test.shape
    ((100, 28, 28), (50,))
    """
    n_train, n_test = check.positive_int(n_train, "n_train"), check.positive_int(n_test, "n_test")
    (x_train, y_train), (x_test, y_test) = load_digits()
    for name, n, available in (("n_train", n_train, len(x_train)), ("n_test", n_test, len(x_test))):
        if n > available:
            raise ValueError(f"`{name}` must be at most {available}. Received: {name}={n}")
    return Digits(x_train[:n_train], y_train[:n_train], x_test[:n_test], y_test[:n_test])


def check_data(data: Any) -> Digits:
    """Return ``data`` if it is a :class:`Digits` draw, else raise TypeError (every recipe's check).

    Examples
    --------
    >>> check_data(digits(10, 5)).x_test.shape
    (5, 28, 28)
    """
    return check.instance(
        data, "data", Digits, "a Digits draw (from cnn101.experiments.recipes.digits)"
    )
