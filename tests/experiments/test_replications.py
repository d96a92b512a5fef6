"""The replications: smoke runs, results files, the code digest, the command line, the layers.

The full runs are for the command line (``python -m cnn101.experiments.replications
NAME``); here each
replication runs at its smoke size (a few optimizer steps on 40 digits), which checks
the code path and the results file, not the science.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from cnn101 import experiments
from cnn101._tf import tensorflow
from cnn101.experiments import replications as rep
from cnn101.experiments.replications import (
    command_line,
    data,
    jansson2022,
    kanazawa2014,
    running,
    scoring,
    zhang2019,
)
from cnn101.layers.scale_channels import FoveatedScaleChannels
from cnn101.layers.scale_invariant_conv import ScaleInvariantConv2D

ROOT = Path(__file__).resolve().parents[2]
MODULES = {"jansson2022": jansson2022, "zhang2019": zhang2019, "kanazawa2014": kanazawa2014}
SPECIALIST = jansson2022.SPECIALIST


def _hook():
    from conftest import load_hook

    return load_hook("replications")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Every replication at its smoke size, written to and read back from a results file.

    Also keeps the Results that ``run_many`` returned, to check the record's
    statistics against the statistics functions.
    """
    folder = tmp_path_factory.mktemp("replications")
    records = {}
    run_many = experiments.run_many
    for name in rep.REPLICATIONS:
        caught = {}

        def spy(*args, caught=caught, **kwargs):
            caught.update(run_many(*args, **kwargs))
            return caught

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(running.experiments, "run_many", spy)
            record = rep.replicate(name, (0, 1), smoke=True, verbose=False, cache=False)
        records[name] = (record, rep.write_results(record, folder / f"{name}.json"), caught)
    return records


def _same_interval(summary, interval, index=None):
    """Assert a record's interval entry is ``interval`` (entry ``index`` of lists, if given)."""

    def pick(key):
        return summary[key] if index is None else summary[key][index]

    np.testing.assert_allclose(pick("mean"), interval.mean)
    np.testing.assert_allclose(pick("ci95"), [interval.low, interval.high])
    np.testing.assert_allclose(pick("se"), interval.se)
    assert summary["seeds"] == interval.seeds and summary["items"] == interval.items
    assert summary["level"] == interval.level == 0.95


def _metrics(name):
    """Each arm's (scalar metric, per-digit metric) pairs of a replication."""
    if name == "zhang2019":
        return [("accuracy", "correct"), ("consistency", "digit_consistency")]
    return [("error", "digit_error")] if name == "kanazawa2014" else [("accuracy", "correct")]


@pytest.mark.parametrize("name", rep.REPLICATIONS)
def test_smoke_run_writes_a_well_formed_results_file(smoke, name):
    record, path, _ = smoke[name]
    read = rep.check_results(path)  # fresh: the digest matches the code
    assert read == json.loads(json.dumps(record))
    assert read["seeds"] == [0, 1] and read["smoke"] is True and read["schema"] == 2
    assert read["command"] == (
        f"python -m cnn101.experiments.replications {name} --seeds 0 1 --smoke"
    )
    assert read["code"]["files"] == [f"cnn101/{f}" for f in rep.DIGEST_FILES[name]]
    assert {"tensorflow", "keras", "numpy", "python"} <= set(read["versions"])
    assert read["machine"]["cpu_count"] >= 1 and read["date"]
    assert read["paper"]["arxiv"] in {"2106.06418", "1904.11486", "1412.5104"}
    for arm in read["arms"].values():
        assert set(arm["stopped"]) <= {"budget", "patience"} and len(arm["stopped"]) == 2
    head = read["verdict"].split(":")[0]
    assert head in {"Agrees", "Agrees on stability", "Partly", "Not detected", "Disagrees"}
    assert "would not show" not in read["verdict"] and "binomial" not in json.dumps(read)


