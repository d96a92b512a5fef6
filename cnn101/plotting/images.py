"""Figures of arrays: an image or feature map, a kernel, a grid of maps, a pipeline.

Each takes an optional ``ax`` or makes its own figure, and returns what it drew. A
figure of many panels wraps onto further rows rather than growing wider than
:data:`cnn101.plotting.MAX_FIGURE_WIDTH`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check
from cnn101.plotting._axes import add_caption, as_2d, check_cmap, grid, new_axes, to_numpy

__all__ = ["show_feature_maps", "show_image", "show_kernel", "show_pipeline"]


def show_image(
    image: Any,
    *,
    title: str | None = None,
    ax: Axes | None = None,
    cmap: str = "gray",
    values: bool = False,
    colorbar: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Axes:
    """Draw an image or a feature map.

    Parameters
    ----------
    image : array_like of shape (H, W), (H, W, 1) or (H, W, 3)
    title : str, optional
    ax : matplotlib Axes, optional
        Axes to draw into; a new figure is made when omitted.
    cmap : str, default "gray"
        Colour map for one-channel images.
    values : bool, default False
        Write each pixel's value on it (for small arrays).
    colorbar : bool, default False
    vmin, vmax : float, optional
        Colour limits (data range by default).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = show_image(np.eye(3), title="eye", values=True)
    >>> ax.get_title()
    'eye'
    """
    array = as_2d(to_numpy(image, "image"), "image")
    check.text(title, "title")
    cmap = check_cmap(cmap)
    values, colorbar = check.flag(values, "values"), check.flag(colorbar, "colorbar")
    vmin = None if vmin is None else check.real_number(vmin, "vmin")
    vmax = None if vmax is None else check.real_number(vmax, "vmax")
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise ValueError(
            f"`vmin` must be below `vmax`. Received: vmin={check.describe(vmin)}, vmax={check.describe(vmax)}"
        )
    if np.isnan(array).all():
        raise ValueError(
            f"`image` must hold at least one number that is not NaN. Received: {check.describe(image)}"
        )
    ax = new_axes(ax)
    shown = ax.imshow(
        array, cmap=None if array.ndim == 3 else cmap, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    if values and array.ndim == 2:
        low = float(np.nanmin(array)) if vmin is None else vmin
        high = float(np.nanmax(array)) if vmax is None else vmax
        middle = (low + high) / 2
        for (row, col), value in np.ndenumerate(array):
            ax.text(
                col,
                row,
                f"{value:g}",
                ha="center",
                va="center",
                fontsize=8,
                color="black" if value > middle else "white",
            )
    if colorbar and array.ndim == 2:
        ax.figure.colorbar(shown, ax=ax, shrink=0.8)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def show_kernel(kernel: Any, *, title: str | None = None, ax: Axes | None = None) -> Axes:
    """Draw a 2-D kernel with its numbers, negative in blue and positive in red.

    Parameters
    ----------
    kernel : array_like of shape (kh, kw)
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> ax = show_kernel([[1, -1], [1, -1]], title="vertical line")
    >>> len(ax.texts)
    4
    """
    array = check.as_float_array(kernel, "kernel")
    if array.ndim != 2:
        raise ValueError(f"`kernel` must be 2-D (kh, kw). Received: array with shape {array.shape}")
    check.text(title, "title")
    ax = new_axes(ax, (2.4, 2.4))
    limit = float(np.abs(array).max()) or 1.0
    ax.imshow(array, cmap="coolwarm", vmin=-limit, vmax=limit, interpolation="nearest")
    for (row, col), value in np.ndenumerate(array):
        ax.text(col, row, f"{value:.3g}", ha="center", va="center", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def show_feature_maps(
    maps: Any,
    *,
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    cmap: str = "viridis",
    suptitle: str | None = None,
    colorbar: bool = False,
    caption: str | None = None,
) -> Figure:
    """Draw each channel of a feature map (or each image in a list) in a grid.

    Parameters
    ----------
    maps : array_like of shape (H, W, C) or a sequence of 2-D arrays
    titles : sequence of str, optional
        One title per map.
    ncols : int, default 4
        The most panels in a row. A row is never wider than
        :data:`~cnn101.plotting.MAX_FIGURE_WIDTH`: more panels wrap onto further rows.
    cmap : str, default "viridis"
    suptitle : str, optional
    colorbar : bool, default False
        Give every panel its own colour bar (each map has its own range).
    caption : str, optional
        One line under the grid: what to notice.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> fig = show_feature_maps(np.zeros((4, 4, 3)), titles=["a", "b", "c"])
    >>> len(fig.axes)
    3
    """
    if isinstance(maps, list | tuple):
        if len(maps) == 0:
            raise ValueError("`maps` must hold at least one map. Received: an empty sequence")
        panels = [as_2d(to_numpy(m, "maps"), "maps") for m in maps]
    else:
        array = to_numpy(maps, "maps")
        if array.ndim == 4 and array.shape[0] == 1:
            array = array[0]
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(
                f"`maps` must be (H, W, C) or a list of 2-D maps. Received: array with shape {array.shape}"
            )
        panels = [array[..., c] for c in range(array.shape[-1])]
    if titles is not None:
        check.sequence(titles, "titles", f"a list with one title per map ({len(panels)})")
    if titles is not None and len(titles) != len(panels):
        raise ValueError(
            f"`titles` must be a list with one title per map ({len(panels)}). "
            f"Received: titles={check.describe(titles)}"
        )
    ncols = check.positive_int(ncols, "ncols")
    check.text(suptitle, "suptitle")
    check.text(caption, "caption")
    colorbar = check.flag(colorbar, "colorbar")
    nrows, ncols, size = grid(len(panels), ncols, 2.6)
    fig = Figure(figsize=(size * ncols, size * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for index, ax in enumerate(axes):
        if index >= len(panels):
            ax.remove()
            continue
        show_image(
            panels[index],
            ax=ax,
            cmap=cmap,
            title=None if titles is None else titles[index],
            colorbar=colorbar,
        )
    if suptitle:
        fig.suptitle(suptitle)
    add_caption(fig, caption)
    return fig


def show_pipeline(
    stages: Sequence[tuple[str, Any]],
    *,
    cmap: str = "gray",
    values: bool = False,
    colorbar: bool = False,
    caption: str | None = None,
) -> Figure:
    r"""Draw the stages of a pipeline (input -> conv -> ReLU -> pool) left to right.

    Each panel's title carries the stage name and its shape, so the shrinking
    of the map by pooling is visible. More stages than fit in
    :data:`~cnn101.plotting.MAX_FIGURE_WIDTH` continue on a second row.

    Parameters
    ----------
    stages : sequence of (str, array_like)
        (name, 2-D array) pairs, in order.
    cmap : str, default "gray"
    values : bool, default False
        Write the numbers on each pixel (for small arrays).
    colorbar : bool, default False
        Give every panel a colour bar: each panel's colours span its own range, so
        the bar says which value a shade stands for (zero is mid-grey in a signed map
        and black in a non-negative one).
    caption : str, optional
        One line under the panels: what to notice.

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> fig = show_pipeline([("input", np.ones((4, 4))), ("pool", np.ones((2, 2)))])
    >>> [ax.get_title() for ax in fig.axes]
    ['input\n4x4', 'pool\n2x2']
    >>> fig = show_pipeline([("input", np.eye(4))], colorbar=True, caption="Ones on the diagonal.")
    >>> len(fig.axes), fig.get_supxlabel()
    (2, 'Ones on the diagonal.')
    """
    check.sequence(stages, "stages", "a non-empty list of (name, array) pairs")
    for index, stage in enumerate(stages):
        check.instance(stage, f"stages[{index}]", tuple | list, "a (name, array) pair")
        if len(stage) != 2 or not isinstance(stage[0], str):
            raise ValueError(
                f"`stages[{index}]` must be a (name, array) pair with a string name. "
                f"Received: stages[{index}]={check.describe(stage)}"
            )
    check.text(caption, "caption")
    values, colorbar = check.flag(values, "values"), check.flag(colorbar, "colorbar")
    arrays = [as_2d(to_numpy(array, "stages"), "stages") for _, array in stages]
    nrows, ncols, size = grid(len(stages), len(stages), 2.8 + 0.6 * colorbar)
    fig = Figure(
        figsize=(size * ncols, (size + 0.2 - 0.6 * colorbar) * nrows), layout="constrained"
    )
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(stages) :]:
        ax.remove()
    for ax, (name, _), array in zip(axes, stages, arrays, strict=False):
        show_image(
            array,
            ax=ax,
            cmap=cmap,
            values=values,
            colorbar=colorbar,
            title=f"{name}\n{array.shape[0]}x{array.shape[1]}",
        )
    add_caption(fig, caption)
    return fig
