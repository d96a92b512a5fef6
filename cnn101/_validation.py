"""The one place where input checks live.

Every public function calls these on its first lines, so a student who passes
the wrong thing gets an error that names the argument, what it received and what
it expects, never a raw TensorFlow error. One rule decides which error:

* a value of the wrong *type* (``pool_size="2"``, ``sigma="2"``, ``padding=None``,
  ``strides=1.5``, ``True`` where an integer belongs) is a ``TypeError``;
* a value of the right type that is out of range or not among the options
  (``pool_size=0``, ``sigma=-1.0``, ``padding="FULL"``) is a ``ValueError``.

Option strings (:func:`choice`) are matched without regard to case and come back
in the spelling of the options, so ``padding="same"`` and ``pooling="MAX"`` are
both accepted. This module imports no TensorFlow and no other module of the package:
:func:`restore_rank` and :func:`fits_at_call`, which receive tensors, take TensorFlow
from ``sys.modules``, where ``cnn101._tf`` loaded it.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

PADDINGS = ("SAME", "VALID")
Padding = Literal["SAME", "VALID"]
DEVICES = ("auto", "cpu", "gpu")
Device = Literal["auto", "cpu", "gpu"]
# Sizes, windows and counts: TensorFlow's shapes are 32-bit integers.
MAX_SIZE = 2**31 - 1
# The most memory one array made from a user's sizes may take: 2 GiB, a quarter of a
# student's laptop. A size that needs more is refused before anything is allocated.
MAX_ARRAY_BYTES = 2**31


def summarize(value: Any) -> str:
    """Return ``value`` for an error message: an array by type, shape and dtype only.

    Unlike :func:`describe`, an array of any size is summarised (its values are never
    printed); anything without a shape is its ``repr``, cut at 80 characters.

    Examples
    --------
    >>> summarize(np.zeros((2, 2), np.float32))
    'ndarray with shape (2, 2) and dtype float32'
    >>> summarize([1, 2])
    '[1, 2]'
    """
    shape = getattr(value, "shape", None)
    if shape is not None:
        dtype = getattr(value, "dtype", None)
        dtype = getattr(dtype, "name", dtype)
        return f"{type(value).__name__} with shape {tuple(shape)} and dtype {dtype}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(value: Any) -> str:
    """Return ``value`` as it should appear in an error message: short.

    Numbers, strings and small sequences keep their ``repr``; an array or tensor
    with more than 8 elements is summarised by its type, shape and dtype; anything
    else is cut at 80 characters.

    Examples
    --------
    >>> describe(3), describe("same")
    ('3', "'same'")
    >>> describe(np.zeros((16, 16)))
    'ndarray with shape (16, 16) and dtype float64'
    """
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(shape, str):
        try:
            size = int(np.prod([int(n) for n in shape]))
        except (TypeError, ValueError):  # unknown dimensions (symbolic tensors)
            size = None
        if size is None or size > 8:
            return summarize(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def as_float_array(value: Any, name: str, *, allow_nan: bool = False) -> np.ndarray:
    """Convert ``value`` to a float32 NumPy array, or raise a clear error.

    Rejects non-numeric data (strings, objects, complex numbers), empty arrays,
    values too large for float32 and NaN/Inf values (NaN passes with
    ``allow_nan=True``: a plot draws it as a blank pixel).
    """
    tf = sys.modules.get("tensorflow")  # a tensor exists only once TensorFlow is loaded
    if tf is not None and isinstance(value, tf.Tensor | tf.Variable):
        value = value.numpy()
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ValueError(
            f"`{name}` must be a rectangular array of numbers. Received: {summarize(value)} ({error})"
        ) from None
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"`{name}` must hold real numbers (bool, integer or float). "
            f"Received: {summarize(value)} of dtype {array.dtype}"
        )
    if array.size == 0:
        raise ValueError(f"`{name}` must not be empty. Received: array with shape {array.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        array = array.astype(np.float32, copy=False)
    bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
    if bad.any():
        raise ValueError(
            f"`{name}` must contain only finite values. Received: array with shape "
            f"{array.shape} containing {'Inf' if allow_nan else 'NaN or Inf'} "
            "(or numbers too large for float32)"
        )
    return array


def as_image_batch(images: Any, name: str = "images") -> tuple[np.ndarray, int]:
    """Return ``images`` as a float32 NHWC batch and the rank it came in with.

    2-D (H, W) becomes (1, H, W, 1); 3-D (H, W, C) becomes (1, H, W, C).
    """
    array = as_float_array(images, name)
    rank = array.ndim
    if rank == 2:
        array = array[None, :, :, None]
    elif rank == 3:
        array = array[None]
    elif rank != 4:
        raise ValueError(
            f"`{name}` must be 2-D (H, W), 3-D (H, W, C) or 4-D (N, H, W, C). "
            f"Received: array with shape {array.shape}"
        )
    return array, rank


def gray_image(value: Any, name: str = "image") -> np.ndarray:
    """Return ``value`` as a float32 2-D (H, W) gray image, or raise.

    Non-numeric data is a ``TypeError``; empty, non-finite or not 2-D data a
    ``ValueError``.

    Examples
    --------
    >>> gray_image([[0, 1], [2, 3]]).dtype
    dtype('float32')
    """
    array = as_float_array(value, name)
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D gray image (H, W). Received: array with shape {array.shape}"
        )
    return array


def restore_rank(batch: Any, rank: int) -> Any:
    """Undo :func:`as_image_batch` on an NHWC result (keeps several channels)."""
    if rank == 4:
        return batch
    axes = (0, 3) if rank == 2 and batch.shape[-1] == 1 else (0,)
    if isinstance(batch, np.ndarray):
        return np.squeeze(batch, axis=axes)
    # One squeeze op costs a sixth of what eager slicing (``batch[0]``) does.
    return _loaded_tensorflow().squeeze(batch, axis=axes)


def _loaded_tensorflow() -> Any:
    """TensorFlow, for a check handed a tensor: it is loaded (quietly, by cnn101._tf) already.

    Taken from ``sys.modules`` rather than imported, so that this module imports no other
    module of the package (cnn101._tf uses it: importing it back would close a loop).
    """
    return sys.modules["tensorflow"]


def is_number(value: Any) -> bool:
    """Return whether ``value`` is a real number: Python or NumPy, but not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def is_integer(value: Any) -> bool:
    """Return whether ``value`` is an integer: Python or NumPy, but not a boolean.

    Examples
    --------
    >>> is_integer(3), is_integer(np.int64(3)), is_integer(True), is_integer(3.0)
    (True, True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def is_finite_number(value: Any) -> bool:
    """Return whether ``value`` is a real number (see :func:`is_number`) other than NaN or Inf."""
    if not is_number(value):
        return False
    try:
        return bool(np.isfinite(float(value)))
    except OverflowError:
        return False


def integer_labels(value: Any, name: str, count: int) -> np.ndarray:
    """Return ``value`` as ``count`` integer class labels (shape (count,)), or raise.

    Labels that are not integers (floats, strings, booleans) are a ``TypeError``;
    integer labels of another shape (or a ragged list) a ``ValueError``.

    Examples
    --------
    >>> integer_labels([3, 1], "labels", 2).tolist()
    [3, 1]
    >>> integer_labels([3.0, 1.0], "labels", 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: `labels` must be 2 integer class labels (...), not float64 values. ...
    """
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):
        array = np.asarray([], dtype=object)
    if array.dtype.kind not in "iu" and array.size > 0:  # no labels at all: the wrong count
        raise TypeError(
            f"`{name}` must be {count} integer class labels (shape ({count},), one per image "
            f"in `images`), not {array.dtype.name} values. Received: {name}={describe(value)}"
        )
    if array.shape != (count,):
        raise ValueError(
            f"`{name}` must be {count} integer class labels (shape ({count},), one per image in "
            "`images`). "
            f"Received: {name}={describe(value)}"
        )
    return array


def real_number(
    value: Any, name: str, *, positive: bool = False, non_negative: bool = False
) -> float:
    """Return ``value`` as a finite float, or raise.

    Python and NumPy numbers (``2``, ``np.float32(2.0)``, ``np.int64(2)``) are
    accepted; booleans, strings, complex numbers, NaN and infinity are not.

    Examples
    --------
    >>> real_number(np.float32(0.5), "sigma", positive=True)
    0.5
    """
    if not is_number(value):
        raise TypeError(f"`{name}` must be a real number. Received: {name}={describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = float("inf")
    if not np.isfinite(number):
        raise ValueError(f"`{name}` must be a finite number. Received: {name}={describe(value)}")
    if positive and not number > 0:
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={describe(value)}")
    if non_negative and number < 0:
        raise ValueError(
            f"`{name}` must be a non-negative number. Received: {name}={describe(value)}"
        )
    return number


def positive_number(value: Any, name: str) -> float:
    """Return ``value`` as a finite float > 0: ``real_number(value, name, positive=True)``.

    Examples
    --------
    >>> positive_number(2, "sigma")
    2.0
    """
    return real_number(value, name, positive=True)


def _integer_type(value: Any, name: str, expected: str, original: Any = None) -> None:
    """Raise TypeError unless ``value`` is an integer (booleans are not)."""
    if not is_integer(value):
        shown = value if original is None else original
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(shown)}")


def _pair(value: Any, name: str, expected: str) -> list:
    """Return ``value`` as a list of 2 integers, or raise (TypeError for a wrong type)."""
    pair = value.tolist() if isinstance(value, np.ndarray) and value.shape == (2,) else value
    if not isinstance(pair, tuple | list):
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    if len(pair) != 2:
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    for member in pair:
        _integer_type(member, name, expected, value)
    return list(pair)


def positive_pair(value: Any, name: str) -> tuple[int, int]:
    """Return ``value`` as a pair of positive integers (an int means a square).

    A wrong type (a string, a float, a bool, a pair of those) is a ``TypeError``;
    a pair of the wrong length, a zero or a negative member a ``ValueError``.

    Examples
    --------
    >>> positive_pair(3, "pool_size"), positive_pair((2, np.int64(4)), "pool_size")
    ((3, 3), (2, 4))
    """
    expected = "a positive integer or a tuple of 2 positive integers"
    pair = _pair((value, value) if is_integer(value) else value, name, expected)
    if not all(v > 0 for v in pair):
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    _not_too_large(max(pair), name, value)
    return int(pair[0]), int(pair[1])


def positive_ints(value: Any, name: str) -> tuple[int, ...]:
    """Return ``value``, a non-empty sequence of positive integers, as a tuple, or raise.

    Examples
    --------
    >>> positive_ints([1, 2, 4], "levels")
    (1, 2, 4)
    """
    expected = "a non-empty sequence of positive integers"
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    if len(value) == 0:
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    for member in value:
        _integer_type(member, name, expected, value)
    if not all(v > 0 for v in value):
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    _not_too_large(max(value), name, value)
    return tuple(int(v) for v in value)


def scale_factors(value: Any, name: str = "scales") -> tuple[float, ...]:
    """Return a non-empty sequence of resize factors in (0, 100] as a tuple of floats.

    Raises
    ------
    TypeError
        If ``value`` is a string, not a sequence, or holds something that is not a number.
    ValueError
        If it is empty, or a factor is not finite, not positive or above 100.

    Examples
    --------
    >>> scale_factors([1, 0.5])
    (1.0, 0.5)
    """
    message = (
        f"`{name}` must be a non-empty sequence of positive numbers (at most 100). "
        f"Received: {name}={describe(value)}"
    )
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise TypeError(message)
    if not all(map(is_number, value)):
        raise TypeError(message)
    if len(value) == 0 or not all(np.isfinite(s) and 0 < s <= 100 for s in value):
        raise ValueError(message)
    return tuple(float(s) for s in value)


def _not_too_large(number: Any, name: str, value: Any) -> None:
    if number > MAX_SIZE:
        raise ValueError(
            f"`{name}` must be at most {MAX_SIZE} (sizes are 32-bit integers in TensorFlow). "
            f"Received: {name}={describe(value)}"
        )


def array_size(
    shape: Sequence[int],
    name: str,
    value: Any = None,
    *,
    itemsize: int = 4,
    copies: int = 1,
    what: str = "array",
) -> None:
    """Refuse (``ValueError``) sizes whose array would take more than ``MAX_ARRAY_BYTES``.

    Called with the shape an argument asks for, before the array is made, so that a
    huge size is a clear error and not a ``MemoryError`` or a swapping machine.
    ``value`` is what the caller passed (default: ``shape``); ``copies`` how many
    such arrays the work holds at once.

    Examples
    --------
    >>> array_size((64, 64), "shape")
    >>> array_size((100_000, 100_000), "shape", what="mask")
    Traceback (most recent call last):
    ...
    ValueError: `shape` asks for a mask of shape (100000, 100000): 37.3 GiB, more than the 2.0 GiB allowed. Received: shape=(100000, 100000)
    >>> array_size((2**31 + 1, 2**31 + 1), "radius", 2**30, itemsize=8, what="kernel")
    Traceback (most recent call last):
    ...
    ValueError: `radius` asks for a kernel of shape (2147483649, 2147483649): 34359738400.0 GiB, more than the 2.0 GiB allowed. Received: radius=1073741824
    """
    count = 1
    for size in shape:
        count *= int(size)
    needed = count * itemsize * copies
    if needed > MAX_ARRAY_BYTES:
        dims = tuple(int(s) for s in shape)
        shown = dims if value is None else value
        raise ValueError(
            f"`{name}` asks for a {what} of shape {dims}: {needed / 2**30:.1f} GiB, more than "
            f"the {MAX_ARRAY_BYTES / 2**30:.1f} GiB allowed. Received: {name}={describe(shown)}"
        )


def positive_int(value: Any, name: str) -> int:
    """Return ``value`` if it is a positive integer (at most ``MAX_SIZE``), else raise.

    Not an integer (a float, a string, a bool): ``TypeError``; zero, negative or
    too large: ``ValueError``.

    Examples
    --------
    >>> positive_int(np.int64(3), "size")
    3
    """
    _integer_type(value, name, "a positive integer")
    if value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={describe(value)}")
    _not_too_large(value, name, value)
    return int(value)


def flag(value: Any, name: str) -> bool:
    """Return ``value`` if it is True or False (Python or NumPy), else raise TypeError."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"`{name}` must be True or False. Received: {name}={describe(value)}")
    return bool(value)


def text(value: Any, name: str, *, optional: bool = True, empty: bool = True) -> str | None:
    """Return ``value`` if it is a string (or None when ``optional``), else raise.

    Not a string: ``TypeError``; with ``empty=False``, a string of blanks only: ``ValueError``.

    Examples
    --------
    >>> text("Edges", "title"), text(None, "title")
    ('Edges', None)
    >>> text("  ", "name", optional=False, empty=False)
    Traceback (most recent call last):
    ...
    ValueError: `name` must be a non-empty string. Received: name='  '
    """
    if value is None and optional:
        return None
    adjective = "" if empty else "non-empty "
    if not isinstance(value, str):
        expected = f"a {adjective}string" + (" or None" if optional else "")
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    if not empty and not value.strip():
        raise ValueError(f"`{name}` must be a non-empty string. Received: {name}={describe(value)}")
    return value


def instance(value: Any, name: str, types: type | tuple[type, ...], expected: str = "") -> Any:
    """Return ``value`` if it is an instance of ``types``, else raise TypeError.

    ``expected`` says what the argument must be, in words (default: the type names).

    Examples
    --------
    >>> instance(3, "count", int)
    3
    >>> instance("3", "count", (int, float))
    Traceback (most recent call last):
    ...
    TypeError: `count` must be int or float. Received: count='3'
    """
    if not isinstance(value, types):
        classes = types if isinstance(types, tuple) else (types,)
        expected = expected or " or ".join(cls.__name__ for cls in classes)
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    return value


def function(value: Any, name: str, what: str = "") -> Any:
    """Return ``value`` if it can be called, else raise TypeError.

    ``what`` says what the function maps (``"images -> maps"``), for the message.

    Examples
    --------
    >>> function(len, "fn") is len
    True
    >>> function(3, "fn", "images -> maps")
    Traceback (most recent call last):
    ...
    TypeError: `fn` must be callable (images -> maps). Received: fn=3
    """
    if not callable(value):
        detail = f" ({what})" if what else ""
        raise TypeError(f"`{name}` must be callable{detail}. Received: {name}={describe(value)}")
    return value


def path(value: Any, name: str, *, optional: bool = False) -> Any:
    """Return ``value`` (a string or an ``os.PathLike``) as a ``pathlib.Path``, or raise.

    Not a string or path: ``TypeError``; an empty string: ``ValueError``; None passes
    when ``optional``.

    Examples
    --------
    >>> path("runs/a.json", "file").name
    'a.json'
    >>> path(3, "file")
    Traceback (most recent call last):
    ...
    TypeError: `file` must be a path (str or os.PathLike). Received: file=3
    """
    import os
    from pathlib import Path

    if value is None and optional:
        return None
    if not isinstance(value, str | os.PathLike):
        expected = "a path (str or os.PathLike)" + (" or None" if optional else "")
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    if isinstance(value, str) and not value.strip():
        raise ValueError(f"`{name}` must be a non-empty path. Received: {name}={describe(value)}")
    return Path(value)


def writable_file(value: Any, name: str = "path", *, make_folders: bool = False) -> Any:
    """Return ``value`` as a ``pathlib.Path`` to a file that can be written (replaced if it exists).

    Checked before any work, so that a run is not lost to a path it cannot write. With
    ``make_folders``, folders that do not exist yet are allowed (the writer makes them):
    the first one that exists must be a writable folder.

    Raises
    ------
    TypeError
        If ``value`` is not a path (:func:`path`).
    ValueError
        If it is empty, a folder, its folder does not exist (unless ``make_folders``), a
        file stands where a folder must be, or either is not writable.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     writable_file(Path(folder))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `path` must name a file, not a folder. ...
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     writable_file(Path(folder) / "new" / "r.json", make_folders=True).name
    'r.json'
    """
    import os

    file = path(value, name)
    if file.is_dir():
        raise ValueError(
            f"`{name}` must name a file, not a folder. Received: {name}={describe(str(file))}"
        )
    folder = file.absolute().parent
    while make_folders and not folder.exists():  # the first that exists: the rest are made
        folder = folder.parent
    if not folder.is_dir():
        where = "is a file" if folder.exists() else "does not exist"
        raise ValueError(
            f"`{name}` must be in an existing folder. Received: {name}={str(file)!r} "
            f"({str(folder)!r} {where})"
        )
    if not os.access(folder, os.W_OK | os.X_OK) or (file.exists() and not os.access(file, os.W_OK)):
        raise ValueError(
            f"`{name}` must be writable. Received: {name}={str(file)!r} (permission denied)"
        )
    return file


def sequence(value: Any, name: str, expected: str, *, empty: bool = False) -> Sequence:
    """Return ``value`` if it is a sequence (a list, a tuple; not a string), else raise.

    Not a sequence, or a string: ``TypeError``; empty (unless ``empty``): ``ValueError``.
    ``expected`` says what it must hold, in words ("a non-empty sequence of str").

    Examples
    --------
    >>> sequence(["a"], "keys", "a non-empty sequence of str")
    ['a']
    >>> sequence([], "keys", "a non-empty sequence of str")
    Traceback (most recent call last):
    ...
    ValueError: `keys` must be a non-empty sequence of str. Received: keys=[]
    """
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    if not empty and len(value) == 0:
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    return value


def ndim(array: np.ndarray, name: str, dims: int | tuple[int, ...], expected: str) -> np.ndarray:
    """Return ``array`` if its number of axes is (one of) ``dims``, else raise ValueError.

    Examples
    --------
    >>> ndim(np.zeros((2, 3)), "image", 2, "a 2-D image (H, W)").shape
    (2, 3)
    >>> ndim(np.zeros(3), "image", (2, 3), "an image (H, W) or (H, W, C)")
    Traceback (most recent call last):
    ...
    ValueError: `image` must be an image (H, W) or (H, W, C). Received: array with shape (3,)
    """
    allowed = dims if isinstance(dims, tuple) else (dims,)
    if np.ndim(array) not in allowed:
        raise ValueError(
            f"`{name}` must be {expected}. Received: array with shape {np.shape(array)}"
        )
    return array


def image_batch(value: Any, name: str = "images") -> np.ndarray:
    """Return ``value`` as a float32 4-D batch (N, H, W, C), or raise.

    Non-numeric data is a ``TypeError``; empty, non-finite or not 4-D data a ``ValueError``.

    Examples
    --------
    >>> image_batch(np.zeros((2, 5, 5, 1))).dtype
    dtype('float32')
    >>> image_batch(np.zeros((5, 5)))
    Traceback (most recent call last):
    ...
    ValueError: `images` must be a 4-D batch (N, H, W, C). Received: array with shape (5, 5)
    """
    return ndim(as_float_array(value, name), name, 4, "a 4-D batch (N, H, W, C)")


def seed(value: Any, name: str = "seed", *, optional: bool = False) -> Any:
    """Return a valid seed: an integer >= 0, a ``numpy.random.Generator`` or (optional) None."""
    if value is None and optional:
        return None
    if isinstance(value, np.random.Generator) and optional:
        return value
    if not is_integer(value) or not 0 <= value < 2**32:
        expected = "an integer in [0, 2**32)" + (
            ", a numpy.random.Generator or None" if optional else ""
        )
        error = TypeError if not is_integer(value) else ValueError
        raise error(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    return int(value)


def seeds(value: Any, name: str = "seeds") -> tuple[int, ...]:
    """Return a non-empty sequence of distinct non-negative integer seeds as a tuple.

    Raises
    ------
    TypeError
        If ``value`` is a string or not a sequence, or holds a boolean, a float or
        anything else that is not an integer.
    ValueError
        If it is empty, holds a negative seed or one too large for NumPy, or repeats a seed.

    Examples
    --------
    >>> seeds([0, 1, 2])
    (0, 1, 2)
    """
    expected = "a non-empty sequence of distinct non-negative integers"
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise TypeError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    if len(value) == 0:
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    for member in value:
        if not is_integer(member):
            raise TypeError(
                f"`{name}` must hold integers (not booleans or floats). Received: {name}={describe(value)}"
            )
    checked = tuple(seed(s, name) for s in value)
    if len(set(checked)) != len(checked):
        raise ValueError(f"`{name}` must be distinct. Received: {name}={list(checked)}")
    return checked


def axes(ax: Any) -> Any:
    """Return ``ax`` if it is a matplotlib Axes or None, else raise TypeError."""
    from matplotlib.axes import Axes

    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"`ax` must be a matplotlib Axes or None. Received: ax={describe(ax)}")
    return ax


def int_pair(value: Any, name: str) -> tuple[int, int]:
    """Return ``value`` as a pair of integers (any sign), or raise.

    Not a pair of integers: ``TypeError``; a sequence of another length: ``ValueError``.
    """
    pair = _pair(value, name, "a pair of integers")
    return int(pair[0]), int(pair[1])


def integer(value: Any, name: str) -> int:
    """Return ``value`` as an int if it is an integer (not a bool), else raise TypeError."""
    _integer_type(value, name, "an integer")
    return int(value)


def index(value: Any, name: str, count: int) -> int:
    """Return ``value`` if it is an integer in [0, ``count``), else raise.

    Not an integer (a float, a string, a bool): ``TypeError``; out of range: ``ValueError``.

    Examples
    --------
    >>> index(np.int64(2), "channel", 3)
    2
    """
    expected = f"an integer in [0, {count - 1}]"
    _integer_type(value, name, expected)
    if not 0 <= value < count:
        raise ValueError(f"`{name}` must be {expected}. Received: {name}={describe(value)}")
    return int(value)


def non_negative_int(value: Any, name: str) -> int:
    """Return ``value`` if it is an integer >= 0 (not a bool), else raise.

    Not an integer: ``TypeError``; negative or too large: ``ValueError``.
    """
    _integer_type(value, name, "a non-negative integer")
    if value < 0:
        raise ValueError(
            f"`{name}` must be a non-negative integer. Received: {name}={describe(value)}"
        )
    _not_too_large(value, name, value)
    return int(value)


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """Return the option ``value`` names, spelled as in ``options``, or raise.

    The one case rule of the package: options are matched without regard to case
    (``"same"``, ``"Same"`` and ``"SAME"`` are the same option) and the spelling
    of ``options`` comes back. A non-string is a ``TypeError``, an unknown string
    a ``ValueError``; both list the options.

    Parameters
    ----------
    value : Any
        What the caller passed.
    name : str
        The argument's name, for the message.
    options : sequence of str
        The accepted options in their canonical spelling (distinct without case).

    Returns
    -------
    str
        The member of ``options`` equal to ``value`` without regard to case.

    Examples
    --------
    >>> choice("same", "padding", PADDINGS)
    'SAME'
    >>> choice("MAX", "pooling", ("max", "avg"))
    'max'
    """
    options = tuple(options)
    if not isinstance(value, str):
        raise TypeError(
            f"`{name}` must be a string, one of {options} (any case). "
            f"Received: {name}={describe(value)}"
        )
    folded = value.casefold()
    for option in options:
        if option.casefold() == folded:
            return option
    raise ValueError(
        f"`{name}` must be one of {options} (any case). Received: {name}={describe(value)}"
    )


def padding_mode(padding: Any) -> str:
    """Return ``padding`` as "SAME" or "VALID" (given in any case), else raise."""
    return choice(padding, "padding", PADDINGS)


def device(value: Any) -> str:
    """Return ``value`` as "auto", "cpu" or "gpu" (given in any case), else raise."""
    return choice(value, "device", DEVICES)


def check_window_fits(
    image_hw: tuple[int, int],
    window_hw: tuple[int, int],
    padding: str,
    what: str,
    *,
    window_name: str = "pool_size",
    image_name: str = "images",
) -> None:
    """With VALID padding, a window larger than the image leaves no output: refuse it."""
    if padding == "VALID" and (window_hw[0] > image_hw[0] or window_hw[1] > image_hw[1]):
        raise ValueError(
            f"The {what} {window_hw} is larger than the image {image_hw}, so VALID padding "
            f"leaves no output. Use a smaller {what} (`{window_name}`), a larger image "
            f"(`{image_name}`), or padding='SAME'."
        )


def fits_at_call(inputs: Any, minimum: tuple[int, int], layer: str, why: str) -> Any:
    """Refuse a map whose height or width is below ``minimum`` when a layer is called.

    A layer built on ``keras.Input((None, None, C))`` learns its spatial size only
    when it is called. A size known then is checked here in Python (``ValueError``);
    a size still unknown (a traced graph) gets a ``tf.debugging`` assertion that
    stops the graph with the same message before any op sees the map, so a window
    larger than the map can never reach a kernel that would crash the process.

    Parameters
    ----------
    inputs : tf.Tensor of shape (N, H, W, C)
    minimum : (int, int)
        Smallest height and width the layer can work with.
    layer : str
        Name of the layer, for the message.
    why : str
        What needs that size (e.g. "the pool window (3, 3)").

    Returns
    -------
    tf.Tensor
        ``inputs``, carrying the runtime assertion when a size is unknown.
    """
    if not (inputs.dtype.is_floating or inputs.dtype.is_integer):
        raise TypeError(
            f"{layer} needs numeric inputs. Received: inputs of dtype {inputs.dtype.name}"
        )
    static = tuple(inputs.shape[1:3])
    message = (
        f"{layer} needs inputs of at least {minimum[0]}x{minimum[1]} pixels ({why}). "
        "Use larger inputs or a smaller window."
    )
    if all(size is not None for size in static):
        if static[0] < minimum[0] or static[1] < minimum[1]:
            raise ValueError(f"{message} Received: input of spatial size {static}")
        return inputs
    tf = _loaded_tensorflow()
    assertion = tf.debugging.assert_greater_equal(
        tf.shape(inputs)[1:3], tf.constant(minimum, dtype=tf.int32), message=message
    )
    with tf.control_dependencies([assertion]):
        return tf.identity(inputs)
