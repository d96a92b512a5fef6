"""How a replication's runs become the numbers of its results file, and the verdict's phrases.

Every seed's run of every arm is scored on one shared test set, so each score
belongs to a seed and a test digit (a crossed design). One arm's interval is
:func:`cnn101.experiments.accuracy_interval` of its per-digit scores (never
outside [0, 1]); a difference of two arms is
:func:`cnn101.experiments.paired_difference`, paired by seed and test digit, and
is "detected" only when its interval excludes 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from cnn101 import experiments

__all__ = [
    "LEVEL",
    "PER_DIGIT",
    "POWER",
    "STATISTICS",
    "arm",
    "change",
    "design",
    "difference",
    "not_detected",
    "span",
]

LEVEL = 0.95
POWER = 0.8
# Each scalar metric of a replication's `evaluate` and the per-test-digit scores it is
# the mean of (their last axis is the test digit): the intervals come from the latter.
PER_DIGIT = {"accuracy": "correct", "consistency": "digit_consistency", "error": "digit_error"}
STATISTICS = {
    "level": LEVEL,
    "design": "every seed's run of every arm is scored on one shared test set: the scores "
    "form a crossed seeds x test digits table (cnn101.experiments.statistics.crossed_mean)",
    "arms": "ci95 from cnn101.experiments.accuracy_interval of the per-digit scores (within "
    "[0, 1]); values are the per-seed means and seed_sd their standard deviation",
    "differences": "ci95 from cnn101.experiments.paired_difference of the per-digit scores, "
    "paired by seed and test digit; detected when ci95 excludes 0; detectable is the "
    f"smallest difference the run detects with {POWER * 100:.0f} % power (Interval.detectable)",
}


def _interval(interval: experiments.Interval, *, of_arm: bool = False) -> dict[str, Any]:
    """Return an Interval as the results file keeps it: ``ci95`` is ``[low, high]``.

    An arm's interval (``of_arm=True``) has no ``detectable``: that is a difference's.
    """
    out = interval.to_json()
    low, high = out.pop("low"), out.pop("high")
    if of_arm:
        del out["detectable"]
    return {"mean": out.pop("mean"), "ci95": [low, high], **out}


def arm(result: experiments.Result, metric: str) -> dict[str, Any]:
    """Return one arm's per-seed values of ``metric`` and its interval (per condition, if several).

    Parameters
    ----------
    result : cnn101.experiments.Result
        The arm's runs; ``result.metrics[PER_DIGIT[metric]]`` has shape
        (seeds, test digits) or (seeds, conditions, test digits).
    metric : {"accuracy", "consistency", "error"}

    Returns
    -------
    dict
        ``values`` (per seed), ``mean``, ``ci95``, ``se``, ``level``, ``seeds``,
        ``items`` and ``seed_sd``; each a list over conditions when there are several.
    """
    values = np.asarray(result.metrics[metric], dtype=np.float64)
    per_digit = np.asarray(result.metrics[PER_DIGIT[metric]], dtype=np.float64)
    sd = values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1:])
    if values.ndim == 1:
        interval = _interval(experiments.accuracy_interval(per_digit, LEVEL), of_arm=True)
        return {"values": values.tolist(), **interval, "seed_sd": float(sd)}
    columns = [
        _interval(experiments.accuracy_interval(per_digit[:, i], LEVEL), of_arm=True)
        for i in range(values.shape[1])
    ]
    out: dict[str, Any] = {"values": values.tolist()}
    for key in columns[0]:
        same = key in ("level", "seeds", "items")
        out[key] = columns[0][key] if same else [c[key] for c in columns]
    return {**out, "seed_sd": sd.tolist()}


def difference(a: np.ndarray, b: np.ndarray, **about: Any) -> dict[str, Any]:
    """Return the paired difference ``a - b`` of two (seeds, test digits) score tables.

    Its interval is :func:`cnn101.experiments.paired_difference`'s; ``detected``
    is whether it excludes 0 and ``detectable`` the smallest difference the run
    detects with 80 % power; ``values`` are the per-seed differences of the means;
    ``about`` (such as ``comparison`` and ``scale``) is kept as given.

    Examples
    --------
    >>> a = np.ones((3, 50)); b = np.zeros((3, 50)); b[:, :10] = 1.0
    >>> d = difference(a, b, comparison="a - b")
    >>> d["comparison"], round(d["mean"], 3), d["detected"], d["values"]
    ('a - b', 0.8, True, [0.8, 0.8, 0.8])
    """
    interval = experiments.paired_difference(a, b, LEVEL)
    return {
        **about,
        **_interval(interval),
        "detected": bool(interval.low > 0 or interval.high < 0),
        "values": (a.mean(axis=1) - b.mean(axis=1)).tolist(),
    }


def span(d: dict) -> str:
    """Return ``"+0.012 (+0.004 to +0.020)"``: a difference and its interval.

    Examples
    --------
    >>> span({"mean": 0.012, "ci95": [0.004, 0.02]})
    '+0.012 (+0.004 to +0.020)'
    """
    return f"{d['mean']:+.3f} ({d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f})"


def design(d: dict) -> str:
    """Return ``"10 seeds x 300 test digits"``: the design an interval rests on."""
    return f"{d['seeds']} seeds x {d['items']} test digits"


def not_detected(d: dict) -> str:
    """Describe a difference whose interval holds 0, with the smallest one the run detects."""
    return (
        f"{span(d)}, an interval that holds 0; the run would detect a difference of "
        f"{d['detectable']:.3f} or more with {POWER * 100:.0f} % power"
    )


def change(d: dict, what: str) -> str:
    """Describe a difference from its interval: a rise or fall only when it excludes 0.

    Examples
    --------
    >>> change({"mean": 0.2, "ci95": [0.1, 0.3]}, "consistency")
    'raises consistency by +0.200 (+0.100 to +0.300)'
    """
    if d["ci95"][0] > 0:
        return f"raises {what} by {span(d)}"
    if d["ci95"][1] < 0:
        return f"lowers {what} by {span(d)}"
    return f"changes {what} by {not_detected(d)}"
