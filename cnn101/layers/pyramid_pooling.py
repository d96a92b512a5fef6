"""Pyramid pooling layers: SPP (He et al. 2014), PSPNet's module (Zhao et al. 2017), ASPP (Chen et al. 2017).

An image pyramid looks at one image at several scales; these layers do the same
inside a network, on a feature map:

* :class:`SpatialPyramidPooling` max-pools the map into n x n bins for each level
  n and concatenates them into one vector whose length does not depend on the
  input size, so a CNN with a Dense head accepts any image size.
* :class:`PyramidPoolingModule` average-pools into 1, 2, 3 and 6 bins, reduces
  each with a 1x1 convolution, upsamples back and concatenates with the input:
  every pixel gets context from the whole image and from its quarter, ninth, ...
* :class:`AtrousSpatialPyramidPooling` runs 3x3 convolutions with holes (dilation
  6, 12, 18) side by side with a 1x1 convolution and an image-level pooling
  branch and concatenates them (DeepLab v3), or sums the atrous branches alone
  (``merge="sum"``, DeepLab v2), so one layer sees the map at several receptive-field
  sizes.

He et al. (arXiv:1406.4729) place the bins by two rules, and ``bin_rule`` offers both.
For a network applied to an image of any size (their Appendix A), bin i of n over H rows
spans ``floor(i * H / n)`` to ``ceil((i + 1) * H / n)``, the floor on the left/top edge and
the ceiling on the right/bottom one: that is adaptive pooling (PyTorch's
``AdaptiveMaxPool2d``) and the default, ``bin_rule="adaptive"``; the bins cover the whole
map and may overlap by a pixel. For training at fixed sizes (their Section 2.3) each level
is a sliding-window pooling with window ``ceil(H / n)`` and stride ``floor(H / n)``. That
gives n windows per side at every level on their 13 x 13 map, but on their 10 x 10 map,
of which they write that the output has "the same fixed length", only for n <= 4 (n = 6:
window 2, stride 1, 9 windows), and more on many other sizes (7 x 7 with n = 4: window 2,
stride 1, 6 windows per side); ``bin_rule="he"`` keeps the first n, bin i spanning
``i * floor(H / n)`` to ``i * floor(H / n) + ceil(H / n)``, so it can leave the last rows
unread (10 rows, 4 bins: windows of 3 at stride 2 never read row 9) and needs ``H >= n``.
The default levels (4, 2, 1) are the paper's Figure 3, an illustration; its ImageNet
classification networks (Section 3.1.2) and its detection network pool into (6, 3, 2, 1)
bins (12,800 numbers from 256 maps).

PSPNet and DeepLab v3 follow each convolution with batch normalisation: ASPP does so by
default (``batch_norm=True``, as v3), the pyramid pooling module with ``batch_norm=True``.
All layers take NHWC maps of any height and width: ``keras.Input((None, None, C))``.

References
----------
.. [1] K. He, X. Zhang, S. Ren and J. Sun, "Spatial pyramid pooling in deep convolutional
   networks for visual recognition", ECCV, 2014; extended in IEEE TPAMI 37(9), 2015.
   arXiv:1406.4729
.. [2] H. Zhao, J. Shi, X. Qi, X. Wang and J. Jia, "Pyramid scene parsing network", CVPR,
   2017. arXiv:1612.01105
.. [3] L.-C. Chen, G. Papandreou, F. Schroff and H. Adam, "Rethinking atrous convolution
   for semantic image segmentation", arXiv preprint, 2017. arXiv:1706.05587
.. [4] L.-C. Chen, G. Papandreou, I. Kokkinos, K. Murphy and A. L. Yuille, "DeepLab:
   semantic image segmentation with deep convolutional nets, atrous convolution, and
   fully connected CRFs", IEEE TPAMI 40(4), 2018. arXiv:1606.00915
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import keras, tensorflow
from cnn101.layers._base import NHWCLayer

__all__ = [
    "AtrousSpatialPyramidPooling",
    "PyramidPoolingModule",
    "SpatialPyramidPooling",
    "adaptive_pool2d",
    "bin_edges",
    "valid_taps",
]

Pooling = Literal["max", "avg"]
BinRule = Literal["adaptive", "he"]
BIN_RULES = ("adaptive", "he")
POOLINGS = ("max", "avg")
MERGES = ("concat", "sum")  # DeepLab v3, DeepLab v2


def _bin_rule(bin_rule: Any) -> str:
    return check.choice(bin_rule, "bin_rule", BIN_RULES)


def bin_edges(size: int, bins: int, bin_rule: BinRule = "adaptive") -> list[tuple[int, int]]:
    """Return the (start, stop) of each of ``bins`` bins over ``size`` pixels.

    ``bin_rule="adaptive"``: bin i spans ``floor(i * size / bins)`` to
    ``ceil((i + 1) * size / bins)``; the bins cover every pixel, none is empty, and
    neighbours overlap when ``bins`` does not divide ``size``.

    This is He et al.'s rule for a network applied to any size (arXiv:1406.4729,
    Appendix A: floor on the left/top edge, ceiling on the right/bottom one).

    ``bin_rule="he"``: the first ``bins`` windows of the sliding-window pooling of
    He et al.'s Section 2.3, a window of ``ceil(size / bins)`` pixels moved by a stride of
    ``floor(size / bins)``; bin i spans ``i * stride`` to ``i * stride + window``. That
    pooling can have more than ``bins`` windows (size 7, 4 bins: 6); the last pixels can
    be left out, and ``size`` must be at least ``bins``.

    Parameters
    ----------
    size : int
        Number of pixels along the axis (rows or columns of the map).
    bins : int
        Number of bins along that axis.
    bin_rule : {"adaptive", "he"}, default "adaptive"

    Returns
    -------
    list of (int, int)
        ``bins`` half-open pixel ranges ``[start, stop)``, in order.

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Spatial pyramid pooling in deep
       convolutional networks for visual recognition", ECCV, 2014; extended in IEEE
       TPAMI 37(9), 2015. arXiv:1406.4729

    Examples
    --------
    >>> bin_edges(5, 2)
    [(0, 3), (2, 5)]
    >>> bin_edges(10, 4), bin_edges(10, 4, "he")
    ([(0, 3), (2, 5), (5, 8), (7, 10)], [(0, 3), (2, 5), (4, 7), (6, 9)])
    """
    size, bins = check.positive_int(size, "size"), check.positive_int(bins, "bins")
    if _bin_rule(bin_rule) == "adaptive":
        return [((i * size) // bins, -(-(i + 1) * size // bins)) for i in range(bins)]
    if size < bins:
        raise ValueError(
            f"He et al.'s bin rule needs at least as many pixels as bins (its stride is "
            f"floor(size / bins)). Received: size={size}, bins={bins}"
        )
    window, stride = -(-size // bins), size // bins
    return [(i * stride, i * stride + window) for i in range(bins)]


def _adaptive_pool(x: Any, bins: tuple[int, int], pooling: str, bin_rule: str = "adaptive") -> Any:
    """Pool an NHWC tensor of any (dynamic) height and width into (N, bins[0], bins[1], C)."""
    tf = tensorflow()
    reduce = tf.reduce_max if pooling == "max" else tf.reduce_mean
    shape = tf.shape(x)
    height, width = shape[1], shape[2]

    def edges(i: int, n: int, size: Any) -> tuple[Any, Any]:
        if bin_rule == "he":
            start = i * (size // n)
            return start, start - ((-size) // n)
        return (i * size) // n, -((-(i + 1) * size) // n)

    rows = []
    for i in range(bins[0]):
        top, bottom = edges(i, bins[0], height)
        cells = []
        for j in range(bins[1]):
            left, right = edges(j, bins[1], width)
            cells.append(reduce(x[:, top:bottom, left:right, :], axis=(1, 2)))
        rows.append(tf.stack(cells, axis=1))
    return tf.stack(rows, axis=1)


def _pooling_mode(pooling: Any) -> str:
    return check.choice(pooling, "pooling", POOLINGS)


def adaptive_pool2d(images: Any, bins: int | tuple[int, int], pooling: Pooling = "max") -> Any:
    """Pool each channel into a fixed grid of bins, whatever the image size.

    Parameters
    ----------
    images : array_like of shape (H, W), (H, W, C) or (N, H, W, C)
    bins : int or (int, int)
        Number of bins down and across.
    pooling : {"max", "avg"}, default "max"
        Maximum or mean of each bin.

    Returns
    -------
    tf.Tensor, float32
        Shape (bins[0], bins[1]), (bins[0], bins[1], C) or (N, bins[0], bins[1], C), the
        rank of ``images``; bins placed by :func:`bin_edges` (``bin_rule="adaptive"``, He
        et al.'s rule for an image of any size).

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Spatial pyramid pooling in deep
       convolutional networks for visual recognition", ECCV, 2014; extended in IEEE
       TPAMI 37(9), 2015. arXiv:1406.4729

    Examples
    --------
    >>> import numpy as np
    >>> adaptive_pool2d(np.arange(25.0).reshape(5, 5), 2).numpy().tolist()
    [[12.0, 14.0], [22.0, 24.0]]
    """
    batch, rank = check.as_image_batch(images)
    bins = check.positive_pair(bins, "bins")
    return check.restore_rank(_adaptive_pool(batch, bins, _pooling_mode(pooling)), rank)


def valid_taps(size: int | tuple[int, int], rate: int, kernel: int = 3) -> np.ndarray:
    """Count, at each output position, the taps of a dilated kernel that land inside the map.

    A ``kernel`` x ``kernel`` convolution with dilation ``rate`` and SAME padding reads
    ``kernel**2`` input positions around each output; those outside the map read padded
    zeros, so the weights there do nothing. DeepLab v3 (Section 3.3 of arXiv:1706.05587)
    points out that as the rate approaches the map's size only the centre tap stays
    valid and the 3x3 filter degenerates to a 1x1 one; that is why its ASPP has an
    image-pooling branch.

    Parameters
    ----------
    size : int or (int, int)
        Height and width of the feature map.
    rate : int
        Dilation rate.
    kernel : int, default 3
        Side of the square kernel.

    Returns
    -------
    ndarray of int, shape (H, W)
        Number of valid taps at each output position (between 1 and ``kernel**2``).

    References
    ----------
    .. [1] L.-C. Chen, G. Papandreou, F. Schroff and H. Adam, "Rethinking atrous
       convolution for semantic image segmentation", arXiv preprint, 2017.
       arXiv:1706.05587

    Examples
    --------
    >>> counts = valid_taps(32, 18)
    >>> int(counts.max()), round(float(counts.mean()), 2)
    (4, 3.52)
    >>> int(valid_taps(32, 6).max())
    9
    """
    height, width = check.positive_pair(size, "size")
    rate = check.positive_int(rate, "rate")
    kernel = check.positive_int(kernel, "kernel")
    before = ((kernel - 1) * rate) // 2  # TensorFlow's SAME padding before the first pixel
    offsets = np.arange(kernel) * rate - before

    def along(n: int) -> np.ndarray:
        positions = np.arange(n)[:, None] + offsets[None, :]
        return ((positions >= 0) & (positions < n)).sum(axis=1)

    return np.outer(along(height), along(width))


def _conv_block(
    filters: int, kernel: int, dilation: int, batch_norm: bool, name: str, dtype: Any
) -> list:
    """Return a convolution (and batch normalisation) in the layer's dtype policy ``dtype``."""
    block = [
        keras.layers.Conv2D(
            filters,
            kernel,
            padding="same",
            dilation_rate=dilation,
            use_bias=not batch_norm,
            name=name,
            dtype=dtype,
        )
    ]
    if batch_norm:
        block.append(keras.layers.BatchNormalization(name=f"{name}_bn", dtype=dtype))
    return block


def _activation(activation: Any) -> Any:
    """Return the Keras activation ``activation`` names or is (TypeError, ValueError)."""
    if not (isinstance(activation, str) or callable(activation)):
        raise TypeError(
            "`activation` must be a Keras activation name or a function. "
            f"Received: activation={check.describe(activation)}"
        )
    try:
        return keras.activations.get(activation)
    except ValueError:
        raise ValueError(
            f"`activation` must be a Keras activation name. Received: activation={activation!r}"
        ) from None


def _run_block(block: list, x: Any, activation: Any, training: Any) -> Any:
    for layer in block:
        x = (
            layer(x, training=training)
            if isinstance(layer, keras.layers.BatchNormalization)
            else layer(x)
        )
    return activation(x)


def _build_block(block: list, input_shape: tuple) -> tuple:
    for layer in block:
        layer.build(input_shape)
        input_shape = layer.compute_output_shape(input_shape)
    return input_shape


@keras.saving.register_keras_serializable(package="cnn101")
class SpatialPyramidPooling(NHWCLayer):
    """Spatial pyramid pooling: one fixed-length vector for a feature map of any size.

    He et al.'s SPP layer: max-pool the map into n x n bins for each level n and
    concatenate the bins, so a Dense head after it accepts any input size.

    Parameters
    ----------
    levels : sequence of int, default (4, 2, 1)
        Bins per side at each level (16 + 4 + 1 bins by default, the paper's Figure 3).
    pooling : {"max", "avg"}, default "max"
        ``"max"`` as He et al., or ``"avg"``.
    bin_rule : {"adaptive", "he"}, default "adaptive"
        ``"adaptive"``: He et al.'s Appendix A rule for any size (bins cover the whole
        map, neighbours may overlap by a pixel). ``"he"``: the first n windows of their
        Section 2.3 pooling, window ``ceil(H / n)`` at stride ``floor(H / n)``, which may
        leave the last rows and columns out and needs a map at least as large as the
        largest level. See :func:`bin_edges`.
    **kwargs
        Base layer arguments (``name``, ``dtype``, ...).

    Notes
    -----
    Input shape: ``(batch, height, width, channels)``; height and width may be ``None``.
    Output shape: ``(batch, channels * sum(n * n for n in levels))``: for each level,
    the (n, n, channels) grid of pooled bins flattened row by row.

    References
    ----------
    .. [1] K. He, X. Zhang, S. Ren and J. Sun, "Spatial pyramid pooling in deep
       convolutional networks for visual recognition", ECCV, 2014; extended in IEEE
       TPAMI 37(9), 2015. arXiv:1406.4729

    Examples
    --------
    >>> import numpy as np
    >>> layer = SpatialPyramidPooling((4, 2, 1))
    >>> [tuple(layer(np.zeros((1, h, w, 8))).shape) for h, w in [(13, 13), (20, 31)]]
    [(1, 168), (1, 168)]
    """

    _config_args: ClassVar[dict[str, str]] = {
        "levels": "list",
        "pooling": "value",
        "bin_rule": "value",
    }
    _pins_channels = True
    _minimum_reason = "one pixel per bin"

    def __init__(
        self,
        levels: Sequence[int] = (4, 2, 1),
        pooling: Pooling = "max",
        bin_rule: BinRule = "adaptive",
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.levels = check.positive_ints(levels, "levels")
        self.pooling = _pooling_mode(pooling)
        self.bin_rule = _bin_rule(bin_rule)

    def build(self, input_shape: tuple) -> None:  # noqa: D102
        super().build(input_shape)
        self.channels = int(input_shape[-1])  # the base class checked a known size

    def _minimum(self) -> tuple[tuple[int, int], str]:
        """Return the smallest map: one pixel, or ``max(levels)`` for He et al.'s bin rule."""
        if self.bin_rule != "he":
            return super()._minimum()
        side = max(self.levels)
        return (
            side,
            side,
        ), f"bin_rule=he pools n bins at a stride of floor(size / n), n up to {side}"

    def call(self, inputs: Any) -> Any:  # noqa: D102
        tf = tensorflow()
        inputs = tf.cast(self._nhwc_inputs(inputs), self.compute_dtype)
        parts = [
            tf.reshape(
                _adaptive_pool(inputs, (n, n), self.pooling, self.bin_rule),
                (-1, n * n * self.channels),
            )
            for n in self.levels
        ]
        return tf.concat(parts, axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:  # noqa: D102
        shape = self._checked_shape(input_shape)
        return (shape[0], shape[3] * sum(n * n for n in self.levels))


@keras.saving.register_keras_serializable(package="cnn101")
class PyramidPoolingModule(NHWCLayer):
    """PSPNet's pyramid pooling module: global and sub-region context for every pixel.

    Zhao et al.'s module: average-pool the map into n x n bins for each n of
    ``bins``, reduce each with a 1x1 convolution, upsample it bilinearly back to the
    map's size and concatenate all with the input.

    Parameters
    ----------
    bins : sequence of int, default (1, 2, 3, 6)
        Bins per side of each branch's average pooling (the paper's four levels).
    filters : int, optional
        Channels of each branch's 1x1 convolution; by default ``channels // len(bins)``
        (C/4 in the paper).
    activation : str or callable, default "relu"
        Applied after each branch's convolution.
    batch_norm : bool, default False
        Put a ``BatchNormalization`` between convolution and activation (as PSPNet does).
    **kwargs
        Base layer arguments (``name``, ``dtype``, ...).

    Notes
    -----
    Input shape: ``(batch, height, width, channels)``; height and width may be ``None``.
    Output shape: ``(batch, height, width, channels + len(bins) * filters)``: the input
    followed by each branch, bilinearly upsampled back to (height, width).

    References
    ----------
    .. [1] H. Zhao, J. Shi, X. Qi, X. Wang and J. Jia, "Pyramid scene parsing network",
       CVPR, 2017. arXiv:1612.01105

    Examples
    --------
    >>> import numpy as np
    >>> layer = PyramidPoolingModule()
    >>> tuple(layer(np.zeros((1, 12, 20, 16))).shape)
    (1, 12, 20, 32)
    """

    _config_args: ClassVar[dict[str, str]] = {
        "bins": "list",
        "filters": "value",
        "activation": "activation",
        "batch_norm": "value",
    }
    _pins_channels = True
    _minimum_reason = "one pixel per bin"

    def __init__(
        self,
        bins: Sequence[int] = (1, 2, 3, 6),
        filters: int | None = None,
        activation: Any = "relu",
        batch_norm: bool = False,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.bins = check.positive_ints(bins, "bins")
        self.filters = None if filters is None else check.positive_int(filters, "filters")
        self.activation = _activation(activation)
        self.batch_norm = check.flag(batch_norm, "batch_norm")

    def _branch_filters(self, channels: int) -> int:
        return self.filters or max(1, channels // len(self.bins))

    def build(self, input_shape: tuple) -> None:  # noqa: D102
        super().build(input_shape)
        channels = int(input_shape[-1])
        filters = self._branch_filters(channels)
        self.branches = [
            _conv_block(filters, 1, 1, self.batch_norm, f"pool{n}_conv", self.dtype_policy)
            for n in self.bins
        ]
        for block in self.branches:
            _build_block(block, (None, None, None, channels))

    def call(self, inputs: Any, training: Any = None) -> Any:  # noqa: D102
        tf = tensorflow()
        inputs = tf.cast(self._nhwc_inputs(inputs), self.compute_dtype)
        size = tf.shape(inputs)[1:3]
        outputs = [inputs]
        for n, block in zip(self.bins, self.branches, strict=True):
            pooled = _run_block(
                block, _adaptive_pool(inputs, (n, n), "avg"), self.activation, training
            )
            # tf.image.resize computes in float32: cast back to the layer's compute dtype.
            outputs.append(tf.cast(tf.image.resize(pooled, size, method="bilinear"), inputs.dtype))
        return tf.concat(outputs, axis=-1)

    def _output_channels(self, channels: int) -> int:
        return channels + len(self.bins) * self._branch_filters(channels)


@keras.saving.register_keras_serializable(package="cnn101")
class AtrousSpatialPyramidPooling(NHWCLayer):
    """Atrous spatial pyramid pooling: DeepLab v3's module by default, v2's with ``merge="sum"``.

    The defaults build DeepLab v3's ASPP (Chen et al. 2017, Section 3.3): five
    branches see the same map, a 1x1 convolution, a 3x3 convolution with
    dilation ``r`` for each of ``rates`` (SAME padding, so the size is kept) and an
    image-level branch (global average pooling -> 1x1 convolution -> bilinear upsampling
    to (height, width)); each convolution is followed by batch normalisation and the
    activation; the branches are *concatenated* and projected by a 1x1 convolution (with
    batch normalisation) to ``filters`` channels. v3 uses 256 filters and rates
    (6, 12, 18) at output stride 16 (the map is 1/16 of the image's side), doubled to
    (12, 24, 36) at output stride 8.

    DeepLab v2's ASPP (Chen et al. 2018) is
    ``AtrousSpatialPyramidPooling(filters, rates=(6, 12, 18, 24), merge="sum",
    image_pooling=False, batch_norm=False)``: only the atrous branches, their outputs
    *summed*. (In v2 each branch goes on through two 1x1 layers to class scores before
    the sum; here each branch is its one atrous convolution and activation.)

    Parameters
    ----------
    filters : int, default 256
        Channels of every branch and of the output (v3's 256 by default).
    rates : sequence of int, default (6, 12, 18)
        Dilation rates of the 3x3 branches.
    activation : str or callable, default "relu"
        Applied after every convolution.
    batch_norm : bool, default True
        Put a ``BatchNormalization`` between each convolution and activation (as in v3;
        v2 has none).
    merge : {"concat", "sum"}, default "concat"
        ``"concat"`` (v3: concatenate a 1x1 branch, the atrous branches and the
        image-level branch, then project with a 1x1 convolution) or ``"sum"`` (v2: add
        the atrous branches, and the image-level branch if there is one).
    image_pooling : bool, default True
        Add v3's image-level branch.
    **kwargs
        Base layer arguments (``name``, ``dtype``, ...).

    Notes
    -----
    Input shape: ``(batch, height, width, channels)``; height and width may be ``None``.
    Output shape: ``(batch, height, width, filters)``.

    References
    ----------
    .. [1] L.-C. Chen, G. Papandreou, F. Schroff and H. Adam, "Rethinking atrous
       convolution for semantic image segmentation", arXiv preprint, 2017.
       arXiv:1706.05587
    .. [2] L.-C. Chen, G. Papandreou, I. Kokkinos, K. Murphy and A. L. Yuille, "DeepLab:
       semantic image segmentation with deep convolutional nets, atrous convolution,
       and fully connected CRFs", IEEE TPAMI 40(4), 2018. arXiv:1606.00915

    Examples
    --------
    >>> import numpy as np
    >>> layer = AtrousSpatialPyramidPooling(filters=8)
    >>> tuple(layer(np.zeros((1, 9, 14, 4))).shape)
    (1, 9, 14, 8)
    >>> v2 = AtrousSpatialPyramidPooling(8, (6, 12, 18, 24), merge="sum",
    ...                                  image_pooling=False, batch_norm=False)
    >>> tuple(v2(np.zeros((1, 9, 14, 4))).shape), len(v2.weights)
    ((1, 9, 14, 8), 8)
    """

    _config_args: ClassVar[dict[str, str]] = {
        "filters": "value",
        "rates": "list",
        "activation": "activation",
        "batch_norm": "value",
        "merge": "value",
        "image_pooling": "value",
    }
    _pins_channels = True
    _minimum_reason = "a non-empty map"

    def __init__(
        self,
        filters: int = 256,
        rates: Sequence[int] = (6, 12, 18),
        activation: Any = "relu",
        batch_norm: bool = True,
        merge: Literal["concat", "sum"] = "concat",
        image_pooling: bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.filters = check.positive_int(filters, "filters")
        self.rates = check.positive_ints(rates, "rates")
        self.activation = _activation(activation)
        self.batch_norm = check.flag(batch_norm, "batch_norm")
        self.merge = check.choice(merge, "merge", MERGES)
        self.image_pooling = check.flag(image_pooling, "image_pooling")
        concat, policy = self.merge == "concat", self.dtype_policy
        self.conv1x1 = (
            _conv_block(self.filters, 1, 1, self.batch_norm, "conv1x1", policy) if concat else []
        )
        self.atrous = [
            _conv_block(self.filters, 3, rate, self.batch_norm, f"atrous{rate}", policy)
            for rate in self.rates
        ]
        self.image_pool = (
            _conv_block(self.filters, 1, 1, self.batch_norm, "image_pool_conv", policy)
            if self.image_pooling
            else []
        )
        self.project = (
            _conv_block(self.filters, 1, 1, self.batch_norm, "project", policy) if concat else []
        )

    def _branch_count(self) -> int:
        return len(self.rates) + (self.merge == "concat") + self.image_pooling

    def build(self, input_shape: tuple) -> None:  # noqa: D102
        super().build(input_shape)
        channels = int(input_shape[-1])
        for block in [self.conv1x1, *self.atrous, self.image_pool]:
            _build_block(block, (None, None, None, channels))
        _build_block(self.project, (None, None, None, self.filters * self._branch_count()))

    def call(self, inputs: Any, training: Any = None) -> Any:  # noqa: D102
        tf = tensorflow()
        inputs = tf.cast(self._nhwc_inputs(inputs), self.compute_dtype)
        branches = (
            [_run_block(self.conv1x1, inputs, self.activation, training)] if self.conv1x1 else []
        )
        branches += [_run_block(block, inputs, self.activation, training) for block in self.atrous]
        if self.image_pool:
            pooled = tf.reduce_mean(inputs, axis=(1, 2), keepdims=True)
            pooled = _run_block(self.image_pool, pooled, self.activation, training)
            resized = tf.image.resize(pooled, tf.shape(inputs)[1:3], method="bilinear")
            branches.append(tf.cast(resized, pooled.dtype))  # resize computes in float32
        if self.merge == "sum":
            return tf.add_n(branches)
        return _run_block(self.project, tf.concat(branches, axis=-1), self.activation, training)

    def _output_channels(self, channels: int) -> int:
        return self.filters
