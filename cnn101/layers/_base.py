"""The base of cnn101's Keras layers: NHWC input handling, output shapes and ``get_config``.

Keras keeps what its pooling layers share in one base class
(``keras/src/layers/pooling/base_pooling.py``: the ``input_spec``,
``compute_output_shape`` and ``get_config``); every Keras layer of cnn101 derives
from :class:`NHWCLayer` in the same way, so that each check below is written once:

* :meth:`NHWCLayer.build` checks the input shape (rank 4, a known channel count and,
  for a layer that resizes, a known height and width), refuses a known size below
  the layer's minimum (:meth:`NHWCLayer._minimum`; an unknown one is checked when
  called, in a traced graph too, with the same message) and sets the ``input_spec``;
* :meth:`NHWCLayer._nhwc_inputs` turns what ``call`` (or a public method such as
  ``ScaleChannels.pyramid``) receives into a checked NHWC tensor;
* :meth:`NHWCLayer.compute_output_shape` maps the height, the width and the channels
  through :meth:`~NHWCLayer._output_size` and :meth:`~NHWCLayer._output_channels`;
* :meth:`NHWCLayer.get_config` saves the constructor arguments that the class
  attribute ``_config_args`` lists.

Images are NHWC. TensorFlow loads through :mod:`cnn101._tf`, as in the layer modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from cnn101 import _validation as check
from cnn101._tf import keras, tf

__all__ = ["NHWCLayer", "nested_layer", "resize"]

# How get_config saves an argument (the kinds a layer's ``_config_args`` names); from_config
# gives the saved values back to the constructor, which accepts them as they are.
_SAVERS: dict[str, Callable[[Any], Any]] = {
    "value": lambda value: value,  # as the layer holds it
    "list": list,  # a tuple of numbers, saved as a list
    "layer": keras.saving.serialize_keras_object,  # a nested layer or model (a trunk)
    "activation": keras.activations.serialize,  # a function from keras.activations.get
}


def resize(x: Any, size: tuple[int, int]) -> Any:
    """Return ``x`` (NHWC) resized bilinearly to ``size`` (or ``x`` itself at its own size).

    Anti-aliased when the height shrinks (a low-pass filter before subsampling;
    enlarging needs none). The foveated scale channels and the scale-invariant
    convolution resize with it.

    Parameters
    ----------
    x : tensor
        NHWC, with known height and width.
    size : (int, int)
        The height and width wanted.

    Returns
    -------
    tensor
        NHWC of height and width ``size``.

    Examples
    --------
    >>> import numpy as np
    >>> tuple(resize(np.ones((1, 8, 8, 1), "float32"), (4, 4)).shape)
    (1, 4, 4, 1)
    """
    if tuple(x.shape[1:3]) == tuple(size):
        return x
    shrink = size[0] < x.shape[1]
    return keras.ops.image.resize(x, size, interpolation="bilinear", antialias=shrink)


def nested_layer(value: Any, name: str) -> keras.layers.Layer:
    """Return ``value`` as a Keras layer, deserializing the dict :meth:`get_config` saved.

    Parameters
    ----------
    value : keras.layers.Layer or dict
        A layer or model, or its serialized form (``keras.saving.serialize_keras_object``).
    name : str
        The argument's name, for the message.

    Returns
    -------
    keras.layers.Layer

    Raises
    ------
    TypeError
        If ``value`` is neither a Keras layer nor the dict of one.

    Examples
    --------
    >>> dense = keras.layers.Dense(3)
    >>> nested_layer(dense, "trunk") is dense
    True
    >>> type(nested_layer(keras.saving.serialize_keras_object(dense), "trunk")).__name__
    'Dense'
    """
    if isinstance(value, dict):
        value = keras.saving.deserialize_keras_object(value)
    if not isinstance(value, keras.layers.Layer):
        raise TypeError(
            f"`{name}` must be a Keras layer or model. Received: {name}={check.describe(value)}"
        )
    return value


class NHWCLayer(keras.layers.Layer):
    """Base of the Keras layers of cnn101: they take NHWC batches (batch, H, W, C).

    A subclass sets the class attributes below, calls ``super().build(input_shape)``
    first in its ``build`` (if it has one), starts its ``call`` with
    ``inputs = self._nhwc_inputs(inputs)`` and gives its output's size through
    :meth:`_output_size` and :meth:`_output_channels` (or overrides
    :meth:`compute_output_shape`, calling :meth:`_checked_shape` first).

    The ``input_spec`` (``ndim=4``, and the channel count when ``_pins_channels``) is
    set by :meth:`build` (``keras.layers.Dense`` pins its input axis there too), so that
    the first call with a wrong shape gets this layer's message, naming the layer and
    the ``input_shape`` it received; after that Keras' ``InputSpec`` check guards every
    call.

    Parameters
    ----------
    **kwargs
        Keras' layer arguments (``name``, ``dtype``, ``trainable``), passed to
        ``keras.layers.Layer``.

    Attributes
    ----------
    _config_args : dict of str to str
        Each constructor argument :meth:`get_config` saves, and how: ``"value"``,
        ``"list"``, ``"layer"`` (a nested layer) or ``"activation"``.
    _needs_known_size : bool
        Whether the layer needs a known height and width (it resizes).
    _pins_channels : bool
        Whether the ``input_spec`` pins the channel count (the layer has weights per channel).

    Examples
    --------
    >>> import numpy as np
    >>> class Subsample(NHWCLayer):
    ...     _config_args = {"step": "value"}
    ...
    ...     def __init__(self, step=2, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.step = step
    ...
    ...     def call(self, inputs):
    ...         return self._nhwc_inputs(inputs)[:, :: self.step, :: self.step]
    ...
    ...     def _output_size(self, size, axis):
    ...         return -(-size // self.step)
    >>> layer = Subsample(2)
    >>> tuple(layer(np.ones((1, 5, 4, 3), "float32")).shape)
    (1, 3, 2, 3)
    >>> layer.compute_output_shape((None, 5, 4, 3)), layer.get_config()["step"]
    ((None, 3, 2, 3), 2)
    """

    #: The constructor arguments that get_config saves, in order, each read from the
    #: attribute of the same name, with how it is saved: "value" (as held), "list" (a
    #: tuple saved as a list), "layer" (a nested Keras layer, serialized; the constructor
    #: takes the dict back through :func:`nested_layer`) or "activation".
    _config_args: ClassVar[dict[str, str]] = {}
    #: Whether the layer needs a known height and width when built (it resizes by them).
    _needs_known_size: ClassVar[bool] = False
    #: Whether the channel count seen at build is the only one accepted (the layer's
    #: weights are made for it).
    _pins_channels: ClassVar[bool] = False
    #: The smallest (height, width) a call accepts, and what needs it (for the message).
    _minimum_size: ClassVar[tuple[int, int]] = (1, 1)
    _minimum_reason: ClassVar[str] = "a non-empty image"

    def _checked_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        """Return ``input_shape`` as a tuple, or raise ``ValueError`` if the layer cannot take it."""
        shape = tuple(input_shape)
        known = shape[1:] if self._needs_known_size else shape[-1:]
        if len(shape) != 4 or any(size is None for size in known):
            needed = "a known height, width and" if self._needs_known_size else "a known"
            raise ValueError(
                f"`{type(self).__name__}` expects NHWC inputs (batch, height, width, channels) "
                f"of rank 4 (ndim=4) with {needed} number of channels. "
                f"Received: input_shape={shape}"
            )
        return shape

    def build(self, input_shape: Sequence[Any]) -> None:
        """Check the input shape and a known size; set the ``input_spec``.

        A known height and width below :meth:`_minimum` is refused here, with the
        message the call gives (:func:`cnn101._validation.fits_at_call`); a size known
        only when called is checked then, in a traced graph too. The ``input_spec``
        fixes the rank at 4, and the channels if pinned.
        """
        shape = self._checked_shape(input_shape)
        axes = {-1: int(shape[-1])} if self._pins_channels else None
        self.input_spec = keras.layers.InputSpec(ndim=4, axes=axes)
        if all(size is not None for size in shape[1:3]):
            minimum, why = self._minimum()
            check.fits_at_call(tf.TensorSpec(shape), minimum, type(self).__name__, why)

    def _minimum(self) -> tuple[tuple[int, int], str]:
        """Return the smallest (height, width) a call accepts, and what needs it."""
        return self._minimum_size, self._minimum_reason

    def _nhwc_inputs(self, inputs: Any) -> Any:
        """Return ``inputs`` as a tensor, refusing anything but a non-empty numeric NHWC batch.

        Raises ``TypeError`` for what is not an array of numbers and ``ValueError`` for
        ragged nested lists, a rank other than 4, an empty batch, no channels, or a map
        smaller than :meth:`_minimum` (checked at run time where the size is unknown when
        traced).
        """
        name = type(self).__name__
        try:
            if not (hasattr(inputs, "shape") and hasattr(inputs, "dtype")):
                inputs = keras.ops.convert_to_tensor(inputs)  # lists, as Keras converts them
            inputs = tf.convert_to_tensor(inputs)  # NumPy arrays; tensors pass through
        except (ValueError, TypeError):
            if isinstance(inputs, list | tuple):
                check.as_float_array(inputs, "inputs")  # ragged lists: a ValueError
            raise TypeError(
                "`inputs` must be an NHWC batch of numbers (an array or a tensor). "
                f"Received: inputs={check.describe(inputs)}"
            ) from None
        shape = tuple(inputs.shape)
        if len(shape) != 4:
            raise ValueError(
                f"`{name}` expects NHWC inputs (batch, height, width, channels) of rank 4 "
                f"(ndim=4). Received: inputs with shape {shape}"
            )
        if shape[0] == 0 or shape[-1] == 0:
            raise ValueError(
                "`inputs` must hold at least one image of at least one channel. "
                f"Received: inputs with shape {shape}"
            )
        minimum, why = self._minimum()
        return check.fits_at_call(inputs, minimum, name, why)

    def _output_size(self, size: int, axis: int) -> int:
        """Return the output's height (``axis`` 0) or width (1) for a known input size."""
        return size

    def _output_channels(self, channels: int) -> int:
        """Return the output's channel count."""
        return channels

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        """Return (batch, out_height, out_width, out_channels); unknown sizes stay None."""
        shape = self._checked_shape(input_shape)
        spatial = [
            None if size is None else self._output_size(size, axis)
            for axis, size in enumerate(shape[1:3])
        ]
        return (shape[0], *spatial, self._output_channels(shape[3]))

    def get_config(self) -> dict[str, Any]:
        """Return the base layer's config and the constructor arguments ``_config_args`` lists."""
        config = super().get_config()
        for name, kind in self._config_args.items():
            config[name] = _SAVERS[kind](getattr(self, name))
        return config
