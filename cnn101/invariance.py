"""Measure translation equivariance and invariance: shifts, errors and consistency.

* :func:`shift` moves images by whole pixels with zero fill (no wrap-around).
* :func:`equivariance_error` checks ``f(shift(x)) == shift(f(x))`` away from the borders
  (true of convolution and of ReLU).
* :func:`shift_stability` measures how much a one-pixel shift changes an output:
  whether it stays exactly the same, and its relative change.
* :func:`conv_pool_stack` builds the fixed, randomly weighted conv -> ReLU -> pool
  stages those measurements run on (max pooling or anti-aliased max-blur pooling).
* :func:`shifted_predictions` and :func:`consistency` give Zhang's (2019) consistency:
  how often two shifted copies of an input get the same top-1 class.

Images are NHWC (N, H, W, C), as in :mod:`cnn101.ops`; a shift ``(dy, dx)`` moves the
content ``dy`` rows down and ``dx`` columns right (negative: up and left).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import keras
from cnn101.kernels import to_filter
from cnn101.layers.blur_pool import MaxBlurPool2D
from cnn101.models import predicted_classes

__all__ = [
    "ShiftStability",
    "ShiftedPredictions",
    "consistency",
    "conv_pool_stack",
    "equivariance_error",
    "random_shifts",
    "shift",
    "shift_stability",
    "shifted_predictions",
]


def _shift_batch(batch: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(batch)
    h, w = batch.shape[1:3]
    if abs(dy) >= h or abs(dx) >= w:
        return out
    out[:, max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = batch[
        :, max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)
    ]
    return out


def shift(images: Any, dy: int = 0, dx: int = 0) -> np.ndarray:
    """Move images by whole pixels, filling the uncovered border with zeros.

    Pixels pushed past the edge are dropped (no wrap-around, unlike ``np.roll``).

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    dy : int, default 0
        Rows to move down (negative: up).
    dx : int, default 0
        Columns to move right (negative: left).

    Returns
    -------
    ndarray, float32, with the shape of ``images``

    Examples
    --------
    >>> shift([[1.0, 2.0, 3.0]], dx=1).tolist()
    [[0.0, 1.0, 2.0]]
    >>> shift(np.eye(3), dy=-1).astype(int).tolist()
    [[0, 1, 0], [0, 0, 1], [0, 0, 0]]
    """
    batch, rank = check.as_image_batch(images)
    out = _shift_batch(batch, check.integer(dy, "dy"), check.integer(dx, "dx"))
    return check.restore_rank(out, rank)


def random_shifts(images: Any, max_shift: int = 2, *, seed: Any = None) -> np.ndarray:
    """Shift each image by its own random whole-pixel offset (shift augmentation).

    Each image gets ``(dy, dx)`` drawn uniformly from ``[-max_shift, max_shift]``
    squared, independently, and is moved as by :func:`shift` (zero fill).

    Parameters
    ----------
    images : array_like of shape (N, H, W, C)
    max_shift : int, default 2
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    shifted : ndarray of shape (N, H, W, C), float32

    Examples
    --------
    >>> dots = np.zeros((100, 5, 5, 1)); dots[:, 2, 2] = 1.0
    >>> moved = random_shifts(dots, 1, seed=0)
    >>> sorted({tuple((np.argwhere(m[..., 0])[0] - 2).tolist()) for m in moved})
    [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1), (1, -1), (1, 0), (1, 1)]
    """
    batch = check.image_batch(images)
    max_shift = check.non_negative_int(max_shift, "max_shift")
    rng = np.random.default_rng(check.seed(seed, "seed", optional=True))
    offsets = rng.integers(-max_shift, max_shift + 1, size=(len(batch), 2))
    out = np.empty_like(batch)
    for dy, dx in {tuple(o) for o in offsets.tolist()}:
        chosen = (offsets[:, 0] == dy) & (offsets[:, 1] == dx)
        out[chosen] = _shift_batch(batch[chosen], dy, dx)
    return out


def _as_batch_output(value: Any, name: str) -> np.ndarray:
    return check.as_image_batch(value, name)[0]


def equivariance_error(
    fn: Callable[[Any], Any], images: Any, dy: int = 0, dx: int = 1, *, margin: int
) -> float:
    """Return ``max |fn(shift(x)) - shift(fn(x))|`` over the interior of the maps.

    An operation is translation-equivariant when shifting its input shifts its
    output by the same amount. ``fn`` must keep the spatial size (stride 1, SAME
    padding); near the borders, padding and the zero fill make any operation
    differ, so the ``margin`` outermost rows and columns are left out.

    Parameters
    ----------
    fn : callable
        Maps ``images`` to maps of the same height and width (any channels).
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    dy, dx : int, default 0 and 1
        The shift (see :func:`shift`).
    margin : int
        Border rows and columns to ignore; ``|shift| + kernel_size // 2`` suffices
        for a convolution.

    Returns
    -------
    float
        The largest absolute difference (0.0 for an exactly equivariant ``fn``).

    Examples
    --------
    >>> from cnn101 import ops
    >>> from cnn101.images import load_photo
    >>> photo = load_photo("camera", size=32)
    >>> equivariance_error(lambda x: ops.conv2d(x, "sobel_left"), photo, 2, 1, margin=3) < 1e-5
    True
    >>> equivariance_error(lambda x: x[:, ::-1], photo, 0, 1, margin=3) > 0.1  # a flip is not
    True
    """
    fn = check.function(fn, "fn", "images -> maps")
    batch, rank = check.as_image_batch(images)
    dy, dx = check.integer(dy, "dy"), check.integer(dx, "dx")
    margin = check.non_negative_int(margin, "margin")
    h, w = batch.shape[1:3]
    if 2 * margin >= min(h, w):
        raise ValueError(
            f"`margin` leaves no interior in images of size {(h, w)}: it must be below "
            f"{(min(h, w) + 1) // 2}. Received: margin={margin}"
        )
    moved = check.restore_rank(_shift_batch(batch, dy, dx), rank)
    moved_then_mapped = _as_batch_output(fn(moved), "fn(images)")
    mapped = _as_batch_output(fn(check.restore_rank(batch, rank)), "fn(images)")
    if mapped.shape[1:3] != (h, w):
        raise ValueError(
            "`fn` must keep the height and width of its input (stride 1, SAME padding) for "
            f"equivariance to be measured. Received: images of size {(h, w)} gave maps of "
            f"size {mapped.shape[1:3]}"
        )
    mapped_then_moved = _shift_batch(mapped, dy, dx)
    inside = (slice(None), slice(margin, h - margin), slice(margin, w - margin))
    return float(np.abs(moved_then_mapped[inside] - mapped_then_moved[inside]).max())


@dataclass(frozen=True)
class ShiftStability:
    """How an output reacts to small shifts of its input (from :func:`shift_stability`).

    Attributes
    ----------
    unchanged : ndarray of shape (N, S), bool
        Whether the output for image ``n`` stayed the same under shift ``s``.
    relative_change : ndarray of shape (N, S), float
        ``||f(shift(x)) - f(x)|| / ||f(x)||`` (Euclidean norms; 0 when both are zero).
    shifts : ndarray of shape (S, 2), int
        The shifts (dy, dx).

    Examples
    --------
    Two images, two shifts; one output of the four changed, by half its norm:

    >>> stability = ShiftStability(
    ...     unchanged=np.array([[True, False], [True, True]]),
    ...     relative_change=np.array([[0.0, 0.5], [0.0, 0.0]]),
    ...     shifts=np.array([[0, 1], [1, 0]]),
    ... )
    >>> stability.fraction_unchanged, stability.mean_relative_change
    (0.75, 0.125)
    """

    unchanged: np.ndarray
    relative_change: np.ndarray
    shifts: np.ndarray

    @property
    def fraction_unchanged(self) -> float:
        """Share of (image, shift) pairs whose output stayed the same."""
        return float(self.unchanged.mean())

    @property
    def mean_relative_change(self) -> float:
        """Mean of :attr:`relative_change` over images and shifts."""
        return float(self.relative_change.mean())


def _outputs(fn: Callable[[Any], Any], batch: np.ndarray) -> np.ndarray:
    out = check.as_float_array(fn(batch), "fn(images)")
    if out.shape[0] != batch.shape[0]:
        raise ValueError(
            "`fn` must return one output per image (first axis of length "
            f"{batch.shape[0]}). Received: output with shape {out.shape}"
        )
    return out.reshape(out.shape[0], -1).astype(np.float64)


def shift_stability(
    fn: Callable[[Any], Any],
    images: Any,
    shifts: Any = ((0, 1), (1, 0)),
    *,
    atol: float = 1e-5,
) -> ShiftStability:
    """Compare ``fn(shift(x))`` with ``fn(x)`` for every image and shift.

    Unlike :func:`equivariance_error`, the two outputs are compared at the *same*
    positions: this measures invariance (does the output stay put?), the property
    pooling is said to give.

    Parameters
    ----------
    fn : callable
        Maps an NHWC batch to one output per image (a Keras model works).
    images : array_like of shape (N, H, W, C)
    shifts : sequence of (int, int), default ((0, 1), (1, 0))
        The (dy, dx) shifts to try.
    atol : float, default 1e-5
        An output counts as unchanged when no value moved by more than ``atol``.

    Returns
    -------
    ShiftStability

    Examples
    --------
    >>> from cnn101 import ops
    >>> bars = np.zeros((2, 4, 4, 1))
    >>> bars[0, :, 0], bars[1, :, 1] = 1.0, 1.0  # bars at columns 0 and 1
    >>> result = shift_stability(ops.max_pool2d, bars, shifts=[(0, 1)])
    >>> result.unchanged[:, 0].tolist(), result.fraction_unchanged
    ([True, False], 0.5)
    """
    fn = check.function(fn, "fn", "images -> outputs")
    batch = check.image_batch(images)
    expected = "a non-empty sequence of (dy, dx) integer pairs"
    if isinstance(shifts, np.ndarray):
        shifts = shifts.tolist()
    check.sequence(shifts, "shifts", expected)
    try:
        pairs = np.asarray(shifts)
    except (ValueError, TypeError):  # ragged
        pairs = np.asarray([])
    if pairs.ndim != 2 or pairs.shape[1:] != (2,):
        raise ValueError(f"`shifts` must be {expected}. Received: shifts={check.describe(shifts)}")
    pairs = np.array([[check.integer(v, "shifts") for v in pair] for pair in pairs.tolist()])
    atol = check.real_number(atol, "atol", non_negative=True)
    base = _outputs(fn, batch)
    base_norm = np.linalg.norm(base, axis=1)
    unchanged, change = [], []
    for dy, dx in pairs:
        moved = _outputs(fn, _shift_batch(batch, int(dy), int(dx)))
        if moved.shape != base.shape:
            raise ValueError(f"`fn` gave outputs of shapes {base.shape} and {moved.shape}")
        diff = moved - base
        unchanged.append(np.abs(diff).max(axis=1) <= atol)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.linalg.norm(diff, axis=1) / base_norm
        change.append(np.where(np.linalg.norm(diff, axis=1) == 0, 0.0, ratio))
    return ShiftStability(np.stack(unchanged, 1), np.stack(change, 1), pairs)


_STACK_POOLINGS = ("max", "avg", "blur", "stride")


def conv_pool_stack(
    depth: int,
    *,
    pooling: Literal["max", "avg", "blur", "stride"] = "max",
    kernel: Any = None,
    channels: int = 8,
    kernel_size: int = 3,
    filter_size: int = 3,
    in_channels: int = 1,
    seed: int = 0,
) -> keras.Sequential:
    """Build ``depth`` stages of conv (fixed weights) -> ReLU -> 2x downsampling.

    Nothing is trained. With ``kernel=None`` each convolution has ``channels``
    He-normal random filters fixed by ``seed``; with a named or 2-D ``kernel`` every
    stage slides that one kernel (one channel, summed over input channels, see
    :func:`cnn101.kernels.to_filter`). Two stacks with the same arguments but a
    different ``pooling`` share their convolutions and differ only in how they pool.

    Parameters
    ----------
    depth : int
        Number of stages; the output is ``2 ** depth`` times smaller.
    pooling : {"max", "avg", "blur", "stride"}, default "max"
        ``keras.layers.MaxPooling2D(2)``, ``keras.layers.AveragePooling2D(2)``, the
        anti-aliased :class:`cnn101.layers.blur_pool.MaxBlurPool2D` (2, ``filter_size``), or
        no pooling: ``"stride"`` keeps every second pixel of the ReLU output (the
        same as a stride-2 convolution).
    kernel : str or array_like of shape (kh, kw), optional
        A fixed kernel for every stage (e.g. ``"vertical_line"``) instead of random filters.
    channels : int, default 8
        Random filters per convolution (ignored with ``kernel``).
    kernel_size : int, default 3
        Size of the random filters (ignored with ``kernel``).
    filter_size : int, default 3
        Binomial filter of the blur (``pooling="blur"`` only).
    in_channels : int, default 1
    seed : int, default 0
        Seed of the random filters (stage ``i`` uses ``seed + i``).

    Returns
    -------
    keras.Sequential
        Maps (N, H, W, in_channels) to (N, H / 2**depth, W / 2**depth, C), with
        ``C = channels`` (random) or 1 (``kernel``). SAME convolutions, no bias.

    Examples
    --------
    >>> stack = conv_pool_stack(2, pooling="blur")
    >>> tuple(stack(np.zeros((1, 32, 32, 1))).shape)
    (1, 8, 8, 8)
    >>> tuple(conv_pool_stack(3, kernel="vertical_line")(np.zeros((1, 32, 32, 1))).shape)
    (1, 4, 4, 1)
    """
    depth = check.positive_int(depth, "depth")
    pooling = check.choice(pooling, "pooling", _STACK_POOLINGS)
    channels = check.positive_int(channels, "channels")
    kernel_size = check.positive_int(kernel_size, "kernel_size")
    filter_size = check.positive_int(filter_size, "filter_size")
    in_channels = check.positive_int(in_channels, "in_channels")
    seed = check.seed(seed)
    fixed = None if kernel is None else to_filter(kernel, 1)[:, :, 0, 0]
    layers: list[Any] = [keras.Input(shape=(None, None, in_channels))]
    for stage in range(depth):
        if fixed is None:
            init = keras.initializers.HeNormal(seed=seed + stage)
            conv = keras.layers.Conv2D(
                channels, kernel_size, padding="same", use_bias=False, kernel_initializer=init
            )
        else:
            weights = to_filter(fixed, in_channels if stage == 0 else 1)
            conv = keras.layers.Conv2D(
                1,
                fixed.shape,
                padding="same",
                use_bias=False,
                kernel_initializer=keras.initializers.Constant(weights),
                trainable=False,
            )
        layers.append(conv)
        layers.append(keras.layers.ReLU())
        layers.append(
            {
                "max": lambda: keras.layers.MaxPooling2D(2),
                "avg": lambda: keras.layers.AveragePooling2D(2),
                "blur": lambda: MaxBlurPool2D(2, filter_size),
                # keep every second pixel: what a stride-2 convolution computes
                "stride": lambda: keras.layers.MaxPooling2D(1, strides=2),
            }[pooling]()
        )
    return keras.Sequential(layers, name=f"{pooling}_pool_stack_{depth}")


@dataclass(frozen=True)
class ShiftedPredictions:
    """Top-1 classes of each image under every shift in a square (from :func:`shifted_predictions`).

    Attributes
    ----------
    classes : ndarray of shape (N, S), int
        Predicted class of image ``n`` shifted by ``offsets[s]``.
    offsets : ndarray of shape (S, 2), int
        All (dy, dx) with ``|dy|, |dx| <= max_shift``.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    Image 0 gets class 3 under three of four shifts and class 5 under one; image 1
    gets class 1 under all four. Its consistency is the mean of
    ``(3/4)**2 + (1/4)**2`` and 1:

    >>> offsets = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> predictions = ShiftedPredictions(np.array([[3, 3, 3, 5], [1, 1, 1, 1]]), offsets)
    >>> predictions.consistency, predictions.accuracy([3, 1])
    (0.8125, 0.875)
    >>> predictions.image_consistency.tolist()
    [0.625, 1.0]
    """

    classes: np.ndarray
    offsets: np.ndarray

    @property
    def consistency(self) -> float:
        """Probability that two independent random shifts give the same class.

        For one image with class counts ``n_c`` over the ``S`` shifts this is
        ``sum_c (n_c / S) ** 2`` (the two shifts may coincide, as in Zhang's
        sampling); the result is the mean over images.
        """
        return float(self.image_consistency.mean())

    @property
    def image_consistency(self) -> np.ndarray:
        """Each image's consistency, ``sum_c (n_c / S) ** 2``: shape (N,).

        Their mean is :attr:`consistency`; per image, they are the scores that an
        interval over seeds and test images needs
        (:func:`cnn101.experiments.paired_difference`).
        """
        n, s = self.classes.shape
        per_image = np.zeros(n)
        for label in np.unique(self.classes):
            per_image += ((self.classes == label).sum(axis=1) / s) ** 2
        return per_image

    def accuracy(self, labels: Any) -> float:
        """Share of (image, shift) pairs classified as ``labels``.

        Parameters
        ----------
        labels : array_like of int, shape (N,)
            The true class of each image.

        Returns
        -------
        float
        """
        labels = check.integer_labels(labels, "labels", self.classes.shape[0])
        return float((self.classes == labels[:, None]).mean())


def shifted_predictions(
    predict: Callable[[Any], Any], images: Any, max_shift: int = 2, *, batch_size: int = 256
) -> ShiftedPredictions:
    """Classify every image shifted by every (dy, dx) in ``[-max_shift, max_shift]``.

    Parameters
    ----------
    predict : keras.Model or callable
        Maps an (N, H, W, C) batch to class scores (N, K). A Keras model gets
        every shift of every image in one :func:`cnn101.models.predicted_classes`
        call (its forward pass traced once).
    images : array_like of shape (N, H, W, C)
        Leave a border of at least ``max_shift`` empty pixels so shifts lose nothing.
    max_shift : int, default 2
    batch_size : int, default 256

    Returns
    -------
    ShiftedPredictions

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> dots = np.zeros((1, 9, 9, 1))
    >>> dots[0, 4, 4] = 1.0
    >>> column_of_dot = lambda x: x.max(axis=(1, 3))  # scores = column profile
    >>> out = shifted_predictions(column_of_dot, dots, max_shift=1)
    >>> sorted(set(out.classes[0].tolist())), round(out.consistency, 3)  # 3 columns: 1/3
    ([3, 4, 5], 0.333)
    """
    predict = check.function(predict, "predict", "a Keras model or a function: images -> scores")
    batch = check.image_batch(images)
    max_shift = check.non_negative_int(max_shift, "max_shift")
    if max_shift >= min(batch.shape[1:3]):
        raise ValueError(
            f"`max_shift` must be below the size of `images` {batch.shape[1:3]} (a larger shift "
            f"moves the whole image out). Received: max_shift={max_shift}"
        )
    batch_size = check.positive_int(batch_size, "batch_size")
    steps = np.arange(-max_shift, max_shift + 1)
    offsets = np.array([(dy, dx) for dy in steps for dx in steps])
    moved = [_shift_batch(batch, int(dy), int(dx)) for dy, dx in offsets]
    outputs = getattr(predict, "outputs", None) if isinstance(predict, keras.Model) else None
    if outputs is not None and len(outputs) == 1 and len(outputs[0].shape) == 2:
        # a Keras classifier: all shifts in one traced forward pass
        joined = predicted_classes(predict, np.concatenate(moved), batch_size=batch_size)
        return ShiftedPredictions(np.stack(np.split(joined, len(offsets)), axis=1), offsets)
    classes = []
    for scores in (predict(m) for m in moved):
        scores = check.as_float_array(scores, "predict(images)")
        if scores.ndim != 2 or scores.shape[0] != batch.shape[0]:
            raise ValueError(
                "`predict` must return class scores of shape (N, K). Received: output with "
                f"shape {scores.shape} for {batch.shape[0]} images"
            )
        classes.append(scores.argmax(axis=1))
    return ShiftedPredictions(np.stack(classes, axis=1), offsets)


def consistency(
    predict: Callable[[Any], Any], images: Any, max_shift: int = 2, *, batch_size: int = 256
) -> float:
    """Zhang's (2019) consistency: P(two random shifts of an input get the same class).

    Both shifts (dy, dx) are uniform over ``[-max_shift, max_shift]`` squared and
    independent. Instead of sampling one pair per image as Zhang does, this
    averages over all pairs (the expected value of his estimate, without the
    sampling noise), so the result does not depend on a seed.

    Parameters
    ----------
    predict : keras.Model or callable
        See :func:`shifted_predictions`.
    images : array_like of shape (N, H, W, C)
    max_shift : int, default 2
    batch_size : int, default 256

    Returns
    -------
    float in [1 / (2 * max_shift + 1) ** 2, 1]
        1.0 when every shift gets the same class.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486

    Examples
    --------
    >>> dots = np.zeros((3, 9, 9, 1))
    >>> dots[:, 4, 4] = [[1.0], [0.5], [0.2]]
    >>> is_bright = lambda x: np.stack([x.max(axis=(1, 2, 3)), np.full(len(x), 0.4)], 1)
    >>> consistency(is_bright, dots, max_shift=2)  # a global max ignores where the dot is
    1.0
    """
    return shifted_predictions(predict, images, max_shift, batch_size=batch_size).consistency
