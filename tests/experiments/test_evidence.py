"""cnn101.experiments.evidence: what each record compares, and one list of the engine's files.

The runners are checked twice: with arms whose scores are drawn here (fast, every key
and number checked against its definition, the per-seed intervals against SciPy's t
interval), and once on the real recipes with a budget of a few steps, so that every arm
and metric the record names exists.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from _tiny import _result
from scipy import stats

from cnn101 import experiments
from cnn101.experiments import evidence, recipes
from cnn101.experiments import replications as rep

SEEDS = (3, 4, 5)
N_TEST = 12


def _drawn(recipe: experiments.Recipe, seeds) -> experiments.Result:
    """A Result with the recipes' metric shapes, its scores drawn from the arm's name."""
    rng = np.random.default_rng(sum(map(ord, recipe.name)))
    n = len(seeds)
    metrics = {
        "correct": (rng.random((n, len(recipes.TEST_SCALES), N_TEST)) < 0.7).astype(float)
        if "zoom_range" in recipe.params
        else (rng.random((n, N_TEST)) < 0.7).astype(float),
        "consistent": rng.random((n, N_TEST)),
        "circular_consistent": rng.random((n, N_TEST)),
        "agreement_by_shift": np.sort(rng.random((n, len(recipes.TEST_SHIFTS))), axis=1)[:, ::-1],
    }
    return _result(metrics, recipe, seeds)


@pytest.fixture
def drawn(monkeypatch):
    """Replace training by drawn scores; return the Results first given out, by arm name."""
    given: dict[str, experiments.Result] = {}

    def run_many(arms, seeds, **kwargs):
        out = {name: _drawn(recipe, seeds) for name, recipe in arms.items()}
        for name, result in out.items():
            given.setdefault(name, result)
        return out

    monkeypatch.setattr(evidence, "run_many", run_many)
    monkeypatch.setattr(evidence, "run", lambda recipe, seeds, **kwargs: _drawn(recipe, seeds))
    return given


def _same(interval: experiments.Interval, expected: experiments.Interval) -> None:
    assert tuple(interval) == pytest.approx(tuple(expected))


def test_the_shift_record_compares_every_arm_of_tutorial_2(drawn):
    out = evidence._comparisons_shift(60, 20, SEEDS, longer=False)
    arms = ["max", "avg", "blur", "stride", "max + shifts", "blur + shifts", "max gap"]
    assert list(out["results"]) == [*arms, "aps", "stride circular"]
    pairs = [
        ("max", "stride"),
        ("blur", "max"),
        ("avg", "max"),
        ("max + shifts", "max"),
        ("max + shifts", "blur"),
        ("blur + shifts", "max + shifts"),
        ("max gap", "max"),
        ("aps", "stride circular"),
    ]
    comparisons = out["comparisons"]
    for a, b in pairs:
        for metric in ("consistent", "correct"):
            expected = experiments.paired_difference(
                drawn[a].metrics[metric], drawn[b].metrics[metric]
            )
            _same(comparisons[f"{a} - {b}, {metric}"], expected)
    _same(
        comparisons["aps - stride circular, circular_consistent"],
        experiments.paired_difference(
            drawn["aps"].metrics["circular_consistent"],
            drawn["stride circular"].metrics["circular_consistent"],
        ),
    )
    _same(comparisons["blur, consistent"], experiments.estimate(drawn["blur"], "consistent"))
    # the shifted arms are the shift-augmented recipes, the GAP arm has the GAP head
    assert out["results"]["max + shifts"].recipe.params["augment"] is True
    assert out["results"]["max gap"].recipe.params["head"] == "gap"
    assert out["results"]["aps"].recipe.params["downsampling"] == "aps"


def test_agreement_beyond_the_trained_range_is_a_t_interval_over_seeds(drawn):
    agreement = evidence._comparisons_shift(60, 20, SEEDS, longer=False)["agreement"]
    at = list(recipes.TEST_SHIFTS).index(6)
    values = drawn["max + shifts"].metrics["agreement_by_shift"][:, at]
    low, high = stats.t.interval(0.95, len(values) - 1, values.mean(), stats.sem(values))
    recorded = agreement["arms"]["max + shifts"]["6 px"]
    assert (recorded["low"], recorded["high"]) == pytest.approx((low, high))
    assert recorded["seeds"] == len(SEEDS) and recorded["items"] == 1
    gaps = (
        drawn["blur + shifts"].metrics["agreement_by_shift"][:, at]
        - drawn["max + shifts"].metrics["agreement_by_shift"][:, at]
    )
    low, high = stats.t.interval(0.95, len(gaps) - 1, gaps.mean(), stats.sem(gaps))
    recorded = agreement["differences"]["blur + shifts - max + shifts, agreement at 6 px"]
    assert (recorded["mean"], recorded["low"], recorded["high"]) == pytest.approx(
        (gaps.mean(), low, high)
    )
    assert {key.split(", agreement at ")[1] for key in agreement["differences"]} == {
        "3 px",
        "4 px",
        "5 px",
        "6 px",
    }


def test_the_scale_record_holds_the_specialists_and_their_comparisons(drawn):
    out = evidence._comparisons_scale(60, 20, SEEDS, longer=False)
    comparisons = out["comparisons"]
    at = {s: i for i, s in enumerate(recipes.TEST_SCALES)}
    correct = {arm: result.metrics["correct"] for arm, result in drawn.items()}
    for scale, specialist in ((0.5, "only 0.5x"), (2.0, "only 2x")):
        for arm in ("plain", "zoom-augmented", "natural sizes"):
            expected = experiments.paired_difference(
                correct[arm][:, at[scale]], correct[specialist][:, at[scale]]
            )
            _same(comparisons[f"{arm} - {specialist} at {scale:g}x"], expected)
        expected = experiments.paired_difference(
            correct[specialist][:, at[scale]], correct["plain"][:, at[1.0]]
        )
        _same(comparisons[f"{specialist} at {scale:g}x - plain at 1x"], expected)
        _same(
            comparisons[f"{specialist} at {scale:g}x"],
            experiments.accuracy_interval(correct[specialist][:, at[scale]]),
        )
    assert "zoom-augmented - natural sizes at 2x" in comparisons  # the old keys stay


def test_the_transfer_record_holds_the_30_label_table(drawn):
    # the first arms trained: 30 labels, new classes (LABELS, then the classes' control)
    comparisons = evidence._comparisons_transfer(60, 20, SEEDS, longer=False)["comparisons"]
    for arm in list(recipes.TRANSFER_ARMS)[1:]:
        expected = experiments.paired_difference(
            drawn[arm].metrics["correct"], drawn["from scratch"].metrics["correct"]
        )
        _same(comparisons[f"30 labels: {arm} - from scratch"], expected)
        assert f"30 labels: {arm}" in comparisons
    assert "30 labels: probe: copied conv - probe: random conv" in comparisons
    for task in ("300 labels", "30 labels, same classes", "300 labels, same classes"):
        differences = [key for key in comparisons if key.startswith(f"{task}: ") and " - " in key]
        assert differences == [f"{task}: 1 conv copied - from scratch"]


def test_the_record_keeps_each_runners_extra_part_per_size(drawn, monkeypatch):
    monkeypatch.setitem(evidence.SIZES, "shift", ((60,), 20))
    record = evidence.make("shift", seeds=tuple(range(10)))
    assert set(record["agreement_by_shift"]) == {"60"}
    assert "channel_shares" not in record
    assert "60 digits: blur + shifts - max + shifts, consistent" in record["comparisons"]


def test_every_arm_and_metric_the_shift_record_names_exists(monkeypatch, tmp_path):
    """The real recipes, trained for 3 steps: the names the record reads are theirs."""
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    real = evidence.run_many

    def brief(arms, seeds, **kwargs):
        arms = {k: dataclasses.replace(r, max_steps=3) for k, r in arms.items()}
        return real(arms, seeds, **kwargs)

    monkeypatch.setattr(evidence, "run_many", brief)
    out = evidence._comparisons_shift(40, 10, (0, 1), longer=False)
    assert len(out["comparisons"]) == 2 * 8 + 1 + 2 * 9 + 2
    assert all(np.isfinite(tuple(v)).all() for v in out["comparisons"].values())
    assert set(out["agreement"]["arms"]) == set(out["results"])


def test_one_list_of_the_engines_files_for_every_record():
    assert evidence.ENGINE_FILES == tuple(
        f"experiments/{name}.py"
        for name in ("__init__", "cache", "records", "runner", "statistics")
    )
    for files in (*evidence.DIGEST_FILES.values(), *rep.DIGEST_FILES.values()):
        assert set(evidence.ENGINE_FILES) <= set(files)
    for files in evidence.DIGEST_FILES.values():  # the records' own maker
        assert "experiments/evidence.py" in files
    assert "layers/polyphase.py" in evidence.DIGEST_FILES["shift"]  # the APS arms
