"""Figures for images, kernels, feature maps and the conv -> ReLU -> pool pipeline.

Every helper takes an optional ``ax`` (or makes its own figure) and returns what
it drew. Nothing here calls ``plt.show()`` or changes matplotlib's global state.
A figure made of many panels wraps onto further rows rather than growing wider than
:data:`MAX_FIGURE_WIDTH`, so its titles stay legible in a page's column.

Each concept has its own submodule, and every name is imported from the package
(``from cnn101.plotting import show_image`` or ``plotting.show_image``):

- :mod:`cnn101.plotting.images`: :func:`show_image`, :func:`show_kernel`,
  :func:`show_feature_maps` and :func:`show_pipeline`, the figures of arrays;
- :mod:`cnn101.plotting.alt_text`: :func:`caption`, :func:`describe_figure` (a
  figure's caption, suptitle and panel titles as a sentence) and
  :func:`register_alt_text` (IPython attaches that sentence to every displayed
  figure as its alternative text);
- :mod:`cnn101.plotting.results`: :func:`show_learning_curves` and
  :func:`show_metric`, trained results over several seeds;
- :mod:`cnn101.plotting.pyramids`: :func:`show_pyramid` (:mod:`cnn101.pyramids`) and
  :func:`show_dilated_kernel` (:mod:`cnn101.receptive_field`);
- :mod:`cnn101.plotting.alignment`: :func:`show_alignment` and
  :func:`show_alignment_table` (:mod:`cnn101.alignment`).

The figures of the topic modules live here, so that those modules compute and never
draw (nor import matplotlib). The helpers the submodules share (the page width, panel
grids, input conversions) are in the private ``_axes``. Importing the package imports
matplotlib but not TensorFlow.
"""

from __future__ import annotations

from cnn101.plotting._axes import MAX_FIGURE_WIDTH
from cnn101.plotting.alignment import show_alignment, show_alignment_table
from cnn101.plotting.alt_text import caption, describe_figure, register_alt_text
from cnn101.plotting.images import show_feature_maps, show_image, show_kernel, show_pipeline
from cnn101.plotting.pyramids import show_dilated_kernel, show_pyramid
from cnn101.plotting.results import show_learning_curves, show_metric

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