@pytest.mark.parametrize("name", rep.REPLICATIONS)
def test_arm_intervals_are_accuracy_intervals_of_the_per_digit_scores(smoke, name):
    record, _, results = smoke[name]
    n_test = record["test"]["n_test"]
    for label, result in results.items():
        for metric, per_digit in _metrics(name):
            arm = record["arms"][label]
            summary = arm[metric] if name == "zhang2019" else arm
            scores = result.metrics[per_digit]
            assert scores.shape[0] == 2 and scores.shape[-1] == n_test  # seeds x test digits
            assert np.all((scores >= 0) & (scores <= 1))
            values = np.asarray(summary["values"])
            np.testing.assert_allclose(values, scores.mean(axis=-1))  # the per-seed values
            np.testing.assert_allclose(summary["seed_sd"], values.std(axis=0, ddof=1))
            if name == "jansson2022":
                assert scores.shape == (2, len(jansson2022.SCALES), n_test)
                for i in range(len(jansson2022.SCALES)):
                    interval = experiments.estimate(result, per_digit, i)
                    _same_interval(summary, interval, i)
                    assert 0 <= interval.low <= interval.mean <= interval.high <= 1
            else:
                interval = experiments.accuracy_interval(scores)
                _same_interval(summary, interval)
                assert 0 <= interval.low <= interval.mean <= interval.high <= 1
            np.testing.assert_allclose(summary["mean"], values.mean(axis=0))
            assert "detectable" not in summary  # a difference's number, not an arm's


@pytest.mark.parametrize("name", rep.REPLICATIONS)
def test_differences_are_paired_differences_of_the_per_digit_scores(smoke, name):
    record, _, results = smoke[name]
    differences = record["differences"]
    if name == "zhang2019":
        expected = {
            f"{a} - MaxPool, {m}": (a, "MaxPool", per, ())
            for a in ("Rect-2", "Tri-3", "Bin-5")
            for m, per in _metrics(name)
        }
    elif name == "kanazawa2014":
        expected = {"SI-ConvNet - ConvNet, error": ("SI-ConvNet", "ConvNet", "digit_error", ())}
    else:
        scales = jansson2022.SCALES
        expected = {
            f"{a} - standard CNN, accuracy at {s:.2f}x": (a, "standard CNN", "correct", i)
            for a in ("FovMax", "FovAvg", "scale channels", SPECIALIST)
            for i, s in enumerate(scales)
        }
        assert {d.get("comparison") for d in differences.values()} == {
            "FovMax - standard CNN",
            "FovAvg - standard CNN",
            "scale channels - standard CNN",
            f"{SPECIALIST} - standard CNN",
            f"{SPECIALIST} at 0.35x - standard CNN at 1.00x",
            *(
                f"{a}: change from 1.00x"
                for a in ("FovMax", "FovAvg", "scale channels", "standard CNN")
            ),
        }
        train = scales.index(1.0)
        for a in ("FovMax", "FovAvg", "scale channels", "standard CNN"):
            correct = results[a].metrics["correct"]
            for i, s in enumerate(scales):
                key = f"{a}, accuracy at {s:.2f}x less at 1.00x"
                assert (key in differences) == (i != train)
                if i != train:
                    interval = experiments.paired_difference(correct[:, i], correct[:, train])
                    _same_interval(differences[key], interval)
        # the specialist at the scale it was trained at, against the standard CNN at its own
        alone = differences[f"{SPECIALIST}, accuracy at 0.35x less standard CNN at 1.00x"]
        interval = experiments.paired_difference(
            results[SPECIALIST].metrics["correct"][:, 0],
            results["standard CNN"].metrics["correct"][:, train],
        )
        _same_interval(alone, interval)
        assert alone["scale"] is None
    for key, (a, b, per_digit, index) in expected.items():
        d = differences[key]
        interval = experiments.compare(results[a], results[b], per_digit, index)
        _same_interval(d, interval)
        assert d["detectable"] == pytest.approx(interval.detectable())
        assert d["detected"] == (interval.low > 0 or interval.high < 0)
        per_seed = results[a].metrics[per_digit] - results[b].metrics[per_digit]
        per_seed = per_seed[(slice(None), index)] if index != () else per_seed
        np.testing.assert_allclose(d["values"], per_seed.mean(axis=-1))
    for d in differences.values():
        assert d["ci95"][0] <= d["mean"] <= d["ci95"][1] and d["seeds"] == 2


