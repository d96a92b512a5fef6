"""Figures of feature-map alignment: one comparison panel by panel, a table of errors.

:mod:`cnn101.alignment` measures how well a transformation of the feature maps
matches the features of the transformed image; it never draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from cnn101 import _validation as check
from cnn101.plotting._axes import MAX_FIGURE_WIDTH
from cnn101.plotting.images import show_image

if TYPE_CHECKING:
    from cnn101.alignment import AlignmentResult, AlignmentTable

__all__ = ["show_alignment", "show_alignment_table"]


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

    check.instance(table, "table", AlignmentTable)
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

    check.instance(result, "result", AlignmentResult)
    count = result.target.shape[-1]
    if labels is not None:
        for label in check.sequence(labels, "labels", "3 strings (the titles of the last panels)"):
            check.text(label, "labels", optional=False)
    if labels is not None and len(labels) != 3:
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
