"""The old path of :mod:`cnn101.layers.scale_channels`, :mod:`cnn101.layers.scale_invariant_conv`, kept for one release.

``cnn101.scale_invariant`` moved; each of its names still answers here, warns
``DeprecationWarning`` naming its new home and forwards to it (imported only then).
Remove this module in the next release.
"""

from __future__ import annotations

from cnn101._moved import forward

__all__: list[str] = []

__getattr__ = forward(
    __name__,
    {
        "ScaleInvariantConv2D": "cnn101.layers.scale_invariant_conv",
        "FoveatedScaleChannels": "cnn101.layers.scale_channels",
    },
)
