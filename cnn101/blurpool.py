"""The old path of :mod:`cnn101.layers.blur_pool`, kept for one release.

``cnn101.blurpool`` moved; each of its names still answers here, warns
``DeprecationWarning`` naming its new home and forwards to it (imported only then).
Remove this module in the next release.
"""

from __future__ import annotations

from cnn101._moved import forward

__all__: list[str] = []

__getattr__ = forward(
    __name__,
    {
        "BlurPool2D": "cnn101.layers.blur_pool",
        "MaxBlurPool2D": "cnn101.layers.blur_pool",
        "binomial_filter": "cnn101.layers.blur_pool",
        "blur_pool2d": "cnn101.layers.blur_pool",
        "max_blur_pool2d": "cnn101.layers.blur_pool",
    },
)
