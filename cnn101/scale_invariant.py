"""Two scale-invariant layers from the papers the Replications page re-runs.

* :class:`ScaleInvariantConv2D` (Kanazawa, Sharma & Jacobs 2014): one convolution
  applied to the layer's input rescaled to several scales, each response rescaled
  back to the input's size, then the maximum over scales at each position;
* :class:`FoveatedScaleChannels` (Jansson & Lindeberg 2022, "FovMax"/"FovAvg"):
  one shared network applied to central crops of decreasing resolution and
  increasing extent (the channel for scale ``s`` sees a window of ``crop / s``
  pixels resampled to ``crop``), max- or average-pooled over the channels.

:class:`cnn101.multiscale.ScaleChannels` is the plain (non-foveated) scale-channel
layer: every channel sees the whole image. Images are NHWC.

References
----------
.. [1] A. Kanazawa, A. Sharma and D. Jacobs, "Locally scale-invariant convolutional
   neural networks", NIPS 2014 Deep Learning workshop, arXiv:1412.5104.
.. [2] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
   networks that generalise to previously unseen scales", JMIV 64 (2022), 506-536,
   arXiv:2106.06418.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np  # noqa: F401  (the Examples use it)

from cnn101 import _validation as check
from cnn101._layers import NHWCLayer, nested_layer
from cnn101._tf import tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

from cnn101.multiscale import _check_scales  # noqa: E402

__all__ = ["FoveatedScaleChannels", "ScaleInvariantConv2D"]

_POOLINGS = ("max", "avg")


def _resize(x: Any, size: tuple[int, int]) -> Any:
    if tuple(x.shape[1:3]) == tuple(size):
        return x
    shrink = size[0] < x.shape[1]
    return keras.ops.image.resize(x, size, interpolation="bilinear", antialias=shrink)


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
        self.scales = _check_scales(scales)
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
            out = keras.ops.conv(_resize(inputs, scaled), self.kernel, padding="same")
            responses.append(_resize(out, size))
        best = responses[0]
        for other in responses[1:]:
            best = keras.ops.maximum(best, other)
        return self._activation(best + self.bias)

    def _output_channels(self, channels: int) -> int:
        return self.filters


@keras.saving.register_keras_serializable(package="cnn101")
class FoveatedScaleChannels(NHWCLayer):
    """Apply one network to foveated crops of the input; pool over the channels.

    The channel for scale ``s`` takes the central ``round(crop / s)`` pixels of the
    input (zero-padded where the window is larger than the image), resizes them to
    ``crop`` x ``crop`` and passes them to the shared ``trunk``: channels with
    ``s < 1`` see more of the image at a coarser resolution (Jansson & Lindeberg
    2022, section 4.3, "foveated" scale channels). A digit of size ``d`` looks, in
    channel ``s``, ``s * d`` pixels tall. The outputs are max-pooled (FovMax) or
    averaged (FovAvg) over the channels.

    Args:
        trunk: a Keras layer or model mapping (batch, crop, crop, C) to (batch, F).
        scales: positive scale factors of the channels.
        crop: int, the size every channel sees.
        pooling: ``"max"`` (FovMax, default) or ``"avg"`` (FovAvg).

    Input shape:
        4-D tensor (batch, H, W, C) with known H and W, the object centred.

    Output shape:
        2-D tensor (batch, F).

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision 64 (2022), 506-536. arXiv:2106.06418

    Examples
    --------
    >>> trunk = keras.Sequential([keras.layers.GlobalMaxPooling2D()])
    >>> layer = FoveatedScaleChannels(trunk, scales=(0.5, 1.0, 2.0), crop=8)
    >>> tuple(layer(np.ones((2, 16, 16, 3), "float32")).shape)
    (2, 3)
    """

    _config_args: ClassVar[dict[str, str]] = {
        "trunk": "layer",
        "scales": "list",
        "crop": "value",
        "pooling": "value",
    }
    _needs_known_size = True

    def __init__(
        self,
        trunk: keras.layers.Layer,
        scales: Sequence[float] = (0.5, 1.0, 2.0),
        crop: int = 28,
        pooling: Literal["max", "avg"] = "max",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        trunk = nested_layer(trunk, "trunk")
        pooling = check.choice(pooling, "pooling", _POOLINGS)
        self.trunk = trunk
        self.scales = _check_scales(scales)
        self.crop = check.positive_int(crop, "crop")
        self.pooling = pooling

    def _windows(self) -> list[int]:
        return [max(1, round(self.crop / s)) for s in self.scales]

    def build(self, input_shape: Sequence[Any]) -> None:
        """Check the input shape and build the shared trunk at the crop size."""
        super().build(input_shape)
        if not self.trunk.built:
            self.trunk.build((None, self.crop, self.crop, input_shape[3]))

    def crops(self, inputs: Any) -> list[Any]:
        """Return each channel's input, (batch, crop, crop, C), one per scale."""
        inputs = self._nhwc_inputs(inputs)
        h, w = (int(s) for s in self._checked_shape(inputs.shape)[1:3])
        windows = self._windows()
        pad = max(0, (max(windows) - min(h, w) + 1) // 2 + 1)
        padded = keras.ops.pad(inputs, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
        out = []
        for window in windows:
            top, left = pad + (h - window) // 2, pad + (w - window) // 2
            part = padded[:, top : top + window, left : left + window, :]
            out.append(_resize(part, (self.crop, self.crop)))
        return out

    def call(self, inputs: Any) -> Any:
        """Return the trunk's outputs pooled over the channels: (batch, F)."""
        stacked = keras.ops.stack([self.trunk(c) for c in self.crops(inputs)], axis=1)
        if self.pooling == "max":
            return keras.ops.max(stacked, axis=1)
        return keras.ops.mean(stacked, axis=1)

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        """Return the trunk's output shape, (batch, F)."""
        shape = self._checked_shape(input_shape)
        return tuple(self.trunk.compute_output_shape((shape[0], self.crop, self.crop, shape[3])))
