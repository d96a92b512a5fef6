"""cnn101: how a convolutional network sees, shown running with TensorFlow.

Submodules load on first use, so ``import cnn101`` (and ``python -m cnn101.demo
--help``) does not pay for importing TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

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
    "blurpool",
    "polyphase",
    # trained results over several seeds (tutorials 2 and 3)
    "models",
    "experiments",
    "recipes",
    # spatial resolution and scale (tutorial 3)
    "scale",
    "multiscale",
    # three papers' experiments re-run, with results files (the Replications page)
    "scale_invariant",
    "replicate",
    # image pyramids and pyramid pooling (tutorial 4)
    "pyramids",
    "coarse_to_fine",
    "pyramid_pooling",
    # transforming feature maps (tutorial 5)
    "transforms",
    "feature_extractors",
    "alignment",
    "scale_space",
    # the sources' claims and the notebooks' verdicts (the claims page)
    "claims",
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
    "BlurPool2D": "blurpool",
    "MaxBlurPool2D": "blurpool",
    "AdaptivePolyphaseSampling2D": "polyphase",
    "ScaleChannels": "multiscale",
    "SpatialPyramidPooling": "pyramid_pooling",
    "PyramidPoolingModule": "pyramid_pooling",
    "AtrousSpatialPyramidPooling": "pyramid_pooling",
}

__all__ = ["__version__", *_SUBMODULES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
