"""Verdicts computed, not typed: the rule a trained claim declares, and the recorded runs it reads.

A claim that training tests (pooling makes a network more consistent under shifts,
zoom augmentation makes it robust to size, ...) declares *before* its run what
would confirm it: a :class:`Rule` names the comparison (two arms, one metric, one
condition), the direction the source claims and the smallest effect that would
matter. :meth:`Rule.verdict` then turns the comparison's 95 % interval into one of
three verdicts:

* ``"confirmed"``: the interval lies on the claimed side of zero;
* ``"refuted"``: it excludes every effect at least ``smallest`` in the claimed
  direction (for a claimed *absence* of a difference: the whole interval lies
  beyond ``smallest``, on one side);
* ``"not detected"``: neither; the record then says the smallest effect the run
  could have detected.

The intervals come from a *recorded* run of at least :data:`MIN_SEEDS` seeds,
made by ``python -m cnn101.experiments.evidence NAME`` and committed as a JSON
file in ``cnn101/evidence/`` with its command, the digest of the code that made it
and the library versions. :func:`load` refuses a record whose digest no longer
matches the code, and names the command that makes a new one. This module imports
no TensorFlow: the site build reads the records with it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cnn101 import _validation as check
from cnn101._digest import update
from cnn101._validation import describe, positive_int

__all__ = [
    "DIRECTIONS",
    "EVIDENCE_DIR",
    "MIN_SEEDS",
    "OUTCOMES",
    "Rule",
    "StaleRecordError",
    "code_digest",
    "combine",
    "load",
    "table",
]

DIRECTIONS = ("increase", "decrease", "none")
OUTCOMES = ("confirmed", "refuted", "not detected")
MIN_SEEDS = 10  # a verdict rests on at least this many seeds
EVIDENCE_DIR = Path(__file__).resolve().parent / "evidence"
_PACKAGE = Path(__file__).resolve().parent


class StaleRecordError(ValueError):
    """A recorded run whose code digest does not match the code any more."""


@dataclass(frozen=True)
class Rule:
    """What one comparison must show for a trained claim to hold, declared before the run.

    Parameters
    ----------
    record : str
        The recorded run that holds the comparison (``cnn101/evidence/<record>.json``).
    key : str
        The comparison's key in that record (for example ``"max - stride, consistent"``).
    says : str
        The claim's prediction for this comparison, in words.
    direction : {"increase", "decrease", "none"}
        The sign of ``a - b`` that the source claims; ``"none"``: no difference that
        matters (an invariance).
    smallest : float
        The smallest effect that would matter (> 0), in the metric's units.
    reference : float, default 0.0
        What the compared number is measured against: 0 for a difference of two arms;
        for one arm's score, the value the claim names (a consistency of 1, say).

    Examples
    --------
    >>> rule = Rule("shift", "max - stride, consistent", "pooling raises consistency",
    ...             "increase", 0.05)
    >>> rule.verdict(0.01, 0.04), rule.verdict(-0.03, 0.06), rule.verdict(-0.03, 0.01)
    ('confirmed', 'not detected', 'refuted')
    >>> Rule("scale", "k", "no drop", "none", 0.05).verdict(-0.03, 0.02)
    'confirmed'
    """

    record: str
    key: str
    says: str
    direction: Literal["increase", "decrease", "none"]
    smallest: float
    reference: float = 0.0

    def __post_init__(self) -> None:
        for attr in ("record", "key", "says"):
            check.text(getattr(self, attr), attr, optional=False, empty=False)
        object.__setattr__(self, "direction", check.choice(self.direction, "direction", DIRECTIONS))
        check.real_number(self.smallest, "smallest", positive=True)
        check.real_number(self.reference, "reference")

    def verdict(self, low: float, high: float) -> str:
        """Return the verdict of a 95 % interval ``[low, high]`` by this rule.

        Parameters
        ----------
        low, high : float
            The interval's ends (of ``a - b``, or of one arm's score, which is then
            compared with :attr:`reference`).

        Returns
        -------
        {"confirmed", "refuted", "not detected"}
        """
        low, high = check.real_number(low, "low"), check.real_number(high, "high")
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise ValueError(
                f"`low` and `high` must be finite with low <= high. Received: low={low}, high={high}"
            )
        d = self.smallest
        low, high = low - self.reference, high - self.reference
        if self.direction == "increase":
            return "confirmed" if low > 0 else "refuted" if high < d else "not detected"
        if self.direction == "decrease":
            return "confirmed" if high < 0 else "refuted" if low > -d else "not detected"
        if -d < low and high < d:
            return "confirmed"
        return "refuted" if low >= d or high <= -d else "not detected"

    def describe(self) -> str:
        """Return the rule in words: what the claim predicts, and the effect that matters.

        Examples
        --------
        >>> Rule("shift", "max - stride, consistent", "pooling raises consistency",
        ...      "increase", 0.05).describe()
        'pooling raises consistency (above 0; 0.05 or more matters)'
        >>> Rule("shift", "k", "invariant: consistency 1", "none", 0.05, reference=1).describe()
        'invariant: consistency 1 (within ±0.05 of 1)'
        """
        of = f"{self.reference:g}" if self.reference else "0"
        if self.direction == "none":
            return f"{self.says} (within ±{self.smallest:g} of {of})"
        side = "above" if self.direction == "increase" else "below"
        return f"{self.says} ({side} {of}; {self.smallest:g} or more matters)"


def combine(outcomes: Sequence[str]) -> str:
    """Return one claim's verdict from its parts' verdicts.

    All parts agree: that verdict. Some confirmed and some refuted: ``"partly"``.
    Otherwise (parts not detected beside confirmed or refuted ones) ``"not
    detected"`` for the claim as a whole; each part keeps its own verdict on the page.

    Parameters
    ----------
    outcomes : sequence of {"confirmed", "refuted", "not detected"}

    Returns
    -------
    {"confirmed", "refuted", "partly", "not detected"}

    Examples
    --------
    >>> combine(["confirmed", "confirmed"]), combine(["confirmed", "refuted"])
    ('confirmed', 'partly')
    >>> combine(["confirmed", "not detected"])
    'not detected'
    """
    check.sequence(outcomes, "outcomes", "a non-empty sequence of verdicts")
    if any(o not in OUTCOMES for o in outcomes):
        raise ValueError(f"`outcomes` must hold verdicts of {OUTCOMES}. Received: {list(outcomes)}")
    kinds = set(outcomes)
    if len(kinds) == 1:
        return outcomes[0]
    if {"confirmed", "refuted"} <= kinds:
        return "partly"
    return "not detected"


def code_digest(files: Sequence[str]) -> str:
    """Return the SHA-256 of the package's source ``files`` (paths relative to ``cnn101/``).

    Parameters
    ----------
    files : sequence of str

    Returns
    -------
    str
        64 hexadecimal digits, each file's relative path and bytes length-prefixed
        (:func:`cnn101._digest.update`).

    Examples
    --------
    >>> len(code_digest(["verdicts.py"]))
    64
    """
    check.sequence(files, "files", "a non-empty list of paths")
    digest = hashlib.sha256()
    for name in files:
        path = _PACKAGE / name
        if not isinstance(name, str) or not path.is_file():
            raise ValueError(f"`files` must name files of the cnn101 package. Received: {name!r}")
        update(digest, name, path.read_bytes())
    return digest.hexdigest()


def load(name: str, folder: str | Path | None = None) -> dict[str, Any]:
    """Return a recorded run of the evidence for trained claims, checked against the code.

    Parameters
    ----------
    name : str
        The record's name (``cnn101/evidence/<name>.json``).
    folder : path-like, optional
        Where the records are; by default the package's :data:`EVIDENCE_DIR`.

    Returns
    -------
    dict
        The record: ``comparisons`` (per key, the interval: ``mean``, ``low``,
        ``high``, ``seeds``, ``items``, ``detectable``, ...), ``seeds``, ``command``,
        ``code`` (the files and their digest), ``versions``, ``date``.

    Raises
    ------
    StaleRecordError
        If the digest of the record's code files no longer matches (a ValueError
        that names the command that makes a new record).

    Examples
    --------
    >>> record = load("shift")
    >>> len(record["seeds"]) >= MIN_SEEDS
    True
    """
    check.text(name, "name", optional=False, empty=False)
    folder = check.path(folder, "folder", optional=True) or EVIDENCE_DIR
    if not folder.is_dir():
        raise ValueError(f"`folder` must be an existing folder. Received: folder={str(folder)!r}")
    path = folder / f"{name}.json"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []
        raise ValueError(
            f"`name` must be one of the recorded runs {known}. Received: name={name!r}"
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        files, digest = record["code"]["files"], record["code"]["digest"]
        seeds, command = record["seeds"], record["command"]
        comparisons = record["comparisons"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"The record {path} is not a recorded run ({error!r}).") from None
    if not isinstance(comparisons, Mapping) or len(seeds) < MIN_SEEDS:
        raise ValueError(
            f"The record {path} must hold comparisons from at least {MIN_SEEDS} seeds. "
            f"Received: {len(seeds)} seeds"
        )
    if code_digest(files) != digest:
        raise StaleRecordError(
            f"The recorded run {path.name} was made by other code than this (its digest of "
            f"{', '.join(files)} does not match). Make it again with:\n    {command}"
        )
    return record


def table(
    record: Mapping[str, Any],
    keys: Sequence[str],
    *,
    n_train: int,
    labels: Sequence[str] | None = None,
) -> str:
    """Return the recorded intervals of ``keys`` at ``n_train`` digits, one line each.

    A difference (a key with " - ") is printed signed, an accuracy unsigned, each
    with its 95 % interval; a last line gives the seeds and test digits.

    Parameters
    ----------
    record : mapping
        A recorded run, as :func:`load` returns it.
    keys : sequence of str
        Comparisons of the record, without the ``"<n_train> digits: "`` prefix.
    n_train : int
        The training-set size the comparisons come from.
    labels : sequence of str, optional
        What to print for each key (by default the key itself).

    Returns
    -------
    str

    Examples
    --------
    >>> keys = ["max - stride, consistent", "max, correct"]
    >>> print(table(load("shift"), keys, n_train=600))  # doctest: +ELLIPSIS
    max - stride, consistent  +0... (+0... to +0...)
    max, correct               0... ( 0... to  0...)
    10 seeds x 300 test digits, 95 % intervals
    """
    check.instance(record, "record", Mapping, "a recorded run (see load)")
    if not isinstance(record.get("comparisons"), Mapping):
        raise ValueError(
            f"`record` must be a recorded run (see load). Received: record={describe(record)}"
        )
    check.sequence(keys, "keys", "a non-empty sequence of str")
    n_train = positive_int(n_train, "n_train")
    comparisons = record["comparisons"]
    missing = [k for k in keys if f"{n_train} digits: {k}" not in comparisons]
    if missing:
        raise ValueError(
            f"`keys` must be comparisons the record holds at n_train={n_train}. Received: {missing}"
        )
    if labels is None:
        labels = list(keys)
    check.sequence(labels, "labels", "None or a sequence of str", empty=True)
    for label in labels:
        check.text(label, "labels", optional=False)
    if len(labels) != len(keys):
        raise ValueError(
            f"`labels` must hold one label per key ({len(keys)}). "
            f"Received: labels={describe(labels)}"
        )
    width = max(len(label) for label in labels)
    lines = []
    for key, label in zip(keys, labels, strict=True):
        value = comparisons[f"{n_train} digits: {key}"]
        form = "+.3f" if " - " in key else " .3f"
        lines.append(
            f"{label:{width}s}  {value['mean']:{form}} "
            f"({value['low']:{form}} to {value['high']:{form}})"
        )
    first = comparisons[f"{n_train} digits: {keys[0]}"]
    lines.append(f"{first['seeds']} seeds x {first['items']} test digits, 95 % intervals")
    return "\n".join(lines)
