"""The old path of :mod:`cnn101.layers.polyphase`, kept for one release.

``cnn101.polyphase`` moved; each of its names still answers here, warns
``DeprecationWarning`` naming its new home and forwards to it (imported only then).
Remove this module in the next release.
"""

from __future__ import annotations

from cnn101._moved import forward

__all__: list[str] = []

__getattr__ = forward(
    __name__,
    {
        "NORMS": "cnn101.layers.polyphase",
        "AdaptivePolyphaseSampling2D": "cnn101.layers.polyphase",
        "CircularPad2D": "cnn101.layers.polyphase",
        "aps_downsample": "cnn101.layers.polyphase",
        "polyphase_components": "cnn101.layers.polyphase",
    },
)
