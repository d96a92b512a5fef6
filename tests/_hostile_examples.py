"""Deliberately broken functions: the hostile-input walker must catch each kind of failure."""

import os
import signal
import time

from cnn101 import _validation as check

__all__ = ["checked", "crashes", "hangs", "leaks", "silent", "wrong_class"]


def crashes(size: int = 3) -> int:
    """Kill the process as a division by zero inside a C kernel would (SIGFPE)."""
    if size == 0:
        os.kill(os.getpid(), signal.SIGFPE)
    return check.positive_int(size, "size")


def hangs(size: int = 3) -> int:
    """Never return for one value."""
    if size == -1:
        time.sleep(3600)
    return check.positive_int(size, "size")


def leaks(size: int = 3) -> int:
    """Let Python's own error out."""
    return [0, 1, 2, 3][size]


def silent(size: int = 3) -> int:
    """Accept anything."""
    return size


def wrong_class(size: int = 3) -> int:
    """Refuse a wrong type with the class meant for a wrong value."""
    if not check.is_integer(size):
        raise ValueError(f"`size` must be a positive integer. Received: size={size!r}")
    return check.positive_int(size, "size")


def checked(size: int = 3) -> int:
    """Do it right."""
    return check.positive_int(size, "size")
