"""cnn101.verdicts: rules declared before a run, verdicts computed from recorded intervals."""

from __future__ import annotations

import json

import pytest

from cnn101 import claims, verdicts


@pytest.mark.parametrize(
    ("direction", "low", "high", "expected"),
    [
        # increase, smallest effect 0.05: above 0 confirms; below 0.05 everywhere refutes
        ("increase", 0.001, 0.3, "confirmed"),
        ("increase", -0.01, 0.049, "refuted"),
        ("increase", -0.3, -0.1, "refuted"),  # the other way round
        ("increase", -0.01, 0.06, "not detected"),
        ("increase", 0.0, 0.2, "not detected"),  # touching 0 is not above it
        # decrease: the mirror image
        ("decrease", -0.3, -0.001, "confirmed"),
        ("decrease", -0.049, 0.01, "refuted"),
        ("decrease", -0.06, 0.01, "not detected"),
        # none (an invariance): inside +-0.05 confirms, wholly beyond it refutes
        ("none", -0.049, 0.049, "confirmed"),
        ("none", -0.2, -0.05, "refuted"),
        ("none", 0.05, 0.2, "refuted"),
        ("none", -0.1, 0.01, "not detected"),
    ],
)
def test_rule_turns_an_interval_into_a_verdict(direction, low, high, expected):
    rule = verdicts.Rule("shift", "a - b", "a beats b", direction, 0.05)
    assert rule.verdict(low, high) == expected


def test_a_rule_on_one_arm_compares_with_its_reference():
    """An invariance claim on one arm's consistency: is it within 0.05 of 1?"""
    rule = verdicts.Rule("shift", "max, consistent", "invariant", "none", 0.05, reference=1.0)
    assert rule.verdict(0.97, 0.99) == "confirmed"
    assert rule.verdict(0.7, 0.8) == "refuted"
    assert rule.verdict(0.9, 0.99) == "not detected"
    with pytest.raises(ValueError, match="reference"):
        verdicts.Rule("shift", "k", "says", "none", 0.05, reference=float("nan"))
    part = {**_part(0.75, 0.7, 0.8), "says": "s", "direction": "none", "smallest": 0.05,
            "reference": 1.0, "verdict": "refuted"}  # fmt: skip
    assert "0.750 (0.700 to 0.800)" in claims.describe_part(part)
    assert "within ±0.05 of 1 claimed: refuted" in claims.describe_part(part)


def test_combine_and_rule_checks():
    assert verdicts.combine(["refuted", "refuted"]) == "refuted"
    assert verdicts.combine(["confirmed", "refuted", "not detected"]) == "partly"
    assert verdicts.combine(["refuted", "not detected"]) == "not detected"
    with pytest.raises(ValueError, match="outcomes"):
        verdicts.combine(["true"])
    with pytest.raises(TypeError, match="outcomes"):
        verdicts.combine("confirmed")
    with pytest.raises(ValueError, match="direction"):
        verdicts.Rule("shift", "k", "says", "up", 0.05)
    with pytest.raises(ValueError, match="smallest"):
        verdicts.Rule("shift", "k", "says", "increase", 0)
    with pytest.raises(ValueError, match="key"):
        verdicts.Rule("shift", "", "says", "increase", 0.05)
    with pytest.raises(TypeError, match="key"):
        verdicts.Rule("shift", 3, "says", "increase", 0.05)
    with pytest.raises(ValueError, match="low <= high"):
        verdicts.Rule("shift", "k", "says", "increase", 0.05).verdict(0.2, 0.1)


def _write(folder, name, *, files=("verdicts.py",), seeds=10, digest=None, comparisons=None):
    record = {
        "seeds": list(range(seeds)),
        "command": f"python -m cnn101.experiments.evidence {name}",
        "code": {"files": list(files), "digest": digest or verdicts.code_digest(files)},
        "comparisons": comparisons or {},
    }
    (folder / f"{name}.json").write_text(json.dumps(record))
    return record


def test_load_refuses_a_stale_record_and_names_its_command(tmp_path):
    _write(tmp_path, "fresh")
    assert verdicts.load("fresh", tmp_path)["seeds"] == list(range(10))
    _write(tmp_path, "stale", digest="0" * 64)
    with pytest.raises(
        verdicts.StaleRecordError, match=r"python -m cnn101\.experiments\.evidence stale"
    ):
        verdicts.load("stale", tmp_path)
    _write(tmp_path, "few", seeds=5)
    with pytest.raises(ValueError, match="at least 10 seeds"):
        verdicts.load("few", tmp_path)
    with pytest.raises(ValueError, match="fresh"):  # names the records there are
        verdicts.load("missing", tmp_path)
    with pytest.raises(ValueError, match="cnn101 package"):
        verdicts.code_digest(["no_such_file.py"])


def _part(mean, low, high):
    return {"mean": mean, "low": low, "high": high, "seeds": 10, "items": 300,
            "detectable": 0.04, "se": 0.01, "dof": 20.0, "level": 0.95}  # fmt: skip


