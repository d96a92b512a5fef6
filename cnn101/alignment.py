"""Measure whether transforming feature maps can undo a transformation of the image.

Jansson, Maydanskiy, Finnveden and Lindeberg, "Inability of spatial
transformations of CNN feature maps to support invariant recognition"
(arXiv:2004.14716), ask whether for a feature extractor Λ and a transformation T
of the image there is a T' with Λ(T f) = T'(Λ f). For translations there is
(T' = T, convolution commutes with shifts). For rotations and reflections a
purely spatial T' works only when the features themselves are rotation or
reflection invariant; otherwise the channels must be rearranged too. For
scalings, shears and general affine maps no T' exists unless the features are
invariant.

This module measures it. :func:`alignment_error` compares Λ(T f) with T(Λ f)
(optionally with the channels permuted or linearly remixed) inside the pixels
that neither the image border nor the zero fill of T can reach;
:func:`input_alignment_error` measures the spatial-transformer alternative,
Λ(T⁻¹ T f) against Λ f; :func:`alignment_table` makes the table of both kinds
of feature against the transformations of :mod:`cnn101.transforms`. The
extractors live in :mod:`cnn101.feature_extractors`; the figure of one measurement
is :func:`cnn101.plotting.show_alignment`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101.feature_extractors import FeatureExtractor
from cnn101.transforms import SpatialTransform, get_transform, transform_names

__all__ = [
    "AlignmentResult",
    "AlignmentTable",
    "alignment_error",
    "alignment_mask",
    "alignment_table",
    "candidate_warp_errors",
    "channel_pair_error",
    "input_alignment_error",
]


@dataclass(frozen=True)
class AlignmentResult:
    """One alignment measurement; ``float(result)`` is the relative error.

    Attributes
    ----------
    error : float
        ``||target - aligned|| / ||target||`` over the pixels in ``mask``.
    image, transformed_image : ndarray of shape (H, W)
        f and T f.
    target : ndarray of shape (H', W', C)
        What must be matched: Λ(T f) (or Λ f for the input route).
    aligned : ndarray of shape (H', W', C)
        The best try: T(Λ f), channels rearranged if asked (or Λ(T⁻¹ T f)).
    mask : ndarray of bool, shape (H', W')
        Pixels compared: clear of the image border and of zero fill by the
        receptive-field radius of the extractor.

    Examples
    --------
    >>> from cnn101.feature_extractors import conv_features
    >>> from cnn101.images import load_photo
    >>> photo = load_photo("camera", size=32)
    >>> result = alignment_error(photo, conv_features("sobel_left"), "rotate90")
    >>> result.target.shape, result.aligned.shape, result.mask.shape
    ((32, 32, 1), (32, 32, 1), (32, 32))
    >>> float(result) == result.error > 0.5
    True
    """

    error: float
    image: np.ndarray
    transformed_image: np.ndarray
    target: np.ndarray
    aligned: np.ndarray
    mask: np.ndarray

    def __float__(self) -> float:
        return self.error


def _erode(mask: np.ndarray, radius: int) -> np.ndarray:
    from scipy.ndimage import binary_erosion

    if radius == 0:
        return mask
    square = np.ones((2 * radius + 1, 2 * radius + 1), dtype=bool)
    return binary_erosion(mask, structure=square, border_value=0)


def alignment_mask(shape: Sequence[int], transform: Any, radius: int) -> np.ndarray:
    """Return where Λ(T f) and T(Λ f) can be compared without border effects.

    A pixel p of the output is kept when (1) the receptive field of Λ at p,
    the square of half-width ``radius`` around p, lies inside T f and holds no
    pixel that T filled with zeros; and (2) every pixel of Λ f that T reads to
    make p lies ``radius`` or more from the border of f, where SAME padding
    does not reach. (1) is T's valid region eroded by the square; (2) is T
    applied to the eroded all-ones image, kept where it is still exactly 1.

    Parameters
    ----------
    shape : (int, int) or (int, int, int)
        Shape of the image f.
    transform : SpatialTransform or str
    radius : int
        Receptive-field radius of the extractor (0 for a pointwise one).

    Returns
    -------
    mask : ndarray of bool, spatial shape of T f

    Examples
    --------
    >>> alignment_mask((6, 6), "translate", 1).sum()
    np.int64(0)
    >>> int(alignment_mask((12, 12), "rotate90", 1).sum())
    100
    """
    transform = get_transform(transform, argument="transform")
    radius = check.non_negative_int(radius, "radius")
    clear_of_fill = _erode(transform.valid(shape), radius)
    height, width = check.positive_pair(tuple(shape[:2]), "shape")
    interior = _erode(np.ones((height, width), dtype=bool), int(radius)).astype(np.float32)
    clear_of_padding = transform(interior) >= 1.0 - 1e-5
    return clear_of_fill & clear_of_padding


def _relative_error(target: np.ndarray, aligned: np.ndarray, mask: np.ndarray) -> float:
    if not mask.any():
        raise ValueError(
            "No pixel is clear of the image border and of the zero fill of the "
            "transformation, so nothing can be compared. Use a larger image or a "
            "smaller transformation."
        )
    norm = float(np.linalg.norm(target[mask]))
    if norm == 0.0:
        raise ValueError(
            "The features Λ(T f) are all zero in the compared region, so a relative "
            "error is undefined. Use an image with some structure there."
        )
    return float(np.linalg.norm(target[mask] - aligned[mask]) / norm)


def _check_extractor(extractor: Any) -> FeatureExtractor:
    check.instance(
        extractor,
        "extractor",
        FeatureExtractor,
        "a FeatureExtractor (see cnn101.feature_extractors)",
    )
    return extractor


def _rearrange(
    target: np.ndarray, moved: np.ndarray, mask: np.ndarray, channels: Any
) -> np.ndarray:
    count = moved.shape[-1]
    if channels is None:
        return moved
    expected = "None, a permutation of the channel indices or 'best_linear'"
    if isinstance(channels, str):
        if channels != "best_linear":
            raise ValueError(f"`channels` must be {expected}. Received: channels={channels!r}")
        # Least squares over the compared pixels: target ≈ moved @ M + b, any M.
        design = np.concatenate([moved[mask], np.ones((int(mask.sum()), 1))], axis=1)
        weights, *_ = np.linalg.lstsq(design, target[mask].astype(np.float64), rcond=None)
        flat = np.concatenate([moved, np.ones((*moved.shape[:2], 1))], axis=-1)
        return (flat @ weights).astype(np.float32)
    if not isinstance(channels, np.ndarray):
        check.sequence(channels, "channels", expected)
    order = np.asarray(channels)
    if order.dtype.kind not in "iu" and order.size:
        raise TypeError(f"`channels` must be {expected}. Received: {check.describe(channels)}")
    if order.shape != (count,) or sorted(order.tolist()) != list(range(count)):
        raise ValueError(
            f"`channels` must be a permutation of 0..{count - 1} (one index per channel). "
            f"Received: channels={check.describe(channels)}"
        )
    return moved[..., order]


def alignment_error(
    image: Any,
    extractor: FeatureExtractor,
    transform: SpatialTransform | str,
    *,
    channels: Sequence[int] | Literal["best_linear"] | None = None,
) -> AlignmentResult:
    """Measure how far T(Λ f) is from Λ(T f), the test of whether moving feature maps undoes T.

    Parameters
    ----------
    image : array_like of shape (H, W)
        The gray image f.
    extractor : FeatureExtractor
        Λ, e.g. from :func:`cnn101.feature_extractors.conv_features`.
    transform : SpatialTransform or str
        T, applied to the image and, identically, to every channel of Λ f.
    channels : sequence of int or "best_linear", optional
        Rearrange the channels of T(Λ f) before comparing: ``aligned[..., i] =
        T(Λ f)[..., channels[i]]``, or the best linear mix of channels (plus a
        constant) fitted by least squares over the compared pixels.

    Returns
    -------
    AlignmentResult
        ``float(result)`` is ``||Λ(T f) - T(Λ f)|| / ||Λ(T f)||`` over
        :func:`alignment_mask`.

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> from cnn101.feature_extractors import conv_features
    >>> from cnn101.images import load_photo
    >>> image = load_photo("camera", size=48)
    >>> round(float(alignment_error(image, conv_features("sobel_left"), "translate")), 6)
    0.0
    >>> float(alignment_error(image, conv_features("sobel_left"), "rotate90")) > 0.5
    True
    """
    image = check.gray_image(image, "image")
    extractor = _check_extractor(extractor)
    transform = get_transform(transform, argument="transform")
    moved_image = transform(image)
    target = extractor(moved_image)
    moved = transform(extractor(image))
    mask = alignment_mask(image.shape, transform, extractor.radius)
    aligned = _rearrange(target, moved, mask, channels)
    error = _relative_error(target, aligned, mask)
    return AlignmentResult(error, image, moved_image, target, aligned, mask)


def channel_pair_error(
    image: Any,
    extractor: FeatureExtractor,
    transform: SpatialTransform | str,
    pairs: Sequence[tuple[int, int]],
) -> AlignmentResult:
    """Compare channel ``t`` of Λ(T f) with channel ``s`` of T(Λ f), for each ``(t, s)`` in ``pairs``.

    A transformation that warps the maps *and* moves values between channels: for a
    bank of one feature at scales sigma and 2 sigma, a zoom by 2 is undone by
    ``pairs=[(1, 0)]`` (the 2-sigma response of the zoomed image against the warped
    sigma response). Such a T' is not purely spatial, so it lies outside Jansson et
    al.'s theorem; rotation-equivariant and scale-channel networks are built on it.

    Parameters
    ----------
    image : array_like of shape (H, W)
    extractor : FeatureExtractor
    transform : SpatialTransform or str
    pairs : sequence of (int, int)
        (channel of Λ(T f), channel of T(Λ f)) to compare.

    Returns
    -------
    AlignmentResult
        ``target`` and ``aligned`` hold the paired channels, in the order of ``pairs``.

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> from cnn101.images import load_photo
    >>> from cnn101.scale_space import log_features
    >>> bank = log_features((1.0, 2.0))
    >>> photo = load_photo("camera", size=96)
    >>> same = channel_pair_error(photo, bank, "scale2", [(1, 1)]).error
    >>> shifted = channel_pair_error(photo, bank, "scale2", [(1, 0)]).error
    >>> bool(shifted < 0.25 < 0.5 < same)
    True
    """
    image = check.gray_image(image, "image")
    extractor = _check_extractor(extractor)
    transform = get_transform(transform, argument="transform")
    moved_image = transform(image)
    target = extractor(moved_image)
    moved = transform(extractor(image))
    count = target.shape[-1]
    expected = "a non-empty list of (target channel, source channel) index pairs"
    check.sequence(pairs, "pairs", expected)
    try:
        index = np.asarray(pairs)
    except (TypeError, ValueError):  # ragged
        index = np.zeros((0,), int)
    if index.dtype.kind not in "iu" and index.size:
        raise TypeError(f"`pairs` must be {expected}. Received: pairs={check.describe(pairs)}")
    valid = (
        index.ndim == 2
        and index.shape[1] == 2
        and len(index) > 0
        and ((index >= 0) & (index < count)).all()
    )
    if not valid:
        raise ValueError(
            f"`pairs` must be a non-empty list of (target channel, source channel) index pairs "
            f"in 0..{count - 1}. Received: pairs={check.describe(pairs)}"
        )
    mask = alignment_mask(image.shape, transform, extractor.radius)
    target, aligned = target[..., index[:, 0]], moved[..., index[:, 1]]
    error = _relative_error(target, aligned, mask)
    return AlignmentResult(error, image, moved_image, target, aligned, mask)


def candidate_warp_errors(
    image: Any,
    extractor: FeatureExtractor,
    transform: SpatialTransform | str,
    candidates: Mapping[str, SpatialTransform | str],
) -> dict[str, float]:
    """Measure ``||Λ(T f) - T'(Λ f)|| / ||Λ(T f)||`` for each candidate warp T'.

    The paper says no spatial T' aligns the maps after a zoom or shear, not only
    T' = T. This tries a family of them on one common set of pixels: those that
    :func:`alignment_mask` keeps for T and for every candidate.

    Parameters
    ----------
    image : array_like of shape (H, W)
    extractor : FeatureExtractor
    transform : SpatialTransform or str
        T, applied to the image.
    candidates : mapping of str to SpatialTransform or str
        The warps T' to try on the feature maps, by label.

    Returns
    -------
    dict of str to float
        The relative error of each candidate, in the order given.

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> from cnn101.feature_extractors import conv_features
    >>> from cnn101.images import load_photo
    >>> from cnn101.transforms import scaling
    >>> photo = load_photo("camera", size=64)
    >>> errors = candidate_warp_errors(photo, conv_features("laplacian"), "scale2",
    ...                                {f"zoom {s}": scaling(s) for s in (1.5, 2.0, 2.5)})
    >>> min(errors.values()) > 0.5
    True
    """
    image = check.gray_image(image, "image")
    extractor = _check_extractor(extractor)
    transform = get_transform(transform, argument="transform")
    check.instance(candidates, "candidates", Mapping, "a mapping of labels to transformations")
    if not candidates:
        raise ValueError(
            f"`candidates` must be a non-empty mapping of labels to transformations. "
            f"Received: candidates={check.describe(candidates)}"
        )
    warps = {label: get_transform(t, argument="candidates") for label, t in candidates.items()}
    target = extractor(transform(image))
    features = extractor(image)
    mask = alignment_mask(image.shape, transform, extractor.radius)
    for warp in warps.values():
        mask = mask & alignment_mask(image.shape, warp, extractor.radius)
    return {label: _relative_error(target, warp(features), mask) for label, warp in warps.items()}


def input_alignment_error(
    image: Any, extractor: FeatureExtractor, transform: SpatialTransform | str
) -> AlignmentResult:
    """Measure the spatial-transformer route: undo T on the input, then extract.

    Compares Λ(T⁻¹(T f)) with Λ f over the pixels that survive T then T⁻¹,
    eroded by the receptive-field radius. The error is zero whenever T⁻¹(T f)
    gives f back on those pixels (shifts, quarter turns, flips, zooming in by
    2, integer shears); zooming out loses pixels for good, so its error measures
    that loss, not the features.

    Parameters
    ----------
    image : array_like of shape (H, W)
    extractor : FeatureExtractor
    transform : SpatialTransform or str

    Returns
    -------
    AlignmentResult
        ``target`` is Λ f, ``aligned`` is Λ(T⁻¹ T f).

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> from cnn101.feature_extractors import conv_features
    >>> from cnn101.images import load_photo
    >>> image = load_photo("camera", size=48)
    >>> round(float(input_alignment_error(image, conv_features("sobel_left"), "scale2")), 6)
    0.0
    """
    image = check.gray_image(image, "image")
    extractor = _check_extractor(extractor)
    transform = get_transform(transform, argument="transform")
    inverse = transform.inverse()
    moved_image = transform(image)
    restored = inverse(moved_image)
    survives = inverse(transform(np.ones_like(image))) >= 1.0 - 1e-5
    mask = _erode(survives, extractor.radius)
    target = extractor(image)
    aligned = extractor(restored)
    error = _relative_error(target, aligned, mask)
    return AlignmentResult(error, image, moved_image, target, aligned, mask)


@dataclass(frozen=True)
class AlignmentTable:
    """Relative alignment errors, one row per feature extractor, one column per T.

    Attributes
    ----------
    features : tuple of str
    transforms : tuple of str
    errors : ndarray of shape (len(features), len(transforms))
        ``errors[i, j]`` is the error of ``features[i]`` under ``transforms[j]``.

    Examples
    --------
    >>> table = AlignmentTable(("laplacian", "sobel_left"), ("translate", "rotate90"),
    ...                        np.array([[0.0, 0.0], [0.0, 1.4]]))
    >>> table.error("sobel_left", "rotate90")
    1.4
    >>> table.errors.shape
    (2, 2)
    """

    features: tuple[str, ...]
    transforms: tuple[str, ...]
    errors: np.ndarray

    def error(self, feature: str, transform: str) -> float:
        """Return the error of one (feature, transform) cell.

        Parameters
        ----------
        feature : str
            A row label, one of :attr:`features`.
        transform : str
            A column label, one of :attr:`transforms`.

        Returns
        -------
        float
        """
        for name, names in (("feature", self.features), ("transform", self.transforms)):
            value = feature if name == "feature" else transform
            if check.text(value, name, optional=False) not in names:
                raise ValueError(
                    f"`{name}` must be one of {list(names)}. Received: {name}={check.describe(value)}"
                )
        return float(self.errors[self.features.index(feature), self.transforms.index(transform)])

    def to_frame(self) -> Any:
        """Return the table as a ``pandas.DataFrame`` (pandas must be installed)."""
        import pandas as pd

        return pd.DataFrame(self.errors, index=list(self.features), columns=list(self.transforms))


def alignment_table(
    image: Any,
    extractors: Mapping[str, FeatureExtractor],
    transforms: Sequence[SpatialTransform | str] | None = None,
    *,
    route: Literal["features", "input"] = "features",
) -> AlignmentTable:
    """Measure every (extractor, transformation) pair on one image.

    Parameters
    ----------
    image : array_like of shape (H, W)
    extractors : mapping of str to FeatureExtractor
        Row labels and extractors.
    transforms : sequence of SpatialTransform or str, optional
        Columns; all of :func:`cnn101.transforms.transform_names` by default.
    route : {"features", "input"}, default "features"
        :func:`alignment_error` (move the feature maps) or
        :func:`input_alignment_error` (move the input back, as a spatial
        transformer network would).

    Returns
    -------
    AlignmentTable

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> from cnn101.feature_extractors import conv_features
    >>> from cnn101.images import load_photo
    >>> table = alignment_table(load_photo("camera", size=48),
    ...                         {"laplacian": conv_features("laplacian")},
    ...                         ["translate", "rotate90", "scale2"])
    >>> table.transforms
    ('translate', 'rotate90', 'scale2')
    >>> (table.errors < 1e-5).tolist()
    [[True, True, False]]
    """
    check.instance(extractors, "extractors", Mapping, "a mapping of names to FeatureExtractor")
    if len(extractors) == 0:
        raise ValueError(
            "`extractors` must be a non-empty mapping of names to FeatureExtractor. "
            f"Received: extractors={check.describe(extractors)}"
        )
    route = check.choice(route, "route", ("features", "input"))
    if transforms is not None:
        check.sequence(
            transforms, "transforms", "a non-empty list of transforms (names or SpatialTransform)"
        )
    chosen = [
        get_transform(t, argument="transforms")
        for t in (transform_names() if transforms is None else transforms)
    ]
    measure = alignment_error if route == "features" else input_alignment_error
    errors = np.array(
        [[float(measure(image, extractor, t)) for t in chosen] for extractor in extractors.values()]
    )
    labels = [t if isinstance(t, str) else t.name for t in (transforms or transform_names())]
    return AlignmentTable(tuple(extractors), tuple(labels), errors)
