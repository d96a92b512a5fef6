"""Spatial transformations T of the image plane, applied alike to images and feature maps.

A :class:`SpatialTransform` moves pixels, never channels: it acts on the two
spatial axes of an (H, W) image or an (H, W, C) feature map and treats every
channel the same way. That is the "transformation of the feature map" that
spatial transformer networks apply, and the one whose limits
:mod:`cnn101.alignment` measures.

Exact operations are used where the pixel grid allows them: integer shifts with
zero fill, ``np.rot90`` and ``np.flip``. Scalings and shears use
``scipy.ndimage.affine_transform`` about the pixel ``(H // 2, W // 2)`` with
zero fill outside the input. Their interpolation ``order`` is 0 (nearest
neighbour) or 1 (bilinear, the default): both read only the 1 or 2x2 nearest
input pixels, so :meth:`SpatialTransform.valid` can say exactly which output
pixels come from inside the input. Higher spline orders spread each pixel over
the whole image and are refused.

References
----------
.. [1] M. Jaderberg, K. Simonyan, A. Zisserman and K. Kavukcuoglu, "Spatial transformer
   networks", NeurIPS, 2015. arXiv:1506.02025
.. [2] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
   transformations of CNN feature maps to support invariant recognition", arXiv
   preprint, 2020. arXiv:2004.14716
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from cnn101 import _validation as check

__all__ = [
    "SpatialTransform",
    "affine",
    "get_transform",
    "reflection",
    "rotation90",
    "scaling",
    "shear",
    "transform_names",
    "translation",
]

Kind = Literal["translate", "rotate90", "reflect", "affine"]
_KINDS = ("translate", "rotate90", "reflect", "affine")
_AXES = {"left_right": 1, "up_down": 0}


@dataclass(frozen=True)
class SpatialTransform:
    """A transformation of the image plane, applied to images and feature maps alike.

    Build one with :func:`translation`, :func:`rotation90`, :func:`reflection`,
    :func:`scaling`, :func:`shear`, :func:`affine` or :func:`get_transform`,
    then call it on an array.

    Attributes
    ----------
    name : str
        A short label for tables and figures.
    kind : {"translate", "rotate90", "reflect", "affine"}
    params : tuple
        (dy, dx) for "translate", (k,) for "rotate90", (axis name,) for "reflect",
        the 2x2 matrix (row-major, acting on (row, column) offsets from the centre)
        for "affine".
    order : int
        Interpolation order of "affine" (0 or 1); unused by the exact kinds.

    References
    ----------
    .. [1] M. Jaderberg, K. Simonyan, A. Zisserman and K. Kavukcuoglu, "Spatial transformer
       networks", NeurIPS, 2015. arXiv:1506.02025
    .. [2] Y. Jansson, M. Maydanskiy, L. Finnveden and T. Lindeberg, "Inability of spatial
       transformations of CNN feature maps to support invariant recognition", arXiv
       preprint, 2020. arXiv:2004.14716

    Examples
    --------
    >>> t = translation(1, 0)
    >>> t(np.arange(6.0).reshape(3, 2)).tolist()
    [[0.0, 0.0], [0.0, 1.0], [2.0, 3.0]]
    >>> t.inverse().name
    'translate(-1, 0)'
    """

    name: str
    kind: Kind
    params: tuple = field(default=())
    order: int = 1

    def __post_init__(self) -> None:
        check.text(self.name, "name", optional=False)
        object.__setattr__(self, "kind", check.choice(self.kind, "kind", _KINDS))
        if check.integer(self.order, "order") not in (0, 1):
            raise ValueError(
                f"`order` must be 0 or 1. Received: order={check.describe(self.order)}"
            )
        params = self.params
        if self.kind != "affine":
            check.instance(params, "params", tuple, f"a tuple of parameters for kind={self.kind!r}")
        if self.kind == "translate":
            for member in params:
                check.integer(member, "params")
            ok = (
                isinstance(params, tuple)
                and len(params) == 2
                and all(map(check.is_integer, params))
            )
        elif self.kind == "rotate90":
            for member in params:
                check.integer(member, "params")
            ok = isinstance(params, tuple) and len(params) == 1 and check.is_integer(params[0])
        elif self.kind == "reflect":
            ok = isinstance(params, tuple) and len(params) == 1 and params[0] in _AXES
        else:
            check.sequence(params, "params", "an invertible 2x2 matrix for kind='affine'")
            matrix = check.as_float_array(params, "params")
            ok = matrix is not None and matrix.shape == (2, 2) and abs(np.linalg.det(matrix)) > 1e-9
        if not ok:
            raise ValueError(
                f"`params` do not suit kind={self.kind!r}: (dy, dx) integers for 'translate', "
                "(k,) for 'rotate90', (axis name,) for 'reflect', an invertible 2x2 matrix for "
                f"'affine'. Received: params={check.describe(params)}"
            )

    def __call__(self, array: Any) -> np.ndarray:
        """Apply the transformation to an (H, W) image or an (H, W, C) feature map.

        Parameters
        ----------
        array : array_like of shape (H, W) or (H, W, C)

        Returns
        -------
        out : ndarray of shape (H', W') or (H', W', C), float32
            (W, H) spatial size for an odd number of quarter turns, else (H, W).
            Pixels that come from outside the input are 0.
        """
        data = check.as_float_array(array, "array")
        if data.ndim not in (2, 3):
            raise ValueError(
                "`array` must be an (H, W) image or an (H, W, C) feature map. "
                f"Received: array with shape {data.shape}"
            )
        if self.kind == "translate":
            return _shift(data, *self.params)
        if self.kind == "rotate90":
            return np.ascontiguousarray(np.rot90(data, self.params[0], axes=(0, 1)))
        if self.kind == "reflect":
            return np.ascontiguousarray(np.flip(data, axis=_AXES[self.params[0]]))
        return _warp(data, np.asarray(self.params, dtype=np.float64), self.order)

    def inverse(self) -> SpatialTransform:
        """Return the transformation that undoes this one (on the pixels it keeps).

        Returns
        -------
        SpatialTransform
            The opposite shift or turn, the same reflection, or the inverse matrix.

        Examples
        --------
        >>> rotation90(1).inverse().name
        'rotate 270'
        """
        if self.kind == "translate":
            dy, dx = self.params
            return translation(-dy, -dx)
        if self.kind == "rotate90":
            return rotation90(-self.params[0])
        if self.kind == "reflect":
            return self
        matrix = np.linalg.inv(np.asarray(self.params, dtype=np.float64))
        return affine(matrix, order=self.order, name=f"inverse of {self.name}")

    def valid(self, shape: Sequence[int]) -> np.ndarray:
        """Return which output pixels come from inside an input of spatial ``shape``.

        Parameters
        ----------
        shape : (int, int) or (int, int, int)
            Shape of the input; only (H, W) is used.

        Returns
        -------
        mask : ndarray of bool, spatial shape of the output
            True where the output pixel is computed from input pixels only (no
            zero fill). For interpolating transforms: every pixel the
            interpolation reads lies inside the input.

        Examples
        --------
        >>> translation(0, 2).valid((2, 4)).astype(int).tolist()
        [[0, 0, 1, 1], [0, 0, 1, 1]]
        """
        check.sequence(shape, "shape", "(H, W) or (H, W, C)")
        if len(shape) not in (2, 3):
            raise ValueError(
                f"`shape` must be (H, W) or (H, W, C). Received: shape={check.describe(shape)}"
            )
        height, width = check.positive_pair(tuple(shape[:2]), "shape")
        # the mask and the warped copy of it: two float arrays of that size
        check.array_size((height, width), "shape", shape, copies=2, what="mask")
        return self(np.ones((height, width), dtype=np.float32)) >= 1.0 - 1e-5


def _shift(data: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(data)
    height, width = data.shape[:2]
    if abs(dy) >= height or abs(dx) >= width:
        return out
    src_rows = slice(max(0, -dy), height - max(0, dy))
    dst_rows = slice(max(0, dy), height - max(0, -dy))
    src_cols = slice(max(0, -dx), width - max(0, dx))
    dst_cols = slice(max(0, dx), width - max(0, -dx))
    out[dst_rows, dst_cols] = data[src_rows, src_cols]
    return out


def _warp(data: np.ndarray, matrix: np.ndarray, order: int) -> np.ndarray:
    from scipy.ndimage import affine_transform

    height, width = data.shape[:2]
    centre = np.array([height // 2, width // 2], dtype=np.float64)
    # Output pixel o shows input point A^-1 (o - c) + c: the picture moves by A about c.
    back = np.linalg.inv(matrix)
    offset = centre - back @ centre
    planes = data[..., None] if data.ndim == 2 else data
    out = np.stack(
        [
            affine_transform(
                planes[..., c].astype(np.float64),
                back,
                offset=offset,
                order=order,
                mode="constant",
                cval=0.0,
            )
            for c in range(planes.shape[-1])
        ],
        axis=-1,
    ).astype(np.float32)
    return out[..., 0] if data.ndim == 2 else out


def translation(dy: int, dx: int) -> SpatialTransform:
    """Return a shift by ``dy`` rows down and ``dx`` columns right, with zero fill.

    Parameters
    ----------
    dy, dx : int
        Whole pixels (a sub-pixel shift would need interpolation).

    Returns
    -------
    SpatialTransform

    Examples
    --------
    >>> translation(0, 1)(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[0.0, 1.0, 2.0]]
    """
    dy, dx = check.integer(dy, "dy"), check.integer(dx, "dx")
    return SpatialTransform(f"translate({dy}, {dx})", "translate", (dy, dx))


def rotation90(k: int = 1) -> SpatialTransform:
    """Return a rotation by ``k`` quarter turns counter-clockwise (``np.rot90``).

    Parameters
    ----------
    k : int, default 1
        Number of quarter turns; 2 is a half turn (180 degrees).

    Returns
    -------
    SpatialTransform

    Examples
    --------
    >>> rotation90(1)(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[2.0, 4.0], [1.0, 3.0]]
    """
    k = check.integer(k, "k") % 4
    return SpatialTransform(f"rotate {90 * k}", "rotate90", (k,))


def reflection(axis: Literal["left_right", "up_down"] = "left_right") -> SpatialTransform:
    """Return a mirror image: ``"left_right"`` swaps columns, ``"up_down"`` rows.

    Parameters
    ----------
    axis : {"left_right", "up_down"}, default "left_right"
        Mirror the columns (left to right) or the rows (top to bottom).

    Returns
    -------
    SpatialTransform

    Examples
    --------
    >>> reflection("left_right")(np.array([[1.0, 2.0, 3.0]])).tolist()
    [[3.0, 2.0, 1.0]]
    """
    axis = check.choice(axis, "axis", tuple(_AXES))
    return SpatialTransform(f"flip {axis.replace('_', '-')}", "reflect", (axis,))


def affine(matrix: Any, *, order: int = 1, name: str | None = None) -> SpatialTransform:
    """Return the linear map ``matrix`` of the plane about the pixel (H // 2, W // 2).

    The picture moves so that the point at offset ``d`` (rows, columns) from the
    centre lands at ``matrix @ d``; output pixels are read from the input with
    ``scipy.ndimage.affine_transform`` and zero outside it.

    Parameters
    ----------
    matrix : array_like of shape (2, 2)
        Invertible, acting on (row, column) offsets.
    order : {0, 1}, default 1
        Nearest-neighbour (0) or bilinear (1) interpolation.
    name : str, optional
        Label of the transformation; by default ``"affine(...)"`` with the matrix.

    Returns
    -------
    SpatialTransform

    Examples
    --------
    >>> image = np.arange(9.0).reshape(3, 3)
    >>> bool(np.allclose(affine(np.eye(2))(image), image))
    True
    """
    if isinstance(matrix, str | bytes) or check.is_number(matrix) or matrix is None:
        raise TypeError(
            f"`matrix` must be an invertible 2x2 array. Received: matrix={check.describe(matrix)}"
        )
    array = check.as_float_array(matrix, "matrix").astype(np.float64)
    if array.shape != (2, 2) or abs(np.linalg.det(array)) < 1e-9:
        raise ValueError(
            f"`matrix` must be an invertible 2x2 array. Received: {check.summarize(array)}"
        )
    if check.integer(order, "order") not in (0, 1):
        raise ValueError(
            "`order` must be 0 (nearest neighbour) or 1 (bilinear); higher spline orders "
            f"read the whole image and blur the border masks. Received: order={check.describe(order)}"
        )
    check.text(name, "name")
    params = tuple(tuple(float(v) for v in row) for row in array)
    return SpatialTransform(name or f"affine{params}", "affine", params, int(order))


def scaling(factor: float, *, order: int = 1) -> SpatialTransform:
    """Return a zoom by ``factor`` about the centre pixel (2 enlarges, 0.5 shrinks).

    Parameters
    ----------
    factor : float
        Positive; the image keeps its size, so enlarging crops and shrinking
        leaves a zero frame.
    order : {0, 1}, default 1
        Nearest-neighbour (0) or bilinear (1) interpolation.

    Returns
    -------
    SpatialTransform

    Examples
    --------
    >>> scaling(2)(np.arange(5.0)[None, :].repeat(5, axis=0))[0].tolist()
    [1.0, 1.5, 2.0, 2.5, 3.0]
    """
    factor = check.real_number(factor, "factor", positive=True)
    if not 1e-3 <= factor <= 1e3:
        raise ValueError(f"`factor` must be between 0.001 and 1000. Received: factor={factor!r}")
    return affine(np.eye(2) * factor, order=order, name=f"scale {factor:g}")


def shear(amount: float = 1.0, *, order: int = 1) -> SpatialTransform:
    """Return a horizontal shear: a row ``d`` rows below the centre moves ``amount * d`` right.

    With an integer ``amount`` every row moves by whole pixels, so no
    interpolation happens and the shear is exact.

    Parameters
    ----------
    amount : float, default 1.0
        Columns moved per row of distance from the centre row, between -1000 and 1000.
    order : {0, 1}, default 1
        Nearest-neighbour (0) or bilinear (1) interpolation.

    Returns
    -------
    SpatialTransform
        An ``"affine"`` transformation with matrix ``[[1, 0], [amount, 1]]``.

    Examples
    --------
    >>> shear(1.0)(np.ones((3, 3))).astype(int).tolist()
    [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
    """
    amount = check.real_number(amount, "amount")
    if abs(amount) > 1e3:
        raise ValueError(f"`amount` must be between -1000 and 1000. Received: amount={amount!r}")
    return affine([[1.0, 0.0], [amount, 1.0]], order=order, name=f"shear {amount:g}")


_NAMED = {
    "translate": lambda: translation(3, -5),
    "rotate90": lambda: rotation90(1),
    "rotate180": lambda: rotation90(2),
    "flip_left_right": lambda: reflection("left_right"),
    "scale2": lambda: scaling(2.0),
    "scale0.5": lambda: scaling(0.5),
    "shear": lambda: shear(1.0),
}


def transform_names() -> list[str]:
    """Return the names :func:`get_transform` knows, in a fixed teaching order.

    Returns
    -------
    list of str

    Examples
    --------
    >>> transform_names()[:3]
    ['translate', 'rotate90', 'rotate180']
    """
    return list(_NAMED)


def get_transform(name: str | SpatialTransform, *, argument: str = "name") -> SpatialTransform:
    """Return a named transformation (a :class:`SpatialTransform` passes through).

    Names: "translate" (3 down, 5 left), "rotate90", "rotate180",
    "flip_left_right", "scale2", "scale0.5" (bilinear) and "shear" (amount 1).

    Parameters
    ----------
    name : str or SpatialTransform
        One of :func:`transform_names` (in any case), or a transformation, returned as it is.
    argument : str, default "name"
        The argument named in error messages (a caller passes its own parameter's name).

    Returns
    -------
    SpatialTransform

    Examples
    --------
    >>> get_transform("scale0.5").name
    'scale 0.5'
    """
    argument = check.text(argument, "argument", optional=False)
    value = name
    if isinstance(value, SpatialTransform):
        return value
    check.instance(value, argument, str, f"a SpatialTransform or one of {transform_names()}")
    return _NAMED[check.choice(value, argument, transform_names())]()
