"""The old path of :mod:`cnn101.experiments.recipes`, kept for one release.

``cnn101.recipes`` moved to ``cnn101.experiments.recipes`` and its command line to
``python -m cnn101.experiments``; each name still answers here, warns
``DeprecationWarning`` naming its new home and forwards to it (imported only then),
and ``python -m cnn101.recipes`` still runs the command line. Remove this module in
the next release.
"""

from __future__ import annotations

import sys
import warnings

from cnn101._moved import forward, moved_message

__all__: list[str] = []

__getattr__ = forward(
    __name__,
    {
        "CHANNEL_BUDGET": "cnn101.experiments.recipes",
        "CHANNEL_SETS": "cnn101.experiments.recipes",
        "DIGIT_CANVAS": "cnn101.experiments.recipes",
        "PROBE_LEARNING_RATE": "cnn101.experiments.recipes",
        "SHIFT_BUDGET": "cnn101.experiments.recipes",
        "SOURCE_BUDGET": "cnn101.experiments.recipes",
        "SOURCE_CLASSES": "cnn101.experiments.recipes",
        "TARGET_CLASSES": "cnn101.experiments.recipes",
        "TEST_SCALES": "cnn101.experiments.recipes",
        "TEST_SHIFTS": "cnn101.experiments.recipes",
        "TRANSFER_ARMS": "cnn101.experiments.recipes",
        "TRANSFER_BUDGET": "cnn101.experiments.recipes",
        "ZOOM_BUDGET": "cnn101.experiments.recipes",
        "ZOOM_RANGE": "cnn101.experiments.recipes",
        "Digits": "cnn101.experiments.recipes",
        "aps_recipes": "cnn101.experiments.recipes",
        "channel_network": "cnn101.experiments.recipes",
        "channel_wins": "cnn101.experiments.recipes",
        "digits": "cnn101.experiments.recipes",
        "epoch_repeats": "cnn101.experiments.recipes",
        "freeze_conv_layers": "cnn101.experiments.recipes",
        "inserted_channels": "cnn101.experiments.recipes",
        "scale_channel_recipes": "cnn101.experiments.recipes",
        "shift_comparison": "cnn101.experiments.recipes",
        "shift_recipes": "cnn101.experiments.recipes",
        "transfer_recipes": "cnn101.experiments.recipes",
        "transfer_source_recipe": "cnn101.experiments.recipes",
        "transfer_table": "cnn101.experiments.recipes",
        "zoom_recipes": "cnn101.experiments.recipes",
        "main": "cnn101.experiments.command_line",
        "shift_cnn": "cnn101.models",
        "POOLINGS": "cnn101.models",
    },
)

if __name__ == "__main__":
    warnings.warn(
        moved_message("python -m cnn101.recipes", "python -m cnn101.experiments"),
        DeprecationWarning,
        stacklevel=1,
    )
    from cnn101.experiments.command_line import main

    sys.exit(main())