def test_jansson_tests_every_scale_over_a_factor_of_8(smoke):
    record, _, _ = smoke["jansson2022"]
    scales = record["test"]["x"]
    assert scales[-1] / scales[0] == pytest.approx(8.0)
    assert set(record["arms"]) == {"standard CNN", "scale channels", "FovMax", "FovAvg", SPECIALIST}
    assert all(len(arm["mean"]) == len(scales) for arm in record["arms"].values())
    assert record["test"]["train_scales"][SPECIALIST] == scales[0] == pytest.approx(2**-1.5)


def test_the_specialist_changes_only_the_training_scale():
    """Same builder, recipe settings and per-seed digits as the standard CNN; smaller digits."""
    size = rep.SIZES["jansson2022"]["smoke"]
    recipes, _ = running.recipes("jansson2022", size)
    standard, specialist = recipes["standard CNN"], recipes[SPECIALIST]
    assert specialist.max_steps == standard.max_steps and specialist.patience == standard.patience
    assert specialist.batch_size == standard.batch_size and specialist.x is standard.x
    assert specialist.evaluate is standard.evaluate
    assert specialist.build().count_params() == standard.build().count_params()

    def rng():  # the generator the runner gives a seed's draw (the same for every arm)
        return np.random.default_rng([3, 4])

    x_small, y_small = specialist.draw(specialist.x, specialist.y, rng())
    x_one, y_one = standard.draw(standard.x, standard.y, rng())
    np.testing.assert_array_equal(y_small, y_one)  # the same digits, drawn by the seed
    x_pool, _ = data.subset(standard.x, standard.y, size["n_train"], rng())
    np.testing.assert_array_equal(x_small, data.centred(x_pool, jansson2022.SCALES[0], 60))
    np.testing.assert_array_equal(x_one, data.centred(x_pool, 1.0, 60))
    ink = [np.ptp(np.argwhere(x[..., 0] > 0.5)[:, 0]) for x in (x_small[0], x_one[0])]
    assert ink[0] < 0.5 * ink[1]  # the digit is about 0.35 times as tall


def test_digest_is_the_hash_of_the_listed_files_only(smoke):
    for name in rep.REPLICATIONS:
        digest = hashlib.sha256()
        for file in rep.DIGEST_FILES[name]:  # each labelled and length-prefixed
            content = (ROOT / "cnn101" / file).read_bytes()
            digest.update(f"{file}\0{len(content)}\0".encode() + content)
        assert smoke[name][0]["code"]["digest"] == digest.hexdigest()
        # modules other branches change (checks, plots, exercises) are not covered
        assert not {"_validation.py", "claims.py"} & set(rep.DIGEST_FILES[name])
        assert not [f for f in rep.DIGEST_FILES[name] if f.startswith("plotting")]
        shared = {f"experiments/replications/{m}.py" for m in ("data", "scoring", "running")}
        own = {f"experiments/replications/{name}.py", "experiments/runner.py"}
        assert shared | own <= set(rep.DIGEST_FILES[name])
        assert not {"replicate.py", "experiments/replications/command_line.py"} & set(
            rep.DIGEST_FILES[name]
        )
    assert not hasattr(rep, "code_digest")  # the package's one digest: verdicts.code_digest


def test_a_stale_results_file_is_refused_with_the_command_to_rerun(smoke, tmp_path):
    record, _, _ = smoke["kanazawa2014"]
    stale = json.loads(json.dumps(record))
    stale["code"]["digest"] = "0" * 64
    path = rep.write_results(stale, tmp_path / "kanazawa2014.json")
    with pytest.raises(
        ValueError,
        match=r"stale\. Re-run `python -m cnn101\.experiments\.replications kanazawa2014",
    ):
        rep.check_results(path)
    hook = _hook()
    (tmp_path / "replications").mkdir()
    for name in rep.REPLICATIONS:
        fresh = json.loads(json.dumps(smoke[name][0])) | {"smoke": False}
        rep.write_results(fresh, tmp_path / "replications" / f"{name}.json")
    page = hook.replications_markdown(tmp_path)
    assert page.count("<svg") == 3
    assert "Reproduce: `python -m cnn101.experiments.replications zhang2019" in page
    assert "| SI-ConvNet - ConvNet, error | " in page and "detected (else: smallest" in page
    assert "| test scale | " in page and "change from the training scale" in page
    assert "binomial" not in page
    assert f"| {SPECIALIST} - standard CNN |" in page  # its column, per test scale
    assert f"| {SPECIALIST}, accuracy at 0.35x less standard CNN at 1.00x | " in page
    rep.write_results(stale, tmp_path / "replications" / "kanazawa2014.json")
    from mkdocs.exceptions import PluginError

    with pytest.raises(
        PluginError, match=r"python -m cnn101\.experiments\.replications kanazawa2014"
    ):
        hook.replications_markdown(tmp_path)


