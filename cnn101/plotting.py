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


def _to_numpy(value: Any) -> np.ndarray:
    value = value.numpy() if hasattr(value, "numpy") else value
    return np.asarray(value, dtype=np.float32)


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (3.2, 3.2)) -> Axes:
    if ax is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


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
    array = _as_2d(_to_numpy(image), "image")
    ax = _new_axes(ax)
    shown = ax.imshow(
        array, cmap=None if array.ndim == 3 else cmap, vmin=vmin, vmax=vmax, interpolation="nearest"
    )
    if values and array.ndim == 2:
        middle = (np.nanmax(array) + np.nanmin(array)) / 2 if vmin is None else (vmin + vmax) / 2
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
    array = _to_numpy(kernel)
    if array.ndim != 2:
        raise ValueError(f"`kernel` must be 2-D (kh, kw). Received shape {array.shape}")
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
        panels = [_as_2d(_to_numpy(m), "maps") for m in maps]
    else:
        array = _to_numpy(maps)
        if array.ndim == 4 and array.shape[0] == 1:
            array = array[0]
        if array.ndim == 2:
            array = array[..., None]
        if array.ndim != 3:
            raise ValueError(
                f"`maps` must be (H, W, C) or a list of 2-D maps. Received shape {array.shape}"
            )
        panels = [array[..., c] for c in range(array.shape[-1])]
    if titles is not None and len(titles) != len(panels):
        raise ValueError(
            f"`titles` must have one entry per map ({len(panels)}). Received {len(titles)}"
        )
    ncols = max(1, min(ncols, len(panels)))
    nrows = -(-len(panels) // ncols)
    fig = Figure(figsize=(2.6 * ncols, 2.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for index, ax in enumerate(axes):
        if index >= len(panels):
            ax.remove()
            continue
        show_image(panels[index], ax=ax, cmap=cmap, title=None if titles is None else titles[index])
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def show_pipeline(
    stages: Sequence[tuple[str, Any]], *, cmap: str = "gray", values: bool = False
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

    Returns
    -------
    fig : matplotlib Figure

    Examples
    --------
    >>> fig = show_pipeline([("input", np.ones((4, 4))), ("pool", np.ones((2, 2)))])
    >>> [ax.get_title() for ax in fig.axes]
    ['input\n4x4', 'pool\n2x2']
    """
    if len(stages) == 0:
        raise ValueError(
            "`stages` must hold at least one (name, array) pair. Received an empty sequence"
        )
    fig = Figure(figsize=(2.8 * len(stages), 3.0), layout="constrained")
    axes = fig.subplots(1, len(stages), squeeze=False).ravel()
    for ax, (name, array) in zip(axes, stages, strict=True):
        array = _as_2d(_to_numpy(array), "stages")
        show_image(
            array,
            ax=ax,
            cmap=cmap,
            values=values,
            title=f"{name}\n{array.shape[0]}x{array.shape[1]}",
        )
    return fig
