"""Scale channels: one shared network applied to rescaled copies of the input, pooled over scales.

A plain CNN learns its filters at the sizes it saw in training. A scale-channel
network resizes the input to several scales, runs the *same* network on each copy
and keeps, per feature, the largest (or the mean) answer over the scales. A digit
twice the training size then looks, in the 0.5x channel, like one the network has
seen. Two ways to make the copies, one layer each, sharing the trunk, the scales,
the pooling over channels and their checks (:class:`_ScaleChannelsBase`):

* :class:`ScaleChannels`: every channel sees the whole image, resized by its factor
  (the networks of tutorial 3: :func:`cnn101.models.scale_channel_cnn`);
* :class:`FoveatedScaleChannels` (Jansson & Lindeberg's "FovMax"/"FovAvg"): the
  channel for scale ``s`` sees a central window of ``crop / s`` pixels resampled to
  ``crop``, so channels with ``s < 1`` see more of the image at a coarser
  resolution (the Replications page).

Images are NHWC.

References
----------
.. [1] A. Kanazawa, A. Sharma and D. Jacobs, "Locally scale-invariant convolutional
   neural networks", NIPS 2014 Deep Learning workshop, arXiv:1412.5104.
.. [2] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
   networks that generalise to previously unseen scales", Journal of Mathematical
   Imaging and Vision 64 (2022), 506-536, arXiv:2106.06418 (a shorter version
   appeared at ICPR 2020).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np  # noqa: F401  (the Examples use it)

from cnn101 import _validation as check
from cnn101._tf import keras
from cnn101.layers._base import NHWCLayer, nested_layer, resize

__all__ = ["FoveatedScaleChannels", "ScaleChannels"]

_POOLINGS = ("max", "avg")


class _ScaleChannelsBase(NHWCLayer):
    """What both scale-channel layers share: the trunk, the scales and the pooling over them.

    A subclass makes the channels' inputs in :meth:`_channel_inputs` (a list of NHWC
    tensors, one per scale) and tells :meth:`_trunk_input_size` the height and width
    the trunk then receives (``None`` for any size).
    """

    _needs_known_size = True

    def __init__(
        self, trunk: keras.layers.Layer, scales: Sequence[float], pooling: str, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        trunk = nested_layer(trunk, "trunk")
        pooling = check.choice(pooling, "pooling", _POOLINGS)
        self.trunk = trunk
        self.scales = check.scale_factors(scales, "scales")
        self.pooling = pooling

    def _trunk_input_size(self) -> tuple[int | None, int | None]:
        return None, None

    def _channel_inputs(self, inputs: Any) -> list[Any]:
        raise NotImplementedError

    def build(self, input_shape: Sequence[Any]) -> None:
        """Check the input shape and build the shared trunk for what the channels pass it."""
        super().build(input_shape)
        if not self.trunk.built:
            self.trunk.build((None, *self._trunk_input_size(), input_shape[3]))

    def scale_outputs(self, inputs: Any) -> Any:
        """Return the trunk's output for every channel, stacked: (batch, len(scales), F).

        Parameters
        ----------
        inputs : array_like or tensor
            (batch, H, W, C).

        Returns
        -------
        tensor
            (batch, len(scales), F): channel ``i`` is the trunk's answer at ``scales[i]``,
            in this layer's compute dtype. The trunk keeps its own dtype policy (a
            layer's ``dtype`` does not reach the layers nested in it): it computes in
            its own, and its outputs are cast to this layer's, as Keras' layers return.
        """
        stacked = keras.ops.stack([self.trunk(c) for c in self._channel_inputs(inputs)], axis=1)
        return keras.ops.cast(stacked, self.compute_dtype)

    def call(self, inputs: Any) -> Any:
        """Return the trunk's outputs pooled over the channels: (batch, F)."""
        stacked = self.scale_outputs(inputs)  # checks inputs
        if self.pooling == "max":
            return keras.ops.max(stacked, axis=1)
        return keras.ops.mean(stacked, axis=1)

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        """Return the trunk's output shape, (batch, F)."""
        shape = self._checked_shape(input_shape)
        size = self._trunk_input_size()
        return tuple(self.trunk.compute_output_shape((shape[0], *size, shape[3])))


