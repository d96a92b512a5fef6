"""Named 2-D kernels and the one builder that turns kernels into ``tf.nn.conv2d`` filters.

Layouts used throughout cnn101:

* a 2-D kernel is a NumPy array of shape (kh, kw);
* a ``tf.nn.conv2d`` filter is HWIO: (kh, kw, in_channels, out_channels);
* images are NHWC: (batch, height, width, channels).

TensorFlow's "convolution" is a cross-correlation (the kernel is not flipped), and
so are all kernels here: what you see in the array is what slides over the image.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check

# Vertical-line detector from the blog "Translation in-variance and CNN":
# +1 in the left column, -1 in the right. Positive where a bright column has
# darker pixels to its right, negative where it has darker pixels to its left.
VERTICAL_LINE = np.array([[1.0, -1.0], [1.0, -1.0]])

# The same detector turned a quarter: responds to horizontal lines.
HORIZONTAL_LINE = np.array([[1.0, 1.0], [-1.0, -1.0]])

# Sobel (1968) derivative kernels, as in the image-kernel gallery "Image Kernels
# Explained Visually" (setosa.io). Each is positive where the image gets brighter
# towards the side it is named after.
SOBEL_TOP = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])
SOBEL_BOTTOM = -SOBEL_TOP
SOBEL_LEFT = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
SOBEL_RIGHT = -SOBEL_LEFT

# The classic image kernels (same gallery).
# Identity: leaves the image unchanged.
IDENTITY = np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
# Box blur: the mean of the 3x3 neighbourhood.
BOX_BLUR = np.full((3, 3), 1.0 / 9.0)
# Gaussian blur: the binomial approximation [1, 2, 1]^T [1, 2, 1] / 16.
GAUSSIAN_BLUR = np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]) / 16.0
# Sharpen: the identity plus the negative of the 4-neighbour Laplacian.
SHARPEN = np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
# Emboss: a diagonal derivative on top of the identity; gives a relief effect.
EMBOSS = np.array([[-2.0, -1.0, 0.0], [-1.0, 1.0, 1.0], [0.0, 1.0, 2.0]])
# Outline (8-neighbour Laplacian): zero on flat regions, large on edges.
OUTLINE = np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]])
# Laplacian (4-neighbour, isotropic up to 90-degree turns): the discrete second derivative.
LAPLACIAN = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])

KERNELS: dict[str, np.ndarray] = {
    "vertical_line": VERTICAL_LINE,
    "horizontal_line": HORIZONTAL_LINE,
    "sobel_top": SOBEL_TOP,
    "sobel_bottom": SOBEL_BOTTOM,
    "sobel_left": SOBEL_LEFT,
    "sobel_right": SOBEL_RIGHT,
    "identity": IDENTITY,
    "box_blur": BOX_BLUR,
    "gaussian_blur": GAUSSIAN_BLUR,
    "sharpen": SHARPEN,
    "emboss": EMBOSS,
    "outline": OUTLINE,
    "laplacian": LAPLACIAN,
}

for _kernel in KERNELS.values():
    _kernel.setflags(write=False)


def kernel_names() -> list[str]:
    """Return the names accepted by :func:`get_kernel`, sorted.

    Examples
    --------
    >>> "sobel_left" in kernel_names()
    True
    """
    return sorted(KERNELS)


def get_kernel(name: str) -> np.ndarray:
    """Return a copy of the named 2-D kernel.

    Parameters
    ----------
    name : str
        One of :func:`kernel_names` (case-insensitive, ``-`` or space for ``_``).

    Returns
    -------
    kernel : ndarray of shape (kh, kw)

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.

    Examples
    --------
    >>> get_kernel("vertical_line").tolist()
    [[1.0, -1.0], [1.0, -1.0]]
    """
    return _named_kernel(name, "name")


def _named_kernel(name: Any, argument: str) -> np.ndarray:
    """:func:`get_kernel`, with errors that name the caller's ``argument``."""
    check.text(name, argument, optional=False)
    # The package's one case rule (check.choice); "-" and " " also stand for "_".
    spelled = name.strip().replace("-", "_").replace(" ", "_")
    try:
        key = check.choice(spelled, argument, kernel_names())
    except ValueError:
        raise ValueError(
            f"Unknown kernel name: `{argument}` must be one of {', '.join(kernel_names())} "
            f"(any case). Received: {argument}={check.describe(name)}"
        ) from None
    return KERNELS[key].copy()


