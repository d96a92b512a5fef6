"""cnn101.plotting.results: learning curves and a metric's spread across seeds.

Stand-ins for ``cnn101.experiments.Result`` carry only the attributes the figures read;
the means and standard deviations drawn are checked against the standard library's
``statistics``.
"""

import statistics
from types import SimpleNamespace

import numpy as np
import pytest

from cnn101 import plotting


def _arm(name, histories=(), best_epochs=(), **metrics):
    return SimpleNamespace(
        name=name, histories=list(histories), best_epochs=list(best_epochs), metrics=metrics
    )


def test_learning_curves_draw_every_seed_and_mark_its_kept_epoch():
    first = _arm("a", [{"val_loss": [1.0, 0.5, 0.7]}, {"val_loss": [0.9, 0.8, 0.4]}], [2, 3])
    second = _arm("b", [{"val_loss": [2.0, 1.0]}], [2])
    ax = plotting.show_learning_curves({"a": first, "b": second})
    curves, marks = ax.lines[0::2], ax.lines[1::2]
    assert [list(line.get_ydata()) for line in curves] == [
        [1.0, 0.5, 0.7],
        [0.9, 0.8, 0.4],
        [2.0, 1.0],
    ]
    assert [list(line.get_xdata()) for line in curves[:1]] == [[1, 2, 3]]  # epochs count from 1
    assert [(m.get_xdata()[0], m.get_ydata()[0]) for m in marks] == [(2, 0.5), (3, 0.4), (2, 1.0)]
    assert [line.get_color() for line in curves] == ["C0", "C0", "C1"], "one colour per arm"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "validation loss"
    assert len(plotting.show_learning_curves(first).lines) == 4, "a single Result is accepted"


@pytest.mark.parametrize("results", [5, "abc", [object()]])
def test_learning_curves_refuse_what_is_not_a_result(results):
    with pytest.raises(TypeError, match="`results`"):
        plotting.show_learning_curves(results)


def test_metric_with_one_number_per_seed_shows_each_seed_and_mean_plus_minus_std():
    scores = {"a": [0.8, 0.9, 0.7], "b": [0.5, 0.6]}
    ax = plotting.show_metric({n: _arm(n, acc=np.array(v)) for n, v in scores.items()}, "acc")
    for index, (container, values) in enumerate(zip(ax.containers, scores.values(), strict=True)):
        mean, std = statistics.mean(values), statistics.stdev(values)
        centre, _, (bar,) = container.lines
        assert centre.get_ydata()[0] == pytest.approx(mean)
        np.testing.assert_allclose(
            bar.get_segments()[0], [[index, mean - std], [index, mean + std]]
        )
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert [list(d.get_ydata()) for d in dots] == list(scores.values())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]


def test_metric_per_condition_draws_the_mean_line_and_a_band_of_one_std():
    runs = np.array([[0.9, 0.6, 0.3], [0.7, 0.4, 0.1]])  # two seeds, three test scales
    ax = plotting.show_metric(
        {"net": _arm("net", acc=runs)}, "acc", conditions=[1, 2, 4], xlabel="scale", chance=0.1
    )
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), [1, 2, 4])
    np.testing.assert_allclose(line.get_ydata(), [statistics.mean(c) for c in runs.T])
    band = ax.collections[0].get_paths()[0].vertices
    spread = [statistics.stdev(c) for c in runs.T]
    top = [statistics.mean(c) + s for c, s in zip(runs.T, spread, strict=True)]
    assert max(band[:, 1]) == pytest.approx(max(top))
    assert ax.get_legend().get_texts()[0].get_text() == "net (2 seeds)"
    assert ax.get_xlabel() == "scale" and ax.get_ylabel() == "acc"
    assert list(ax.lines[-1].get_ydata()) == [0.1, 0.1], "the chance line"


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: plotting.show_metric([], "acc"), TypeError, "`results`"),
        (lambda: plotting.show_metric({"a": _arm("a", acc=[1.0])}, "loss"), ValueError, "`metric`"),
        (
            lambda: plotting.show_metric({"a": _arm("a", acc=np.ones((2, 3)))}, "acc"),
            ValueError,
            "`conditions`",
        ),
        (
            lambda: plotting.show_metric({"a": _arm("a", acc=[1.0])}, "acc", conditions="ab"),
            TypeError,
            "`conditions`",
        ),
    ],
)
def test_metric_checks_its_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    "call,error,match",
    [
        # a record trained without validation data has no val_loss
        (
            lambda: plotting.show_learning_curves(_arm("a", [{"loss": [1.0, 0.5]}], [1])),
            ValueError,
            "val_loss",
        ),
        # fewer best epochs than seeds
        (
            lambda: plotting.show_learning_curves(
                _arm("a", [{"val_loss": [1.0]}, {"val_loss": [1.0]}], [1])
            ),
            ValueError,
            "best_epochs",
        ),
        # a best epoch past the end of its curve
        (
            lambda: plotting.show_learning_curves(_arm("a", [{"val_loss": [1.0, 0.5]}], [7])),
            ValueError,
            "best epoch",
        ),
        (lambda: plotting.show_learning_curves([]), ValueError, "`results`"),
        (lambda: plotting.show_learning_curves(3), TypeError, "`results`"),
        (lambda: plotting.show_metric({}, "acc"), ValueError, "`results`"),
        # a metric of strings, or of ragged lists, is refused before drawing
        (lambda: plotting.show_metric({"a": _arm("a", acc=["high"])}, "acc"), TypeError, "acc"),
        (
            lambda: plotting.show_metric({"a": _arm("a", acc=[[1.0, 2.0], [3.0]])}, "acc"),
            ValueError,
            "acc",
        ),
        (lambda: plotting.show_metric({"a": _arm("a", acc=[1.0])}, ["acc"]), TypeError, "metric"),
    ],
)
def test_curves_and_metrics_refuse_records_they_cannot_draw(call, error, match):
    with pytest.raises(error, match=match):
        call()
