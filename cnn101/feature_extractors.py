"""Feature extractors Λ: functions from a gray image to a stack of feature maps.

A :class:`FeatureExtractor` maps an (H, W) image to an (H, W, C) feature map
with stride 1 and SAME padding, so that a transformation of the image plane can
be applied to both (see :mod:`cnn101.transforms`). It carries its
receptive-field radius r: the feature at a pixel depends only on the image in
the square of half-width r around it, so it is untouched by the zero padding
when it lies r or more pixels inside the border.

Builders: :func:`conv_features` (one convolution with kernels from
:mod:`cnn101.kernels`, optionally followed by ReLU), :func:`random_cnn_features`
(a stack of random 3x3 convolutions with ReLU), :func:`keras_features` (a Keras
model of stride-1 SAME convolutions) and :func:`train_digit_features` (such a
model trained briefly on :func:`cnn101.datasets.load_digits`). ``W_KERNEL`` and
``M_KERNEL`` are the letter detectors of the paper's Figure 2, and
:func:`letters_image` a scene of W and M letters for them to find.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import ops
from cnn101.kernels import filter_bank

__all__ = [
    "M_KERNEL",
    "W_KERNEL",
    "FeatureExtractor",
    "conv_features",
    "keras_features",
    "letters_image",
    "random_cnn_features",
    "train_digit_features",
]


# The letter W as a 5x5 glyph (paper's Figure 2: a "W" detector and an "M" detector;
# turned by 180 degrees, a W is an M). Drawn here, 1 on the strokes.
W_GLYPH = np.array(
    [
        [1, 0, 0, 0, 1],
        [1, 0, 0, 0, 1],
        [1, 0, 1, 0, 1],
        [1, 1, 0, 1, 1],
        [1, 0, 0, 0, 1],
    ],
    dtype=np.float32,
)
M_GLYPH = np.rot90(W_GLYPH, 2).copy()
# Template-matching kernels: the glyph minus its mean, so a flat patch scores 0
# and the letter itself scores highest.
W_KERNEL = W_GLYPH - W_GLYPH.mean()
M_KERNEL = M_GLYPH - M_GLYPH.mean()
for _array in (W_GLYPH, M_GLYPH, W_KERNEL, M_KERNEL):
    _array.setflags(write=False)


def letters_image(size: int = 40, count: int = 6, *, seed: int = 0) -> np.ndarray:
    """Return a dark square with W and M glyphs (alternating) at random places.

    Glyphs do not overlap and keep 3 pixels from the border and from each other.

    Parameters
    ----------
    size : int, default 40
    count : int, default 6
        Number of glyphs, W first.
    seed : int, default 0

    Returns
    -------
    image : ndarray of shape (size, size), float32 in {0, 1}

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716 (Figure 2: the W and M detectors)

    Examples
    --------
    >>> img = letters_image(seed=1)
    >>> img.shape, int(img.sum()) == 3 * int(W_GLYPH.sum() + M_GLYPH.sum())
    ((40, 40), True)
    """
    size = check.positive_int(size, "size")
    count = check.positive_int(count, "count")
    if size > 4096:
        raise ValueError(f"`size` must be at most 4096. Received: size={size}")
    rng = np.random.default_rng(check.seed(seed))
    image = np.zeros((size, size), dtype=np.float32)
    taken = np.zeros((size, size), dtype=bool)
    placed, tries = 0, 0
    while placed < count:
        tries += 1
        if tries > 10_000 or size < 11:
            raise ValueError(
                f"{count} glyphs do not fit in a {size}x{size} image. Use a larger "
                f"`size` or a smaller `count`. Received: size={size}, count={count}"
            )
        row, col = rng.integers(3, size - 8, size=2)
        if taken[row - 3 : row + 8, col - 3 : col + 8].any():
            continue
        image[row : row + 5, col : col + 5] = W_GLYPH if placed % 2 == 0 else M_GLYPH
        taken[row : row + 5, col : col + 5] = True
        placed += 1
    return image


@dataclass(frozen=True)
class FeatureExtractor:
    """A feature extractor Λ: (H, W) image in, (H, W, C) feature map out.

    Attributes
    ----------
    name : str
    function : callable
        Maps a float32 NHWC batch (N, H, W, 1) to a batch (N, H, W, C).
    radius : int
        Receptive-field radius in pixels.
    model : keras.Model or None
        The wrapped model (from :func:`keras_features`), to read its weights.

    References
    ----------
    .. [1] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> extractor = conv_features("laplacian")
    >>> extractor(np.zeros((5, 6))).shape, extractor.radius
    ((5, 6, 1), 1)
    """

    name: str
    function: Callable[[np.ndarray], Any]
    radius: int
    model: Any = field(default=None, repr=False, compare=False)  # the Keras model, if any

    def __post_init__(self) -> None:
        check.text(self.name, "name", optional=False)
        check.function(self.function, "function", "batch -> feature maps")
        check.non_negative_int(self.radius, "radius")
        if self.model is not None and not hasattr(self.model, "get_weights"):
            raise TypeError(
                f"`model` must be a Keras model or None. Received: model={check.describe(self.model)}"
            )

    def __call__(self, image: Any) -> np.ndarray:
        """Return the feature map of an (H, W) image as an (H, W, C) float32 array."""
        array = check.gray_image(image, "image")
        out = self.function(array[None, :, :, None])
        # What the user's function returned is checked here, where it comes back.
        if out is None or isinstance(out, str | bytes):
            raise TypeError(
                f"`function` of the FeatureExtractor {self.name!r} must return a batch of feature "
                f"maps (1, H, W, C). It returned: {check.describe(out)}"
            )
        maps = check.as_float_array(out, "function(image)")
        check.ndim(maps, "function(image)", 4, "a batch (1, H, W, C)")
        if maps.shape[0] != 1:
            raise ValueError(
                f"`function` of the FeatureExtractor {self.name!r} must return one map per image "
                f"(a batch of 1). It returned an array with shape {maps.shape}"
            )
        return maps[0]


def _same_radius(size: int, dilation: int = 1) -> int:
    # SAME padding with an effective window e puts (e - 1) // 2 taps before the
    # centre and e // 2 after it: the far side is e // 2 pixels away.
    return (dilation * (size - 1) + 1) // 2


def conv_features(kernels: Any, *, relu: bool = False, name: str | None = None) -> FeatureExtractor:
    """Return Λ f = conv(f, kernels), optionally followed by ReLU.

    Parameters
    ----------
    kernels : str, array_like of shape (kh, kw) or (n, kh, kw), or a sequence of them
        One output channel per kernel (names from :func:`cnn101.kernels.kernel_names`),
        made into a bank by :func:`cnn101.kernels.filter_bank`: odd-sized kernels of
        different sizes are padded with zeros around their centres to the largest.
    relu : bool, default False
    name : str, optional

    Returns
    -------
    FeatureExtractor
        Radius ``max(kh, kw) // 2`` (a 2x2 kernel reaches one pixel down and right).

    Examples
    --------
    >>> bank = conv_features(["sobel_left", "sobel_right"], relu=True)
    >>> bank(np.eye(4)).shape
    (4, 4, 2)
    """
    bank = filter_bank(kernels)
    relu = check.flag(relu, "relu")
    check.text(name, "name")
    radius = max(_same_radius(bank.shape[0]), _same_radius(bank.shape[1]))

    def function(batch: np.ndarray) -> Any:
        out = ops.conv2d(batch, bank, padding="SAME")
        return ops.relu(out) if relu else out

    label = name or (
        kernels if isinstance(kernels, str) else f"conv {bank.shape[0]}x{bank.shape[1]}"
    )
    return FeatureExtractor(label + (" + ReLU" if relu and name is None else ""), function, radius)


def random_cnn_features(
    channels: Sequence[int] = (8, 8, 8), kernel_size: int = 3, *, seed: int = 0
) -> FeatureExtractor:
    """Return a stack of random convolutions, each followed by ReLU.

    Weights are He-normal (standard deviation ``sqrt(2 / (k * k * in_channels))``)
    drawn from ``np.random.default_rng(seed)``; there are no biases.

    Parameters
    ----------
    channels : sequence of int, default (8, 8, 8)
        Output channels of each layer.
    kernel_size : int, default 3
    seed : int, default 0

    Returns
    -------
    FeatureExtractor
        Radius ``len(channels) * (kernel_size // 2)``.

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Delving deep into rectifiers: surpassing
       human-level performance on ImageNet classification", ICCV, 2015. arXiv:1502.01852

    Examples
    --------
    >>> cnn = random_cnn_features((4, 6), seed=1)
    >>> cnn(np.ones((8, 8))).shape, cnn.radius
    ((8, 8, 6), 2)
    """
    widths = list(check.positive_ints(channels, "channels"))
    size = check.positive_int(kernel_size, "kernel_size")
    seed = check.seed(seed)
    rng = np.random.default_rng(seed)
    weights, inputs = [], 1
    for width in widths:
        scale = np.sqrt(2.0 / (size * size * inputs))
        weights.append(rng.normal(0.0, scale, (size, size, inputs, width)).astype(np.float32))
        inputs = width

    def function(batch: np.ndarray) -> Any:
        for kernel in weights:
            batch = ops.relu(ops.conv2d(batch, kernel, padding="SAME"))
        return batch

    return FeatureExtractor(
        f"random CNN {len(widths)} layers", function, len(widths) * _same_radius(size)
    )


def keras_features(model: Any, *, name: str | None = None) -> FeatureExtractor:
    """Wrap a Keras model of stride-1, SAME-padded convolutions as a FeatureExtractor.

    Parameters
    ----------
    model : keras.Model
        Takes (N, H, W, 1) and returns (N, H, W, C). Allowed layers: ``Conv2D``
        with strides 1 and padding "same", ``ReLU`` and ``Activation``
        (pointwise, so they keep the radius).
    name : str, optional

    Returns
    -------
    FeatureExtractor
        Radius: the sum of the convolutions' radii.

    Raises
    ------
    ValueError
        For a layer that changes resolution or is not known to be local (pooling,
        strides, VALID padding, dense layers ...).

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((None, None, 1)),
    ...     keras.layers.Conv2D(4, 5, padding="same"),  # radius 2
    ...     keras.layers.ReLU(),
    ...     keras.layers.Conv2D(2, 3, padding="same", dilation_rate=2),  # spans 5: radius 2
    ... ])
    >>> extractor = keras_features(model, name="two convolutions")
    >>> extractor(np.zeros((8, 8))).shape, extractor.radius
    ((8, 8, 2), 4)
    """
    import keras  # after cnn101.ops has loaded TensorFlow quietly

    check.instance(model, "model", keras.Model, "a keras.Model")
    check.text(name, "name")
    radius = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            if tuple(layer.strides) != (1, 1) or layer.padding != "same":
                raise ValueError(
                    f"Layer {check.describe(layer.name)} must use strides=1 and padding='same' so the feature "
                    f"map keeps the image's grid. Received: strides={layer.strides}, "
                    f"padding={check.describe(layer.padding)}"
                )
            radius += max(
                _same_radius(k, d)
                for k, d in zip(layer.kernel_size, layer.dilation_rate, strict=True)
            )
        elif not isinstance(layer, keras.layers.ReLU | keras.layers.Activation):
            raise ValueError(
                f"Layer {check.describe(layer.name)} ({type(layer).__name__}) is not a stride-1 SAME Conv2D, "
                "ReLU or Activation; its receptive field is not known to be local."
            )

    def function(batch: np.ndarray) -> Any:
        return model(batch, training=False)

    return FeatureExtractor(name or model.name, function, radius, model=model)


def train_digit_features(
    channels: Sequence[int] = (8, 8), *, epochs: int = 2, seed: int = 0, digits: Any = None
) -> tuple[FeatureExtractor, float]:
    """Train a small CNN on the MNIST digits and return its convolutional features.

    The network is ``channels`` 3x3 convolutions with ReLU (the feature
    extractor), then 2x2 max pooling, flatten and a dense layer over the 10
    digits. It trains with Adam on the 4,000 training digits of
    :func:`cnn101.datasets.load_digits` (batches of 128, in the order the loader
    shuffled them with ``seed``), a few seconds on a laptop CPU.

    Parameters
    ----------
    channels : sequence of int, default (8, 8)
    epochs : int, default 2
    seed : int, default 0
        Seeds the weight initialisers and the data split (nothing global).
    digits : ((x_train, y_train), (x_test, y_test)), optional
        A split from :func:`cnn101.datasets.load_digits`, to skip loading it again;
        ``load_digits(seed=seed)`` when omitted.

    Returns
    -------
    extractor : FeatureExtractor
        The trained convolutions, usable on images of any size.
    accuracy : float
        Accuracy on the 1,000 held-out digits (on ``x_test`` of ``digits`` when given).

    Examples
    --------
    Train one epoch on 32 digits (a real run uses the whole split):

    >>> from cnn101.datasets import load_digits
    >>> (x_train, y_train), (x_test, y_test) = load_digits()
    >>> few = (x_train[:32], y_train[:32]), (x_test[:16], y_test[:16])
    >>> extractor, accuracy = train_digit_features((4,), epochs=1, digits=few)
    >>> extractor(np.zeros((12, 12))).shape, extractor.radius, 0.0 <= accuracy <= 1.0
    ((12, 12, 4), 1, True)
    """
    import keras  # after cnn101.ops has loaded TensorFlow quietly

    from cnn101.datasets import load_digits

    widths = list(check.positive_ints(channels, "channels"))
    epochs = check.positive_int(epochs, "epochs")
    seed = check.seed(seed)
    if digits is not None:
        check.instance(
            digits,
            "digits",
            tuple | list,
            "((x_train, y_train), (x_test, y_test)) from load_digits",
        )
    try:
        (x_train, y_train), (x_test, y_test) = load_digits(seed=seed) if digits is None else digits
        x_train, x_test = (
            np.asarray(x, dtype=np.float32).reshape(-1, 28, 28, 1) for x in (x_train, x_test)
        )
        y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    except (TypeError, ValueError):
        raise ValueError(
            "`digits` must be ((x_train, y_train), (x_test, y_test)) as returned by "
            f"cnn101.datasets.load_digits, with 28x28 images. Received: {type(digits).__name__}"
        ) from None
    convs = [
        keras.layers.Conv2D(
            width,
            3,
            padding="same",
            activation="relu",
            kernel_initializer=keras.initializers.HeNormal(seed=seed + i),
        )
        for i, width in enumerate(widths)
    ]
    features = keras.Sequential([keras.Input((None, None, 1)), *convs], name="digit_features")
    inputs = keras.Input((28, 28, 1))
    hidden = keras.layers.Flatten()(keras.layers.MaxPooling2D(2)(features(inputs)))
    logits = keras.layers.Dense(10, kernel_initializer=keras.initializers.GlorotUniform(seed=seed))(
        hidden
    )
    classifier = keras.Model(inputs, logits)
    classifier.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    classifier.fit(x_train, y_train, batch_size=128, epochs=epochs, shuffle=False, verbose=0)
    _, accuracy = classifier.evaluate(x_test, y_test, batch_size=256, verbose=0)
    return keras_features(features, name="trained digit CNN"), float(accuracy)
