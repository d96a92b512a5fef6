"""The old path of :mod:`cnn101.layers.scale_channels`, :mod:`cnn101.models`, kept for one release.

``cnn101.multiscale`` moved; each of its names still answers here, warns
``DeprecationWarning`` naming its new home and forwards to it (imported only then).
Remove this module in the next release.
"""

from __future__ import annotations

from cnn101._moved import forward

__all__: list[str] = []

__getattr__ = forward(
    __name__,
    {
        "ScaleChannels": "cnn101.layers.scale_channels",
        "small_trunk": "cnn101.models",
        "copy_conv_layers": "cnn101.models",
        "accuracy_by_scale": "cnn101.models",
        "build_plain_cnn": "cnn101.models:plain_cnn",
        "build_scale_channel_cnn": "cnn101.models:scale_channel_cnn",
    },
)
