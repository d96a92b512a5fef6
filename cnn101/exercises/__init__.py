"""Self-checks for the tutorials' exercises.

Each tutorial's exercises live in their own submodule here (``basics`` for
tutorial 1, ...). A check function takes the student's answer and returns a
:class:`Feedback`: truthy when right, and it prints a short verdict with a hint
when wrong. Checks compare against the library or an analytic answer, never
against a stored output.

The package holds the student checks only. The teacher's tools (student versions,
answer keys, the grader and its command line) are in :mod:`cnn101.teaching`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["Feedback", "correct", "not_yet"]


@dataclass(frozen=True)
class Feedback:
    """The verdict of an exercise check.

    Attributes
    ----------
    passed : bool
        Whether the answer is right.
    message : str
        What was checked and, when wrong, what differs.
    hint : str
        A nudge towards the answer (shown only when wrong).

    Examples
    --------
    >>> print(correct("The kernel finds horizontal lines."))
    Correct! The kernel finds horizontal lines.
    >>> fb = not_yet("Shape (3, 3) expected, got (4, 4).", hint="VALID does not pad.")
    >>> bool(fb)
    False
    >>> print(fb)
    Not yet. Shape (3, 3) expected, got (4, 4).
    Hint: VALID does not pad.
    """

    passed: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            return f"Correct! {self.message}"
        text = f"Not yet. {self.message}"
        return f"{text}\nHint: {self.hint}" if self.hint else text

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour, label = ("#1b7f3b", "Correct!") if self.passed else ("#b3261e", "Not yet.")
        hint = (
            "" if self.passed or not self.hint else f"<br><em>Hint:</em> {html.escape(self.hint)}"
        )
        return (
            f'<div class="cnn101-feedback" style="border-left:4px solid {colour};padding:4px 10px">'
            f'<strong style="color:{colour}">{label}</strong> {html.escape(self.message)}{hint}</div>'
        )


def _text(value: object, name: str) -> str:
    # Not check.text: cnn101.exercises is importable without NumPy (python -S), which
    # cnn101._validation needs.
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be a string. Received: {name}={value!r:.60}")
    return value


def correct(message: str) -> Feedback:
    """Return a passing :class:`Feedback` with ``message``.

    Parameters
    ----------
    message : str
        What was checked.

    Returns
    -------
    Feedback
        Truthy; prints as "Correct! <message>".

    Examples
    --------
    >>> bool(correct("Shapes (7, 5) and (6, 4).")), str(correct("Right."))
    (True, 'Correct! Right.')
    """
    return Feedback(True, _text(message, "message"))


def not_yet(message: str, hint: str = "") -> Feedback:
    """Return a failing :class:`Feedback` with ``message`` and ``hint``.

    Parameters
    ----------
    message : str
        What was checked and what differs.
    hint : str, default ""
        A nudge towards the answer, printed on a second line.

    Returns
    -------
    Feedback
        Falsy; prints as "Not yet. <message>" and, with a hint, "Hint: <hint>".

    Examples
    --------
    >>> fb = not_yet("4 is too large.", hint="VALID does not pad.")
    >>> bool(fb), fb.hint
    (False, 'VALID does not pad.')
    """
    return Feedback(False, _text(message, "message"), _text(hint, "hint"))
