"""Every network the tutorials train, defined once.

* :func:`shift_cnn`: tutorial 2's digit classifier, three 3x3 convolutions with a
  choice of downsampling (max, average, max-blur pooling or stride 2);
* :func:`plain_cnn`: tutorial 3's and 6's digit classifier,
  :func:`small_trunk` (3x3 convolutions, max pooling, global max
  pooling) and a softmax layer;
* :func:`scale_channel_cnn`: the same weights applied to an image pyramid by
  :class:`cnn101.layers.ScaleChannels`;

with :func:`accuracy_by_scale`, how tutorial 3 measures the last two, and
:func:`copy_conv_layers`, how tutorial 6 reuses a network's early filters. Recipes,
exercises, benchmarks and tests build their networks here. Every builder returns
a compiled model (Adam, sparse categorical cross-entropy, metric accuracy);
images are NHWC.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import keras, tf
from cnn101.digits import place_digits
from cnn101.layers.blur_pool import MaxBlurPool2D
from cnn101.layers.polyphase import AdaptivePolyphaseSampling2D, CircularPad2D
from cnn101.layers.scale_channels import ScaleChannels

__all__ = [
    "POOLINGS",
    "accuracy_by_scale",
    "aps_cnn",
    "copy_conv_layers",
    "plain_cnn",
    "predicted_classes",
    "scale_channel_cnn",
    "shift_cnn",
    "shift_cnn_gap",
    "small_trunk",
]

POOLINGS = ("max", "avg", "blur", "stride")


def _check_pooling(pooling: Any) -> str:
    return check.choice(pooling, "pooling", POOLINGS)


def _input_shape(value: Any, smallest: int = 1) -> tuple[int, int, int]:
    message = (
        "`input_shape` must be (height, width, channels), 3 positive integers up to 4096"
        + (f", height and width at least {smallest}" if smallest > 1 else "")
        + f". Received: input_shape={check.describe(value)}"
    )
    if not isinstance(value, tuple | list) or not all(map(check.is_integer, value)):
        raise TypeError(message)
    if len(value) != 3 or not all(0 < v <= 4096 for v in value) or min(value[:2]) < smallest:
        raise ValueError(message)
    return tuple(int(v) for v in value)


def _compiled(model: keras.Model, learning_rate: Any, *, logits: bool) -> keras.Model:
    learning_rate = check.real_number(learning_rate, "learning_rate", positive=True)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=logits),
        metrics=["accuracy"],
    )
    return model


def shift_cnn(
    pooling: Literal["max", "avg", "blur", "stride"] = "max",
    input_shape: tuple[int, int, int] = (32, 32, 1),
    filters: Sequence[int] = (8, 16, 16),
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Return a compiled digit classifier whose three downsampling steps use ``pooling``.

    Every variant has three 3x3 convolutions of ``filters`` channels (ReLU) and a
    dense layer on the flattened map: the same weights, only the downsampling
    differs.

    Parameters
    ----------
    pooling : {"max", "avg", "blur", "stride"}, default "max"
        After each convolution: 2x2 max pooling, 2x2 average pooling, anti-aliased
        max-blur pooling (:class:`cnn101.layers.blur_pool.MaxBlurPool2D`), or no pooling
        with the convolution itself at stride 2 (it keeps every second output).
    input_shape : (int, int, int), default (32, 32, 1)
        Height and width at least 8 (three 2x downsamplings).
    filters : sequence of int, default (8, 16, 16)
    learning_rate : float, default 3e-3
        Adam's step size.

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, 10) logits; compiled with sparse categorical
        cross-entropy (from logits) and accuracy.

    Examples
    --------
    >>> [shift_cnn(p).count_params() for p in ("max", "stride")]
    [6138, 6138]
    """
    pooling = _check_pooling(pooling)
    input_shape = _input_shape(input_shape, smallest=8)
    filters = check.positive_ints(filters, "filters")
    layers: list[Any] = [keras.Input(input_shape)]
    for count in filters:
        stride = 2 if pooling == "stride" else 1
        layers.append(
            keras.layers.Conv2D(count, 3, strides=stride, padding="same", activation="relu")
        )
        if pooling == "max":
            layers.append(keras.layers.MaxPooling2D(2))
        elif pooling == "avg":
            layers.append(keras.layers.AveragePooling2D(2))
        elif pooling == "blur":
            layers.append(MaxBlurPool2D(2))
    layers += [keras.layers.Flatten(), keras.layers.Dense(10)]
    return _compiled(keras.Sequential(layers, name=f"{pooling}_cnn"), learning_rate, logits=True)


