"""The old path of :mod:`cnn101.layers.pyramid_pooling`, kept for one release.

``cnn101.pyramid_pooling`` moved; each of its names still answers here, warns
``DeprecationWarning`` naming its new home and forwards to it (imported only then).
Remove this module in the next release.
"""

from __future__ import annotations

from cnn101._moved import forward

__all__: list[str] = []

__getattr__ = forward(
    __name__,
    {
        "AtrousSpatialPyramidPooling": "cnn101.layers.pyramid_pooling",
        "PyramidPoolingModule": "cnn101.layers.pyramid_pooling",
        "SpatialPyramidPooling": "cnn101.layers.pyramid_pooling",
        "adaptive_pool2d": "cnn101.layers.pyramid_pooling",
        "bin_edges": "cnn101.layers.pyramid_pooling",
        "valid_taps": "cnn101.layers.pyramid_pooling",
    },
)
