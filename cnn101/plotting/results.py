"""Figures of trained results over several seeds: learning curves and a metric's spread.

They take the ``Result`` objects of :func:`cnn101.experiments.run` and
:func:`cnn101.experiments.run_many` (anything with the same attributes will do), so
this module imports neither the training engine nor TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from cnn101 import _validation as check
from cnn101.plotting._axes import new_axes

__all__ = ["show_learning_curves", "show_metric"]


def show_learning_curves(
    results: Any, *, ax: Axes | None = None, title: str | None = "validation loss per epoch"
) -> Axes:
    """Plot every seed's validation loss per epoch, one colour per arm; mark the kept epochs.

    Parameters
    ----------
    results : Result or sequence or mapping of Result
        From :func:`cnn101.experiments.run` or :func:`cnn101.experiments.run_many`.
    ax : matplotlib.axes.Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> fake = SimpleNamespace(name="arm", histories=[{"val_loss": [1.0, 0.5, 0.6]}], best_epochs=[2])
    >>> len(show_learning_curves([fake]).lines)
    2
    """
    title = check.text(title, "title")
    expected = "a Result, or a sequence or dict of Result objects (from cnn101.experiments.run)"
    arms = list(results.values()) if isinstance(results, dict) else results
    if hasattr(arms, "histories"):
        arms = [arms]
    check.instance(arms, "results", list | tuple, expected)
    check.sequence(arms, "results", expected)
    for result in arms:
        _check_curves(result)
    ax = new_axes(ax, figsize=(6.0, 3.6))
    for index, result in enumerate(arms):
        colour = f"C{index % 10}"
        for seed_index, (history, best) in enumerate(
            zip(result.histories, result.best_epochs, strict=True)
        ):
            curve = history["val_loss"]
            label = result.name if seed_index == 0 else None
            ax.plot(range(1, len(curve) + 1), curve, color=colour, alpha=0.8, lw=1.2, label=label)
            ax.plot(best, curve[best - 1], "o", color=colour, ms=4)
    ax.set(xlabel="epoch", ylabel="validation loss", title=title)
    ax.legend(fontsize="small", ncols=2 if len(arms) > 4 else 1)
    return ax


def _check_curves(result: Any) -> None:
    """Refuse a result whose curves cannot be drawn, before any drawing."""
    if not (hasattr(result, "histories") and hasattr(result, "best_epochs")):
        raise TypeError(
            "`results` must hold Result objects (from cnn101.experiments.run), with "
            f"histories and best_epochs. Received: an element {check.describe(result)}"
        )
    name = getattr(result, "name", "?")
    histories, best_epochs = list(result.histories), list(result.best_epochs)
    if len(histories) != len(best_epochs):
        raise ValueError(
            f"`results`: the result {name!r} has {len(histories)} histories but "
            f"{len(best_epochs)} best_epochs (one per seed is needed)."
        )
    for history, best in zip(histories, best_epochs, strict=True):
        curve = history.get("val_loss") if isinstance(history, dict) else None
        if curve is None:
            raise ValueError(
                f"`results`: the result {name!r} has a history without 'val_loss' "
                "(it was trained without validation data), so there is no curve to draw."
            )
        length = np.shape(curve)[0] if np.ndim(curve) == 1 else 0
        if length == 0 or not check.is_integer(best) or not 1 <= best <= length:
            raise ValueError(
                f"`results`: the result {name!r} has a best epoch {best!r} outside its "
                f"validation curve of {length} epochs."
            )


def show_metric(
    results: Any,
    metric: str,
    *,
    conditions: Sequence[Any] | None = None,
    xlabel: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    chance: float | None = None,
) -> Axes:
    """Plot a metric with its spread across seeds: each seed as a dot, mean and +-1 std.

    A metric with one number per seed gives one point per arm (arms along x);
    a metric with one number per condition (for example accuracy per test scale)
    gives one line per arm against ``conditions``, with a band of +-1 standard
    deviation across seeds.

    Parameters
    ----------
    results : mapping of str to Result
    metric : str
    conditions : sequence, optional
        The x values of a per-condition metric.
    xlabel : str, optional
    ax : matplotlib.axes.Axes, optional
    title : str, optional
    chance : float, optional
        Draws a dotted line at chance level.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> arm = SimpleNamespace(name="a", metrics={"acc": np.array([0.8, 0.9])})
    >>> ax = show_metric({"a": arm, "b": arm}, "acc")
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    """
    expected = "a non-empty dict of Result objects (from cnn101.experiments.run_many)"
    check.instance(results, "results", dict, expected)
    if not results:
        raise ValueError(f"`results` must be {expected}. Received: results={{}}")
    for r in results.values():
        check.instance(r, "results", object, expected)
        if not isinstance(getattr(r, "metrics", None), dict):
            raise TypeError(
                f"`results` must be {expected}. Received: an element {check.describe(r)}"
            )
    if conditions is not None:
        if not isinstance(conditions, np.ndarray):
            check.sequence(conditions, "conditions", "a sequence of x values, or None")
        conditions = check.as_float_array(conditions, "conditions")
    xlabel, title = check.text(xlabel, "xlabel"), check.text(title, "title")
    metric = check.text(metric, "metric", optional=False)
    if chance is not None:
        chance = check.real_number(chance, "chance")
    missing = [name for name, r in results.items() if metric not in r.metrics]
    if missing:
        raise ValueError(f"`metric` {metric!r} is not measured by {missing}.")
    values = {
        name: check.as_float_array(r.metrics[metric], f"results[{name!r}].metrics[{metric!r}]")
        for name, r in results.items()
    }
    ax = new_axes(ax, figsize=(6.0, 3.6))
    if all(v.ndim == 1 for v in values.values()):
        for index, v in enumerate(values.values()):
            colour = f"C{index % 10}"
            ax.plot(np.full(v.size, index), v, "o", color=colour, alpha=0.5, ms=4)
            std = v.std(ddof=1) if v.size > 1 else 0.0
            ax.errorbar(index, v.mean(), yerr=std, fmt="_", color=colour, ms=18, mew=2, capsize=4)
        ax.set_xticks(range(len(values)), list(values), rotation=30, ha="right")
        ax.set_xlim(-0.6, len(values) - 0.4)
    else:
        if conditions is None or any(
            v.ndim != 2 or v.shape[1] != len(conditions) for v in values.values()
        ):
            raise ValueError(
                f"`conditions` must give one x value per entry of the metric {metric!r}. Received: conditions={conditions!r}"
            )
        x = np.asarray(conditions, dtype=np.float64)
        for index, (name, v) in enumerate(values.items()):
            colour = f"C{index % 10}"
            mean = v.mean(axis=0)
            std = v.std(axis=0, ddof=1) if len(v) > 1 else np.zeros_like(mean)
            ax.plot(x, mean, "o-", color=colour, label=f"{name} ({len(v)} seeds)")
            ax.fill_between(x, mean - std, mean + std, color=colour, alpha=0.2, lw=0)
        ax.legend(fontsize="small")
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle=":", lw=1)
    ax.set(ylabel=metric.replace("_", " "), title=title)
    if xlabel:
        ax.set_xlabel(xlabel)
    return ax
