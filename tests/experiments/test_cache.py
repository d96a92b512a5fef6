"""cnn101.experiments.cache: reused, invalidated when a parameter changes, recomputed
(with one warning) when an entry is damaged, refused where it cannot be written."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from _tiny import _faulty, _linear_model, _planted

from cnn101 import experiments


def test_cache_is_reused_and_invalidated(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_planted(), seeds=(0, 1))
    assert "cached" not in capsys.readouterr().out
    again = experiments.run(_planted(), seeds=(0, 1))
    assert capsys.readouterr().out.count("cached") == 2
    assert again.histories == first.histories and again.stopped == first.stopped
    assert again.model(0).get_layer("w").get_weights()[0][0, 0] == pytest.approx(
        first.summary("w").values[0]
    )
    changed = experiments.run(_planted(patience=5), seeds=(0,))
    assert "cached" not in capsys.readouterr().out
    assert len(changed.histories[0]["val_loss"]) == 5
    extra = experiments.run(_planted(), seeds=(0, 1, 2))  # only seed 2 is new
    assert capsys.readouterr().out.count("cached") == 2
    assert extra.seeds == (0, 1, 2)
    assert not list(tmp_path.rglob(".partial-*"))  # writes go through a renamed temporary


def test_a_cached_model_is_rebuilt_without_a_warning(tmp_path, monkeypatch):
    """Weights saved with Adam's state load into a fresh model silently (no page warning)."""
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_faulty(), seeds=(0,), verbose=False)
    again = experiments.run(_faulty(), seeds=(0,), verbose=False)  # from the cache
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rebuilt = again.model(0)
    for a, b in zip(rebuilt.get_weights(), first.model(0).get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("damage", ["record", "fields", "weights"])
def test_a_damaged_cache_entry_is_trained_again_with_one_warning(
    tmp_path, monkeypatch, capsys, damage
):
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_planted(), seeds=(0,), verbose=False)
    record = next(tmp_path.rglob("seed-0.json"))
    if damage == "record":
        record.write_text('{"history": [1, 2')
    elif damage == "fields":
        record.write_text(json.dumps({"history": {}}))
    else:
        weights = next(tmp_path.rglob("seed-0.weights.h5"))
        weights.write_bytes(weights.read_bytes()[:100])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")  # third-party deprecations
        warnings.simplefilter("always", RuntimeWarning)
        again = experiments.run(_planted(), seeds=(0,))
    assert [str(w.message) for w in caught if "damaged" in str(w.message)] == [
        str(w.message) for w in caught
    ]
    assert len(caught) == 1
    assert "cached" not in capsys.readouterr().out
    assert again.histories == first.histories
    assert experiments.run(_planted(), seeds=(0,), verbose=False).model(0) is not None


def _damage_values(record: dict, damage: str) -> None:
    if damage == "metrics emptied":
        record["metrics"] = {}
    elif damage == "metric as text":
        record["metrics"]["w"] = ["high", "low"]
    elif damage == "metric as a number in text":
        record["metrics"]["w"] = str(record["metrics"]["w"])
    elif damage == "curve of text":
        record["history"]["loss"] = ["x"] * len(record["history"]["loss"])
    elif damage == "a value changed":
        record["metrics"]["w"] += 1.0
    elif damage == "a value beyond float64":
        record["metrics"]["w"] = 10**400
    else:
        record["history"]["val_loss"][0] = None


@pytest.mark.parametrize(
    "damage",
    [
        "metrics emptied",
        "metric as text",
        "metric as a number in text",
        "curve of text",
        "a value changed",
        "a value beyond float64",
        "curve holding null",
    ],
)
def test_a_cache_entry_with_damaged_values_is_trained_again_with_one_warning(
    tmp_path, monkeypatch, capsys, damage
):
    """Valid JSON with every field, but values changed: only the damaged seed trains again."""
    monkeypatch.setenv(experiments.CACHE_ENV, str(tmp_path))
    first = experiments.run(_planted(), seeds=(0, 1), verbose=False)
    path = next(tmp_path.rglob("seed-1.json"))
    record = json.loads(path.read_text())
    _damage_values(record, damage)
    path.write_text(json.dumps(record))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", RuntimeWarning)
        again = experiments.run(_planted(), seeds=(0, 1))
    assert len(caught) == 1 and "damaged" in str(caught[0].message)
    assert str(path) in str(caught[0].message)
    out = capsys.readouterr().out
    assert "seed 0: stopped" in out and out.count("cached") == 1  # seed 1 trained again
    assert again.histories == first.histories
    np.testing.assert_array_equal(again.metrics["w"], first.metrics["w"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # stored anew: no warning now
        experiments.run(_planted(), seeds=(0, 1), verbose=False)


def test_an_unusable_cache_location_is_refused_before_training(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv(experiments.CACHE_ENV, str(blocker / "cache"))
    built = []

    def build():
        built.append(1)
        return _linear_model()

    recipe = experiments.Recipe("r", build, np.ones((8, 1)), np.ones(8), lambda m: {})
    with pytest.raises(ValueError, match=r"CNN101_EXPERIMENT_CACHE.*cache=False"):
        experiments.run(recipe, seeds=(0,))
    assert not built
