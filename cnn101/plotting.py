"""Figures for images, kernels, feature maps and the conv -> ReLU -> pool pipeline.

Every helper takes an optional ``ax`` (or makes its own figure) and returns what
it drew. Nothing here calls ``plt.show()`` or changes matplotlib's global state.

A figure made of many panels wraps onto further rows rather than growing wider than
:data:`MAX_FIGURE_WIDTH`, so its titles stay legible in a page's column.
:func:`describe_figure` turns what a figure shows (its caption, suptitle and panel
titles) into a sentence, and :func:`register_alt_text` makes IPython attach that
sentence to every displayed figure as its alternative text.

The figures of the topic modules live here too, so that those modules compute and
never draw (nor import matplotlib): :func:`show_pyramid` (:mod:`cnn101.pyramids`),
:func:`show_dilated_kernel` (:mod:`cnn101.receptive_field`) and
:func:`show_alignment` (:mod:`cnn101.alignment`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check

if TYPE_CHECKING:
    from cnn101.alignment import AlignmentResult, AlignmentTable

__all__ = [
    "MAX_FIGURE_WIDTH",
    "caption",
    "describe_figure",
    "register_alt_text",
    "show_alignment",
    "show_alignment_table",
    "show_dilated_kernel",
    "show_feature_maps",
    "show_image",
    "show_kernel",
    "show_learning_curves",
    "show_metric",
    "show_pipeline",
    "show_pyramid",
]

#: Widest figure, in inches, that the helpers draw. At matplotlib's 100 dpi that is
#: 1,000 pixels, shown at about three quarters of its size in a 740-pixel page column,
#: so 10-point titles and labels stay about 10 pixels tall on screen.
MAX_FIGURE_WIDTH = 10.0
# Narrowest panel the grid helpers shrink to before wrapping onto another row.
_MIN_PANEL_WIDTH = 2.2
_CAPTION = "_cnn101_caption"


def _to_numpy(value: Any, name: str = "image") -> np.ndarray:
    # NaN is allowed: it draws as a blank pixel (a masked-out region); infinity is not.
    return check.as_float_array(value, name, allow_nan=True)


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (3.2, 3.2)) -> Axes:
    if check.axes(ax) is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def _grid(count: int, ncols: int, panel: float) -> tuple[int, int, float]:
    """Return (rows, columns, panel width) for ``count`` panels of ``panel`` inches.

    At most ``ncols`` columns, and no row wider than :data:`MAX_FIGURE_WIDTH`: the
    panels shrink down to ``_MIN_PANEL_WIDTH``, then wrap into balanced rows.
    """
    fit = max(1, int(MAX_FIGURE_WIDTH // _MIN_PANEL_WIDTH))
    ncols = max(1, min(ncols, count, fit))
    nrows = -(-count // ncols)
    ncols = -(-count // nrows)  # balanced rows: 5 panels as 3 + 2, 7 as 4 + 3
    return nrows, ncols, min(panel, MAX_FIGURE_WIDTH / ncols)


def _check_cmap(cmap: Any) -> str:
    import matplotlib

    if not isinstance(cmap, str) or cmap not in matplotlib.colormaps:
        raise ValueError(
            "`cmap` must be the name of a matplotlib colour map (e.g. 'gray', 'viridis'). "
            f"Received: cmap={check.describe(cmap)}"
        )
    return cmap


def _add_caption(fig: Figure, text: str | None) -> None:
    """Write a one-line caption under the panels of ``fig`` (what to notice).

    It also starts the figure's alternative text (see :func:`caption`).
    """
    if text:
        fig.supxlabel(text, fontsize=9, wrap=True)
        caption(fig, text)


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
    check.text(title, "title")
    cmap = _check_cmap(cmap)
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
    check.text(title, "title")
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
        The most panels in a row. A row is never wider than
        :data:`MAX_FIGURE_WIDTH`: more panels wrap onto further rows.
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
    check.text(suptitle, "suptitle")
    check.text(caption, "caption")
    colorbar = check.flag(colorbar, "colorbar")
    nrows, ncols, size = _grid(len(panels), ncols, 2.6)
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
    of the map by pooling is visible. More stages than fit in
    :data:`MAX_FIGURE_WIDTH` continue on a second row.

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
    check.text(caption, "caption")
    values, colorbar = check.flag(values, "values"), check.flag(colorbar, "colorbar")
    arrays = [_as_2d(_to_numpy(array, "stages"), "stages") for _, array in stages]
    nrows, ncols, size = _grid(len(stages), len(stages), 2.8 + 0.6 * colorbar)
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
    _add_caption(fig, caption)
    return fig


def caption(fig: Figure, text: str) -> Figure:
    """Give ``fig`` a caption: the sentence its alternative text starts with.

    Use it when the titles alone do not say what a figure shows (see
    :func:`describe_figure`).

    Parameters
    ----------
    fig : matplotlib Figure
    text : str
        What the figure shows, as a sentence for a reader who cannot see it.

    Returns
    -------
    fig : matplotlib Figure
        The same figure, so that a cell can end with ``plotting.caption(fig, "...")``.

    Examples
    --------
    >>> fig = caption(Figure(), "A cat, then its gray version.")
    >>> describe_figure(fig)
    'A cat, then its gray version.'
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"`fig` must be a matplotlib Figure. Received: {type(fig).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"`text` must be a non-empty string. Received: text={text!r}")
    setattr(fig, _CAPTION, " ".join(text.split()))
    return fig


