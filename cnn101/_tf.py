"""Import TensorFlow once, quietly, and pick the device an op runs on.

TensorFlow's C++ runtime writes log lines straight to file descriptor 2 while it
loads (the oneDNN notice, CUDA probing, CPU-feature notes). On TensorFlow 2.21
``TF_CPP_MIN_LOG_LEVEL`` alone does not hide all of them, and switching oneDNN off
to hide its notice makes convolution and pooling several times slower. Instead we
point descriptor 2 at ``/dev/null`` only for the duration of the import and of one
tiny warm-up op, then put it back, so Python warnings and errors still show.

Modules import both at the top like any other import::

    from cnn101._tf import keras, tf

The two names load on first access (a module ``__getattr__``), so importing this module,
or :func:`tensorflow` and :func:`device_scope` from it, does not load TensorFlow: paths
that do not need it (``import cnn101``, the teacher's tools) stay fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from cnn101 import _validation as check
from cnn101._validation import Device

_loaded: Any = None


@contextlib.contextmanager
def _silenced_stderr_fd() -> Iterator[None]:
    """Point file descriptor 2 at /dev/null for the duration of the block."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2 (some embedded runtimes)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def tensorflow() -> Any:
    """Return the ``tensorflow`` module, importing it quietly the first time.

    Returns
    -------
    module
        The imported ``tensorflow`` package.
    """
    global _loaded
    if _loaded is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with _silenced_stderr_fd():
            import tensorflow as tf

            # The first ops initialise the runtime, the devices and the oneDNN kernels,
            # each of which may print a note: run a tiny convolution and pooling now.
            probe = tf.zeros((1, 4, 4, 1))
            tf.nn.max_pool2d(tf.nn.conv2d(probe, tf.ones((2, 2, 1, 1)), 1, "SAME"), 2, 2, "VALID")
        # Python-side notes too (such as "triggered tf.function retracing"): errors only.
        tf.get_logger().setLevel("ERROR")
        _loaded = tf
    return _loaded


def __getattr__(name: str) -> Any:
    """``tf`` and ``keras``, loaded quietly the first time one is imported from here."""
    if name == "tf":
        module = tensorflow()
    elif name == "keras":
        tensorflow()  # TensorFlow first, quietly: Keras imports it
        import keras as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = module
    return module


def device_scope(device: Device) -> contextlib.AbstractContextManager:
    """Return a context manager that places ops on ``device``.

    Parameters
    ----------
    device : {"auto", "cpu", "gpu"}
        ``"auto"`` lets TensorFlow choose (a GPU when one is visible), ``"cpu"``
        forces the CPU and ``"gpu"`` asks for the first GPU.

    Returns
    -------
    context manager
        ``tf.device(...)`` for "cpu"/"gpu", a no-op context for "auto".

    Raises
    ------
    TypeError
        If ``device`` is not a string.
    ValueError
        If ``device`` is not one of the names above (in any case), or if "gpu" is
        asked for and TensorFlow sees no GPU.
    """
    device = check.device(device)
    if device == "auto":
        return contextlib.nullcontext()
    tf = tensorflow()
    if device == "gpu" and not tf.config.list_physical_devices("GPU"):
        raise ValueError(
            "`device='gpu'` was requested but TensorFlow sees no GPU on this machine. "
            "Use device='cpu' or device='auto', or install `tensorflow[and-cuda]` on a "
            "machine with an NVIDIA GPU."
        )
    return tf.device("/GPU:0" if device == "gpu" else "/CPU:0")
