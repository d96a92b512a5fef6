"""The trained experiments of tutorials 2, 3 and 6, as recipes for :func:`cnn101.experiments.run`.

Each function returns a :class:`cnn101.experiments.Recipe` (or a dict of them, one
per arm of a comparison) whose arms differ in one thing only, named in its
docstring; the architecture, data, budget and seeds are held fixed. The tutorials
run them at a size that fits a lab session; the command line
(:mod:`cnn101.experiments.command_line`) runs them larger::

    python -m cnn101.experiments shift --seeds 0 1 2 3 4 --n-train 4000
    python -m cnn101.experiments scale --seeds 0 1 2 3 4 --n-train 2000
    python -m cnn101.experiments scale --part channels --seeds 0 1 2 --n-train 3000
    python -m cnn101.experiments transfer --seeds 0 1 2 3 4 --n-train 3000 --n-test 1000

One module per tutorial, every name importable from here:

* :mod:`~cnn101.experiments.recipes.data`: the shared digit split (:func:`digits`);
* :mod:`~cnn101.experiments.recipes.shift`: tutorial 2, pooling and shifts;
* :mod:`~cnn101.experiments.recipes.scale`: tutorial 3, zoom and scale channels;
* :mod:`~cnn101.experiments.recipes.transfer`: tutorial 6, transfer across resolutions.

Budgets are ``(max_steps, patience)`` in optimizer steps. Digits come from
:func:`cnn101.datasets.load_digits`; images are NHWC.
"""

from __future__ import annotations

from cnn101.experiments.recipes.data import DIGIT_CANVAS, TEST_SCALES, Digits, digits
from cnn101.experiments.recipes.scale import (
    CHANNEL_BUDGET,
    CHANNEL_SETS,
    PLAIN_FINE_TUNED,
    ZOOM_BUDGET,
    ZOOM_RANGE,
    channel_network,
    channel_wins,
    inserted_channels,
    scale_channel_recipes,
    zoom_recipes,
)
from cnn101.experiments.recipes.shift import (
    SHIFT_BUDGET,
    TEST_SHIFTS,
    aps_recipes,
    shift_comparison,
    shift_recipes,
)
from cnn101.experiments.recipes.transfer import (
    PROBE_LEARNING_RATE,
    SOURCE_BUDGET,
    SOURCE_CLASSES,
    TARGET_CLASSES,
    TRANSFER_ARMS,
    TRANSFER_BUDGET,
    epoch_repeats,
    freeze_conv_layers,
    transfer_recipes,
    transfer_source_recipe,
    transfer_table,
)

__all__ = [
    "CHANNEL_BUDGET",
    "CHANNEL_SETS",
    "DIGIT_CANVAS",
    "PLAIN_FINE_TUNED",
    "PROBE_LEARNING_RATE",
    "SHIFT_BUDGET",
    "SOURCE_BUDGET",
    "SOURCE_CLASSES",
    "TARGET_CLASSES",
    "TEST_SCALES",
    "TEST_SHIFTS",
    "TRANSFER_ARMS",
    "TRANSFER_BUDGET",
    "ZOOM_BUDGET",
    "ZOOM_RANGE",
    "Digits",
    "aps_recipes",
    "channel_network",
    "channel_wins",
    "digits",
    "epoch_repeats",
    "freeze_conv_layers",
    "inserted_channels",
    "scale_channel_recipes",
    "shift_comparison",
    "shift_recipes",
    "transfer_recipes",
    "transfer_source_recipe",
    "transfer_table",
    "zoom_recipes",
]
