"""Digits drawn at chosen sizes and positions: the data of the scale experiments.

A seeded generator of scaled digits (:func:`place_digits`): each digit is cropped
to its ink (:func:`bounding_boxes`), resized by a scale factor and pasted at a
random position on a larger canvas, for training at one scale and testing at
others; :func:`log_uniform_scales` draws scale factors that make zooming out and
in equally likely. Images are (N, H, W) arrays in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnn101 import _validation as check

__all__ = ["bounding_boxes", "log_uniform_scales", "place_digits"]


def log_uniform_scales(
    n: int, low: float = 0.5, high: float = 2.0, *, seed: Any = None
) -> np.ndarray:
    """Draw ``n`` scale factors whose logarithm is uniform on [log(low), log(high)].

    Log-uniform makes 0.5x and 2x equally likely, as zooming out and in should be.

    Parameters
    ----------
    n : int
    low, high : float, default 0.5 and 2.0
        Positive, ``low <= high``.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    scales : ndarray of shape (n,), float64

    Examples
    --------
    >>> s = log_uniform_scales(1000, 0.5, 2.0, seed=0)
    >>> bool(s.min() >= 0.5 and s.max() <= 2.0)
    True
    """
    n = check.positive_int(n, "n")
    low = check.real_number(low, "low", positive=True)
    high = check.real_number(high, "high", positive=True)
    if not low <= high:
        raise ValueError(
            f"`low` and `high` must be numbers with 0 < low <= high. Received: low={check.describe(low)}, high={check.describe(high)}"
        )
    rng = np.random.default_rng(check.seed(seed, optional=True))
    # exp(log(x)) can land one rounding step outside [low, high]: clip it back.
    return np.clip(np.exp(rng.uniform(np.log(low), np.log(high), size=n)), low, high)


def bounding_boxes(images: Any, threshold: float = 0.0) -> np.ndarray:
    """Return the (top, left, height, width) of the pixels above ``threshold`` in each image.

    Parameters
    ----------
    images : array_like of shape (N, H, W) or (N, H, W, 1)
    threshold : float, default 0.0

    Returns
    -------
    boxes : ndarray of shape (N, 4), int64
        All zeros for an image with no pixel above the threshold.

    Examples
    --------
    >>> img = np.zeros((1, 5, 5)); img[0, 1:3, 2:5] = 1
    >>> bounding_boxes(img).tolist()
    [[1, 2, 2, 3]]
    """
    array = check.as_float_array(images, "images")
    threshold = check.real_number(threshold, "threshold")
    if array.ndim == 4 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ValueError(
            f"`images` must be (N, H, W) or (N, H, W, 1). Received: array with shape {array.shape}"
        )
    boxes = np.zeros((len(array), 4), np.int64)
    for i, image in enumerate(array > threshold):
        rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
        if rows.size:
            boxes[i] = rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    return boxes


def place_digits(
    images: Any, scales: Any = 1.0, *, canvas: int = 56, seed: Any = None
) -> np.ndarray:
    """Crop each digit to its ink, resize it by its scale and paste it at a random place.

    The ink box of a digit (pixels > 0) is resized with bilinear interpolation
    (anti-aliased when shrinking) to ``round(scale * height)`` by
    ``round(scale * width)`` pixels, so the placed digit's bounding box has exactly
    that size, and pasted at a uniformly random position where it fits whole.

    Parameters
    ----------
    images : array_like of shape (N, h, w)
        Digits on a black background, e.g. from :func:`cnn101.datasets.load_digits`.
    scales : float or array_like of shape (N,), default 1.0
        Positive scale factor per digit (1.0 keeps the MNIST size, ~20 px tall).
    canvas : int, default 56
        Height and width of the output images.
    seed : int or numpy.random.Generator, optional
        Source of the positions.

    Returns
    -------
    placed : ndarray of shape (N, canvas, canvas, 1), float32

    Raises
    ------
    ValueError
        If a scaled digit does not fit on the canvas, or for a bad argument.

    Examples
    --------
    >>> digit = np.zeros((1, 28, 28)); digit[0, 4:24, 10:18] = 1.0
    >>> out = place_digits(digit, 1.5, canvas=40, seed=0)
    >>> out.shape, bounding_boxes(out)[0, 2:].tolist()
    ((1, 40, 40, 1), [30, 12])
    """
    from skimage.transform import resize

    array = check.as_float_array(images, "images")
    if array.ndim != 3:
        raise ValueError(
            f"`images` must be 3-D (N, h, w). Received: array with shape {array.shape}"
        )
    canvas = check.positive_int(canvas, "canvas")
    seed = check.seed(seed, optional=True)
    if isinstance(scales, bool | np.bool_) or np.asarray(scales).dtype.kind == "b":
        raise TypeError(f"`scales` must be numbers, not booleans. Received: scales={scales!r}")
    scale_array = (
        np.broadcast_to(check.as_float_array(scales, "scales"), (len(array),))
        if (np.ndim(scales) == 0 or np.shape(scales) == (len(array),))
        else None
    )
    if scale_array is None or not (scale_array > 0).all():
        raise ValueError(
            f"`scales` must be a positive number or one positive number per image ({len(array)}). "
            f"Received: scales with shape {np.shape(scales)}"
        )
    rng = np.random.default_rng(seed)
    boxes = bounding_boxes(array)
    out = np.zeros((len(array), canvas, canvas, 1), np.float32)
    for i, ((top, left, height, width), scale) in enumerate(zip(boxes, scale_array, strict=True)):
        if height == 0:
            continue
        new_h, new_w = max(1, round(scale * height)), max(1, round(scale * width))
        if max(new_h, new_w) > canvas:
            raise ValueError(
                f"Image {i} scaled by {float(scale):.3g} is {new_h}x{new_w} pixels and does not fit "
                f"on the canvas of {canvas}x{canvas}. Use a larger `canvas` or smaller `scales`."
            )
        crop = array[i, top : top + height, left : left + width]
        digit = resize(crop, (new_h, new_w), order=1, anti_aliasing=bool(scale < 1))
        y, x = rng.integers(0, canvas - new_h + 1), rng.integers(0, canvas - new_w + 1)
        out[i, y : y + new_h, x : x + new_w, 0] = np.clip(digit, 0.0, 1.0)
    return out
