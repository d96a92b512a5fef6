"""Self-checks for tutorial 2, "Translation invariance, measured".

Every check compares the student's answer with the library (:mod:`cnn101.invariance`,
:mod:`cnn101.layers.blur_pool`) and returns a :class:`~cnn101.exercises.Feedback`; a wrong or
malformed answer gives "Not yet" with a hint, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import ops
from cnn101.exercises import Feedback, correct, not_yet
from cnn101.images import vertical_line_image
from cnn101.invariance import shift, shift_stability
from cnn101.layers.blur_pool import binomial_filter

__all__ = [
    "check_binomial_filter",
    "check_kept_columns",
    "check_parity_consistency",
    "check_shift",
]


def _kept_columns(width: int) -> set[int]:
    bars = np.stack([vertical_line_image(4, width, c) for c in range(width - 1)])[..., None]
    unchanged = shift_stability(ops.max_pool2d, bars, shifts=[(0, 1)]).unchanged[:, 0]
    return {int(c) for c in np.flatnonzero(unchanged)}


def check_kept_columns(columns: Any, width: int = 8) -> Feedback:
    """Check which bar columns keep the 2x2 max-pooled map when the bar moves one pixel right.

    Parameters
    ----------
    columns : collection of int
        The columns ``c`` in ``0 .. width - 2`` for which a one-pixel vertical bar at
        ``c`` and at ``c + 1`` give the same ``max_pool2d(image, 2)``.
    width : int, default 8
        Width of the image.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_kept_columns([0, 2, 4, 6]))
    True
    >>> print(check_kept_columns([1, 3, 5]))  # doctest: +ELLIPSIS
    Not yet. Columns [1, 3, 5] ...
    """
    width = check.positive_int(width, "width")
    if width < 2:
        raise ValueError(
            f"`width` must be at least 2 (a bar and its shift). Received: width={width}"
        )
    expected = _kept_columns(width)
    try:
        if isinstance(columns, str) or any(not check.is_integer(c) for c in columns):
            raise TypeError
        answer = {int(c) for c in columns}
    except (TypeError, ValueError, OverflowError):
        return not_yet(
            f"Expected a list of column numbers, received {check.describe(columns)}.",
            hint="Answer with a list of integers such as [0, 1].",
        )
    if answer == expected:
        return correct(
            f"Bars at columns {sorted(expected)} share their 2x2 window with the next column, "
            "so a one-pixel shift right keeps the pooled map."
        )
    return not_yet(
        f"Columns {sorted(answer)} are not the ones whose pooled map survives the shift.",
        hint="The 2x2 windows cover columns (0, 1), (2, 3), ... A shift keeps the map when "
        "the bar stays inside the same window.",
    )


def check_binomial_filter(kernel: Any, size: int = 5) -> Feedback:
    """Check a hand-made normalised binomial filter of shape (size, size).

    Parameters
    ----------
    kernel : array_like of shape (size, size)
        The student's filter: the outer product of row ``size - 1`` of Pascal's
        triangle with itself, divided by its sum.
    size : int, default 5
        Side of the filter.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] R. Zhang, "Making convolutional networks shift-invariant again", ICML, 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> row = np.array([1, 4, 6, 4, 1]) / 16
    >>> bool(check_binomial_filter(np.outer(row, row)))
    True
    >>> bool(check_binomial_filter(np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1])))
    False
    """
    expected = binomial_filter(size).astype(np.float64)
    try:
        array = check.as_float_array(kernel, "kernel").astype(np.float64)
    except (TypeError, ValueError):
        return not_yet(
            f"Expected a {size}x{size} array of numbers, received {type(kernel).__name__}.",
            hint="Build a 1-D row with np.array([...]) and take np.outer(row, row).",
        )
    if array.shape != expected.shape:
        return not_yet(
            f"Expected shape {expected.shape}, received {array.shape}.",
            hint="The 2-D filter is the outer product of the 1-D row with itself.",
        )
    if np.allclose(array, expected, atol=1e-6):
        return correct(f"That is the {size}x{size} binomial filter; it sums to 1.")
    if array.sum() != 0 and np.allclose(array / array.sum(), expected, atol=1e-6):
        return not_yet(
            f"The shape of the filter is right, but it sums to {array.sum():g}, not 1.",
            hint="Divide by the sum (2 ** (size - 1) per axis) so the blur keeps the brightness.",
        )
    return not_yet(
        "The values are not those of the binomial filter.",
        hint=f"Use row {size - 1} of Pascal's triangle (1, 4, 6, 4, 1 for size 5) along each axis.",
    )


_SHIFT_CASES = ((0, 1), (1, 0), (-2, 1), (3, -2), (0, 0), (9, 0))


def check_shift(shift_fn: Callable[[np.ndarray, int, int], Any]) -> Feedback:
    """Check a student's ``shift_fn(image, dy, dx)`` against :func:`cnn101.invariance.shift`.

    Parameters
    ----------
    shift_fn : callable
        Takes a 2-D image and integer shifts ``dy`` (down) and ``dx`` (right) and returns
        the shifted image of the same shape, with zeros where nothing moved in.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_shift(shift))
    True
    >>> rolled = check_shift(lambda image, dy, dx: np.roll(image, (dy, dx), axis=(0, 1)))
    >>> print(rolled)  # doctest: +ELLIPSIS
    Not yet. ...wrap around (np.roll)...
    """
    if not callable(shift_fn):
        return not_yet(
            f"Expected a function, received {type(shift_fn).__name__}.",
            hint="Define `def my_shift(image, dy, dx): ...` and pass `my_shift` itself.",
        )
    image = np.arange(1.0, 43.0).reshape(6, 7)
    for dy, dx in _SHIFT_CASES:
        expected = shift(image, dy, dx)
        try:
            answer = np.asarray(shift_fn(image.copy(), dy, dx), dtype=np.float64)
        except Exception as error:  # the student's code may fail in any way
            return not_yet(
                f"Your function raised {type(error).__name__}: {error} for dy={dy}, dx={dx}.",
                hint="Handle negative shifts and shifts larger than the image (all zeros).",
            )
        if answer.shape != expected.shape:
            return not_yet(
                f"For dy={dy}, dx={dx} the result has shape {answer.shape}, "
                f"expected {expected.shape}.",
                hint="Keep the image size: start from np.zeros_like(image) and copy a slice in.",
            )
        if not np.allclose(answer, expected):
            rolled = np.roll(image, (dy, dx), axis=(0, 1))
            wraps = np.allclose(answer, rolled)
            return not_yet(
                f"For dy={dy}, dx={dx} the result differs from cnn101.invariance.shift"
                + (": the pixels wrap around (np.roll)." if wraps else "."),
                hint="Pixels pushed past the edge are dropped and the uncovered strip is 0; "
                "positive dy moves down, positive dx moves right.",
            )
    return correct("Your shift matches cnn101.invariance.shift, borders and all.")


def check_parity_consistency(value: Any, max_shift: int = 1) -> Feedback:
    """Check the consistency of a model that answers "is the dot in an even column?".

    Both shifts ``dx`` are uniform on ``-max_shift .. max_shift``; the two predictions
    agree when the shifts have the same parity.

    Parameters
    ----------
    value : float
        The probability (between 0 and 1) that two random shifts give the same class:
        Zhang's consistency of this model.
    max_shift : int, default 1
        Largest shift, in pixels, either way.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] R. Zhang, "Making convolutional networks shift-invariant again", ICML, 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> bool(check_parity_consistency(5 / 9))
    True
    >>> bool(check_parity_consistency(1 / 3))
    False
    """
    max_shift = check.non_negative_int(max_shift, "max_shift")
    if max_shift > 10_000:
        raise ValueError(f"`max_shift` must be at most 10000. Received: max_shift={max_shift}")
    steps = np.arange(-max_shift, max_shift + 1)
    even = np.mean(steps % 2 == 0)
    expected = float(even**2 + (1 - even) ** 2)
    if not check.is_number(value) or not np.isfinite(value):
        return not_yet(
            f"Expected a number between 0 and 1, received {check.describe(value)}.",
            hint="Write the probability as a fraction, e.g. 2 / 3.",
        )
    if abs(float(value) - expected) < 1e-3:
        return correct(f"P(same parity) = {expected:.3f}.")
    count = int(np.sum(steps % 2 == 0))
    return not_yet(
        f"{float(value):.3f} is not the probability that both shifts have the same parity.",
        hint=f"Of the {len(steps)} shifts, {count} {'is' if count == 1 else 'are'} even. Two "
        "independent shifts agree if both are even or both are odd.",
    )