def shift_cnn_gap(
    pooling: str = "max",
    input_shape: tuple[int, int, int] = (32, 32, 1),
    filters: Sequence[int] = (8, 16, 16),
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Return :func:`shift_cnn` with a global-average-pooling head instead of a flat one.

    The convolutions and downsampling steps are :func:`shift_cnn`'s own layers (built
    by it, same arguments); only the head differs: the last feature map is averaged
    over its positions (one number per channel) before the dense layer, so the head
    itself forgets where a feature was, as in most modern CNNs.

    Parameters
    ----------
    pooling : {"max", "avg", "blur", "stride"}, default "max"
    input_shape : (int, int, int), default (32, 32, 1)
    filters : sequence of int, default (8, 16, 16)
    learning_rate : float, default 3e-3

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, 10) logits, compiled as :func:`shift_cnn`.

    Examples
    --------
    >>> shift_cnn_gap("max").count_params()  # 6138 - (16 * 16 * 10 - 16 * 10)
    3738
    >>> type(shift_cnn_gap("max").layers[-2]).__name__
    'GlobalAveragePooling2D'
    """
    flat = shift_cnn(pooling, input_shape, filters, learning_rate)
    trunk = flat.layers[:-2]  # all but Flatten and Dense
    head = [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)]
    model = keras.Sequential(
        [keras.Input(flat.input_shape[1:]), *trunk, *head],
        name=f"{pooling}_gap_cnn",
    )
    return _compiled(model, learning_rate, logits=True)


def aps_cnn(
    downsampling: Literal["aps", "stride"] = "aps",
    *,
    padding: Literal["circular", "zero"] = "circular",
    input_shape: tuple[int, int, int] = (32, 32, 1),
    filters: Sequence[int] = (8, 16, 16),
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Return a digit classifier built to be exactly invariant to circular shifts.

    Three stages of 3x3 convolution (stride 1, ReLU) and stride-2 downsampling,
    then global average pooling and a dense layer: the layers of
    :func:`shift_cnn` with its ``"stride"`` downsampling, except that
    the convolutions pad circularly and the head pools globally.

    Parameters
    ----------
    downsampling : {"aps", "stride"}, default "aps"
        :class:`cnn101.layers.polyphase.AdaptivePolyphaseSampling2D` (exact invariance to circular shifts),
        or keeping every second pixel of a fixed grid (what a stride-2 convolution
        computes; not invariant).
    padding : {"circular", "zero"}, default "circular"
        How the convolutions pad: :class:`cnn101.layers.polyphase.CircularPad2D` (commutes with circular
        shifts) or zeros (Keras' ``"same"``; equivariant only away from the border).
    input_shape : (int, int, int), default (32, 32, 1)
        Height and width divisible by 8.
    filters : sequence of int, default (8, 16, 16)
        Filters of each stage's convolution (one stride-2 stage per entry).
    learning_rate : float, default 3e-3
        Adam's step size.

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, 10) logits; compiled with sparse categorical
        cross-entropy (from logits) and accuracy.

    References
    ----------
    .. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR, 2021. arXiv:2011.14214

    Examples
    --------
    >>> model = aps_cnn()
    >>> x = np.random.default_rng(1).random((2, 32, 32, 1)).astype("float32")
    >>> moved = np.roll(x, (3, -5), axis=(1, 2))  # any circular shift
    >>> bool(np.allclose(model(x), model(moved), atol=1e-5))
    True
    """
    downsampling = check.choice(downsampling, "downsampling", ("aps", "stride"))
    padding = check.choice(padding, "padding", ("circular", "zero"))
    shape = _input_shape(input_shape)
    counts = check.positive_ints(filters, "filters")
    factor = 2 ** len(counts)
    if shape[0] % factor or shape[1] % factor:
        raise ValueError(
            f"`input_shape` must have a height and width divisible by {factor} "
            f"({len(counts)} stride-2 stages). Received: input_shape={shape}"
        )
    layers: list[Any] = [keras.Input(shape)]
    for count in counts:
        if padding == "circular":
            layers += [CircularPad2D(1), keras.layers.Conv2D(count, 3, activation="relu")]
        else:
            layers.append(keras.layers.Conv2D(count, 3, padding="same", activation="relu"))
        if downsampling == "aps":
            layers.append(AdaptivePolyphaseSampling2D(2))
        else:  # keep every second pixel: what a stride-2 convolution computes
            layers.append(keras.layers.MaxPooling2D(1, strides=2))
    layers += [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)]
    model = keras.Sequential(layers, name=f"{downsampling}_{padding}_cnn")
    return _compiled(model, learning_rate, logits=True)


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


