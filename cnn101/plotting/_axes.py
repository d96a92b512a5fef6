"""What the figure helpers share: the page width, panel grids, input conversions.

Private to :mod:`cnn101.plotting`; :data:`MAX_FIGURE_WIDTH` is public there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check
from cnn101.plotting.alt_text import caption

#: Widest figure, in inches, that the helpers draw. At matplotlib's 100 dpi that is
#: 1,000 pixels, shown at about three quarters of its size in a 740-pixel page column,
#: so 10-point titles and labels stay about 10 pixels tall on screen.
MAX_FIGURE_WIDTH = 10.0
# Narrowest panel the grid helpers shrink to before wrapping onto another row.
_MIN_PANEL_WIDTH = 2.2


def to_numpy(value: Any, name: str = "image") -> np.ndarray:
    # NaN is allowed: it draws as a blank pixel (a masked-out region); infinity is not.
    return check.as_float_array(value, name, allow_nan=True)


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (3.2, 3.2)) -> Axes:
    if check.axes(ax) is not None:
        return ax
    return Figure(figsize=figsize, layout="constrained").add_subplot()


def grid(count: int, ncols: int, panel: float) -> tuple[int, int, float]:
    """Return (rows, columns, panel width) for ``count`` panels of ``panel`` inches.

    At most ``ncols`` columns, and no row wider than :data:`MAX_FIGURE_WIDTH`: the
    panels shrink down to ``_MIN_PANEL_WIDTH``, then wrap into balanced rows.
    """
    fit = max(1, int(MAX_FIGURE_WIDTH // _MIN_PANEL_WIDTH))
    ncols = max(1, min(ncols, count, fit))
    nrows = -(-count // ncols)
    ncols = -(-count // nrows)  # balanced rows: 5 panels as 3 + 2, 7 as 4 + 3
    return nrows, ncols, min(panel, MAX_FIGURE_WIDTH / ncols)


def check_cmap(cmap: Any) -> str:
    import matplotlib

    check.text(cmap, "cmap", optional=False)
    if cmap not in matplotlib.colormaps:
        raise ValueError(
            "`cmap` must be the name of a matplotlib colour map (e.g. 'gray', 'viridis'). "
            f"Received: cmap={check.describe(cmap)}"
        )
    return cmap


def add_caption(fig: Figure, text: str | None) -> None:
    """Write a one-line caption under the panels of ``fig`` (what to notice).

    It also starts the figure's alternative text (see :func:`caption`).
    """
    if text:
        fig.supxlabel(text, fontsize=9, wrap=True)
        caption(fig, text)


def as_2d(image: np.ndarray, name: str) -> np.ndarray:
    if image.ndim == 4 and image.shape[0] == 1:
        image = image[0]
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2 or (image.ndim == 3 and image.shape[-1] == 3):
        return image
    raise ValueError(
        f"`{name}` must be (H, W), (H, W, 1), (H, W, 3) or a batch of one. Received shape {image.shape}"
    )