def test_trained_claim_verdicts_are_computed_from_the_recorded_runs(tmp_path, monkeypatch):
    claim = claims.get_claim("pooling-translation-invariance")
    gains = [r.key for r in claim.rules if r.reference == 0]  # max - stride, 2 sizes
    levels = [r.key for r in claim.rules if r.reference == 1]  # max's consistency, 2 sizes
    monkeypatch.setattr(verdicts, "EVIDENCE_DIR", tmp_path)
    invariant = {key: _part(0.98, 0.96, 0.99) for key in levels}
    _write(tmp_path, "shift", comparisons={gains[0]: _part(0.2, 0.18, 0.22),
                                           gains[1]: _part(0.1, 0.05, 0.15), **invariant})  # fmt: skip
    r = claims.record("pooling-translation-invariance", evidence="The page's runs agree.")
    assert r.verdict == "confirmed"
    assert [p["verdict"] for p in r.parts] == ["confirmed"] * 4
    assert r.to_json()["parts"][0]["low"] == 0.18
    assert "+0.200 (+0.180 to +0.220), 10 seeds x 300 test digits" in r._repr_html_()
    _write(tmp_path, "shift", comparisons={gains[0]: _part(0.2, 0.18, 0.22),
                                           gains[1]: _part(0.0, -0.02, 0.03), **invariant})  # fmt: skip
    r = claims.record("pooling-translation-invariance", evidence="x")
    assert (r.verdict, r.parts[1]["verdict"]) == ("partly", "refuted")
    _write(tmp_path, "shift", comparisons={gains[0]: _part(0.02, -0.01, 0.06)})
    with pytest.raises(ValueError, match="has no comparison"):
        claims.record("pooling-translation-invariance", evidence="x")
    with pytest.raises(ValueError, match="`verdict` must be left out"):
        claims.record("pooling-translation-invariance", verdict="confirmed", evidence="x")
    text = claims.describe_part({**_part(0.02, -0.01, 0.06), "says": "s",
                                 "direction": "increase", "smallest": 0.05,
                                 "verdict": "not detected"})  # fmt: skip
    assert "the smallest effect this run could detect: 0.040" in text


def test_every_trained_claim_reads_its_committed_record():
    """The committed records hold every comparison the rules name, from 10+ seeds, fresh."""
    trained = [claim for claim in claims.CLAIMS if claim.trained]
    assert {c.id for c in trained} >= {
        "pooling-translation-invariance",
        "scale-from-zoom-augmentation",
        "scale-from-natural-sizes",
        "early-layers-transfer",
    }
    for claim in trained:
        parts, verdict = claims._parts(claim)
        assert verdict in claims.COMPUTED
        assert all(p["seeds"] >= verdicts.MIN_SEEDS for p in parts)
        assert all(0 <= p["low"] <= p["high"] or p["low"] <= p["high"] for p in parts)


def test_the_records_digest_the_files_the_evidence_module_names():
    from cnn101.experiments import evidence

    for name in evidence.NAMES:
        record = verdicts.load(name)
        assert record["code"]["files"] == list(evidence.DIGEST_FILES[name])
        assert record["seeds"] == list(evidence.SEEDS)
        assert record["all_stopped_by_patience"], name
        assert set(record["convergence"]) >= {"moved", "tolerance", "setting_used"}


def test_evidence_command_checks_its_arguments():
    from cnn101.experiments import evidence

    with pytest.raises(ValueError, match="`name`"):
        evidence.make("nope")
    with pytest.raises(ValueError, match="at least 10 seeds"):
        evidence.make("shift", seeds=(0, 1, 2))
    with pytest.raises(SystemExit) as stop:
        evidence.main(["shift", "--seeds", "1", "2"])
    assert stop.value.code == 2
    assert evidence.command_for("scale", evidence.SEEDS).endswith("--seeds " + " ".join(
        str(s) for s in evidence.SEEDS))  # fmt: skip


def test_table_prints_the_recorded_intervals():
    record = {
        "comparisons": {
            "600 digits: a - b": {
                "mean": 0.1234,
                "low": -0.02,
                "high": 0.25,
                "seeds": 10,
                "items": 500,
            },
            "600 digits: a": {"mean": 0.9, "low": 0.88, "high": 0.92, "seeds": 10, "items": 500},
        }
    }
    lines = verdicts.table(record, ["a - b", "a"], n_train=600).splitlines()
    assert lines == [
        "a - b  +0.123 (-0.020 to +0.250)",
        "a       0.900 ( 0.880 to  0.920)",
        "10 seeds x 500 test digits, 95 % intervals",
    ]
    shown = verdicts.table(record, ["a - b"], n_train=600, labels=["difference"])
    assert shown.splitlines()[0] == "difference  +0.123 (-0.020 to +0.250)"
    with pytest.raises(ValueError, match="`labels`"):
        verdicts.table(record, ["a - b"], n_train=600, labels=["x", "y"])
    with pytest.raises(TypeError, match="`labels`"):
        verdicts.table(record, ["a - b"], n_train=600, labels="x")
    with pytest.raises(ValueError, match="n_train=3000"):
        verdicts.table(record, ["a - b"], n_train=3000)
    with pytest.raises(TypeError, match="`keys`"):
        verdicts.table(record, "a - b", n_train=600)
    with pytest.raises(TypeError, match="`record`"):
        verdicts.table([], ["a"], n_train=600)
    with pytest.raises(TypeError, match="`n_train`"):
        verdicts.table(record, ["a"], n_train="600")