def _as_kernel(kernel: Any, name: str = "kernel") -> np.ndarray:
    """Return one kernel, a name from :func:`kernel_names` or a 2-D array, as float32 (kh, kw)."""
    if isinstance(kernel, str):
        kernel = _named_kernel(kernel, name)
    array = check.as_float_array(kernel, name)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (kh, kw). Received: array with shape {array.shape}"
        )
    return array


def _several(kernels: Any) -> bool:
    """Whether ``kernels`` lists kernels one by one (names, or kernels of different sizes).

    A sequence that NumPy reads as one 2-D or 3-D array of numbers is that array
    instead: a kernel written as nested lists, or a stack of kernels of one size.
    """
    if isinstance(kernels, np.ndarray):
        return kernels.ndim == 1 and kernels.dtype.kind not in "biuf"  # an array of names
    if not isinstance(kernels, Sequence) or isinstance(kernels, bytes | bytearray):
        return False
    try:
        array = np.asarray(kernels)
    except (ValueError, TypeError):  # ragged: kernels of different sizes
        return True
    return array.dtype.kind not in "biuf" or array.ndim not in (2, 3)


def _same_size(arrays: list[np.ndarray], argument: str) -> list[np.ndarray]:
    """Pad kernels of different odd sizes with zeros around their centres to the largest."""
    shapes = [a.shape for a in arrays]
    if len(set(shapes)) == 1:
        return arrays
    if any(side % 2 == 0 for shape in shapes for side in shape):
        raise ValueError(
            f"The kernels in `{argument}` must have the same (kh, kw), or odd sizes only "
            "(each is then padded with zeros around its centre to the largest). "
            f"Received kernel shapes: {shapes}"
        )
    height = max(shape[0] for shape in shapes)
    width = max(shape[1] for shape in shapes)
    return [
        np.pad(a, (((height - a.shape[0]) // 2,) * 2, ((width - a.shape[1]) // 2,) * 2))
        for a in arrays
    ]


def filter_bank(
    kernels: Any, in_channels: int = 1, *, stack: bool = True, argument: str = "kernels"
) -> np.ndarray:
    """Turn kernels into the filter bank ``tf.nn.conv2d`` takes: (kh, kw, in_channels, n).

    The one place in cnn101 where a kernel becomes a filter (:func:`to_filter`,
    :func:`cnn101.ops.conv2d` and :func:`cnn101.feature_extractors.conv_features`
    call it). Each 2-D kernel becomes one output channel, copied to every input
    channel: on a colour image the channel responses are summed, so the output
    answers "is the pattern here, in any colour?" (the blog's ``get_filter``).

    Parameters
    ----------
    kernels : str, array_like or sequence
        One of:

        * a name from :func:`kernel_names`, or a 2-D kernel of shape (kh, kw): one filter;
        * a sequence of names and 2-D kernels, or a 3-D stack of shape (n, kh, kw):
          n filters, in that order. Kernels of different odd sizes are padded with
          zeros around their centres to the largest, so their centres stay aligned;
        * a 4-D HWIO bank of shape (kh, kw, in_channels, n): checked and returned
          as float32 (not copied when it already is float32).
    in_channels : int, default 1
        Channels of the images the bank will slide over (1 gray, 3 RGB).
    stack : bool, default True
        Read a sequence or a 3-D array as several 2-D kernels. With False only a
        name, a 2-D kernel or a 4-D bank is accepted: :func:`cnn101.ops.conv2d`
        passes False, since there a 3-D array could as well be an HWIO filter
        missing its last axis.
    argument : str, default "kernels"
        The argument named in error messages (a caller passes its own parameter's name).

    Returns
    -------
    filters : ndarray of shape (kh, kw, in_channels, n), float32
        ``filters[:, :, c, i]`` is kernel ``i`` for every input channel ``c``.

    Raises
    ------
    TypeError
        If ``kernels`` holds something other than numbers and names, or an option
        has the wrong type.
    ValueError
        For an unknown name, an empty sequence, a shape other than those above,
        kernels of sizes that cannot share a bank (not all odd), or a 4-D bank
        whose input channels are not ``in_channels``.

    References
    ----------
    .. [1] TensorFlow API documentation, ``tf.nn.conv2d``: the filters are a 4-D
       tensor of shape [filter_height, filter_width, in_channels, out_channels].
       https://www.tensorflow.org/api_docs/python/tf/nn/conv2d

    Examples
    --------
    >>> filter_bank("vertical_line").shape
    (2, 2, 1, 1)
    >>> filter_bank(["sobel_left", "sobel_right", "sobel_top"], in_channels=3).shape
    (3, 3, 3, 3)
    >>> filter_bank(np.zeros((4, 5, 5))).shape  # a stack of four 5x5 kernels
    (5, 5, 1, 4)
    >>> bank = filter_bank(["identity", [[2.0]]])  # the 1x1 kernel, padded to 3x3
    >>> bank[:, :, 0, 1].tolist()
    [[0.0, 0.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]
    """
    argument = check.text(argument, "argument", optional=False)
    stack = check.flag(stack, "stack")
    in_channels = check.positive_int(in_channels, "in_channels")
    if isinstance(kernels, str):
        arrays = [_as_kernel(kernels, argument)]
    elif stack and isinstance(kernels, Sequence) and len(kernels) == 0:
        raise ValueError(
            f"`{argument}` must be a non-empty list of 2-D kernels or kernel names. "
            f"Received: {argument}={check.describe(kernels)}"
        )
    elif stack and _several(kernels):
        arrays = [_as_kernel(kernel, argument) for kernel in kernels]
    else:
        array = check.as_float_array(kernels, argument)
        if array.ndim == 4:
            if array.shape[2] != in_channels:
                raise ValueError(
                    f"`{argument}` expects {array.shape[2]} input channels but `images` has "
                    f"{in_channels} (in_channels={in_channels}). Received: {argument} with "
                    f"shape {array.shape}. Build a filter with in_channels={in_channels}."
                )
            return array
        if array.ndim == 2:
            arrays = [array]
        elif array.ndim == 3 and stack:
            arrays = list(array)
        else:
            several = ", a sequence of them, a 3-D stack (n, kh, kw)" if stack else ""
            raise ValueError(
                f"`{argument}` must be a 2-D kernel (kh, kw){several}, a 4-D HWIO filter "
                f"(kh, kw, in_channels, out_channels) or a kernel name. "
                f"Received: array with shape {array.shape}"
            )
    bank = np.stack(_same_size(arrays, argument), axis=-1)[:, :, None, :]
    return np.repeat(bank, in_channels, axis=2)


def to_filter(kernel: Any, in_channels: int = 1) -> np.ndarray:
    """Turn one 2-D kernel into a ``tf.nn.conv2d`` filter of shape (kh, kw, in_channels, 1).

    This is the blog's ``get_filter(kernel, is_color)``: for a colour image the
    same kernel is applied to each channel and the results are summed, so one
    output channel answers "is the pattern here, in any colour?". It is
    :func:`filter_bank` for a single kernel: a 3-D stack or a 4-D bank is refused.

    Parameters
    ----------
    kernel : array_like of shape (kh, kw) or str
        The kernel, or a name from :func:`kernel_names`.
    in_channels : int, default 1
        Channels of the image it will slide over (1 gray, 3 RGB).

    Returns
    -------
    filters : ndarray of shape (kh, kw, in_channels, 1), float32

    Examples
    --------
    >>> to_filter(VERTICAL_LINE, in_channels=3).shape
    (2, 2, 3, 1)
    """
    return filter_bank(_as_kernel(kernel), in_channels, argument="kernel")
