"""Scale channels: one shared CNN applied to an image pyramid, max-pooled over scales.

A plain CNN learns its filters at the sizes it saw in training. A scale-channel
network (Kanazawa et al. 2014, "Locally scale-invariant convolutional neural
networks", arXiv:1412.5104; Jansson & Lindeberg 2022, "Scale-invariant
scale-channel networks", JMIV, arXiv:2106.06418, whose shorter version appeared at
ICPR 2020) resizes the
input to several scales, runs the *same* network on each copy and keeps, per
feature, the largest answer over the scales. A digit twice the training size
then looks, in the 0.5x channel, like one the network has seen.

This module holds the :class:`ScaleChannels` layer and :func:`small_trunk`; the
networks tutorial 3 trains are built in :mod:`cnn101.models` (``build_plain_cnn``,
``build_scale_channel_cnn`` and ``accuracy_by_scale`` here are their first names).
Images are NHWC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._layers import NHWCLayer, nested_layer
from cnn101._tf import tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

__all__ = [
    "ScaleChannels",
    "accuracy_by_scale",
    "build_plain_cnn",
    "build_scale_channel_cnn",
    "copy_conv_layers",
    "small_trunk",
]

_POOLINGS = ("max", "avg")


def _check_scales(scales: Any) -> tuple[float, ...]:
    message = (
        "`scales` must be a non-empty sequence of positive numbers (at most 100). "
        f"Received: scales={check.describe(scales)}"
    )
    if isinstance(scales, str) or not isinstance(scales, Sequence):
        raise TypeError(message)
    if not all(map(check.is_number, scales)):
        raise TypeError(message)
    if len(scales) == 0 or not all(np.isfinite(s) and 0 < s <= 100 for s in scales):
        raise ValueError(message)
    return tuple(float(s) for s in scales)


@keras.saving.register_keras_serializable(package="cnn101")
class ScaleChannels(NHWCLayer):
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
    """

    _config_args: ClassVar[dict[str, str]] = {
        "trunk": "layer",
        "scales": "list",
        "pooling": "value",
        "antialias": "value",
    }
    _needs_known_size = True

    def __init__(
        self,
        trunk: keras.layers.Layer,
        scales: Sequence[float] = (1.0, 0.5**0.5, 0.5),
        pooling: Literal["max", "avg"] = "max",
        antialias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        trunk = nested_layer(trunk, "trunk")
        pooling = check.choice(pooling, "pooling", _POOLINGS)
        self.trunk = trunk
        self.scales = _check_scales(scales)
        self.pooling = pooling
        self.antialias = check.flag(antialias, "antialias")

    def _sizes(self, input_shape: Sequence[Any]) -> list[tuple[int, int]]:
        height, width = (int(s) for s in self._checked_shape(input_shape)[1:3])
        return [(max(1, round(s * height)), max(1, round(s * width))) for s in self.scales]

    def build(self, input_shape: Sequence[Any]) -> None:
        """Check the input shape and build the shared trunk for any image size."""
        super().build(input_shape)
        if not self.trunk.built:
            self.trunk.build((None, None, None, input_shape[3]))

    def pyramid(self, inputs: Any) -> list[Any]:
        """Return the rescaled copies of ``inputs``, one per scale (a list of NHWC tensors)."""
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

    def scale_outputs(self, inputs: Any) -> Any:
        """Return the trunk's output for every scale, stacked: (batch, len(scales), F)."""
        return keras.ops.stack([self.trunk(copy) for copy in self.pyramid(inputs)], axis=1)

    def call(self, inputs: Any) -> Any:
        """Return the trunk's outputs pooled over the scales: (batch, F)."""
        stacked = self.scale_outputs(inputs)  # checks inputs
        if self.pooling == "max":
            return keras.ops.max(stacked, axis=1)
        return keras.ops.mean(stacked, axis=1)

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        """Return the trunk's output shape, (batch, F)."""
        shape = self._checked_shape(input_shape)
        return tuple(self.trunk.compute_output_shape((shape[0], None, None, shape[3])))


def small_trunk(filters: Sequence[int] = (8, 16, 32), *, name: str = "trunk") -> keras.Sequential:
    """Return a small convolutional trunk: (3x3 conv + ReLU, 2x2 max pool) per stage, global max.

    Parameters
    ----------
    filters : sequence of int, default (8, 16, 32)
        Output channels of each 3x3 convolution; every stage but the last is
        followed by 2x2 max pooling, the last by global max pooling.
    name : str, default "trunk"

    Returns
    -------
    keras.Sequential
        Maps (batch, H, W, C) to (batch, filters[-1]) for any H, W >= 2 ** (len(filters) - 1).

    Examples
    --------
    >>> trunk = small_trunk((4, 8))
    >>> tuple(trunk(np.zeros((1, 20, 20, 1), "float32")).shape)
    (1, 8)
    """
    filters = check.positive_ints(filters, "filters")
    check.text(name, "name", optional=False)
    layers: list[keras.layers.Layer] = []
    for index, count in enumerate(filters):
        layers.append(keras.layers.Conv2D(count, 3, padding="same", activation="relu"))
        last = index == len(filters) - 1
        layers.append(keras.layers.GlobalMaxPooling2D() if last else keras.layers.MaxPooling2D(2))
    return keras.Sequential(layers, name=name)


def build_plain_cnn(
    input_shape: tuple[int, int, int] = (48, 48, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (8, 16, 32),
) -> keras.Model:
    """Return :func:`cnn101.models.plain_cnn` (kept here under its first name).

    Examples
    --------
    >>> build_plain_cnn((32, 32, 1)).output_shape
    (None, 10)
    """
    from cnn101 import models

    return models.plain_cnn(input_shape, num_classes, filters)


def build_scale_channel_cnn(
    input_shape: tuple[int, int, int] = (48, 48, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (8, 16, 32),
    scales: Sequence[float] = (1.0, 0.5**0.5, 0.5),
) -> keras.Model:
    """Return :func:`cnn101.models.scale_channel_cnn` (kept here under its first name).

    Examples
    --------
    >>> build_scale_channel_cnn((32, 32, 1)).output_shape
    (None, 10)
    """
    from cnn101 import models

    return models.scale_channel_cnn(input_shape, num_classes, filters, scales)


def copy_conv_layers(source: keras.Model, target: keras.Model, count: int | None = None) -> int:
    """Copy the weights of the first ``count`` Conv2D layers of ``source`` into ``target``.

    Layers are matched in order of appearance (nested models included), which is
    how "reuse the early filters" is done for transfer learning.

    Parameters
    ----------
    source, target : keras.Model
        Built models whose Conv2D layers have matching shapes.
    count : int, optional
        Number of Conv2D layers to copy; all of them by default.

    Returns
    -------
    int
        The number of layers copied.

    Examples
    --------
    >>> a, b = build_plain_cnn((16, 16, 1)), build_plain_cnn((16, 16, 1))
    >>> copy_conv_layers(a, b, count=1)
    1
    """
    src, dst = _conv_layers(source, "source"), _conv_layers(target, "target")
    if count is None:
        count = len(src)
    count = check.positive_int(count, "count")
    if count > min(len(src), len(dst)):
        raise ValueError(
            f"`count` must be at most the number of Conv2D layers in both models "
            f"({len(src)} and {len(dst)}). Received: count={count}"
        )
    for a, b in zip(src[:count], dst[:count], strict=True):
        b.set_weights(a.get_weights())
    return count


def _conv_layers(model: Any, name: str) -> list[keras.layers.Layer]:
    if not isinstance(model, keras.Model):
        raise TypeError(f"`{name}` must be a Keras model. Received: {name}={check.describe(model)}")
    found: list[keras.layers.Layer] = []

    def visit(layer: Any) -> None:
        if isinstance(layer, keras.layers.Conv2D):
            found.append(layer)
        children = (
            [layer.trunk] if isinstance(layer, ScaleChannels) else getattr(layer, "layers", [])
        )
        for child in children:
            visit(child)

    for layer in model.layers:
        visit(layer)
    return found


def accuracy_by_scale(
    model: keras.Model,
    images: Any,
    labels: Any,
    scales: Sequence[float],
    *,
    canvas: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Return :func:`cnn101.models.accuracy_by_scale` (kept here under its first name).

    Examples
    --------
    >>> acc = accuracy_by_scale(build_plain_cnn((32, 32, 1)), np.ones((3, 8, 8)), [0, 1, 2], [1.0])
    >>> acc.shape
    (1,)
    """
    from cnn101 import models

    return models.accuracy_by_scale(model, images, labels, scales, canvas=canvas, seed=seed)
