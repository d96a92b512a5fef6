"""Figures of scale: a pyramid's levels at their true sizes, a dilated kernel's taps.

:mod:`cnn101.pyramids` builds the pyramids and :mod:`cnn101.receptive_field` computes
what a dilated kernel spans; those modules compute and never draw.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check

__all__ = ["show_dilated_kernel", "show_pyramid"]


def _stretch(array: np.ndarray) -> np.ndarray:
    low, high = np.percentile(array, [1, 99])
    return ((array - low) / (high - low or 1.0)).clip(0, 1)


def show_pyramid(
    levels: list,
    *,
    normalize: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Draw pyramid levels at their true sizes: level 0 on the left, the rest stacked beside it.

    Parameters
    ----------
    levels : list of array_like of shape (H_k, W_k) or (H_k, W_k, 3)
        A pyramid, finest level first (e.g. from
        :func:`cnn101.pyramids.gaussian_pyramid` or
        :func:`cnn101.pyramids.laplacian_pyramid`).
    normalize : bool, default False
        Stretch each level on its own so its 1st and 99th percentiles become 0 and 1
        (for Laplacian levels, whose detail is faint).
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    References
    ----------
    .. [1] Burt, P. J. and Adelson, E. H. (1983). The Laplacian pyramid as a compact
       image code. *IEEE Transactions on Communications* 31(4), 532-540.
       https://doi.org/10.1109/TCOM.1983.1095851
    .. [2] Mao, L. (2018). Image Pyramids and Its Applications in Deep Learning (blog
       post). https://leimao.github.io/blog/Image-Pyramids-In-Deep-Learning/

    Examples
    --------
    >>> from cnn101.pyramids import gaussian_pyramid
    >>> ax = show_pyramid(gaussian_pyramid(np.zeros((8, 6)), max_layer=2))
    >>> ax.images[0].get_array().shape
    (8, 9)
    """
    check.instance(levels, "levels", list | tuple, "a non-empty list of images")
    check.sequence(levels, "levels", "a non-empty list of images")
    normalize = check.flag(normalize, "normalize")
    check.text(title, "title")
    ax = check.axes(ax)
    arrays = [check.as_float_array(level, f"levels[{k}]") for k, level in enumerate(levels)]
    for k, array in enumerate(arrays):
        if array.ndim == 3 and array.shape[-1] == 1:
            arrays[k] = array = array[:, :, 0]
        if array.ndim != arrays[0].ndim or not (
            array.ndim == 2 or (array.ndim == 3 and array.shape[-1] == 3)
        ):
            raise ValueError(
                f"`levels[{k}]` must be an image shaped (H, W) or (H, W, 3) like levels[0]. "
                f"Received: array with shape {array.shape}"
            )
    if normalize:
        arrays = [_stretch(a) for a in arrays]
    first, rest = arrays[0], arrays[1:]
    height = max(first.shape[0], sum(a.shape[0] for a in rest))
    width = first.shape[1] + max((a.shape[1] for a in rest), default=0)
    canvas = np.full((height, width, *first.shape[2:]), np.nan, np.float32)
    canvas[: first.shape[0], : first.shape[1]] = first
    row = 0
    for array in rest:
        canvas[row : row + array.shape[0], first.shape[1] : first.shape[1] + array.shape[1]] = array
        row += array.shape[0]
    if canvas.ndim == 3:
        canvas = np.where(np.isnan(canvas), 1.0, canvas).clip(0, 1)
    if ax is None:
        ax = Figure(figsize=(5.0, 5.0 * height / width), layout="constrained").add_subplot()
    ax.imshow(canvas, cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_dilated_kernel(kernel: int = 3, dilation: int = 2, *, ax: Axes | None = None) -> Axes:
    """Draw which pixels a dilated kernel touches inside the window it spans.

    A ``kernel x kernel`` kernel with dilation d spans ``d * (kernel - 1) + 1`` pixels
    along a side (see :func:`cnn101.receptive_field.receptive_field`).

    Parameters
    ----------
    kernel : int, default 3
        Kernel side (kernel x kernel weights).
    dilation : int, default 2
        Spacing between taps.
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> show_dilated_kernel(3, 2).get_title()
    '3x3 kernel, dilation 2: 9 weights span 5x5'
    """
    kernel = check.positive_int(kernel, "kernel")
    dilation = check.positive_int(dilation, "dilation")
    ax = check.axes(ax)
    span = dilation * (kernel - 1) + 1
    if span > 1024:
        raise ValueError(
            f"The kernel spans {span} pixels: too many to draw. Use a smaller `kernel` or "
            f"`dilation`. Received: kernel={kernel}, dilation={dilation}"
        )
    taps = np.zeros((span, span))
    taps[::dilation, ::dilation] = 1.0
    if ax is None:
        ax = Figure(figsize=(2.6, 2.8), layout="constrained").add_subplot()
    ax.imshow(taps, cmap="Blues", vmin=0, vmax=1.3, interpolation="nearest")
    edges = np.arange(span + 1) - 0.5
    ax.hlines(edges, -0.5, span - 0.5, color="0.6", linewidth=0.5)
    ax.vlines(edges, -0.5, span - 0.5, color="0.6", linewidth=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        f"{kernel}x{kernel} kernel, dilation {dilation}: {kernel * kernel} weights span {span}x{span}"
    )
    return ax
