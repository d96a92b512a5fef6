"""Checks for the exercises of tutorial 1, "How a CNN sees".

Each check takes the student's answer, measures it against :mod:`cnn101.ops`
(TensorFlow) or :func:`cnn101.ops.output_size`, and returns a
:class:`~cnn101.exercises.Feedback`. A wrong answer, or one of the wrong type or
shape, gives a "Not yet" with a hint; the checks never raise for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import ops
from cnn101.exercises import Feedback, correct, not_yet
from cnn101.images import circle_image, vertical_line_image

__all__ = [
    "check_bright_line_pooling",
    "check_horizontal_kernel",
    "check_max_pool",
    "check_pool_shapes",
]

# Row of the horizontal line in the 8x8 test image of `check_horizontal_kernel`.
_LINE = 3

# (height, width, pool_size, stride, what the case tests) for `check_max_pool`.
_POOL_CASES = (
    (4, 4, 2, 2, "a 4x4 image with 2x2 windows"),
    (7, 9, 2, 2, "odd sizes, where the last row and column do not fill a window"),
    (9, 9, 3, 3, "3x3 windows"),
    (6, 7, 3, 2, "overlapping windows (stride smaller than the pool)"),
    (5, 6, 2, 1, "stride 1"),
    (7, 7, 2, 3, "gaps between windows (stride larger than the pool)"),
)

_MAX_NAMES = ("max", "maximum", "max_pool", "max_pool2d", "max pooling", "maxpooling2d")
_AVG_NAMES = (
    "avg",
    "average",
    "mean",
    "avg_pool",
    "avg_pool2d",
    "average pooling",
    "averagepooling2d",
)


def _as_kernel_answer(kernel: Any) -> tuple[np.ndarray | None, str]:
    """Return the answer as a float array, or None and why it cannot be one."""
    try:
        return check.as_float_array(kernel, "kernel"), ""
    except (ValueError, TypeError) as error:
        return None, str(error)


def check_horizontal_kernel(kernel: Any) -> Feedback:
    """Check a 2x2 kernel that should find horizontal lines.

    The kernel slides (VALID padding, so the image border plays no part) over an
    8x8 image with a one-pixel horizontal line and over the same image turned a
    quarter. It is right when it responds at the line's two edges with opposite
    signs and gives zero everywhere on the vertical line. Any such kernel is
    accepted, for instance a scaled or negated ``HORIZONTAL_LINE``.

    Parameters
    ----------
    kernel : array_like of shape (2, 2)

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_horizontal_kernel([[1, 1], [-1, -1]]))
    True
    >>> bool(check_horizontal_kernel([[1, -1], [1, -1]]))
    False
    """
    array, problem = _as_kernel_answer(kernel)
    if array is None:
        return not_yet(
            f"The kernel is not an array of numbers: {problem}",
            hint="Write it as np.array([[a, b], [c, d]]) with four numbers.",
        )
    if array.shape != (2, 2):
        return not_yet(
            f"The kernel must have shape (2, 2). Received: shape {array.shape}.",
            hint="Two rows of two numbers, like kernels.VERTICAL_LINE.",
        )
    scale = float(np.abs(array).max())
    if scale == 0.0:
        return not_yet(
            "The kernel is all zeros, so it responds to nothing.",
            hint="Put positive numbers in one row and negative numbers in the other.",
        )
    tolerance = 1e-6 * scale
    vertical = vertical_line_image(height=8, width=8, column=_LINE)
    horizontal = vertical.T
    on_horizontal = ops.conv2d(horizontal, array, padding="VALID").numpy()
    on_vertical = ops.conv2d(vertical, array, padding="VALID").numpy()

    # With VALID padding, output row i sees input rows i and i + 1: the line sits in the
    # kernel's bottom row at i = _LINE - 1 and in its top row at i = _LINE.
    above, below = on_horizontal[_LINE - 1], on_horizontal[_LINE]
    responding = np.flatnonzero(np.abs(on_horizontal).max(axis=1) > tolerance).tolist()
    if not responding:
        return not_yet(
            "The kernel gives 0 everywhere on a horizontal line.",
            hint="Each row of the kernel must add up to something non-zero: a horizontal "
            "line fills a whole row of the window.",
        )
    if np.sign(above[0]) * np.sign(below[0]) >= 0:
        return not_yet(
            f"On a horizontal line the kernel gives {above[0]:g} at the edge above it and "
            f"{below[0]:g} at the edge below it: they should have opposite signs.",
            hint="Make the top row positive and the bottom row negative (or the reverse), "
            "like kernels.VERTICAL_LINE turned a quarter.",
        )
    largest = float(np.abs(on_vertical).max())
    if largest > tolerance:
        return not_yet(
            f"The kernel also responds to a vertical line (up to {largest:g}).",
            hint="Each column of the kernel must add up to zero, so a vertical line, which "
            "fills a column of the window, cancels out.",
        )
    return correct(
        f"Your kernel gives {above[0]:g} and {below[0]:g} at the two edges of a horizontal "
        "line and 0 everywhere on a vertical line."
    )


def _as_shape(value: Any) -> tuple[int, int] | None:
    """Return ``value`` as (int, int) if it is a pair of whole numbers, else None."""
    if isinstance(value, str | bytes) or not hasattr(value, "__len__"):
        return None
    try:
        items = tuple(value)
    except TypeError:
        return None
    if len(items) != 2:
        return None
    shape = []
    for item in items:
        if check.is_integer(item):
            shape.append(int(item))
        elif check.is_finite_number(item) and float(item).is_integer():
            shape.append(int(item))
        else:
            return None
    return shape[0], shape[1]


def _shape_difference(answer: tuple[int, int], truth: tuple[int, int]) -> str:
    """Say which side of a predicted shape is off and which way, without the right value."""
    parts = [
        f"{'too many' if got > want else 'too few'} {what}"
        for what, got, want in (("rows", answer[0], truth[0]), ("columns", answer[1], truth[1]))
        if got != want
    ]
    return "that is " + " and ".join(parts)


def _shape_hint(
    answer: tuple[int, int],
    padding: str,
    truth: tuple[int, int],
    other: tuple[int, int],
    image: tuple[int, int],
    strides: tuple[int, int],
) -> str:
    """Name the usual mistake behind a wrong output shape (``other``: the other padding's)."""
    floor = (image[0] // strides[0], image[1] // strides[1])
    if answer == image:
        return f"Pooling with stride {strides} makes the map about that many times smaller."
    if answer[::-1] == truth:
        return "Shapes are (height, width): rows first."
    if padding == "VALID" and answer == other:
        return (
            "VALID does not pad: only windows that fit entirely inside the image count, "
            "so the output has ceil((H - k + 1) / s) rows."
        )
    if padding == "SAME" and answer == other:
        return (
            "SAME pads the border with zeros so that every stride step gives an output: "
            "ceil(H / s) rows, whatever the pool size."
        )
    if padding == "SAME" and answer == floor:
        return (
            "SAME rounds up: a window hanging over the border still gives an output, ceil(H / s)."
        )
    return (
        "SAME gives ceil(H / s) rows and VALID ceil((H - k + 1) / s); "
        "the same rules hold for columns."
    )


def check_pool_shapes(
    same_shape: Any,
    valid_shape: Any,
    *,
    image_shape: tuple[int, int] = (13, 10),
    pool_size: int | tuple[int, int] = 3,
    strides: int | tuple[int, int] = 2,
) -> Feedback:
    """Check predicted output shapes of SAME and VALID max pooling.

    The prediction must agree with :func:`cnn101.ops.output_size` and with the
    shape that :func:`cnn101.ops.max_pool2d` (``tf.nn.max_pool2d``) really returns.

    Parameters
    ----------
    same_shape, valid_shape : (int, int)
        Predicted (height, width) of the pooled map with each padding.
    image_shape : (int, int), default (13, 10)
        (height, width) of the image that is pooled.
    pool_size, strides : int or (int, int), default 3 and 2

    Returns
    -------
    Feedback

    Raises
    ------
    ValueError
        If ``image_shape``, ``pool_size`` or ``strides`` (the exercise's givens, not
        the answer) are not positive integers or pairs of them.

    Examples
    --------
    >>> bool(check_pool_shapes((7, 5), (6, 4)))
    True
    >>> bool(check_pool_shapes((6, 5), (6, 4)))
    False
    """
    image = check.positive_pair(image_shape, "image_shape")
    pool = check.positive_pair(pool_size, "pool_size")
    step = check.positive_pair(strides, "strides")
    blank = np.zeros(image, dtype=np.float32)
    truth = {}
    for padding in ("SAME", "VALID"):
        by_rule = tuple(
            ops.output_size(n, k, s, padding) for n, k, s in zip(image, pool, step, strict=True)
        )
        by_tensorflow = tuple(ops.max_pool2d(blank, pool, step, padding).shape)
        truth[padding] = (by_rule, by_tensorflow)

    verdicts, hints = [], []
    for padding, answer in (("SAME", same_shape), ("VALID", valid_shape)):
        by_rule, by_tensorflow = truth[padding]
        shape = _as_shape(answer)
        if shape is None:
            verdicts.append(
                f"{padding}: {check.describe(answer)} is not a (height, width) pair of integers."
            )
            hints.append("Write each answer as a tuple of two integers, like (5, 4).")
        elif shape != by_rule or shape != by_tensorflow:
            other = truth["VALID" if padding == "SAME" else "SAME"][1]
            verdicts.append(
                f"{padding}: you predicted {shape}; {_shape_difference(shape, by_tensorflow)}."
            )
            hints.append(_shape_hint(shape, padding, by_tensorflow, other, image, step))
    if verdicts:
        return not_yet(" ".join(verdicts), hint=" ".join(dict.fromkeys(hints)))
    return correct(
        f"A {image[0]}x{image[1]} image pooled with pool_size={pool_size}, strides={strides} "
        f"gives {truth['SAME'][1]} with SAME and {truth['VALID'][1]} with VALID."
    )


def _pool_case_inputs(seed: int) -> list[tuple[np.ndarray, int, int, str]]:
    rng = np.random.default_rng(seed)
    cases = []
    for height, width, pool, stride, what in _POOL_CASES:
        image = rng.normal(size=(height, width)).astype(np.float32).astype(np.float64)
        cases.append((image, pool, stride, what))
    negative = -rng.uniform(1.0, 2.0, size=(6, 6)).astype(np.float32).astype(np.float64)
    cases.append((negative, 2, 2, "an image whose values are all negative"))
    return cases


def _values_hint(image: np.ndarray, pool: int, stride: int, at: tuple[int, int], got: float) -> str:
    row, col = at
    window = image[row * stride : row * stride + pool, col * stride : col * stride + pool]
    if np.isclose(got, window.mean()):
        return "That is the window's average; max pooling keeps its largest value."
    if got == 0.0 and window.max() < 0:
        return "Start each window's maximum from its first value (or -inf), not from 0."
    if np.isclose(got, window.min()):
        return "That is the window's smallest value; max pooling keeps the largest."
    return (
        f"Output ({row}, {col}) is the max of image[{row}*stride : {row}*stride + pool_size, "
        f"{col}*stride : {col}*stride + pool_size]."
    )


def check_max_pool(func: Callable[[np.ndarray, int, int], Any], *, seed: int = 0) -> Feedback:
    """Check a NumPy max pooling against ``tf.nn.max_pool2d`` (VALID padding).

    ``func(image, pool_size, stride)`` is called with 2-D float arrays of several
    shapes, pool sizes and strides (random values, one all-negative image) and
    must return the (out_h, out_w) array that :func:`cnn101.ops.max_pool2d`
    returns with ``padding="VALID"``. The first mismatch is reported.

    Parameters
    ----------
    func : callable
        ``func(image: ndarray of shape (H, W), pool_size: int, stride: int)``.
    seed : int, default 0
        Seed of the random test images.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> from skimage.util import view_as_windows
    >>> bool(check_max_pool(lambda x, p, s: view_as_windows(x, p, s).max(axis=(2, 3))))
    True
    >>> bool(check_max_pool(lambda x, p, s: x))
    False
    """
    if not callable(func):
        return not_yet(
            f"Expected a function. Received: {check.describe(func)}.",
            hint="Pass the function itself, without calling it: check_max_pool(my_max_pool).",
        )
    cases = _pool_case_inputs(check.seed(seed))
    for image, pool, stride, what in cases:
        where = f"On {what} (shape {image.shape}, pool_size={pool}, stride={stride})"
        expected = ops.max_pool2d(image, pool, stride, "VALID").numpy()
        try:
            result = func(image.copy(), pool, stride)
        except Exception as error:  # report any failure of the student's code, never raise
            return not_yet(
                f"{where} your function raised {type(error).__name__}: {error}",
                hint="Try it by hand first: my_max_pool(np.arange(16.0).reshape(4, 4), 2, 2).",
            )
        if result is None:
            return not_yet(
                f"{where} your function returned None.",
                hint="End the function with `return out`, the pooled array.",
            )
        try:
            got = np.asarray(result, dtype=np.float64)
        except (TypeError, ValueError):
            return not_yet(
                f"{where} your function returned {type(result).__name__}, not an array of numbers.",
                hint="Return a 2-D NumPy array, e.g. one made with np.zeros((out_h, out_w)).",
            )
        if got.shape != expected.shape:
            return not_yet(
                f"{where} the output should have shape {expected.shape}; yours has {got.shape}.",
                hint="With VALID padding only whole windows count: "
                "out = (H - pool_size) // stride + 1 rows, and the same for columns.",
            )
        wrong = ~np.isclose(got, expected, rtol=1e-6, atol=1e-6)
        if wrong.any():
            at = tuple(int(i) for i in np.argwhere(wrong)[0])
            return not_yet(
                f"{where} output {at} should be {expected[at]:.4g}; yours is {got[at]:.4g}.",
                hint=_values_hint(image, pool, stride, at, float(got[at])),
            )
    return correct(f"Your max pooling matches tf.nn.max_pool2d on all {len(cases)} test images.")


def _pooling_kind(answer: Any) -> str | None:
    if answer is ops.max_pool2d:
        return "max"
    if answer is ops.avg_pool2d:
        return "avg"
    if isinstance(answer, str):
        name = answer.strip().lower().replace("-", "_")
        if name in _MAX_NAMES:
            return "max"
        if name in _AVG_NAMES:
            return "avg"
    return None


def check_bright_line_pooling(answer: Any, *, times: int = 4) -> Feedback:
    """Check which 2x2 pooling keeps a one-pixel line at full brightness.

    Measures it: the 64x64 circle perimeter (value 1 on the line) is pooled
    ``times`` times with :func:`cnn101.ops.max_pool2d` and with
    :func:`cnn101.ops.avg_pool2d`, and the brightest value left is compared.

    Parameters
    ----------
    answer : {"max", "avg"} or the function ``ops.max_pool2d`` / ``ops.avg_pool2d``
    times : int, default 4
        How many 2x2 poolings in a row.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_bright_line_pooling("max")), bool(check_bright_line_pooling("avg"))
    (True, False)
    """
    times = check.positive_int(times, "times")
    kind = _pooling_kind(answer)
    if kind is None:
        return not_yet(
            f"Answer 'max' or 'avg'. Received: {check.describe(answer)}.",
            hint="Write keeps_line_bright = 'max' or keeps_line_bright = 'avg': the brightest "
            'values printed in "Compare max and average pooling" tell which.',
        )
    brightest = {}
    for name, pool in (("max", ops.max_pool2d), ("avg", ops.avg_pool2d)):
        image = circle_image()
        for _ in range(times):
            image = pool(image, 2)
        brightest[name] = float(np.max(image))
    best = max(brightest, key=brightest.get)
    measured = (
        f"After {times} 2x2 poolings of a one-pixel circle the brightest value is "
        f"{brightest['max']:.3g} with max pooling and {brightest['avg']:.3g} with average pooling."
    )
    if kind != best:
        return not_yet(
            measured,
            hint="An average pooling window mixes a one-pixel line with the dark pixels beside "
            "it, so each pooling dims it; the maximum ignores them.",
        )
    return correct(measured)