@pytest.mark.parametrize("name", rep.REPLICATIONS)
def test_the_page_refuses_a_score_outside_0_and_1(name):
    """Accuracies, errors and consistencies are proportions: no mean or interval past 1."""
    from mkdocs.exceptions import PluginError

    hook = _hook()
    record = json.loads((rep.RESULTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
    hook.check_bounds(record)  # the committed records are within [0, 1]
    arm = next(iter(record["arms"].values()))
    summary = arm.get("accuracy", arm)
    if isinstance(summary["mean"], list):
        summary["ci95"][0][1] = 1.003
    else:
        summary["ci95"][1] = 1.003
    with pytest.raises(PluginError, match=r"1\.003, outside \[0, 1\]"):
        hook.check_bounds(record)


def test_a_malformed_results_file_is_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="path"):
        rep.check_results(path)
    path.write_text(json.dumps({"schema": 1}))
    with pytest.raises(ValueError, match="not a results file"):
        rep.check_results(path)
    with pytest.raises(TypeError, match="path"):
        rep.check_results(3)


@pytest.mark.parametrize("name", rep.REPLICATIONS)
def test_committed_results_are_fresh_full_runs(name):
    """The site is built from these files: a stale one names the command to re-run."""
    record = rep.check_results(rep.RESULTS_DIR / f"{name}.json")
    assert record["smoke"] is False and record["seeds"] == list(range(10))
    arms = record["arms"].values()
    for summary in (
        [a[m] for a in arms for m in ("accuracy", "consistency")]
        if (name == "zhang2019")
        else list(arms)
    ):
        low, high = np.asarray(summary["ci95"]).T
        assert np.all((low >= 0) & (low <= np.asarray(summary["mean"])) & (high <= 1))
        assert summary["seeds"] == 10 and summary["items"] == record["test"]["n_test"]
    for d in record["differences"].values():
        assert d["seeds"] == 10 and d["detectable"] > 0
        assert d["detected"] == (d["ci95"][0] > 0 or d["ci95"][1] < 0)
    assert record["verdict"] == MODULES[name].verdict(record["differences"], record["arms"])
    assert record["command"] == (
        f"python -m cnn101.experiments.replications {name} --seeds 0 1 2 3 4 5 6 7 8 9"
    )


def test_command_line_errors_are_clear(capsys):
    with pytest.raises(SystemExit) as stop:
        rep.main(["no-such-paper"])
    assert stop.value.code == 2 and "invalid choice: 'no-such-paper'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        rep.main(["zhang2019", "--seeds", "1"])
    assert stop.value.code == 2 and "--seeds needs at least 2" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        rep.main(["zhang2019", "--device", "tpu"])
    assert stop.value.code == 2 and "invalid choice: 'tpu'" in capsys.readouterr().err
    if not tensorflow().config.list_physical_devices("GPU"):
        with pytest.raises(SystemExit) as stop:
            rep.main(["zhang2019", "--smoke", "--device", "gpu"])
        err = capsys.readouterr().err
        assert stop.value.code == 2 and "sees no GPU" in err and "Traceback" not in err


@pytest.fixture
def no_training(monkeypatch):
    """Make any training fail the test: these arguments must be refused before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("trained although the arguments are bad")

    monkeypatch.setattr(running.experiments, "run_many", refuse)


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["zhang2019", "--seeds", "0", "4294967296"],
            r"`--seeds` must be an integer in \[0, 2\*\*32\)",
        ),
        (["zhang2019", "--seeds", "0", "-1"], r"`--seeds` must be an integer in \[0, 2\*\*32\)"),
        (["zhang2019", "--seeds", "0", "0"], r"`--seeds` must be distinct"),
        (["zhang2019", "--smoke", "--out", "{folder}"], r"`--out` must name a file, not a folder"),
        (["zhang2019", "--out", "{folder}"], r"`--out` must name a file, not a folder"),
        (
            ["zhang2019", "--smoke", "--out", "{file}/r.json"],
            r"`--out` must be in an existing folder",
        ),
        (["zhang2019", "--smoke", "--out", ""], r"`--out` must be a non-empty path"),
    ],
)
def test_bad_arguments_get_one_line_before_any_training(
    argv, message, tmp_path, capsys, no_training
):
    (tmp_path / "file").write_text("not a folder")
    argv = [a.format(folder=tmp_path, file=tmp_path / "file") for a in argv]
    with pytest.raises(SystemExit) as stop:
        rep.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines[-1].startswith("python -m cnn101.experiments.replications")
    assert re.search(message, lines[-1]), lines[-1]


def test_write_results_refuses_a_folder_before_writing(smoke, tmp_path):
    record, _, _ = smoke["kanazawa2014"]
    with pytest.raises(ValueError, match="`path` must name a file, not a folder"):
        rep.write_results(record, tmp_path)
    with pytest.raises(TypeError, match="`path` must be a path"):
        rep.write_results(record, 3)
    with pytest.raises(TypeError, match="`results` must be a record"):
        rep.write_results([record], tmp_path / "r.json")
    assert list(tmp_path.iterdir()) == []


def test_replicate_checks_its_arguments_before_training(no_training):
    with pytest.raises(TypeError, match=r"`name` must be a string.*Received: name=3"):
        rep.replicate(3)
    with pytest.raises(ValueError, match="name"):
        rep.replicate("mnist")
    with pytest.raises(TypeError, match="seeds"):
        rep.replicate("zhang2019", 3)
    with pytest.raises(ValueError, match=r"`seeds` must be an integer in \[0, 2\*\*32\)"):
        rep.replicate("zhang2019", (0, 2**32))
    with pytest.raises(ValueError, match="at least 2 seeds"):
        rep.replicate("zhang2019", (0,))
    with pytest.raises(ValueError, match="device"):
        rep.replicate("zhang2019", (0, 1), device="tpu")


# ----------------------------------------------------------------------------- layers


def test_scale_invariant_conv_at_one_scale_is_keras_conv2d():
    x = np.random.default_rng(0).uniform(size=(2, 9, 9, 3)).astype("float32")
    layer = ScaleInvariantConv2D(4, 3, scales=(1.0,), activation="relu")
    conv = keras.layers.Conv2D(4, 3, padding="same", activation="relu")
    out = layer(x)
    conv(x)
    conv.set_weights(layer.get_weights())
    np.testing.assert_allclose(out, conv(x), atol=1e-6)


def test_scale_invariant_conv_keeps_the_strongest_scale():
    x = np.random.default_rng(1).uniform(size=(2, 12, 12, 1)).astype("float32")
    several = ScaleInvariantConv2D(3, 3, scales=(0.5, 1.0, 2.0))
    one = ScaleInvariantConv2D(3, 3, scales=(1.0,))
    out = several(x)
    one(x)
    one.set_weights(several.get_weights())  # tied weights: the same kernel and bias
    assert tuple(out.shape) == several.compute_output_shape(x.shape) == (2, 12, 12, 3)
    assert np.all(np.asarray(out) >= np.asarray(one(x)) - 1e-6)  # max over scales
    assert several.count_params() == one.count_params() == 3 * 3 * 1 * 3 + 3


def test_layers_round_trip_their_config_and_a_saved_model(tmp_path):
    x = np.random.default_rng(2).uniform(size=(2, 16, 16, 1)).astype("float32")
    conv = ScaleInvariantConv2D(2, 3, scales=(0.63, 1.0), activation="relu")
    assert ScaleInvariantConv2D.from_config(conv.get_config()).get_config() == conv.get_config()
    trunk = keras.Sequential([keras.layers.Conv2D(2, 3), keras.layers.GlobalMaxPooling2D()])
    fov = FoveatedScaleChannels(trunk, scales=(0.5, 1.0, 2.0), crop=8, pooling="avg")
    again = FoveatedScaleChannels.from_config(fov.get_config())
    assert (again.scales, again.crop, again.pooling) == (fov.scales, fov.crop, fov.pooling)
    inputs = keras.Input((16, 16, 1))
    model = keras.Model(inputs, fov(conv(inputs)))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded(x), model(x), atol=1e-6)


def test_layers_follow_the_dtype_policy():
    x = np.ones((1, 8, 8, 1), "float64")
    conv = ScaleInvariantConv2D(2, 3, scales=(0.5, 1.0), dtype="float64")
    assert conv(x).dtype == "float64" and conv.kernel.dtype == "float64"
    fov = FoveatedScaleChannels(
        keras.layers.GlobalMaxPooling2D(dtype="float64"), (0.5, 1.0), crop=4, dtype="float64"
    )
    assert fov(x).dtype == "float64"


def test_foveated_channels_see_the_centre_at_scale_1_and_more_at_lower_scales():
    x = np.zeros((1, 12, 12, 1), "float32")
    x[0, 2:10, 2:10, 0] = 1.0  # an 8x8 square in the middle
    layer = FoveatedScaleChannels(keras.layers.GlobalMaxPooling2D(), (1.0, 0.5), crop=4)
    one, half = (np.asarray(c) for c in layer.crops(x))
    np.testing.assert_array_equal(one, x[:, 4:8, 4:8])  # the central 4x4, untouched
    # scale 0.5: the central 8x8 window (the square) resampled to 4x4: all ink
    np.testing.assert_allclose(half, np.ones((1, 4, 4, 1)), atol=1e-6)
    wide = FoveatedScaleChannels(keras.layers.GlobalMaxPooling2D(), (0.25,), crop=6)
    (crop,) = wide.crops(x)  # a 24x24 window (zero-padded) over the 12x12 image
    # area is kept: the 64 ink pixels become about 64 / 16 = 4 pixels' worth
    assert float(np.sum(crop)) == pytest.approx(4.0, rel=0.1)
    assert tuple(layer.compute_output_shape((None, 12, 12, 1))) == (None, 1)


def test_replications_run_as_a_module():
    assert importlib.util.find_spec("cnn101.experiments.replications.__main__") is not None
    assert rep.main is command_line.main and rep.main.__doc__.startswith("Command line")
    done = subprocess.run(
        [sys.executable, "-m", "cnn101.experiments.replications", "zhang2019", "--seeds", "0"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 2 and "--seeds needs at least 2" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def _result(label, metrics):
    n = len(next(iter(metrics.values())))
    return experiments.Result(
        label, tuple(range(n)), [{}] * n, [1] * n, metrics, [0.0] * n, [None] * n, None
    )


def _jansson_results(means, seeds=10, n_test=300, seed=0):
    """Synthetic jansson2022 Results: per arm, each scale's accuracy ``means[arm][scale]``."""
    rng = np.random.default_rng(seed)
    results = {}
    for label, accuracy in means.items():
        p = np.asarray(accuracy)[None, :, None]
        correct = (rng.random((seeds, len(accuracy), n_test)) < p).astype(float)
        results[label] = _result(label, {"accuracy": correct.mean(-1), "correct": correct})
    return results


def _jansson_verdict(means, seed=0):
    """The verdict and the differences of synthetic runs, computed as a full run does."""
    results = _jansson_results(means, seed=seed)
    differences = jansson2022.differences(results)
    arms = {label: scoring.arm(result, "accuracy") for label, result in results.items()}
    return jansson2022.verdict(differences, arms), differences, arms


STANDARD = [0.1, 0.2, 0.5, 0.95, 0.5, 0.2, 0.1]
FLAT = [0.95] * 7


def test_jansson_verdict_states_the_range_that_holds_for_fovmax_and_fovavg():
    scales = list(jansson2022.SCALES)
    means = {"standard CNN": STANDARD, "scale channels": STANDARD, "FovMax": FLAT, "FovAvg": FLAT}
    means[SPECIALIST] = [0.93, 0.8, 0.3, 0.1, 0.1, 0.1, 0.1]
    text, _, _ = _jansson_verdict(means)
    assert text.startswith("Agrees: accuracy stays within 0.1 of its value at the training scale")
    assert "FovMax from 0.35x to 2.83x (a factor of 8.0), FovAvg from 0.35x to 2.83x" in text
    assert "the standard CNN only at 1.00x" in text and "10 seeds x 300 test digits" in text
    small = {**means, "FovMax": [0.4, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95]}
    small["FovAvg"] = [0.3, 0.6, 0.95, 0.95, 0.95, 0.95, 0.9]
    text, differences, _ = _jansson_verdict(small)
    assert text.startswith("Partly") and f"FovMax from {scales[1]:.2f}x to 2.83x (a factor" in text
    assert f"FovAvg from {scales[2]:.2f}x to 2.83x (a factor of 4.0)" in text
    worst = differences["FovAvg, accuracy at 0.35x less at 1.00x"]
    assert f"for FovAvg, {worst['mean']:+.3f} ({worst['ci95'][0]:+.3f}" in text
    assert "px" not in text and "resolution" not in text  # no explanation the run did not test


@pytest.mark.parametrize(
    "specialist, reading",
    [
        (0.93, "above -0.1: digits at 0.35x can be read by a network trained on them"),
        (0.60, "below -0.1: digits at 0.35x are harder to read even for a network"),
        (0.85, "an interval that holds -0.1: the run does not tell whether their size costs"),
    ],
)
def test_the_specialist_sentence_is_read_from_its_interval(specialist, reading):
    """Trained at 0.35x: is a fall at 0.35x the digits' size, or the change of scale?"""
    means = {"standard CNN": STANDARD, "scale channels": STANDARD, "FovMax": FLAT, "FovAvg": FLAT}
    means[SPECIALIST] = [specialist, 0.8, 0.3, 0.1, 0.1, 0.1, 0.1]
    text, differences, arms = _jansson_verdict(means, seed=3)
    gap = differences[f"{SPECIALIST}, accuracy at 0.35x less standard CNN at 1.00x"]
    low, high = gap["ci95"]
    # the case follows the interval against -0.1, as the sentence says
    expected = {0.93: low > -0.1, 0.60: high < -0.1, 0.85: low <= -0.1 <= high}[specialist]
    assert expected, gap
    assert reading in text
    own = arms[SPECIALIST]
    assert (
        f"reaches {own['mean'][0]:.3f} ({own['ci95'][0][0]:.3f} to {own['ci95'][0][1]:.3f}) "
        "at 0.35x" in text
    )
    standard = arms["standard CNN"]
    assert f"against {standard['mean'][3]:.3f} ({standard['ci95'][3][0]:.3f} to" in text
    fall = differences["standard CNN, accuracy at 0.35x less at 1.00x"]
    assert f"its accuracy changes by {scoring.span(fall)} from 1.00x to 0.35x" in text
    assert f"the difference, {scoring.span(gap)}, lies" in text
    assert 0 <= own["ci95"][0][0] <= own["mean"][0] <= own["ci95"][0][1] <= 1


def test_a_scale_holds_only_when_its_interval_rules_out_a_fall_of_0_1():
    scales = jansson2022.SCALES

    def change(label, scale, mean, low, high, comparison=None):
        return {
            "comparison": comparison or f"{label}: change from 1.00x",
            "scale": scale,
            "mean": mean,
            "ci95": [low, high],
            "seeds": 10,
            "items": 300,
        }

    differences = {
        f"{label}, accuracy at {s:.2f}x less at 1.00x": change(label, s, -0.01, -0.03, 0.01)
        for label in ("FovMax", "FovAvg", "scale channels", "standard CNN")
        for s in scales
        if s != 1.0
    }
    # a mean fall of 0.08 whose interval reaches below -0.1 does not count as held
    differences["FovMax, accuracy at 0.35x less at 1.00x"] = change(
        "FovMax", scales[0], -0.08, -0.11, -0.05
    )
    differences[f"{SPECIALIST}, accuracy at 0.35x less standard CNN at 1.00x"] = change(
        SPECIALIST, None, -0.02, -0.05, 0.01, comparison="the specialist"
    )
    summary = {"mean": [0.9] * 7, "ci95": [[0.85, 0.95]] * 7}
    text = jansson2022.verdict(differences, {"standard CNN": summary, SPECIALIST: summary})
    assert text.startswith("Partly") and "FovMax from 0.50x to 2.83x (a factor of 5.7)" in text
    assert "FovAvg from 0.35x to 2.83x (a factor of 8.0)" in text
    assert "the largest change is, for FovMax, -0.080 (-0.110 to -0.050) at 0.35x." in text
    assert "lies above -0.1: digits at 0.35x can be read" in text


def _arms(*accuracies, per_digit, metric, seeds=10, n_test=1000, seed=1):
    """Synthetic arms whose per-digit scores are 1 with the given probabilities, independently."""
    rng = np.random.default_rng(seed)
    out = []
    for p in accuracies:
        scores = (rng.random((seeds, n_test)) < p).astype(float)
        out.append(_result("arm", {metric: scores.mean(-1), per_digit: scores}))
    return out


def test_kanazawa_verdict_is_read_from_the_interval():
    si, plain = _arms(0.05, 0.10, per_digit="digit_error", metric="error")
    d = kanazawa2014.differences({"SI-ConvNet": si, "ConvNet": plain})
    gap = d["SI-ConvNet - ConvNet, error"]
    assert gap["detected"] and gap["ci95"][1] < 0
    assert kanazawa2014.verdict(d).startswith(
        f"Agrees: the SI-ConvNet's test error is lower than the ConvNet's by {-gap['mean']:.3f}"
    )
    si, plain = _arms(0.100, 0.101, per_digit="digit_error", metric="error")
    d = kanazawa2014.differences({"SI-ConvNet": si, "ConvNet": plain})
    gap = d["SI-ConvNet - ConvNet, error"]
    text = kanazawa2014.verdict(d)
    assert not gap["detected"] and text.startswith("Not detected")
    assert f"would detect a difference of {gap['detectable']:.3f} or more" in text
    assert "10 seeds x 1000 test digits" in text and "would not show" not in text


def test_zhang_verdict_reports_consistency_and_accuracy_from_their_intervals():
    labels = ("MaxPool", "Rect-2", "Tri-3", "Bin-5")
    correct = _arms(0.95, 0.95, 0.95, 0.951, per_digit="correct", metric="accuracy")
    consistent = _arms(
        0.8, 0.85, 0.85, 0.9, per_digit="digit_consistency", metric="consistency", seed=2
    )
    arms = {
        label: _result(label, {**a.metrics, **c.metrics})
        for label, a, c in zip(labels, correct, consistent, strict=True)
    }
    d = zhang2019.differences(arms)
    text = zhang2019.verdict(d)
    up, same = d["Bin-5 - MaxPool, consistency"], d["Bin-5 - MaxPool, accuracy"]
    assert up["detected"] and not same["detected"]
    assert text.startswith("Agrees on stability: Bin-5 against max pooling (10 seeds x 1000")
    assert f"raises consistency by {up['mean']:+.3f}" in text
    assert f"would detect a difference of {same['detectable']:.3f} or more" in text


def test_kanazawa_seeds_draw_their_own_training_set_and_share_one_test_set():
    recipes, info = running.recipes("kanazawa2014", rep.SIZES["kanazawa2014"]["smoke"])
    convnet, si = recipes["ConvNet"], recipes["SI-ConvNet"]
    assert convnet.draw is not None and info["n_test"] == 10

    def drawn(recipe, seed):
        return recipe.draw(recipe.x, recipe.y, np.random.default_rng([seed, 4]))

    (x0, y0), (x1, _) = drawn(convnet, 0), drawn(convnet, 1)
    assert x0.shape == (40, 28, 28, 1) and len(y0) == 40
    assert not np.array_equal(x0, x1)  # another seed, other digits and scales
    np.testing.assert_array_equal(drawn(si, 0)[0], x0)  # the arms of one seed share it


def test_ten_seeds_by_default(monkeypatch):
    import inspect

    assert inspect.signature(rep.replicate).parameters["seeds"].default == tuple(range(10))
    called = {}
    monkeypatch.setattr(
        command_line,
        "replicate",
        lambda name, seeds, **kw: called.update(seeds=seeds) or {"verdict": ""},
    )
    rep.main(["kanazawa2014", "--smoke"])
    assert list(called["seeds"]) == list(range(10))
