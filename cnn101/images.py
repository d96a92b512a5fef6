"""Deterministic test images and the photos bundled inside scikit-image.

Everything here works offline: synthetic images are drawn with NumPy and
``skimage.draw``, and photos come from files that ship inside the scikit-image
wheel. All images are float32 with values in [0, 1]; gray images are (H, W)
and colour images (H, W, 3).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from cnn101 import _validation as check

# Photos whose files ship inside scikit-image (no download needed), by loader name.
_PHOTOS = {
    "astronaut": "astronaut",
    "brick": "brick",
    "camera": "camera",
    "cat": "chelsea",
    "chelsea": "chelsea",
    "clock": "clock",
    "coffee": "coffee",
    "coins": "coins",
    "grass": "grass",
    "gravel": "gravel",
    "horse": "horse",
    "hubble_deep_field": "hubble_deep_field",
    "immunohistochemistry": "immunohistochemistry",
    "moon": "moon",
    "page": "page",
    "retina": "retina",
    "rocket": "rocket",
    "text": "text",
}

# An 8x8 cat face (ears, eyes, whisker pad) for the "same cat near and far" scene.
CAT_TEMPLATE = np.array(
    [
        [1, 0, 0, 0, 0, 0, 0, 1],
        [1, 1, 0, 0, 0, 0, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1],
        [1, 0, 0, 1, 1, 0, 0, 1],
        [1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1],
        [0, 1, 1, 1, 1, 1, 1, 0],
    ],
    dtype=np.float32,
)
CAT_TEMPLATE.setflags(write=False)


def vertical_line_image(
    height: int = 7, width: int = 8, column: int = 3, *, thickness: int = 1
) -> np.ndarray:
    """Return zeros with a vertical line of ones, ``thickness`` columns wide from ``column``.

    The blog "Translation in-variance and CNN" uses a 7x8 image whose line is *two*
    pixels wide, columns 3 and 4: ``vertical_line_image(thickness=2)``. The default, a
    one-pixel line in column 3, is the simplest line to shift one pixel at a time.

    Parameters
    ----------
    height, width : int, default 7 and 8
    column : int, default 3
        First (left) column of the line.
    thickness : int, default 1
        Number of columns of the line; ``column + thickness`` must not exceed ``width``.

    Returns
    -------
    image : ndarray of shape (height, width), float32

    References
    ----------
    .. [1] A. Krishnan, "Translation in-variance and CNN", blog post, 2022.

    Examples
    --------
    >>> vertical_line_image()[0].tolist()
    [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    >>> vertical_line_image(thickness=2)[0].tolist()  # the blog's image
    [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    """
    height = check.positive_int(height, "height")
    width = check.positive_int(width, "width")
    column = check.index(column, "column", width)
    thickness = check.positive_int(thickness, "thickness")
    if column + thickness > width:
        raise ValueError(
            f"`thickness` must be at most width - column = {width - column}. "
            f"Received: thickness={thickness}"
        )
    image = np.zeros((height, width), dtype=np.float32)
    image[:, column : column + thickness] = 1.0
    return image


def circle_image(
    size: int = 64, radius: int = 8, center: tuple[int, int] | None = None
) -> np.ndarray:
    """Return a one-pixel circle perimeter drawn with ``skimage.draw.circle_perimeter``.

    Parameters
    ----------
    size : int, default 64
        Height and width of the square image.
    radius : int, default 8
    center : (int, int), optional
        (row, column); defaults to the middle of the image.

    Returns
    -------
    image : ndarray of shape (size, size), float32

    Examples
    --------
    >>> img = circle_image()
    >>> img.shape, int(img.sum())
    ((64, 64), 44)
    """
    from skimage.draw import circle_perimeter

    size = check.positive_int(size, "size")
    radius = check.positive_int(radius, "radius")
    row, col = (size // 2, size // 2) if center is None else check.int_pair(center, "center")
    image = np.zeros((size, size), dtype=np.float32)
    rr, cc = circle_perimeter(int(row), int(col), radius, shape=image.shape)
    image[rr, cc] = 1.0
    return image


def squares_image(
    sizes: Sequence[int] = (2, 4, 8, 16), gap: int = 8, offset: int = 0
) -> np.ndarray:
    """Return bright squares of several sizes side by side on a dark background.

    The squares' top-left corners sit on one row, ``gap + offset`` pixels from the
    top, with ``gap`` pixels between squares (``offset`` also shifts them right),
    so moving ``offset`` changes how they line up with a pooling grid.

    Parameters
    ----------
    sizes : sequence of int, default (2, 4, 8, 16)
        Side lengths of the squares, left to right.
    gap : int, default 8
        Margin around and between squares.
    offset : int, default 0
        Extra shift down and right of every square.

    Returns
    -------
    image : ndarray of shape (max(sizes) + 2 * gap + offset, sum(sizes) + (len + 1) * gap + offset)
        float32: the squares are 1, the background 0. The squares are the fast.ai forum's
        experiment on objects of several sizes under repeated pooling.

    References
    ----------
    .. [1] fast.ai forum, "CNNs and different spatial resolutions", forum thread, 2017.
       https://forums.fast.ai/t/cnns-and-different-spatial-resolutions/2483

    Examples
    --------
    >>> squares_image((2, 4), gap=2).astype(int).tolist()[2]
    [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0]
    """
    sizes = check.positive_ints(sizes, "sizes")
    gap = check.positive_int(gap, "gap")
    offset = check.non_negative_int(offset, "offset")
    height = max(sizes) + 2 * gap + offset
    width = sum(sizes) + (len(sizes) + 1) * gap + offset
    image = np.zeros((height, width), dtype=np.float32)
    x = gap + offset
    for s in sizes:
        image[gap + offset : gap + offset + s, x : x + s] = 1.0
        x += s + gap
    return image


def cat(scale: int = 1) -> np.ndarray:
    """Return the 8x8 cat face blown up ``scale`` times (nearest neighbour).

    Parameters
    ----------
    scale : int, default 1
        Pixels per side of each pixel of :data:`CAT_TEMPLATE`.

    Returns
    -------
    ndarray of shape (8 * scale, 8 * scale), float32
        Ones on the face, zeros around it.

    Examples
    --------
    >>> cat(3).shape
    (24, 24)
    """
    scale = check.positive_int(scale, "scale")
    return np.kron(CAT_TEMPLATE, np.ones((scale, scale), dtype=np.float32))


def two_cats_image(size: int = 64, near: int = 4, far: int = 1, level: float = 0.5) -> np.ndarray:
    """Return a scene with the same gray cat twice: near (large) and far (small).

    Parameters
    ----------
    size : int, default 64
        Height and width of the scene.
    near, far : int, default 4 and 1
        Scale factors of the two cats (each is ``8 * scale`` pixels wide).
    level : float, default 0.5
        Gray level of the cats on a black background.

    Returns
    -------
    image : ndarray of shape (size, size), float32
        The near cat at the bottom left, the far one at the top right; the forum's
        question of the same cat close to the camera and far away.

    References
    ----------
    .. [1] fast.ai forum, "CNNs and different spatial resolutions", forum thread, 2017.
       https://forums.fast.ai/t/cnns-and-different-spatial-resolutions/2483

    Examples
    --------
    >>> img = two_cats_image()
    >>> img.shape, float(img.max())
    ((64, 64), 0.5)
    """
    size = check.positive_int(size, "size")
    near, far = check.positive_int(near, "near"), check.positive_int(far, "far")
    level = check.real_number(level, "level")
    if not 0 < level <= 1:
        raise ValueError(f"`level` must be a gray level in (0, 1]. Received: level={level!r}")
    if 8 * (near + far) + 6 > size:
        raise ValueError(
            f"The cats ({8 * near} and {8 * far} pixels) do not fit in a scene of "
            f"size={size}. Use a larger size or smaller scales (`near`, `far`)."
        )
    big, small = cat(near) * level, cat(far) * level
    if big.shape[0] + small.shape[0] + 6 > size:
        raise ValueError(
            f"The cats ({big.shape[0]} and {small.shape[0]} pixels) do not fit in a scene of "
            f"size={size}. Use a larger size or smaller scales."
        )
    image = np.zeros((size, size), dtype=np.float32)
    image[size - big.shape[0] - 2 : size - 2, 2 : 2 + big.shape[1]] = big
    image[2 : 2 + small.shape[0], size - small.shape[1] - 2 : size - 2] = small
    return image


def photo_names() -> list[str]:
    """Return the names of the photos bundled with scikit-image that :func:`load_photo` knows.

    Returns
    -------
    list of str
        Sorted; "cat" and "chelsea" are the same photo.

    Examples
    --------
    >>> "camera" in photo_names()
    True
    """
    return sorted(_PHOTOS)


def load_photo(
    name: str, *, gray: bool = True, size: int | tuple[int, int] | None = None
) -> np.ndarray:
    """Load a bundled scikit-image photo (or an image file) as floats in [0, 1].

    Parameters
    ----------
    name : str or path-like
        A name from :func:`photo_names` ("camera", "cat", "astronaut", ...) or the
        path of an image file (PNG, JPEG, ...).
    gray : bool, default True
        Convert colour photos to gray with ``skimage.color.rgb2gray``. With
        ``gray=False`` a gray photo comes back with 3 equal channels.
    size : int or (int, int), optional
        Resize to (size, size) or (height, width) with anti-aliasing.

    Returns
    -------
    image : ndarray of shape (H, W) if gray else (H, W, 3), float32 in [0, 1]

    Raises
    ------
    ValueError
        For an unknown name, a missing file or a file that is not an image.

    Examples
    --------
    >>> load_photo("camera", size=64).shape
    (64, 64)
    >>> load_photo("cat", gray=False, size=(32, 48)).shape
    (32, 48, 3)
    """
    from imageio import v3 as iio
    from skimage import color, transform
    from skimage import data as skdata
    from skimage.util import img_as_float32

    gray = check.flag(gray, "gray")
    if size is not None:
        size = check.positive_pair(size, "size")
    if isinstance(name, str) and name.strip().lower() in _PHOTOS:
        image = getattr(skdata, _PHOTOS[name.strip().lower()])()
    elif isinstance(name, str | os.PathLike):
        path = Path(name)
        if not path.is_file():
            raise ValueError(
                f"`name` must be a bundled photo ({', '.join(photo_names())}) or an existing image "
                f"file. Received: name={check.describe(str(name))}, which is neither."
            )
        try:
            image = iio.imread(path.read_bytes())  # bytes: no file handle is left open on failure
        except Exception as error:
            reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
            raise ValueError(
                f"`name` points to a file that could not be read as an image: "
                f"{check.describe(str(path))} ({reason})"
            ) from None
    else:
        raise TypeError(f"`name` must be a string or a path. Received: name={check.describe(name)}")
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 4:
        image = color.rgba2rgb(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[-1] != 3):
        raise ValueError(
            f"The image {check.describe(name)} has shape {image.shape}; expected (H, W) or (H, W, 3)."
        )
    image = img_as_float32(image) if image.dtype.kind in "ui" else image.astype(np.float32)
    if gray and image.ndim == 3:
        image = color.rgb2gray(image)
    elif not gray and image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if size is not None:
        height, width = check.positive_pair(size, "size")
        image = transform.resize(image, (height, width), anti_aliasing=True)
    return np.clip(image, 0.0, 1.0).astype(np.float32)
