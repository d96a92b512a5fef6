"""Named 2-D kernels and the builders that turn them into ``tf.nn.conv2d`` filters.

Layouts used throughout cnn101:

* a 2-D kernel is a NumPy array of shape (kh, kw);
* a ``tf.nn.conv2d`` filter is HWIO: (kh, kw, in_channels, out_channels);
* images are NHWC: (batch, height, width, channels).

TensorFlow's "convolution" is a cross-correlation (the kernel is not flipped), and
so are all kernels here: what you see in the array is what slides over the image.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    if not isinstance(name, str):
        raise TypeError(f"`name` must be a string. Received: name={check.describe(name)}")
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key not in KERNELS:
        raise ValueError(
            f"Unknown kernel name. Received: name={check.describe(name)}. "
            f"Expected one of: {', '.join(kernel_names())}"
        )
    return KERNELS[key].copy()


def _as_kernel(kernel: np.ndarray | Sequence | str, name: str = "kernel") -> np.ndarray:
    from cnn101._validation import as_float_array

    if isinstance(kernel, str):
        kernel = get_kernel(kernel)
    array = as_float_array(kernel, name)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D array of shape (kh, kw). Received: array with shape {array.shape}"
        )
    return array


def to_filter(kernel: np.ndarray | Sequence | str, in_channels: int = 1) -> np.ndarray:
    """Turn a 2-D kernel into a ``tf.nn.conv2d`` filter of shape (kh, kw, in_channels, 1).

    This is the blog's ``get_filter(kernel, is_color)``: for a colour image the
    same kernel is applied to each channel and the results are summed, so one
    output channel answers "is the pattern here, in any colour?".

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
    from cnn101._validation import positive_int

    array = _as_kernel(kernel)
    in_channels = positive_int(in_channels, "in_channels")
    return np.repeat(array[:, :, None, None], in_channels, axis=2)


def filter_bank(kernels: Sequence, in_channels: int = 1) -> np.ndarray:
    """Stack several 2-D kernels into one filter with an output channel each.

    Parameters
    ----------
    kernels : sequence of array_like of shape (kh, kw) or str
        Kernels of one shape, or names from :func:`kernel_names`.
    in_channels : int, default 1
        Channels of the image the bank will slide over.

    Returns
    -------
    filters : ndarray of shape (kh, kw, in_channels, len(kernels)), float32

    Examples
    --------
    >>> filter_bank(["sobel_left", "sobel_right", "sobel_top"]).shape
    (3, 3, 1, 3)
    """
    if isinstance(kernels, str) or not isinstance(kernels, Sequence) or len(kernels) == 0:
        raise ValueError(
            "`kernels` must be a non-empty list of 2-D kernels or kernel names. "
            f"Received: kernels={check.describe(kernels)}"
        )
    filters = [to_filter(k, in_channels) for k in kernels]
    shapes = {f.shape[:2] for f in filters}
    if len(shapes) != 1:
        raise ValueError(
            "All kernels in a filter bank must have the same (kh, kw). "
            f"Received kernel shapes: {[f.shape[:2] for f in filters]}"
        )
    return np.concatenate(filters, axis=3)
