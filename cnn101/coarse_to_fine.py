"""Template search through an image pyramid: match coarse, refine fine (the blog's "hippo's eye").

Looking for a small patch in a large photo by scoring every translation costs
(H - h + 1) x (W - w + 1) evaluations. Through a Gaussian pyramid
(:mod:`cnn101.pyramids`) we score every translation only at the coarsest level,
where image and template are 2**L times smaller on each side, then at each finer
level only a small window around twice the coarser match. Scores are normalised
cross-correlations computed in float64 with ``tf.nn.conv2d``.

References
----------
.. [1] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
   https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/
.. [2] S. L. Tanimoto, "Template matching in pyramids", Computer Graphics and Image
   Processing 16(4), 1981. doi:10.1016/0146-664X(81)90046-0 (coarse-to-fine matching
   through a pyramid: "a savings in computation time (by a problem-dependent amount)").
   E. H. Adelson, C. H. Anderson, J. R. Bergen, P. J. Burt and J. M. Ogden, "Pyramid
   methods in image processing", RCA Engineer 29(6), 1984, is the blog's reference.
.. [3] J. P. Lewis, "Fast normalized cross-correlation", Vision Interface, 1995.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import tensorflow
from cnn101.kernels import to_filter
from cnn101.pyramids import gaussian_kernel1d, gaussian_pyramid, pyramid_shapes

__all__ = [
    "SearchCost",
    "SearchResult",
    "coarse_to_fine_cost",
    "coarse_to_fine_search",
    "exhaustive_cost",
    "exhaustive_search",
    "match_template",
]


def match_template(image: Any, template: Any) -> Any:
    """Return the normalised cross-correlation of ``template`` at every position.

    Three VALID correlations (``tf.nn.conv2d`` in float64) give, for each placement,
    the correlation with the zero-mean template and the window's sum and sum of
    squares; the score is their Pearson correlation, in [-1, 1], and 0 where the
    window is flat. The image's mean is subtracted first: the score does not change
    (a Pearson correlation ignores a constant offset), but the window variance
    ``sum(x**2) - sum(x)**2 / n`` then no longer cancels two large numbers. This is
    ``skimage.feature.match_template`` (which also works in float64), returned as
    float32.

    Parameters
    ----------
    image : array_like of shape (H, W)
    template : array_like of shape (h, w), with h <= H and w <= W

    Returns
    -------
    tf.Tensor of shape (H - h + 1, W - w + 1), float32
        Entry (r, c) scores the template placed with its top-left pixel at (r, c).

    References
    ----------
    .. [1] J. P. Lewis, "Fast normalized cross-correlation", Vision Interface, 1995.

    Examples
    --------
    >>> image = np.zeros((6, 6)); image[2:4, 3:5] = [[1, 2], [3, 4]]
    >>> scores = match_template(image + 100, [[1, 2], [3, 4]])
    >>> [int(i) for i in np.unravel_index(int(np.argmax(scores)), scores.shape)]
    [2, 3]
    >>> round(float(np.max(scores)), 6)
    1.0
    """
    image = check.gray_image(image, "image")
    template = check.gray_image(template, "template")
    if template.shape[0] > image.shape[0] or template.shape[1] > image.shape[1]:
        raise ValueError(
            f"`template` must fit inside `image`. Received: template with shape {template.shape} "
            f"and image with shape {image.shape}"
        )
    tf = tensorflow()
    n = template.size
    pixels = image.astype(np.float64)
    pixels -= pixels.mean()
    centred = template.astype(np.float64)
    centred -= centred.mean()
    batch = tf.constant(pixels[None, :, :, None])
    squares = tf.constant((pixels**2)[None, :, :, None])

    def correlate(x, kernel):
        # the package's one kernel-to-filter function; the sums run in float64
        filters = tf.constant(to_filter(kernel), dtype=tf.float64)
        return tf.nn.conv2d(x, filters, 1, "VALID")[0, :, :, 0]

    ones = np.ones_like(centred)
    numerator = correlate(batch, centred)
    window_sum = correlate(batch, ones)
    window_sq = correlate(squares, ones)
    window_var = window_sq - window_sum**2 / n
    # A flat window's variance is zero up to the rounding of n float64 additions.
    flat = window_var <= 4 * n * np.finfo(np.float64).eps * window_sq
    denominator = tf.sqrt(tf.maximum(window_var, 0.0) * float((centred**2).sum()))
    safe = tf.where(flat | (denominator == 0.0), 1.0, denominator)
    score = tf.where(flat | (denominator == 0.0), 0.0, numerator / safe)
    return tf.cast(tf.clip_by_value(score, -1.0, 1.0), tf.float32)  # clip: rounding only


@dataclass(frozen=True)
class SearchResult:
    """Where a template search found its best match.

    Attributes
    ----------
    position : (int, int)
        Row and column of the template's top-left pixel in the full-size image.
    score : float
        Normalised cross-correlation there.
    evaluated : int
        How many translations were scored, over all levels.
    path : tuple of (int, int, int)
        (level, row, col) of the best match at each level searched, coarsest first.

    Examples
    --------
    >>> image = np.zeros((6, 6)); image[2:4, 3:5] = [[1, 2], [3, 4]]
    >>> result = exhaustive_search(image, [[1, 2], [3, 4]])
    >>> result.position, round(result.score, 6), result.path
    ((2, 3), 1.0, ((0, 2, 3),))
    """

    position: tuple[int, int]
    score: float
    evaluated: int
    path: tuple[tuple[int, int, int], ...]


def _check_path(path: Any) -> int:
    """Return the coarsest level of a search path: (level, row, col) triples down to 0."""
    expected = (
        "a non-empty sequence of (level, row, col) integer triples, one per level from the "
        "coarsest down to 0 (as coarse_to_fine_search records it)"
    )
    check.sequence(path, "result.path", expected)
    for step in path:
        check.instance(step, "result.path", tuple | list, expected)
        if len(step) != 3:
            raise ValueError(f"`result.path` must be {expected}. Received: {check.describe(path)}")
        for number in step:
            check.integer(number, "result.path")
    levels = [int(step[0]) for step in path]
    if levels != list(range(levels[0], -1, -1)):
        raise ValueError(f"`result.path` must be {expected}. Received: {check.describe(path)}")
    return levels[0]


def _best(scores: Any) -> tuple[int, int, float]:
    array = np.asarray(scores)
    row, col = np.unravel_index(int(np.argmax(array)), array.shape)
    return int(row), int(col), float(array[row, col])


def exhaustive_search(image: Any, template: Any) -> SearchResult:
    """Score every translation of ``template`` over ``image`` and keep the best.

    Parameters
    ----------
    image : array_like of shape (H, W)
    template : array_like of shape (h, w), with h <= H and w <= W

    Returns
    -------
    SearchResult
        The placement of best normalised cross-correlation (:func:`match_template`),
        with ``evaluated = (H - h + 1) * (W - w + 1)`` and a one-level ``path``.

    References
    ----------
    .. [1] J. P. Lewis, "Fast normalized cross-correlation", Vision Interface, 1995.

    Examples
    --------
    >>> image = np.zeros((6, 6)); image[2:4, 3:5] = [[1, 2], [3, 4]]
    >>> result = exhaustive_search(image, [[1, 2], [3, 4]])
    >>> result.position, result.evaluated
    ((2, 3), 25)
    """
    scores = match_template(image, template)
    row, col, score = _best(scores)
    return SearchResult((row, col), score, int(np.prod(scores.shape)), ((0, row, col),))


def coarse_to_fine_search(
    image: Any, template: Any, max_layer: int = 3, radius: int = 2
) -> SearchResult:
    """Find ``template`` at the coarsest pyramid level, then refine level by level.

    Level ``max_layer`` is searched exhaustively; at each finer level only the
    ``(2 * radius + 1) ** 2`` translations around twice the coarser match are scored.

    Parameters
    ----------
    image : array_like of shape (H, W)
    template : array_like of shape (h, w)
    max_layer : int, default 3
        Coarsest level; the template must still be at least 2 x 2 there.
    radius : int, default 2
        Half-width of the refinement window, in pixels of each level.

    Returns
    -------
    SearchResult
        The best placement at level 0 (full size), the translations scored over all
        levels, and the best match at each level, coarsest first.

    References
    ----------
    .. [1] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
       https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/
    .. [2] S. L. Tanimoto, "Template matching in pyramids", Computer Graphics and Image
       Processing 16(4), 1981. doi:10.1016/0146-664X(81)90046-0

    Examples
    --------
    >>> image = np.random.default_rng(0).random((64, 64))
    >>> result = coarse_to_fine_search(image, image[40:56, 8:24], max_layer=2)
    >>> result.position, result.evaluated < exhaustive_search(image, image[40:56, 8:24]).evaluated
    ((40, 8), True)
    """
    image, template = check.gray_image(image, "image"), check.gray_image(template, "template")
    max_layer = check.non_negative_int(max_layer, "max_layer")
    radius = check.non_negative_int(radius, "radius")
    coarsest = pyramid_shapes(template.shape, max_layer)[-1]
    if len(pyramid_shapes(template.shape, max_layer)) <= max_layer or min(coarsest) < 2:
        raise ValueError(
            f"The template {template.shape} shrinks below 2 x 2 pixels before level {max_layer}. "
            f"Received: max_layer={check.describe(max_layer)}; use a smaller max_layer or a larger template."
        )
    images = [np.asarray(level) for level in gaussian_pyramid(image, max_layer)]
    templates = [np.asarray(level) for level in gaussian_pyramid(template, max_layer)]
    result = exhaustive_search(images[-1], templates[-1])
    (row, col), score = result.position, result.score
    evaluated, path = result.evaluated, [(max_layer, row, col)]
    for level in range(max_layer - 1, -1, -1):
        picture, patch = images[level], templates[level]
        last_row, last_col = picture.shape[0] - patch.shape[0], picture.shape[1] - patch.shape[1]
        r0, r1 = max(0, 2 * row - radius), min(last_row, 2 * row + radius)
        c0, c1 = max(0, 2 * col - radius), min(last_col, 2 * col + radius)
        r0, c0 = min(r0, r1), min(c0, c1)
        scores = match_template(picture[r0 : r1 + patch.shape[0], c0 : c1 + patch.shape[1]], patch)
        best_row, best_col, score = _best(scores)
        row, col = r0 + best_row, c0 + best_col
        evaluated += int(np.prod(scores.shape))
        path.append((level, row, col))
    return SearchResult((row, col), score, evaluated, tuple(path))


# --------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class SearchCost:
    """The arithmetic of a template search, in multiply-adds.

    Attributes
    ----------
    placements : int
        Translations scored, over all levels.
    matching : int
        Multiply-adds of the scoring: :func:`match_template` runs three VALID
        convolutions of the template's size (correlation, window sum, window sum of
        squares), so ``3 * h * w`` per placement, plus one square per window pixel read.
    pyramid : int
        Multiply-adds of building the image's and the template's Gaussian pyramids:
        per level, a 7 x 7 blur (49 per pixel of the finer level) and a separable
        bilinear resize (one per output pixel of each of its two passes). 0 for an
        exhaustive search.

    Examples
    --------
    >>> cost = exhaustive_cost((6, 6), (2, 2))
    >>> cost.placements, cost.total
    (25, 336)
    """

    placements: int
    matching: int
    pyramid: int

    @property
    def total(self) -> int:
        """``matching + pyramid``."""
        return self.matching + self.pyramid


def _match_cost(region: tuple[int, int], patch: tuple[int, int]) -> tuple[int, int]:
    rows, cols = region[0] - patch[0] + 1, region[1] - patch[1] + 1
    placements = rows * cols
    return placements, 3 * placements * patch[0] * patch[1] + region[0] * region[1]


def _pyramid_cost(shape: tuple[int, int], max_layer: int) -> int:
    taps = len(gaussian_kernel1d()) ** 2
    shapes = pyramid_shapes(shape, max_layer)
    cost = 0
    for (h, w), (h2, w2) in itertools.pairwise(shapes):
        cost += taps * h * w + h2 * w + h2 * w2
    return cost


def exhaustive_cost(image_shape: tuple[int, int], template_shape: tuple[int, int]) -> SearchCost:
    """Return the cost of :func:`exhaustive_search` for these shapes.

    Parameters
    ----------
    image_shape : (int, int)
        (H, W) of the image.
    template_shape : (int, int)
        (h, w) of the template.

    Returns
    -------
    SearchCost
        ``(H - h + 1) * (W - w + 1)`` placements, ``3 * h * w`` multiply-adds each plus
        ``H * W`` squares, and no pyramid.

    References
    ----------
    .. [1] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
       https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/

    Examples
    --------
    >>> exhaustive_cost((6, 6), (2, 2))
    SearchCost(placements=25, matching=336, pyramid=0)
    """
    image_shape = check.positive_pair(image_shape, "image_shape")
    template_shape = check.positive_pair(template_shape, "template_shape")
    placements, matching = _match_cost(image_shape, template_shape)
    return SearchCost(placements, matching, 0)


def coarse_to_fine_cost(
    image_shape: tuple[int, int],
    template_shape: tuple[int, int],
    result: SearchResult,
    radius: int = 2,
) -> SearchCost:
    """Return the cost of the :func:`coarse_to_fine_search` that gave ``result``.

    The windows of the finer levels depend on where the coarser matches fell (they are
    clipped at the border), so the count replays ``result.path``. ``placements`` equals
    ``result.evaluated``.

    Parameters
    ----------
    image_shape : (int, int)
        (H, W) of the full-size image searched.
    template_shape : (int, int)
        (h, w) of the full-size template.
    result : SearchResult
        What :func:`coarse_to_fine_search` returned for these shapes.
    radius : int, default 2
        The ``radius`` that search used.

    Returns
    -------
    SearchCost
        Placements and multiply-adds over all levels, and the cost of building both
        pyramids.

    References
    ----------
    .. [1] L. Mao, "Image pyramids and its applications in deep learning", blog post, 2018.
       https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/

    Examples
    --------
    >>> image = np.random.default_rng(0).random((64, 64))
    >>> result = coarse_to_fine_search(image, image[40:56, 8:24], max_layer=2)
    >>> cost = coarse_to_fine_cost(image.shape, (16, 16), result)
    >>> cost.placements == result.evaluated, cost.total < exhaustive_cost((64, 64), (16, 16)).total
    (True, True)
    """
    check.instance(result, "result", SearchResult, "the SearchResult of coarse_to_fine_search")
    image_shape = check.positive_pair(image_shape, "image_shape")
    template_shape = check.positive_pair(template_shape, "template_shape")
    radius = check.non_negative_int(radius, "radius")
    if template_shape[0] > image_shape[0] or template_shape[1] > image_shape[1]:
        raise ValueError(
            f"`template_shape` must fit inside `image_shape`. Received: "
            f"template_shape={template_shape}, image_shape={image_shape}"
        )
    max_layer = _check_path(result.path)
    images = pyramid_shapes(image_shape, max_layer)
    templates = pyramid_shapes(template_shape, max_layer)
    for level, row, col in result.path:
        (height, width), (h, w) = images[level], templates[level]
        if not (0 <= row <= height - h and 0 <= col <= width - w):
            raise ValueError(
                f"`result.path` places the template at ({row}, {col}) on level {level}, outside "
                f"the {height}x{width} image there: it is not the search of an image of shape "
                f"{image_shape} and a template of shape {template_shape}."
            )
    placements, matching = _match_cost(images[-1], templates[-1])
    for (_, row, col), (level, _, _) in zip(result.path[:-1], result.path[1:], strict=True):
        (height, width), (h, w) = images[level], templates[level]
        r0, r1 = max(0, 2 * row - radius), min(height - h, 2 * row + radius)
        c0, c1 = max(0, 2 * col - radius), min(width - w, 2 * col + radius)
        r0, c0 = min(r0, r1), min(c0, c1)
        count, cost = _match_cost((r1 - r0 + h, c1 - c0 + w), (h, w))
        placements, matching = placements + count, matching + cost
    pyramid = _pyramid_cost(image_shape, max_layer) + _pyramid_cost(template_shape, max_layer)
    return SearchCost(placements, matching, pyramid)