def _panel_text(ax: Axes) -> str:
    """Return what one panel says about itself: its titles, else its axis labels."""
    titles = [ax.get_title(loc) for loc in ("left", "center", "right")]
    title = ", ".join(" ".join(t.split()) for t in titles if t.strip())
    xlabel, ylabel = (" ".join(label.split()) for label in (ax.get_xlabel(), ax.get_ylabel()))
    labels = f"{ylabel} against {xlabel}" if xlabel and ylabel else xlabel or ylabel
    if title and labels:
        return f"{title} ({labels})"
    return title or labels


def describe_figure(fig: Figure) -> str:
    """Return a sentence saying what ``fig`` shows, for its alternative text.

    The caption set with :func:`caption` comes first; then the figure's suptitle and
    the title (or, without one, the axis labels) of each panel, in order. Panels that
    say nothing (colour bars, empty axes) are left out.

    Parameters
    ----------
    fig : matplotlib Figure

    Returns
    -------
    text : str
        Empty when the figure has no caption, suptitle, title or axis label.

    Examples
    --------
    >>> fig = show_feature_maps(np.zeros((4, 4, 2)), titles=["a", "b"], suptitle="maps")
    >>> describe_figure(fig)
    'maps: 2 panels: a; b.'
    >>> ax = Figure().add_subplot(xlabel="shift (px)", ylabel="error")
    >>> describe_figure(ax.figure)
    'error against shift (px).'
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"`fig` must be a matplotlib Figure. Received: {type(fig).__name__}")
    parts = [getattr(fig, _CAPTION, "")]
    panels = [text for text in map(_panel_text, fig.axes) if text]
    suptitle = fig._suptitle.get_text() if fig._suptitle is not None else ""
    suptitle = " ".join(suptitle.split())
    if len(panels) > 1:
        shown = f"{len(panels)} panels: {'; '.join(panels)}."
        parts.append(f"{suptitle}: {shown}" if suptitle else shown)
    elif panels or suptitle:
        parts.append(": ".join(p for p in (suptitle, *panels) if p) + ".")
    return " ".join(p for p in parts if p)


def _alt_text_bundle(fig: Figure) -> tuple[dict, dict]:
    """IPython mime-bundle hook: no data of its own, the figure's alt text as metadata."""
    text = describe_figure(fig)
    return {}, ({"image/png": {"alt": text}} if text else {})


