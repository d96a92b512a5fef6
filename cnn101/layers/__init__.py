"""Keras layers: anti-aliased and adaptive pooling, pyramid pooling, scale channels.

Every layer takes NHWC batches, derives from one base (:mod:`cnn101.layers._base`:
input checks, output shapes, ``get_config``), follows the Keras dtype policy and is
registered for saving under the package name ``cnn101``. One module per concept,
each with its functional form where it has one:

* :mod:`~cnn101.layers.blur_pool`: ``BlurPool2D`` and ``MaxBlurPool2D``, anti-aliased
  pooling (Zhang 2019);
* :mod:`~cnn101.layers.polyphase`: ``AdaptivePolyphaseSampling2D`` and ``CircularPad2D``,
  exact invariance to circular shifts (Chaman & Dokmanić 2021);
* :mod:`~cnn101.layers.pyramid_pooling`: ``SpatialPyramidPooling`` (SPP),
  ``PyramidPoolingModule`` (PSPNet) and ``AtrousSpatialPyramidPooling`` (DeepLab);
* :mod:`~cnn101.layers.scale_channels`: ``ScaleChannels`` and ``FoveatedScaleChannels``
  (Jansson & Lindeberg 2022);
* :mod:`~cnn101.layers.scale_invariant_conv`: ``ScaleInvariantConv2D`` (Kanazawa et al.
  2014).

The layers load on first use (``from cnn101.layers import ScaleChannels``), so
importing this package does not import TensorFlow.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each layer and the submodule that defines it.
_LAYERS = {
    "BlurPool2D": "blur_pool",
    "MaxBlurPool2D": "blur_pool",
    "AdaptivePolyphaseSampling2D": "polyphase",
    "CircularPad2D": "polyphase",
    "SpatialPyramidPooling": "pyramid_pooling",
    "PyramidPoolingModule": "pyramid_pooling",
    "AtrousSpatialPyramidPooling": "pyramid_pooling",
    "ScaleChannels": "scale_channels",
    "FoveatedScaleChannels": "scale_channels",
    "ScaleInvariantConv2D": "scale_invariant_conv",
}

__all__ = list(_LAYERS)


def __getattr__(name: str) -> Any:
    if name in _LAYERS:
        return getattr(importlib.import_module(f"{__name__}.{_LAYERS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *set(_LAYERS.values())])