def plain_cnn(
    input_shape: tuple[int, int, int] = (48, 48, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (8, 16, 32),
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Return a compiled plain CNN: :func:`small_trunk`, then a softmax layer.

    Parameters
    ----------
    input_shape : (int, int, int), default (48, 48, 1)
    num_classes : int, default 10
    filters : sequence of int, default (8, 16, 32)
    learning_rate : float, default 1e-3
        Adam's step size (Keras' default; the tutorials' recipes use 3e-3).

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, num_classes) probabilities; its layers are named
        ``"trunk"`` and ``"classifier"``.

    Examples
    --------
    >>> plain_cnn((32, 32, 1)).output_shape
    (None, 10)
    """
    num_classes = check.positive_int(num_classes, "num_classes")
    inputs = keras.Input(_input_shape(input_shape))
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(
        small_trunk(filters)(inputs)
    )
    return _compiled(keras.Model(inputs, outputs, name="plain_cnn"), learning_rate, logits=False)


def scale_channel_cnn(
    input_shape: tuple[int, int, int] = (48, 48, 1),
    num_classes: int = 10,
    filters: Sequence[int] = (8, 16, 32),
    scales: Sequence[float] = (1.0, 0.5**0.5, 0.5),
    learning_rate: float = 1e-3,
) -> keras.Model:
    """Return a compiled scale-channel CNN: :class:`cnn101.layers.ScaleChannels` around the trunk.

    It has exactly the weights of :func:`plain_cnn` with the same ``filters``
    (layers ``"trunk"`` and ``"classifier"``); only how they are applied differs.

    Parameters
    ----------
    input_shape : (int, int, int), default (48, 48, 1)
    num_classes : int, default 10
    filters : sequence of int, default (8, 16, 32)
    scales : sequence of float, default (1, 1/sqrt(2), 1/2)
    learning_rate : float, default 1e-3

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, num_classes) probabilities.

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision 64 (2022), 506-536. arXiv:2106.06418

    Examples
    --------
    >>> model = scale_channel_cnn((32, 32, 1))
    >>> model.output_shape, model.count_params() == plain_cnn((32, 32, 1)).count_params()
    ((None, 10), True)
    """
    num_classes = check.positive_int(num_classes, "num_classes")
    inputs = keras.Input(_input_shape(input_shape))
    pooled = ScaleChannels(small_trunk(filters), scales=scales, name="scale_channels")(inputs)
    outputs = keras.layers.Dense(num_classes, activation="softmax", name="classifier")(pooled)
    model = keras.Model(inputs, outputs, name="scale_channel_cnn")
    return _compiled(model, learning_rate, logits=False)


_FORWARD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _forward(model: keras.Model) -> Any:
    """Return ``model(batch, training=False)`` as a ``tf.function``, traced once per model.

    Kept while the model lives; it reads the model's variables, so weights loaded
    later (``set_weights``) are used. Input shapes that differ only in the batch
    size share a trace (``reduce_retracing``).
    """
    forward = _FORWARD.get(model)
    if forward is None:
        ref = weakref.ref(model)  # the cache must not keep the model alive
        forward = tf.function(lambda batch: ref()(batch, training=False), reduce_retracing=True)
        _FORWARD[model] = forward
    return forward


def predicted_classes(model: keras.Model, images: Any, batch_size: int = 1024) -> np.ndarray:
    """Return the class each image gets: the argmax of the model's output, batch by batch.

    The model's forward pass is traced once per model (graph mode runs these small
    networks about three times faster than eager calls) and called batch by batch;
    ``model.predict`` would also set up a data pipeline on every call, which on a
    few hundred small images costs more than the forward pass.

    Parameters
    ----------
    model : keras.Model
        A classifier returning one score per class.
    images : array_like of shape (N, H, W, C)
        The model's input.
    batch_size : int, default 1024

    Returns
    -------
    ndarray of shape (N,), int64

    Examples
    --------
    >>> model = plain_cnn((16, 16, 1))
    >>> predicted_classes(model, np.zeros((3, 16, 16, 1), "float32")).shape
    (3,)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a Keras model. Received: model={check.describe(model)}")
    images = check.as_float_array(images, "images")
    batch_size = check.positive_int(batch_size, "batch_size")
    expected = tuple(model.input_shape[1:])
    if images.ndim != 4 or any(
        n is not None and n != got for n, got in zip(expected, images.shape[1:], strict=True)
    ):
        shape = ", ".join("any" if n is None else str(n) for n in expected)
        raise ValueError(
            f"`images` must be a batch of shape (N, {shape}), the model's input. "
            f"Received: array with shape {images.shape}"
        )
    forward = _forward(model)
    scores = [
        np.asarray(forward(tf.constant(images[i : i + batch_size])))
        for i in range(0, len(images), batch_size)
    ]
    # a diverged model (NaN scores) is named, not scored as class 0
    scores = check.as_float_array(np.concatenate(scores), "model(images)")
    return scores.argmax(axis=-1).astype(np.int64)


