"""How the package's command lines answer bad arguments: one line, exit status 2.

``python -m cnn101.demo``, ``python -m cnn101.experiments``, ``python -m
cnn101.experiments.replications`` and ``python -m cnn101.teaching`` parse their arguments
with :class:`Parser`: argparse's own parser, whose error is one line naming the program
and pointing to ``--help`` instead of the usage block and a traceback.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

__all__ = ["Parser"]


class Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line: ``prog: error: argument --x: ...``.

    Examples
    --------
    >>> import contextlib, io
    >>> parser = Parser(prog="tool")
    >>> _ = parser.add_argument("--seeds", type=int)
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     try:
    ...         parser.parse_args(["--seeds", "x"])
    ...     except SystemExit as stop:
    ...         status = stop.code
    >>> status, err.getvalue().strip()
    (2, "tool: error: argument --seeds: invalid int value: 'x' (see tool --help)")
    """

    def error(self, message: str) -> NoReturn:
        """Print ``prog: error: message (see prog --help)`` on stderr and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")
