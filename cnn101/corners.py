"""Scale on the pixel grid: corner detectors and repeated pooling.

How the size of an object on the pixel grid changes what a CNN computes, shown
with corner detectors and repeated 2x2 max pooling (the fast.ai forum experiment
"how does a CNN deal with different spatial resolution"): each pooling level
halves the grid, and the two corners of a square end up in one pooling cell at a
level that depends on the square's size *and* on where it sits on the pooling
grid (:func:`merge_level`). Digits drawn at chosen sizes, for training at one
scale and testing at others, come from :mod:`cnn101.digits`.

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
    "merge_level",
    "octave_correlation",
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

    References
    ----------
    .. [1] fast.ai forum, "CNNs and different spatial resolutions", forum thread, 2017.
       https://forums.fast.ai/t/cnns-and-different-spatial-resolutions/2483

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
    if kernels is not None:
        check.sequence(kernels, "kernels", "a non-empty list of 2-D kernels or kernel names")
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

    References
    ----------
    .. [1] fast.ai forum, "CNNs and different spatial resolutions", forum thread, 2017.
       https://forums.fast.ai/t/cnns-and-different-spatial-resolutions/2483

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
