"""Receptive fields of stacked convolutions: computed by formula and measured by gradients.

A layer with kernel k, stride s and dilation d looks at a window of
``d * (k - 1) + 1`` of its inputs, which are themselves ``jump`` input pixels apart
(the product of the strides before it). So each layer widens the receptive field by
``(d * (k - 1)) * jump``. Dilation (atrous convolution) grows the field without
adding weights: a 3x3 kernel with dilation 2 spans 5x5 pixels with 9 weights
(:func:`cnn101.plotting.show_dilated_kernel` draws which).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import tensorflow

__all__ = [
    "empirical_receptive_field",
    "receptive_field",
    "receptive_fields",
]


def _layers(layers: Any) -> list[tuple[int, int, int]]:
    """Return ``layers`` as (kernel, stride, dilation) triples, or raise."""
    message = (
        "`layers` must be a non-empty list of (kernel, stride) or (kernel, stride, dilation) "
        f"tuples. Received: layers={check.describe(layers)}"
    )
    check.sequence(
        layers,
        "layers",
        "a non-empty list of (kernel, stride) or (kernel, stride, dilation) tuples",
    )
    triples = []
    for index, layer in enumerate(layers):
        message = (
            f"`layers[{index}]` must be (kernel, stride) or (kernel, stride, dilation) with "
            f"positive integers. Received: layers[{index}]={check.describe(layer)}"
        )
        if not isinstance(layer, Sequence) or isinstance(layer, str | bytes):
            raise TypeError(message)
        values = tuple(layer)
        if len(values) in (2, 3) and not all(map(check.is_integer, values)):
            raise TypeError(message)
        if len(values) not in (2, 3) or not all(v > 0 for v in values):
            raise ValueError(message)
        triples.append((*values, 1) if len(values) == 2 else values)
    return triples


def receptive_fields(layers: Sequence[tuple[int, ...]]) -> list[tuple[int, int]]:
    """Return (receptive field, jump) after each layer of a stack.

    Parameters
    ----------
    layers : sequence of (kernel, stride) or (kernel, stride, dilation)
        Square kernels, in order from the input.

    Returns
    -------
    list of (int, int)
        For each layer: how many input pixels along one side one of its outputs
        sees, and how many input pixels apart its neighbouring outputs are.

    References
    ----------
    .. [1] A. Araujo, W. Norris and J. Sim, "Computing receptive fields of convolutional
       neural networks", Distill, 2019. doi:10.23915/distill.00021
    .. [2] F. Yu and V. Koltun, "Multi-scale context aggregation by dilated
       convolutions", ICLR, 2016. arXiv:1511.07122

    Examples
    --------
    >>> receptive_fields([(3, 1), (2, 2), (3, 1)])
    [(3, 1), (4, 2), (8, 2)]
    """
    field, jump, out = 1, 1, []
    for kernel, stride, dilation in _layers(layers):
        field += dilation * (kernel - 1) * jump
        jump *= stride
        out.append((field, jump))
    return out


def receptive_field(layers: Sequence[tuple[int, ...]]) -> int:
    """Return how many input pixels along one side the last layer's output sees.

    Parameters
    ----------
    layers : sequence of (kernel, stride) or (kernel, stride, dilation)
        Square kernels, in order from the input (see :func:`receptive_fields`).

    Returns
    -------
    int
        The first number of ``receptive_fields(layers)[-1]``.

    References
    ----------
    .. [1] A. Araujo, W. Norris and J. Sim, "Computing receptive fields of convolutional
       neural networks", Distill, 2019. doi:10.23915/distill.00021
    .. [2] F. Yu and V. Koltun, "Multi-scale context aggregation by dilated
       convolutions", ICLR, 2016. arXiv:1511.07122

    Examples
    --------
    >>> receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])
    15
    """
    return receptive_fields(layers)[-1][0]


def empirical_receptive_field(layers: Sequence[tuple[int, ...]], size: int = 64) -> tuple[int, Any]:
    """Measure the receptive field with a gradient through real TensorFlow convolutions.

    Every layer is a convolution with a kernel of ones (VALID padding, the given
    stride and dilation; ``tf.nn.conv2d``, or ``tf.nn.atrous_conv2d`` when dilated)
    on a ``size x size`` image. The gradient of the centre
    output with respect to the input is non-zero exactly on the pixels it can
    see; the receptive field is the span of those pixels along one side.

    Parameters
    ----------
    layers : sequence of (kernel, stride) or (kernel, stride, dilation)
    size : int, default 64
        Side of the test image; it must exceed the receptive field.

    Returns
    -------
    field : int
    gradient : ndarray of shape (size, size)
        Where the centre output looks (how many paths lead to each pixel).

    References
    ----------
    .. [1] W. Luo, Y. Li, R. Urtasun and R. Zemel, "Understanding the effective receptive
       field in deep convolutional neural networks", NeurIPS, 2016. arXiv:1701.04128
       (the gradient of the centre output; their simplest case has kernels of ones)

    Examples
    --------
    >>> empirical_receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)], size=32)[0]
    15
    """
    triples = _layers(layers)
    size = check.positive_int(size, "size")
    if size > 4096:
        raise ValueError(
            f"`size` must be at most 4096 (a test image of size x size pixels). Received: size={size}"
        )
    tf = tensorflow()
    image = tf.Variable(tf.zeros((1, size, size, 1)))
    with tf.GradientTape() as tape:
        x = image
        for kernel, stride, dilation in triples:
            if x.shape[1] < dilation * (kernel - 1) + 1:
                raise ValueError(
                    f"`size` is too small for these layers: the map shrinks below the kernel. "
                    f"Received: size={size}; use a larger size."
                )
            ones = tf.ones((kernel, kernel, 1, 1))
            if dilation == 1:
                x = tf.nn.conv2d(x, ones, strides=stride, padding="VALID")
            elif stride == 1:  # its gradient runs on CPUs, unlike conv2d's with dilations > 1
                x = tf.nn.atrous_conv2d(x, ones, rate=dilation, padding="VALID")
            else:
                raise ValueError(
                    "A layer cannot have both stride and dilation larger than 1 (tf.nn.conv2d "
                    f"does not support it). Received: (kernel, stride, dilation)="
                    f"{(kernel, stride, dilation)}"
                )
        centre = x[0, x.shape[1] // 2, x.shape[2] // 2, 0]
    gradient = tape.gradient(centre, image)[0, :, :, 0].numpy()
    rows = np.flatnonzero(gradient.any(axis=1))
    if rows[0] == 0 or rows[-1] == size - 1:
        raise ValueError(
            f"`size` is too small: the receptive field reaches the image border. Received: size={size}"
        )
    return int(rows[-1] - rows[0] + 1), gradient
