"""cnn101: how a convolutional network sees, shown running with TensorFlow.

Submodules load on first use, so ``import cnn101`` (and ``python -m cnn101.demo
--help``) does not pay for importing TensorFlow. Renamed modules still answer at their
old paths, with a warning, until the release that removes them
(``cnn101._deprecation``).
"""

from __future__ import annotations

import importlib
from typing import Any

from cnn101 import _deprecation

__version__ = "0.3.0"

_SUBMODULES = (
    # the blog's pipeline (tutorial 1)
    "kernels",
    "ops",
    "reference",
    "images",
    "plotting",
    "datasets",
    "receptive_field",
    # translation invariance (tutorial 2)
    "invariance",
    # Keras layers: blur and polyphase pooling, pyramid pooling, scale channels
    "layers",
    # trained results over several seeds (tutorials 2 and 3)
    "models",
    "experiments",
    # spatial resolution and scale (tutorial 3)
    "corners",
    "digits",
    # image pyramids and pyramid pooling (tutorial 4)
    "pyramids",
    "coarse_to_fine",
    # transforming feature maps (tutorial 5)
    "transforms",
    "feature_extractors",
    "alignment",
    "scale_space",
    # the sources' claims and the notebooks' verdicts (the claims page)
    "claims",
    "verdicts",
    # checks for the tutorials' exercises, and the teacher's tools around them
    "exercises",
    "teaching",
)

# Public names re-exported at the top level, with the submodule that defines them.
_EXPORTS = {
    "conv2d": "ops",
    "relu": "ops",
    "max_pool2d": "ops",
    "avg_pool2d": "ops",
    "global_max_pool2d": "ops",
    "global_avg_pool2d": "ops",
    "output_size": "ops",
    "get_kernel": "kernels",
    "kernel_names": "kernels",
    "to_filter": "kernels",
    "filter_bank": "kernels",
    "BlurPool2D": "layers",
    "MaxBlurPool2D": "layers",
    "AdaptivePolyphaseSampling2D": "layers",
    "ScaleChannels": "layers",
    "SpatialPyramidPooling": "layers",
    "PyramidPoolingModule": "layers",
    "AtrousSpatialPyramidPooling": "layers",
}

__all__ = ["__version__", *_SUBMODULES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES or f"{__name__}.{name}" in _deprecation.MODULE_ALIASES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


# Old module paths answer as their new modules, warning, until the release each names.
_deprecation.install()
