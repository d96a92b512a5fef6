"""Kanazawa et al.'s scale-invariant convolution (SI-ConvNet), a layer of the Replications page.

:class:`ScaleInvariantConv2D` applies one convolution to the layer's input rescaled
to several scales, rescales each response back to the input's size and keeps the
maximum over scales at each position: a *locally* scale-invariant layer (the
scale-channel layers of :mod:`cnn101.layers.scale_channels` pool over scales once,
at the end of a network). Images are NHWC.

References
----------
.. [1] A. Kanazawa, A. Sharma and D. Jacobs, "Locally scale-invariant convolutional
   neural networks", NIPS 2014 Deep Learning workshop, arXiv:1412.5104.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np  # noqa: F401  (the Examples use it)

from cnn101 import _validation as check
from cnn101._tf import keras
from cnn101.layers._base import NHWCLayer, resize

__all__ = ["ScaleInvariantConv2D"]


@keras.saving.register_keras_serializable(package="cnn101")
class ScaleInvariantConv2D(NHWCLayer):
    """A convolution with tied weights at several scales, max-pooled over scales.

    For an input ``x`` of size (H, W) and scales ``s_1 .. s_k`` the output is
    ``activation(max_i resize(conv(resize(x, s_i)), (H, W)) + bias)``: the same
    kernel sees the input enlarged and shrunk, and each position keeps its
    strongest response (Kanazawa et al. 2014, section 3). With ``scales=(1.0,)``
    it is ``keras.layers.Conv2D(padding="same")``.

    Args:
        filters: number of output channels.
        kernel_size: int, the (square) kernel's size.
        scales: positive resize factors; 1.0 is the input itself.
        activation: a Keras activation name or None (after the max and the bias).

    Input shape:
        4-D tensor (batch, H, W, C) with known H and W.

    Output shape:
        4-D tensor (batch, H, W, filters).

    References
    ----------
    .. [1] A. Kanazawa, A. Sharma and D. Jacobs, "Locally scale-invariant convolutional
       neural networks", NIPS 2014 Deep Learning workshop. arXiv:1412.5104

    Examples
    --------
    >>> layer = ScaleInvariantConv2D(4, 3, scales=(0.5, 1.0, 2.0))
    >>> tuple(layer(np.ones((2, 8, 8, 1), "float32")).shape), layer.count_params()
    ((2, 8, 8, 4), 40)
    """

    _config_args: ClassVar[dict[str, str]] = {
        "filters": "value",
        "kernel_size": "value",
        "scales": "list",
        "activation": "value",
    }
    _needs_known_size = True
    _pins_channels = True

    def __init__(
        self,
        filters: int,
        kernel_size: int = 3,
        scales: Sequence[float] = (0.63, 1.0, 1.59),
        activation: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filters = check.positive_int(filters, "filters")
        self.kernel_size = check.positive_int(kernel_size, "kernel_size")
        self.scales = check.scale_factors(scales, "scales")
        if activation is not None and not isinstance(activation, str):
            raise TypeError(
                f"`activation` must be a Keras activation name or None. Received: activation={check.describe(activation)}"
            )
        try:
            self._activation = keras.activations.get(activation)
        except ValueError:
            raise ValueError(
                f"`activation` must be a Keras activation name. Received: activation={activation!r}"
            ) from None
        self.activation = activation

    def _sizes(self, input_shape: Sequence[Any]) -> list[tuple[int, int]]:
        h, w = (int(s) for s in self._checked_shape(input_shape)[1:3])
        return [(max(1, round(s * h)), max(1, round(s * w))) for s in self.scales]

    def build(self, input_shape: Sequence[Any]) -> None:
        """Check the input shape; make the kernel (k, k, C, filters) and the bias (filters,)."""
        super().build(input_shape)
        k = self.kernel_size
        self.kernel = self.add_weight(
            name="kernel",
            shape=(k, k, int(input_shape[-1]), self.filters),
            initializer="glorot_uniform",
        )
        self.bias = self.add_weight(name="bias", shape=(self.filters,), initializer="zeros")

    def call(self, inputs: Any) -> Any:
        """Convolve at every scale, resize back, keep the maximum, add the bias."""
        inputs = self._nhwc_inputs(inputs)
        size = tuple(inputs.shape[1:3])
        responses = []
        for scaled in self._sizes(tuple(inputs.shape)):
            out = keras.ops.conv(resize(inputs, scaled), self.kernel, padding="same")
            responses.append(resize(out, size))
        best = responses[0]
        for other in responses[1:]:
            best = keras.ops.maximum(best, other)
        return self._activation(best + self.bias)

    def _output_channels(self, channels: int) -> int:
        return self.filters
