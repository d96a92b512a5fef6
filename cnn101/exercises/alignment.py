"""Checks for the exercises of tutorial 5, "Why transforming feature maps cannot give scale invariance".

Each check measures the student's answer with :mod:`cnn101.alignment` and
returns a :class:`~cnn101.exercises.Feedback`. A wrong answer, or one of the
wrong type, gives a "Not yet" with a hint; the checks never raise for it.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101.alignment import alignment_error
from cnn101.exercises import Feedback, correct, not_yet
from cnn101.feature_extractors import M_KERNEL, W_KERNEL, conv_features, letters_image
from cnn101.images import CAT_TEMPLATE, load_photo
from cnn101.kernels import get_kernel, kernel_names
from cnn101.transforms import get_transform, scaling

__all__ = [
    "PERMUTATION_CHANNELS",
    "channel_bank",
    "check_channel_permutation",
    "check_commuting_kernels",
    "check_template_ratio",
    "template_scene",
]

# Below this relative error two feature maps count as aligned (float32 rounding is ~1e-7).
_ALIGNED = 1e-4

# The channels of `channel_bank`, in order.
PERMUTATION_CHANNELS = ("W", "M", "sobel_left", "sobel_top", "sobel_right", "sobel_bottom")


@functools.cache
def _probe() -> np.ndarray:
    return load_photo("camera", size=48)


@functools.cache
def _commuting(transform: str) -> dict[str, float]:
    return {
        name: float(alignment_error(_probe(), conv_features(name), transform))
        for name in kernel_names()
    }


def check_commuting_kernels(answer: Any, transform: str = "rotate90") -> Feedback:
    """Check the set of named kernels whose feature maps move exactly with ``transform``.

    A kernel counts when Λ(T f) = T(Λ f) holds to float precision on a 48x48
    photo, measured with :func:`cnn101.alignment.alignment_error`.

    Parameters
    ----------
    answer : iterable of str
        Names from :func:`cnn101.kernels.kernel_names`.
    transform : str, default "rotate90"
        A name from :func:`cnn101.transforms.transform_names`.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> bool(check_commuting_kernels(["identity"]))
    False
    """
    get_transform(
        transform, argument="transform"
    )  # a bad transform is the notebook's error, not the student's
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return not_yet(
            f"Expected a list or set of kernel names. Received: {check.describe(answer)}",
            hint='Answer with a list of names, e.g. ["identity", "laplacian"].',
        )
    names = list(answer)
    unknown = [n for n in names if not isinstance(n, str) or n not in kernel_names()]
    if unknown:
        return not_yet(
            f"These are not kernel names: {check.describe(unknown)}.",
            hint=f"Use names from cnn101.kernels.kernel_names(): {', '.join(kernel_names())}.",
        )
    errors = _commuting(transform)
    truth = {name for name, error in errors.items() if error < _ALIGNED}
    extra = sorted(set(names) - truth)
    missing = sorted(truth - set(names))
    if not extra and not missing:
        return correct(
            f"These {len(truth)} kernels are unchanged by {transform}, so their feature maps "
            "move with the image."
        )
    parts = []
    if extra:
        listed = ", ".join(f"{n} (error {errors[n]:.2f})" for n in extra)
        parts.append(f"These do not align after {transform}: {listed}.")
    if missing:
        parts.append(f"{len(missing)} more kernel(s) align exactly and are missing.")
    return not_yet(
        " ".join(parts),
        hint=(
            "Convolving T f with k equals T of convolving f with the kernel turned back, so "
            "a kernel commutes with T when T leaves the kernel itself unchanged: compare "
            "each kernel with np.rot90(kernel) (or np.fliplr). For a 2x2 kernel SAME "
            "padding also shifts the output by a pixel."
        ),
    )


def channel_bank() -> Any:
    """Return the 6-channel conv + ReLU extractor of the permutation exercise.

    Its channels are :data:`PERMUTATION_CHANNELS`: the W and M letter detectors
    and four Sobel edge detectors (padded to 5x5).

    Returns
    -------
    FeatureExtractor
        Maps an (H, W) image to (H, W, 6) feature maps (SAME padding).

    Examples
    --------
    >>> channel_bank().name
    'W, M and Sobel'
    """
    kernels = [W_KERNEL, M_KERNEL, *(get_kernel(name) for name in PERMUTATION_CHANNELS[2:])]
    return conv_features(kernels, relu=True, name="W, M and Sobel")


def check_channel_permutation(permutation: Any) -> Feedback:
    """Check the channel order that aligns the feature maps of a 180-degree turn.

    Right when ``T(Λ f)[..., permutation]`` equals ``Λ(T f)`` on
    :func:`cnn101.feature_extractors.letters_image` for T = rotate180 and
    Λ = :func:`channel_bank`.

    Parameters
    ----------
    permutation : sequence of 6 int
        ``permutation[i]`` is the channel of T(Λ f) that should sit at channel i.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> bool(check_channel_permutation([0, 1, 2, 3, 4, 5]))
    False
    """
    count = len(PERMUTATION_CHANNELS)
    try:
        order = [int(v) for v in permutation if isinstance(v, numbers.Integral)]
        ok = len(order) == len(permutation) == count and sorted(order) == list(range(count))
    except TypeError:
        ok = False
    if not ok:
        return not_yet(
            f"Expected a permutation of 0..{count - 1} (each index once). Received: {check.describe(permutation)}",
            hint="Answer with a list of 6 integers such as [0, 1, 2, 3, 4, 5], one per channel.",
        )
    result = alignment_error(letters_image(seed=0), channel_bank(), "rotate180", channels=order)
    if result.error < _ALIGNED:
        return correct(
            "Turned by 180 degrees, W and M swap, and so do the left/right and top/bottom edge "
            "detectors: a spatial move plus this channel swap aligns the maps exactly."
        )
    wrong = [
        PERMUTATION_CHANNELS[i]
        for i in range(count)
        if not np.allclose(
            result.target[..., i][result.mask], result.aligned[..., i][result.mask], atol=1e-4
        )
    ]
    return not_yet(
        f"Relative error {result.error:.2f}; these channels still differ: {', '.join(wrong)}.",
        hint=(
            "Turn each kernel by 180 degrees (np.rot90(k, 2)) and see which other kernel of "
            "the bank it becomes: a W turned over is an M, an edge brighter to the left is "
            "brighter to the right."
        ),
    )


def template_scene() -> np.ndarray:
    """Return the 48x48 scene of the template exercise: the 8x8 cat face in the middle.

    Returns
    -------
    ndarray of shape (48, 48), float32
        :data:`cnn101.images.CAT_TEMPLATE` with 20 pixels of zeros on every side.

    Examples
    --------
    >>> template_scene().shape
    (48, 48)
    """
    return np.pad(CAT_TEMPLATE, 20).astype(np.float32)


@functools.cache
def _template_ratio() -> float:
    kernel = CAT_TEMPLATE - CAT_TEMPLATE.mean()
    extractor = conv_features(kernel, name="cat template")
    scene = template_scene()
    return float(extractor(scaling(2.0)(scene)).max() / extractor(scene).max())


def check_template_ratio(ratio: Any) -> Feedback:
    """Check the drop in the best template-matching score when the cat is enlarged 2x.

    The feature is conv with the cat template minus its mean; ``ratio`` is
    ``max Λ(T f) / max Λ f`` for T = ``scaling(2.0)`` and f = :func:`template_scene`.

    Parameters
    ----------
    ratio : float
        The measured ``max Λ(T f) / max Λ f``.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> bool(check_template_ratio(1.0))
    False
    """
    if not check.is_finite_number(ratio):
        return not_yet(
            f"Expected one number. Received: {check.describe(ratio)}",
            hint="Compute float(features(T(scene)).max() / features(scene).max()).",
        )
    truth = _template_ratio()
    if abs(float(ratio) - truth) <= 1e-3 * abs(truth):
        return correct(
            f"The best score falls to {truth:.2f} of the original: the 8x8 window now covers a "
            "quarter of the cat, and no moving of the feature map can bring back the rest."
        )
    if abs(float(ratio) - 1.0) < 1e-3:
        hint = (
            "A ratio of 1 is what a scale-covariant feature would give. Measure it: features "
            "= conv_features(CAT_TEMPLATE - CAT_TEMPLATE.mean()), then compare the maxima of "
            "features(scaling(2.0)(scene)) and features(scene)."
        )
    else:
        hint = (
            "Take the maximum over each whole feature map (not one pixel), enlarged scene "
            "first: features(scaling(2.0)(scene)).max() / features(scene).max()."
        )
    return not_yet(f"{float(ratio):.4g} is not the measured ratio.", hint=hint)
