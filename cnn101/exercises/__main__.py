"""The old command line ``python -m cnn101.exercises``: moved to ``python -m cnn101.teaching``.

It still runs, for one release, after a one-line note on stderr; the old path is
removed in the next release.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

NOTE = (
    "note: `python -m cnn101.exercises` moved to `python -m cnn101.teaching`; "
    "the old command is removed in the next release"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the move note on stderr, then run ``python -m cnn101.teaching``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments, as for :func:`cnn101.teaching.__main__.main`.

    Returns
    -------
    int
        The exit status of ``python -m cnn101.teaching``.

    Examples
    --------
    >>> main(["student", "no-such-notebook.ipynb", "-o", "student.ipynb"])
    2
    """
    from cnn101.teaching.__main__ import main as teaching_main

    print(NOTE, file=sys.stderr)
    return teaching_main(argv)


if __name__ == "__main__":
    sys.exit(main())