@keras.saving.register_keras_serializable(package="cnn101")
class ScaleChannels(_ScaleChannelsBase):
    """Apply one shared network to rescaled copies of the input; pool over the scales.

    For an input ``x`` and scales ``s_1 .. s_k`` the output is
    ``max_i trunk(resize(x, s_i))`` (elementwise; or the mean with
    ``pooling="avg"``). The trunk must map images of any size to vectors of one
    length (end it with global pooling), so the copies' outputs line up.

    Args:
        trunk: a Keras layer or model, shared by all scales; it receives
            (batch, round(s * H), round(s * W), C) and returns (batch, F).
        scales: positive resize factors, e.g. ``(1.0, 0.71, 0.5)``; 1.0 passes
            the input through unchanged.
        pooling: ``"max"`` (default) or ``"avg"`` over the scale channels.
        antialias: low-pass filter before shrinking (default True).

    Input shape:
        4-D tensor (batch, H, W, C) with known H and W.

    Output shape:
        2-D tensor (batch, F), the trunk's output shape.

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision 64 (2022), 506-536. arXiv:2106.06418

    Examples
    --------
    >>> trunk = keras.Sequential([keras.layers.GlobalMaxPooling2D()])
    >>> layer = ScaleChannels(trunk, scales=(1.0, 0.5))
    >>> tuple(layer(np.ones((2, 8, 8, 3), "float32")).shape)
    (2, 3)
    >>> tuple(layer.scale_outputs(np.ones((2, 8, 8, 3), "float32")).shape)
    (2, 2, 3)
    """

    _config_args: ClassVar[dict[str, str]] = {
        "trunk": "layer",
        "scales": "list",
        "pooling": "value",
        "antialias": "value",
    }

    def __init__(
        self,
        trunk: keras.layers.Layer,
        scales: Sequence[float] = (1.0, 0.5**0.5, 0.5),
        pooling: Literal["max", "avg"] = "max",
        antialias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(trunk, scales, pooling, **kwargs)
        self.antialias = check.flag(antialias, "antialias")

    def _sizes(self, input_shape: Sequence[Any]) -> list[tuple[int, int]]:
        height, width = (int(s) for s in self._checked_shape(input_shape)[1:3])
        return [(max(1, round(s * height)), max(1, round(s * width))) for s in self.scales]

    def pyramid(self, inputs: Any) -> list[Any]:
        """Return the rescaled copies of ``inputs``, one per scale (a list of NHWC tensors).

        Parameters
        ----------
        inputs : array_like or tensor
            (batch, H, W, C).

        Returns
        -------
        list of tensor
            One (batch, round(s * H), round(s * W), C) tensor per scale ``s``, in order.
        """
        inputs = self._nhwc_inputs(inputs)
        copies = []
        for scale, size in zip(self.scales, self._sizes(tuple(inputs.shape)), strict=True):
            if scale == 1.0:
                copies.append(inputs)
            else:
                copies.append(
                    keras.ops.image.resize(
                        inputs, size, interpolation="bilinear", antialias=self.antialias
                    )
                )
        return copies

    _channel_inputs = pyramid


@keras.saving.register_keras_serializable(package="cnn101")
class FoveatedScaleChannels(_ScaleChannelsBase):
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

    def __init__(
        self,
        trunk: keras.layers.Layer,
        scales: Sequence[float] = (0.5, 1.0, 2.0),
        crop: int = 28,
        pooling: Literal["max", "avg"] = "max",
        **kwargs: Any,
    ) -> None:
        super().__init__(trunk, scales, pooling, **kwargs)
        self.crop = check.positive_int(crop, "crop")

    def _windows(self) -> list[int]:
        return [max(1, round(self.crop / s)) for s in self.scales]

    def _trunk_input_size(self) -> tuple[int, int]:
        return self.crop, self.crop

    def crops(self, inputs: Any) -> list[Any]:
        """Return each channel's input, (batch, crop, crop, C), one per scale.

        Parameters
        ----------
        inputs : array_like or tensor
            (batch, H, W, C), the object centred.

        Returns
        -------
        list of tensor
            One (batch, crop, crop, C) tensor per scale, in order.
        """
        inputs = self._nhwc_inputs(inputs)
        h, w = (int(s) for s in self._checked_shape(inputs.shape)[1:3])
        windows = self._windows()
        pad = max(0, (max(windows) - min(h, w) + 1) // 2 + 1)
        padded = keras.ops.pad(inputs, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
        out = []
        for window in windows:
            top, left = pad + (h - window) // 2, pad + (w - window) // 2
            part = padded[:, top : top + window, left : left + window, :]
            out.append(resize(part, (self.crop, self.crop)))
        return out

    _channel_inputs = crops
