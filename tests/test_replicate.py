"""The replications: smoke runs, results files, the code digest, the command line, the layers.

The full runs are for the command line (``python -m cnn101.replicate NAME``); here each
replication runs at its smoke size (a few optimizer steps on 40 digits), which checks
the code path and the results file, not the science.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from cnn101 import replicate as rep
from cnn101._tf import tensorflow
from cnn101.layers.scale_channels import FoveatedScaleChannels
from cnn101.layers.scale_invariant_conv import ScaleInvariantConv2D

ROOT = Path(__file__).resolve().parent.parent


def _hook():
    from conftest import load_hook

    return load_hook("replications")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """Every replication at its smoke size, written to and read back from a results file."""
    folder = tmp_path_factory.mktemp("replications")
    records = {}
    for name in rep.REPLICATIONS:
        record = rep.replicate(name, (0, 1), smoke=True, verbose=False, cache=False)
        records[name] = (record, rep.write_results(record, folder / f"{name}.json"))
    return records


@pytest.mark.parametrize("name", rep.REPLICATIONS)
def test_smoke_run_writes_a_well_formed_results_file(smoke, name):
    record, path = smoke[name]
    read = rep.check_results(path)  # fresh: the digest matches the code
    assert read == json.loads(json.dumps(record))
    assert read["seeds"] == [0, 1] and read["smoke"] is True
    assert read["command"] == f"python -m cnn101.replicate {name} --seeds 0 1 --smoke"
    assert read["code"]["files"] == [f"cnn101/{f}" for f in rep.DIGEST_FILES[name]]
    assert {"tensorflow", "keras", "numpy", "python"} <= set(read["versions"])
    assert read["machine"]["cpu_count"] >= 1 and read["date"]
    assert read["paper"]["arxiv"] in {"2106.06418", "1904.11486", "1412.5104"}
    n_test = read["test"]["n_test"]
    for arm in read["arms"].values():
        for summary in (
            [arm[m] for m in ("accuracy", "consistency")] if name == "zhang2019" else [arm]
        ):
            values = np.asarray(summary["values"])
            assert values.shape[0] == 2  # one row per seed
            assert np.all((values >= 0) & (values <= 1))
            # the reported mean and binomial SE are those of the per-seed values
            np.testing.assert_allclose(summary["mean"], values.mean(axis=0))
            p = np.asarray(summary["mean"])
            np.testing.assert_allclose(summary["binomial_se"], np.sqrt(p * (1 - p) / n_test))
        assert set(arm["stopped"]) <= {"budget", "patience"} and len(arm["stopped"]) == 2
    assert read["verdict"].split(":")[0] in {"Agrees", "Partly", "Not detected"}
    for difference in read["differences"].values():
        low, high = difference["ci95"]
        assert low <= difference["mean"] <= high


def test_jansson_tests_every_scale_over_a_factor_of_8(smoke):
    record, _ = smoke["jansson2022"]
    scales = record["test"]["x"]
    assert scales[-1] / scales[0] == pytest.approx(8.0)
    assert set(record["arms"]) == {"standard CNN", "scale channels", "FovMax", "FovAvg"}
    assert all(len(arm["mean"]) == len(scales) for arm in record["arms"].values())


def test_digest_is_the_hash_of_the_listed_files_only():
    for name in rep.REPLICATIONS:
        digest = hashlib.sha256()
        for file in rep.DIGEST_FILES[name]:  # each labelled and length-prefixed
            data = (ROOT / "cnn101" / file).read_bytes()
            digest.update(f"{file}\0{len(data)}\0".encode() + data)
        assert rep.code_digest(name) == digest.hexdigest()
        # modules other branches change (checks, plots, exercises) are not covered
        assert not {"_validation.py", "claims.py"} & set(rep.DIGEST_FILES[name])
        assert not [f for f in rep.DIGEST_FILES[name] if f.startswith("plotting")]
        assert {"replicate.py", "experiments/runner.py"} <= set(rep.DIGEST_FILES[name])


def test_a_stale_results_file_is_refused_with_the_command_to_rerun(smoke, tmp_path):
    record, _ = smoke["kanazawa2014"]
    stale = json.loads(json.dumps(record))
    stale["code"]["digest"] = "0" * 64
    path = rep.write_results(stale, tmp_path / "kanazawa2014.json")
    with pytest.raises(
        ValueError, match=r"stale\. Re-run `python -m cnn101\.replicate kanazawa2014"
    ):
        rep.check_results(path)
    hook = _hook()
    (tmp_path / "replications").mkdir()
    for name in rep.REPLICATIONS:
        fresh = json.loads(json.dumps(smoke[name][0])) | {"smoke": False}
        rep.write_results(fresh, tmp_path / "replications" / f"{name}.json")
    page = hook.replications_markdown(tmp_path)
    assert page.count("<svg") == 3 and "Reproduce: `python -m cnn101.replicate zhang2019" in page
    rep.write_results(stale, tmp_path / "replications" / "kanazawa2014.json")
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match=r"python -m cnn101\.replicate kanazawa2014"):
        hook.replications_markdown(tmp_path)


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
    assert record["smoke"] is False and len(record["seeds"]) >= 3


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


def test_replicate_checks_its_arguments_before_training():
    with pytest.raises(ValueError, match="name"):
        rep.replicate("mnist")
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


def test_replicate_runs_as_a_module():
    assert importlib.util.find_spec("cnn101.replicate") is not None
    assert sys.modules["cnn101.replicate"].main.__doc__.startswith("Command line")


def test_jansson_verdict_states_the_range_that_holds():
    scales = list(rep.JANSSON_SCALES)
    flat = {
        "FovMax": {"mean": [0.9] * 7},
        "standard CNN": {"mean": [0.1, 0.2, 0.5, 0.9, 0.5, 0.2, 0.1]},
    }
    assert rep._verdict("jansson2022", flat, {}).startswith(
        "Agrees: FovMax stays within 0.1 of its accuracy at the training scale from 0.35x to 2.83x"
    )
    small = {**flat, "FovMax": {"mean": [0.4, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9]}}
    text = rep._verdict("jansson2022", small, {})
    assert text.startswith("Partly") and f"from {scales[1]:.2f}x to 2.83x (a factor of 5.7)" in text
    assert "at most 7 px tall" in text
