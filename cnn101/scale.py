"""Scale: corners that merge under pooling, and digits drawn at chosen sizes.

Two halves, one concept: how the size of an object on the pixel grid changes
what a CNN computes.

* Corner detectors and repeated 2x2 max pooling (the fast.ai forum experiment
  "how does a CNN deal with different spatial resolution"): each pooling level
  halves the grid, and the two corners of a square end up in one pooling cell
  at a level that depends on the square's size *and* on where it sits on the
  pooling grid (:func:`merge_level`).
* A seeded generator of scaled digits (:func:`place_digits`): each digit is
  cropped to its ink, resized by a scale factor and pasted at a random position
  on a larger canvas, for training at one scale and testing at others.

Layouts: 2-D kernels are (kh, kw); images are (H, W) or NHWC batches;
response maps are (H, W, C) with one channel per kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import ops
from cnn101.kernels import filter_bank

__all__ = [
    "BOTTOM_RIGHT_CORNER",
    "UPPER_LEFT_CORNER",
    "bounding_boxes",
    "log_uniform_scales",
    "merge_level",
    "octave_correlation",
    "place_digits",
    "pooled_responses",
    "square_corner_cells",
    "square_layout",
]

# Upper-left corner detector (3x3, centred): +1 on the centre pixel, -1 on the row
# above and the column to its left. On a bright solid shape over a dark background it
# is positive only where the centre pixel is bright and everything above and to the
# left is dark, i.e. exactly on the shape's upper-left corner pixel (value = its level).
UPPER_LEFT_CORNER = np.array([[-1.0, -1.0, -1.0], [-1.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])

# Bottom-right corner detector: the upper-left one turned half a circle. Positive
# only on the bottom-right corner pixel of a bright solid shape.
BOTTOM_RIGHT_CORNER = np.rot90(UPPER_LEFT_CORNER, 2).copy()

for _kernel in (UPPER_LEFT_CORNER, BOTTOM_RIGHT_CORNER):
    _kernel.setflags(write=False)


def pooled_responses(
    image: Any, kernels: Sequence[Any] | None = None, levels: int = 3
) -> list[np.ndarray]:
    """Apply kernels, ReLU, then 2x2 max pooling ``levels`` times; keep every level.

    Convolution uses SAME padding, so a 3x3 kernel's response sits on the pixel
    it is centred on. Pooling uses 2x2 windows with stride 2 and SAME padding:
    the pooling grid starts at pixel 0, so pixel ``p`` falls in cell ``p // 2**L``
    at level ``L`` and nothing at the border is dropped.

    Parameters
    ----------
    image : array_like of shape (H, W)
    kernels : sequence of array_like of shape (kh, kw) or str, optional
        Defaults to ``[UPPER_LEFT_CORNER, BOTTOM_RIGHT_CORNER]``.
    levels : int, default 3
        Number of pooling steps (0 keeps only the ReLU'd responses).

    Returns
    -------
    maps : list of ``levels + 1`` ndarrays
        ``maps[L]`` has shape (ceil(H / 2**L), ceil(W / 2**L), len(kernels)), float32.

    Examples
    --------
    >>> maps = pooled_responses(np.pad(np.ones((2, 2)), 2), levels=1)
    >>> [m.shape for m in maps]
    [(6, 6, 2), (3, 3, 2)]
    >>> maps[0][2, 2].tolist(), maps[0][3, 3].tolist()
    ([1.0, 0.0], [0.0, 1.0])
    """
    array = check.as_float_array(image, "image")
    if array.ndim != 2:
        raise ValueError(f"`image` must be 2-D (H, W). Received: array with shape {array.shape}")
    levels = check.non_negative_int(levels, "levels")
    if kernels is not None and (
        isinstance(kernels, str) or not isinstance(kernels, Sequence) or len(kernels) == 0
    ):
        raise ValueError(
            "`kernels` must be a non-empty list of 2-D kernels or kernel names. "
            f"Received: kernels={check.describe(kernels)}"
        )
    if 2**levels > 2 * max(array.shape):
        raise ValueError(
            f"`levels` pools an image of shape {array.shape} down past 1x1 pixel. "
            f"Received: levels={levels}"
        )
    bank = filter_bank(
        [UPPER_LEFT_CORNER, BOTTOM_RIGHT_CORNER] if kernels is None else list(kernels)
    )
    current = ops.relu(ops.conv2d(array[:, :, None], bank, padding="SAME"))
    maps = [current.numpy()]
    for _ in range(levels):
        current = ops.max_pool2d(current, pool_size=2, padding="SAME")
        maps.append(current.numpy())
    return maps


def octave_correlation(
    near: Any, far: Any, kernels: Sequence[Any] | None = None, levels: int = 3, *, border: int = 0
) -> np.ndarray:
    """Correlate the near image's maps one pooling level later with the far image's maps.

    ``near`` shows the scene twice as large (one octave) as ``far``. After one
    more 2x2 pooling the near maps have the far maps' shape, and if a CNN's
    response to scale were "one pooling level per octave" they would be equal.
    This returns the Pearson correlation of ``pooled_responses(near)[L + 1]``
    with ``pooled_responses(far)[L]`` for L = 0 .. levels - 1, over all pixels
    and channels.

    Parameters
    ----------
    near : array_like of shape (2H, 2W)
    far : array_like of shape (H, W)
    kernels : sequence of array_like or str, optional
        As in :func:`pooled_responses` (default: the two corner detectors).
    levels : int, default 3
    border : int, default 0
        Cells to leave out at each edge of both maps before correlating. Zero
        padding makes the image frame look like an edge to most kernels; a border
        of 1 drops those responses.

    Returns
    -------
    r : ndarray of shape (levels,), float64
        NaN where a map is constant.

    Examples
    --------
    >>> far = np.random.default_rng(0).uniform(size=(8, 8))
    >>> near = np.kron(far, np.ones((2, 2)))  # every pixel blown up to 2x2
    >>> octave_correlation(near, far, ["identity"], levels=2).round(6).tolist()
    [1.0, 1.0]
    """
    near_array, far_array = check.as_float_array(near, "near"), check.as_float_array(far, "far")
    if far_array.ndim != 2 or near_array.shape != (2 * far_array.shape[0], 2 * far_array.shape[1]):
        raise ValueError(
            "`near` must be 2-D and exactly twice the height and width of the 2-D `far`. "
            f"Received: near with shape {near_array.shape}, far with shape {far_array.shape}"
        )
    positive = check.positive_int(levels, "levels")
    border = check.non_negative_int(border, "border")
    if 2 * border >= min(far_array.shape) // 2 ** (positive - 1):
        raise ValueError(
            f"`border` leaves nothing of the coarsest far map ({far_array.shape} pooled "
            f"{positive - 1} times). Received: border={border}"
        )
    near_maps = pooled_responses(near_array, kernels, positive)
    far_maps = pooled_responses(far_array, kernels, positive - 1)
    r = np.full(positive, np.nan)
    for level in range(positive):
        crop = (slice(border, -border or None),) * 2
        a, b = near_maps[level + 1][crop].ravel(), far_maps[level][crop].ravel()
        if a.std() > 0 and b.std() > 0:
            r[level] = np.corrcoef(a, b)[0, 1]
    return r


def merge_level(start: int, size: int) -> int:
    """Return the first pooling level at which both ends of a run share one cell.

    A run of ``size`` pixels starting at pixel ``start`` has its first pixel in
    cell ``start // 2**L`` and its last in ``(start + size - 1) // 2**L``. They
    coincide exactly when ``start % 2**L + size <= 2**L``: the run must fit
    inside one cell *counted from where the grid puts the cell's border*. An
    aligned run (``start`` a multiple of ``2**L``) merges at ``ceil(log2(size))``;
    a misaligned one can need more levels. For a square, take the larger of the
    row and column answers.

    Parameters
    ----------
    start : int
        First pixel (row or column), >= 0.
    size : int
        Length of the run in pixels, >= 1.

    Returns
    -------
    int
        The smallest ``L >= 0`` with ``start // 2**L == (start + size - 1) // 2**L``.

    Examples
    --------
    >>> merge_level(8, 4), merge_level(9, 4), merge_level(7, 2)
    (2, 3, 4)
    """
    start = check.non_negative_int(start, "start")
    size = check.positive_int(size, "size")
    level = 0
    while start % 2**level + size > 2**level:
        level += 1
    return level


def square_layout(
    sizes: Sequence[int] = (2, 4, 8, 16), gap: int = 8, offset: int = 0
) -> np.ndarray:
    """Return (top, left, size) of each square drawn by :func:`cnn101.images.squares_image`.

    Parameters
    ----------
    sizes, gap, offset
        As in :func:`cnn101.images.squares_image`.

    Returns
    -------
    layout : ndarray of shape (len(sizes), 3), int64

    Examples
    --------
    >>> square_layout((2, 4), gap=2).tolist()
    [[2, 2, 2], [2, 6, 4]]
    """
    from cnn101.images import squares_image

    squares_image(sizes, gap, offset)  # validates the arguments the same way
    top = gap + offset
    lefts = top + np.concatenate([[0], np.cumsum(np.asarray(sizes[:-1]) + gap)])
    return np.stack([np.full(len(sizes), top), lefts, np.asarray(sizes)], axis=1).astype(np.int64)


def square_corner_cells(
    sizes: Sequence[int] = (2, 4, 8, 16), gap: int = 8, offset: int = 0, levels: int = 4
) -> np.ndarray:
    """Measure where each square's corner responses end up after each pooling level.

    Each square is drawn alone on the canvas of
    :func:`cnn101.images.squares_image` (same position), run through
    :func:`pooled_responses` with the two corner detectors, and the cell holding
    each detector's maximum is recorded. (In the image with all the squares the
    pooled maps are the elementwise maximum of these, because the squares are
    more than a kernel apart and max pooling commutes with the maximum.)

    Parameters
    ----------
    sizes, gap, offset
        As in :func:`cnn101.images.squares_image`.
    levels : int, default 4
        Pooling levels to measure.

    Returns
    -------
    cells : ndarray of shape (levels + 1, len(sizes), 2, 2), int64
        ``cells[L, k, 0]`` is the (row, col) cell of square k's upper-left corner
        response at level L, ``cells[L, k, 1]`` that of its bottom-right corner.
        The two corners have merged when ``cells[L, k, 0] == cells[L, k, 1]``.

    Examples
    --------
    >>> cells = square_corner_cells((2, 4), gap=8, levels=2)
    >>> cells[2].tolist()  # level 2: cells of 4x4 pixels
    [[[2, 2], [2, 2]], [[2, 4], [2, 5]]]
    """
    from cnn101.images import squares_image

    levels = check.non_negative_int(levels, "levels")
    canvas = squares_image(sizes, gap, offset)
    layout = square_layout(sizes, gap, offset)
    cells = np.zeros((levels + 1, len(layout), 2, 2), np.int64)
    for k, (top, left, size) in enumerate(layout):
        alone = np.zeros_like(canvas)
        alone[top : top + size, left : left + size] = 1.0
        for level, maps in enumerate(pooled_responses(alone, levels=levels)):
            for corner in range(2):
                cells[level, k, corner] = np.unravel_index(
                    np.argmax(maps[:, :, corner]), maps.shape[:2]
                )
    return cells


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