def accuracy_by_scale(
    model: keras.Model,
    images: Any,
    labels: Any,
    scales: Sequence[float],
    *,
    canvas: int | None = None,
    seed: int = 0,
    per_example: bool = False,
) -> np.ndarray:
    """Place the digits at each scale (see :func:`cnn101.digits.place_digits`) and measure accuracy.

    Parameters
    ----------
    model : keras.Model
        A classifier of (N, canvas, canvas, 1) images returning class scores.
    images : array_like of shape (N, h, w)
    labels : array_like of shape (N,)
    scales : sequence of float
    canvas : int, optional
        Defaults to the model's input height.
    seed : int, default 0
        Positions; the same seed at every scale, so only the size changes.
    per_example : bool, default False
        Return which digits were classified right at each scale instead of the
        accuracy (the scores an interval over seeds and test digits needs).

    Returns
    -------
    accuracy : ndarray of shape (len(scales),), float64 in [0, 1]
        Or, with ``per_example=True``, an ndarray of shape (len(scales), N) of 1.0
        (right) and 0.0 (wrong); its mean over the last axis is the accuracy.

    Examples
    --------
    >>> model = plain_cnn((32, 32, 1))
    >>> acc = accuracy_by_scale(model, np.ones((3, 8, 8)), [0, 1, 2], [1.0, 2.0])
    >>> acc.shape
    (2,)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a Keras model. Received: model={check.describe(model)}")
    scales = check.scale_factors(scales, "scales")
    images = check.as_float_array(images, "images")
    if images.ndim != 3:
        raise ValueError(
            f"`images` must be 3-D (N, h, w). Received: array with shape {images.shape}"
        )
    labels = check.integer_labels(labels, "labels", len(images))
    canvas = model.input_shape[1] if canvas is None else check.positive_int(canvas, "canvas")
    seed = check.seed(seed)
    per_example = check.flag(per_example, "per_example")
    correct = np.stack(
        [
            predicted_classes(
                model, place_digits(images, s, canvas=canvas, seed=seed), batch_size=500
            )
            == labels
            for s in scales
        ]
    ).astype(np.float64)
    return correct if per_example else correct.mean(axis=1)


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
    >>> a, b = plain_cnn((16, 16, 1)), plain_cnn((16, 16, 1))
    >>> copy_conv_layers(a, b, count=1)
    1
    """
    src, dst = conv_layers(source, "source"), conv_layers(target, "target")
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


def conv_layers(model: Any, name: str = "model") -> list[keras.layers.Layer]:
    """Return the convolutions of ``model`` in order, those inside scale channels included.

    Parameters
    ----------
    model : keras.Model
    name : str, default "model"
        The argument's name in the error message.

    Returns
    -------
    list of keras.layers.Conv2D
        Nested models and the trunk of :class:`~cnn101.layers.ScaleChannels` are searched.

    Raises
    ------
    TypeError
        If ``model`` is not a Keras model.

    Examples
    --------
    >>> [layer.filters for layer in conv_layers(plain_cnn((28, 28, 1)))]
    [8, 16, 32]
    """
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
