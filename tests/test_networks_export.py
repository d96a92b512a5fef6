"""The trained networks the site exports (docs_hooks/networks.py): files a reader can load.

Each ``downloads/models/<name>.keras`` file must load with ``keras.saving.load_model``
once ``cnn101`` is imported (its layers register themselves) and give, on the test digits
its run was measured on, the accuracy that run recorded in the experiment cache. The
export trains any run missing from the cache (minutes on two cores), so these tests are
marked slow, except those that need no trained network.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, docs_dir, load_hook

import cnn101  # noqa: F401  (registers the package's Keras layers)
from cnn101 import models
from cnn101._tf import keras

hook = load_hook("networks")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site")
    return folder, hook.export(folder)


@pytest.mark.slow
def test_manifest_lists_every_network_with_its_origin(exported):
    folder, manifest = exported
    on_disk = json.loads((folder / hook.MANIFEST).read_text(encoding="utf-8"))
    assert on_disk == manifest
    assert [n["name"] for n in manifest["networks"]] == [n.name for n in hook.NETWORKS]
    for entry in manifest["networks"]:
        assert set(entry) >= {"name", "file", "input_shape", "tutorial", "recipe"}
        assert entry["file"] == f"{entry['name']}.keras"
        assert (folder / hook.MODELS_DIR / entry["file"]).is_file()
        assert (docs_dir() / entry["tutorial"]).is_file(), entry["tutorial"]
        assert 0.6 < entry["test_accuracy"] <= 1.0  # learnt (chance is 0.1)


@pytest.mark.slow
@pytest.mark.parametrize("network", hook.NETWORKS, ids=lambda n: n.name)
def test_each_keras_file_loads_and_gives_the_recorded_accuracy(exported, network):
    folder, manifest = exported
    (entry,) = [e for e in manifest["networks"] if e["name"] == network.name]
    model = keras.saving.load_model(folder / hook.MODELS_DIR / entry["file"])
    assert list(model.input_shape[1:]) == entry["input_shape"]
    images, labels = hook.measured_digits(network)
    classes = models.predicted_classes(model, images)
    assert float((classes == labels).mean()) == pytest.approx(entry["test_accuracy"], abs=1e-12)
    out = np.asarray(model(images[:4]))
    if entry["output"] == "probabilities":
        np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-5)
    else:
        assert not np.allclose(out.sum(axis=1), 1.0)  # logits: the page applies softmax


@pytest.mark.slow
def test_page_data_holds_the_same_weights_and_test_digits(exported):
    from cnn101.experiments import recipes

    folder, _ = exported
    text = (folder / hook.DATA_FILE).read_text(encoding="utf-8")
    prefix = "window.CNN101_NETWORKS_DATA = "
    data = json.loads(text[text.index(prefix) + len(prefix) :].rstrip().rstrip(";"))
    weights = np.frombuffer(base64.b64decode(data["weights"]), dtype="<f4")
    for network, entry in zip(hook.NETWORKS, data["networks"], strict=True):
        model = keras.saving.load_model(folder / hook.MODELS_DIR / f"{network.name}.keras")
        kernel = model.get_weights()[-2]  # the last dense layer's kernel
        (dense,) = [s for s in entry["steps"] if s["type"] == "dense"]
        offset, shape = dense["kernel"]
        np.testing.assert_array_equal(
            weights[offset : offset + int(np.prod(shape))].reshape(shape), kernel
        )
    codes = np.frombuffer(base64.b64decode(data["digits"]["data"]), dtype=np.uint8)
    shown = (codes / 255).astype(np.float32).reshape(data["digits"]["shape"])
    test = recipes.digits(600, 300)
    np.testing.assert_array_equal(shown, test.x_test[: hook.PAGE_DIGITS])
    assert data["digits"]["labels"] == test.y_test[: hook.PAGE_DIGITS].tolist()


@pytest.mark.parametrize(
    ("size_out", "antialias"),
    [((80, 80), True), ((28, 28), True), ((20, 20), True), ((56, 30), False)],
)
def test_resize_matrices_reproduce_keras_resize(size_out, antialias):
    """Bilinear resizing is linear and separable: two matrices give Keras' own result."""
    rng = np.random.default_rng(0)
    images = rng.random((3, 40, 40, 1)).astype(np.float32)
    rows, cols = hook.resize_matrices((40, 40), size_out, antialias)
    expected = np.asarray(
        keras.ops.image.resize(images, size_out, interpolation="bilinear", antialias=antialias)
    )[..., 0]
    got = np.einsum("oh,nhw,pw->nop", rows, images[..., 0], cols)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_a_layer_without_a_step_is_refused_by_name():
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2DTranspose(2, 3)])
    weights = hook._Weights()
    with pytest.raises(ValueError, match=r"Conv2DTranspose.*no step"):
        hook.layer_steps(model.layers, weights, (8, 8, 1))


def test_digits_travel_as_exact_bytes_or_not_at_all():
    with pytest.raises(ValueError, match="1/255"):
        hook.encode_digits(np.full((1, 2, 2), 0.3, np.float32))


def test_the_export_is_declared_then_made_once_and_cached_until_the_key_changes(
    tmp_path, monkeypatch
):
    calls = []

    def fake_export(folder):
        calls.append(folder)
        for path in hook.site_files():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(str(len(calls)), encoding="utf-8")

    monkeypatch.setattr(hook, "export", fake_export)
    monkeypatch.setenv("CNN101_NOTEBOOK_CACHE", str(tmp_path / "cache"))
    (tmp_path / "mkdocs.yml").touch()
    from types import SimpleNamespace

    from mkdocs.structure.files import Files

    # what File.generated and the hook read of MkDocs' config
    config = SimpleNamespace(
        config_file_path=str(tmp_path / "mkdocs.yml"),
        site_dir=str(tmp_path / "site"),
        use_directory_urls=True,
        plugins=SimpleNamespace(_current_plugin="networks"),
    )
    files = hook.on_files(Files([]), config)
    assert sorted(f.src_uri for f in files) == sorted(hook.site_files())
    source = next(f for f in files if f.src_uri == hook.MANIFEST).abs_src_path
    hook.on_env(None, config, files)
    hook.on_env(None, config, files)
    assert len(calls) == 1
    assert Path(source).read_text(encoding="utf-8") == "1"
    monkeypatch.setattr(hook, "cache_key", lambda: "0" * 64)  # cnn101 or a library changed
    files = hook.on_files(Files([]), config)
    hook.on_env(None, config, files)
    assert len(calls) == 2
    source = next(f for f in files if f.src_uri == hook.MANIFEST).abs_src_path
    assert Path(source).read_text(encoding="utf-8") == "2"


def test_cache_key_follows_the_cnn101_source(tmp_path):
    package = tmp_path / "cnn101"
    shutil.copytree(ROOT / "cnn101", package, ignore=shutil.ignore_patterns("__pycache__"))
    key = hook.cache_key(package)
    (package / "models.py").write_text(
        (package / "models.py").read_text() + "\n# changed\n", encoding="utf-8"
    )
    assert hook.cache_key(package) != key
