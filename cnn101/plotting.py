"""Figures for images, kernels, feature maps and the conv -> ReLU -> pool pipeline.

Every helper takes an optional ``ax`` (or makes its own figure) and returns what
it drew. Nothing here calls ``plt.show()`` or changes matplotlib's global state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check


def _to_numpy(value: Any, name: str = "image") -> np.ndarray:
    # NaN is allowed: it draws as a blank pixel (a masked-out region); infinity is not.
    return check.as_float_array(value, name, allow_nan=True)


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (3.2, 3.2)) -> Axes:
    if check.axes(ax) is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _check_text(value: Any, name: str) -> None:
    check.text(value, name)


def _check_flag(value: Any, name: str) -> bool:
    return check.flag(value, name)


def _check_cmap(cmap: Any) -> str:
    import matplotlib

    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ValueError(
            "`cmap` must be the name of a matplotlib colour map (e.g. 'gray', 'viridis'). "
            f"Received: cmap={check.describe(cmap)}"
        )
    return cmap


def _add_caption(fig: Figure, caption: str | None) -> None:
    """Write a one-line caption under the panels of ``fig`` (what to notice)."""
    if caption:
        fig.supxlabel(caption, fontsize=9, wrap=True)


def _as_2d(image: np.ndarray, name: str) -> np.ndarray:
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[-1] == 3):
        return image
    raise ValueError(
        f"`{name}` must be (H, W), (H, W, 1), (H, W, 3) or a batch of one. Received shape {image.shape}"
    )


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
    array = _as_2d(_to_numpy(image, "image"), "image")
    _check_text(title, "title")
    cmap = _check_cmap(cmap)
    values, colorbar = _check_flag(values, "values"), _check_flag(colorbar, "colorbar")
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
    ax = _new_axes(ax)
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
    _check_text(title, "title")
    ax = _new_axes(ax, (2.4, 2.4))
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
        panels = [_as_2d(_to_numpy(m, "maps"), "maps") for m in maps]
    else:
        array = _to_numpy(maps, "maps")
        if array.ndim == 4 and array.shape[0] == 1:
            array = array[0]
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(
                f"`maps` must be (H, W, C) or a list of 2-D maps. Received: array with shape {array.shape}"
            )
        panels = [array[..., c] for c in range(array.shape[-1])]
    if titles is not None and (
        isinstance(titles, str) or not isinstance(titles, Sequence) or len(titles) != len(panels)
    ):
        raise ValueError(
            f"`titles` must be a list with one title per map ({len(panels)}). "
            f"Received: titles={check.describe(titles)}"
        )
    ncols = check.positive_int(ncols, "ncols")
    _check_text(suptitle, "suptitle")
    _check_text(caption, "caption")
    colorbar = _check_flag(colorbar, "colorbar")
    ncols = max(1, min(ncols, len(panels)))
    nrows = -(-len(panels) // ncols)
    fig = Figure(figsize=(2.6 * ncols, 2.6 * nrows), layout="constrained")
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
    _add_caption(fig, caption)
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
    of the map by pooling is visible.

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
    if isinstance(stages, str) or not isinstance(stages, Sequence) or len(stages) == 0:
        raise ValueError(
            "`stages` must be a non-empty list of (name, array) pairs. "
            f"Received: stages={check.describe(stages)}"
        )
    for index, stage in enumerate(stages):
        if not isinstance(stage, tuple | list) or len(stage) != 2 or not isinstance(stage[0], str):
            raise ValueError(
                f"`stages[{index}]` must be a (name, array) pair with a string name. "
                f"Received: stages[{index}]={check.describe(stage)}"
            )
    _check_text(caption, "caption")
    values, colorbar = _check_flag(values, "values"), _check_flag(colorbar, "colorbar")
    arrays = [_as_2d(_to_numpy(array, "stages"), "stages") for _, array in stages]
    fig = Figure(
        figsize=(2.8 * len(stages) + 0.6 * colorbar * len(stages), 3.0), layout="constrained"
    )
    axes = fig.subplots(1, len(stages), squeeze=False).ravel()
    for ax, (name, _), array in zip(axes, stages, arrays, strict=True):
        show_image(
            array,
            ax=ax,
            cmap=cmap,
            values=values,
            colorbar=colorbar,
            title=f"{name}\n{array.shape[0]}x{array.shape[1]}",
        )
    _add_caption(fig, caption)
    return fig
