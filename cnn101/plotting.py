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


def show_learning_curves(
    results: Any, *, ax: Axes | None = None, title: str | None = "validation loss per epoch"
) -> Axes:
    """Plot every seed's validation loss per epoch, one colour per arm; mark the kept epochs.

    Parameters
    ----------
    results : Result or sequence or mapping of Result
        From :func:`cnn101.experiments.run` or :func:`cnn101.experiments.run_many`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fake = SimpleNamespace(name="arm", histories=[{"val_loss": [1.0, 0.5, 0.6]}], best_epochs=[2])
    >>> len(show_learning_curves([fake]).lines)
    2
    """
    arms = list(results.values()) if isinstance(results, dict) else results
    arms = [arms] if hasattr(arms, "histories") else list(arms)
    if not arms or not all(hasattr(r, "histories") and hasattr(r, "best_epochs") for r in arms):
        raise TypeError(
            "`results` must be a Result, or a sequence or dict of Result objects "
            f"(from cnn101.experiments.run). Received: {type(results).__name__}"
        )
    ax = _new_axes(ax, figsize=(6.0, 3.6))
    for index, result in enumerate(arms):
        colour = f"C{index % 10}"
        for seed_index, (history, best) in enumerate(
            zip(result.histories, result.best_epochs, strict=True)
        ):
            curve = history["val_loss"]
            label = result.name if seed_index == 0 else None
            ax.plot(range(1, len(curve) + 1), curve, color=colour, alpha=0.8, lw=1.2, label=label)
            ax.plot(best, curve[best - 1], "o", color=colour, ms=4)
    ax.set(xlabel="epoch", ylabel="validation loss", title=title)
    ax.legend(fontsize="small", ncols=2 if len(arms) > 4 else 1)
    return ax


def show_metric(
    results: Any,
    metric: str,
    *,
    conditions: Sequence[Any] | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    chance: float | None = None,
) -> Axes:
    """Plot a metric with its spread across seeds: each seed as a dot, mean and +-1 std.

    A metric with one number per seed gives one point per arm (arms along x);
    a metric with one number per condition (for example accuracy per test scale)
    gives one line per arm against ``conditions``, with a band of +-1 standard
    deviation across seeds.

    Parameters
    ----------
    results : mapping of str to Result
    metric : str
    conditions : sequence, optional
        The x values of a per-condition metric.
    xlabel : str, optional
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    chance : float, optional
        Draws a dotted line at chance level.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> arm = SimpleNamespace(name="a", metrics={"acc": np.array([0.8, 0.9])})
    >>> ax = show_metric({"a": arm, "b": arm}, "acc")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    if (
        not isinstance(results, dict)
        or not results
        or not all(hasattr(r, "metrics") for r in results.values())
    ):
        raise TypeError(
            "`results` must be a non-empty dict of Result objects (from cnn101.experiments.run_many). "
            f"Received: {type(results).__name__}"
        )
    missing = [name for name, r in results.items() if metric not in r.metrics]
    if missing:
        raise ValueError(f"`metric` {metric!r} is not measured by {missing}.")
    ax = _new_axes(ax, figsize=(6.0, 3.6))
    values = {name: np.asarray(r.metrics[metric], dtype=np.float64) for name, r in results.items()}
    if all(v.ndim == 1 for v in values.values()):
        for index, v in enumerate(values.values()):
            colour = f"C{index % 10}"
            ax.plot(np.full(v.size, index), v, "o", color=colour, alpha=0.5, ms=4)
            std = v.std(ddof=1) if v.size > 1 else 0.0
            ax.errorbar(index, v.mean(), yerr=std, fmt="_", color=colour, ms=18, mew=2, capsize=4)
        ax.set_xticks(range(len(values)), list(values), rotation=30, ha="right")
        ax.set_xlim(-0.6, len(values) - 0.4)
    else:
        if conditions is None or any(
            v.ndim != 2 or v.shape[1] != len(conditions) for v in values.values()
        ):
            raise ValueError(
                f"`conditions` must give one x value per entry of the metric {metric!r}. Received: conditions={conditions!r}"
            )
        x = np.asarray(conditions, dtype=np.float64)
        for index, (name, v) in enumerate(values.items()):
            colour = f"C{index % 10}"
            mean = v.mean(axis=0)
            std = v.std(axis=0, ddof=1) if len(v) > 1 else np.zeros_like(mean)
            ax.plot(x, mean, "o-", color=colour, label=f"{name} ({len(v)} seeds)")
            ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.2, lw=0)
        ax.legend(fontsize="small")
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle=":", lw=1)
    ax.set(ylabel=metric.replace("_", " "), title=title)
    if xlabel:
        ax.set_xlabel(xlabel)
    return ax