def register_alt_text(shell: Any = None) -> bool:
    """Attach :func:`describe_figure`'s sentence to every figure IPython displays.

    The sentence goes into the output's metadata (``{"image/png": {"alt": ...}}``),
    where a notebook renderer can use it as the image's alternative text; the
    tutorial site's build does. Call it once, in a notebook or IPython session.

    Parameters
    ----------
    shell : IPython InteractiveShell, optional
        The running one by default.

    Returns
    -------
    registered : bool
        False outside IPython (nothing is changed).

    Examples
    --------
    >>> from IPython.core.interactiveshell import InteractiveShell
    >>> shell = InteractiveShell.instance()
    >>> register_alt_text(shell)
    True
    >>> fig = show_image(np.eye(3), title="eye").figure
    >>> shell.display_formatter.format(fig)[1]["image/png"]
    {'alt': 'eye.'}
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with Jupyter
            return False
        shell = get_ipython()
    if shell is None:
        return False
    if not hasattr(getattr(shell, "display_formatter", None), "mimebundle_formatter"):
        raise TypeError(
            f"`shell` must be an IPython InteractiveShell or None. Received: shell={check.describe(shell)}"
        )
    shell.display_formatter.mimebundle_formatter.for_type(Figure, _alt_text_bundle)
    return True


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
    title = check.text(title, "title")
    arms = list(results.values()) if isinstance(results, dict) else results
    if not hasattr(arms, "histories") and not isinstance(arms, list | tuple):
        arms = []  # neither a Result nor a sequence of them: refused below
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
    if conditions is not None and (
        isinstance(conditions, str) or not isinstance(conditions, Sequence | np.ndarray)
    ):
        raise TypeError(
            f"`conditions` must be a sequence of x values, or None. Received: conditions={check.describe(conditions)}"
        )
    xlabel, title = check.text(xlabel, "xlabel"), check.text(title, "title")
    if chance is not None:
        chance = check.real_number(chance, "chance")
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


# ------------------------------------------------------------- figures of the topic modules


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
    if not isinstance(levels, list | tuple) or len(levels) == 0:
        raise ValueError(
            f"`levels` must be a non-empty list of images. Received: {check._describe(levels)}"
        )
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


def show_alignment_table(
    table: AlignmentTable, *, ax: Axes | None = None, vmax: float = 1.0
) -> Axes:
    """Draw an alignment table as a heat map with the numbers written in.

    Parameters
    ----------
    table : AlignmentTable
        From :func:`cnn101.alignment.alignment_table`: one relative error per
        (extractor, transformation).
    ax : matplotlib Axes, optional
    vmax : float, default 1.0
        Error at which the colour saturates.

    Returns
    -------
    ax : matplotlib Axes

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of
       spatial transformations of CNN feature maps to support invariant recognition",
       2020. arXiv:2004.14716

    Examples
    --------
    >>> from cnn101 import alignment, feature_extractors, images
    >>> table = alignment.alignment_table(
    ...     images.circle_image(24), {"sobel": feature_extractors.conv_features("sobel_left")},
    ...     ["rotate90"],
    ... )
    >>> len(show_alignment_table(table).texts)
    1
    """
    from cnn101.alignment import AlignmentTable

    if not isinstance(table, AlignmentTable):
        raise TypeError(f"`table` must be an AlignmentTable. Received: {check.describe(table)}")
    ax = check.axes(ax)
    vmax = check.real_number(vmax, "vmax", positive=True)
    if ax is None:
        size = (1.1 * len(table.transforms) + 2.5, 0.45 * len(table.features) + 1.4)
        ax = Figure(figsize=size, layout="constrained").add_subplot()
    ax.imshow(table.errors, cmap="Reds", vmin=0.0, vmax=vmax, aspect="auto")
    for (row, col), value in np.ndenumerate(table.errors):
        colour = "white" if value > 0.6 * vmax else "black"
        ax.text(col, row, f"{value:.2f}", ha="center", va="center", fontsize=9, color=colour)
    ax.set_xticks(range(len(table.transforms)), table.transforms, rotation=30, ha="right")
    ax.set_yticks(range(len(table.features)), table.features)
    ax.set_title("relative error ||Λ(Tf) − T(Λf)|| / ||Λ(Tf)||")
    return ax


def show_alignment(
    result: AlignmentResult, *, channel: int = 0, labels: Sequence[str] | None = None
) -> Figure:
    """Draw f, T f, Λ(T f), T(Λ f) and their difference inside the compared region.

    Parameters
    ----------
    result : AlignmentResult
        From :func:`cnn101.alignment.alignment_error`,
        :func:`cnn101.alignment.input_alignment_error` or
        :func:`cnn101.alignment.channel_pair_error`.
    channel : int, default 0
        Which feature channel to show.
    labels : sequence of 3 str, optional
        Titles of the last three panels (defaults suit
        :func:`cnn101.alignment.alignment_error`).

    Returns
    -------
    fig : matplotlib Figure

    References
    ----------
    .. [1] Jansson, Y., Maydanskiy, M., Finnveden, L. and Lindeberg, T. (2020).
       Inability of spatial transformations of CNN feature maps to support invariant
       recognition. arXiv:2004.14716. https://arxiv.org/abs/2004.14716

    Examples
    --------
    >>> from cnn101.alignment import alignment_error
    >>> from cnn101.feature_extractors import conv_features
    >>> result = alignment_error(np.eye(16), conv_features("laplacian"), "rotate90")
    >>> len(show_alignment(result).axes)
    5
    """
    from cnn101.alignment import AlignmentResult

    if not isinstance(result, AlignmentResult):
        raise TypeError(f"`result` must be an AlignmentResult. Received: {type(result).__name__}")
    count = result.target.shape[-1]
    if labels is not None and (
        isinstance(labels, str)
        or not isinstance(labels, Sequence)
        or len(labels) != 3
        or not all(isinstance(label, str) for label in labels)
    ):
        raise ValueError(
            f"`labels` must be 3 strings (the titles of the last panels). Received: labels={check.describe(labels)}"
        )
    channel = check.index(channel, "channel", count)
    labels = labels or ("Λ(T f)", "T(Λ f)", "|difference|")
    target, aligned = result.target[..., channel], result.aligned[..., channel]
    limit = float(max(np.abs(target).max(), np.abs(aligned).max())) or 1.0
    difference = np.where(result.mask, np.abs(target - aligned), np.nan)
    fig = Figure(figsize=(MAX_FIGURE_WIDTH, 2.6), layout="constrained")
    axes = fig.subplots(1, 5)
    show_image(result.image, ax=axes[0], title="f")
    show_image(result.transformed_image, ax=axes[1], title="T f")
    show_image(target, ax=axes[2], title=labels[0], cmap="coolwarm", vmin=-limit, vmax=limit)
    show_image(aligned, ax=axes[3], title=labels[1], cmap="coolwarm", vmin=-limit, vmax=limit)
    show_image(
        difference,
        ax=axes[4],
        title=f"{labels[2]}\nerror {result.error:.2f}",
        cmap="magma",
        vmin=0.0,
        vmax=limit,
    )
    return fig
