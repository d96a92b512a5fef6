"""MkDocs hook: tutorials 2 and 3's trained digit classifiers, as downloads and in a page.

Five networks, one seed each, trained by :mod:`cnn101.experiments` with the tutorials'
own recipes and sizes (the runs come from the experiment cache when the tutorials have
made them; a missing run trains here, about a minute on two cores):

* tutorial 2 (``recipes.digits(600, 300)``, digits padded to 32x32): max pooling and
  max-blur pooling (:func:`cnn101.experiments.recipes.shift_recipes`), and adaptive
  polyphase sampling with circular padding and a global-average head
  (:func:`cnn101.experiments.recipes.aps_recipes`);
* tutorial 3 (``recipes.digits(600, 500)``, digits on a 40x40 canvas): the plain network
  (:func:`cnn101.experiments.recipes.zoom_recipes`) and the two-sided scale-channel
  network fine-tuned from it (:func:`cnn101.experiments.recipes.scale_channel_recipes`).

Before the pages are written (``on_env``) it exports, as files the site declares
(``on_files``, so that pages may link to them)

* ``downloads/models/<name>.keras`` (``keras.saving.load_model`` reads them once
  ``cnn101`` is imported, which registers its layers) and ``downloads/models/manifest.json``
  (per network: ``name``, ``file``, ``input_shape``, ``tutorial``, ``recipe``, ``seed``,
  ``output``, ``test_accuracy`` and the test digits it was measured on);
* ``assets/javascripts/networks-data.js``: each network's layers as a list of steps that
  ``networks.js`` runs with TensorFlow.js, their weights (float32, base64), and test
  digits to pick from. A script, not JSON, so that a page opened from disk can read it.

On pages whose HTML holds ``<div class="cnn101-networks">`` it adds the stylesheet and
the scripts (relative URLs: served or from disk). The exports are cached in the build's
cache folder, keyed on this hook, the ``cnn101`` source and the library versions.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sitebuild
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.networks")

MARKER = 'class="cnn101-networks'
MODELS_DIR = "downloads/models"
MANIFEST = f"{MODELS_DIR}/manifest.json"
DATA_FILE = "assets/javascripts/networks-data.js"
STYLESHEET = "assets/stylesheets/networks.css"
SCRIPTS = (
    "assets/vendor/tfjs/tf-core.es2017.min.js",
    "assets/vendor/tfjs/tf-backend-cpu.es2017.min.js",
    DATA_FILE,
    "assets/javascripts/networks.js",
    "assets/javascripts/networks-page.js",
)
SEED = 0
PAGE_DIGITS = 60  # test digits the page offers (the first of the tutorials' test split)
VERSIONED_PACKAGES = ("tensorflow", "keras", "numpy", "scikit-image")

_HEAD_END = re.compile(r"</head>", re.IGNORECASE)
_BODY_END = re.compile(r"</body>", re.IGNORECASE)


@dataclass(frozen=True)
class Network:
    """One exported network: its name, where it comes from and how it was measured."""

    name: str
    label: str
    tutorial: str
    recipe: str
    input_shape: tuple[int, int, int]
    output: str  # "logits" or "probabilities"


NETWORKS = (
    Network(
        "max-pooling",
        "max pooling",
        "02_translation_invariance.ipynb",
        "cnn101.experiments.recipes.shift_recipes(digits(600, 300))['max']",
        (32, 32, 1),
        "logits",
    ),
    Network(
        "max-blur-pooling",
        "max-blur pooling",
        "02_translation_invariance.ipynb",
        "cnn101.experiments.recipes.shift_recipes(digits(600, 300))['blur']",
        (32, 32, 1),
        "logits",
    ),
    Network(
        "aps-circular",
        "APS, circular padding",
        "02_translation_invariance.ipynb",
        "cnn101.experiments.recipes.aps_recipes(digits(600, 300))['aps']",
        (32, 32, 1),
        "logits",
    ),
    Network(
        "plain",
        "plain (tutorial 3)",
        "03_spatial_resolution_and_scale.ipynb",
        "cnn101.experiments.recipes.zoom_recipes(digits(600, 500))['plain']",
        (40, 40, 1),
        "probabilities",
    ),
    Network(
        "scale-channels",
        "scale channels, two-sided",
        "03_spatial_resolution_and_scale.ipynb",
        "cnn101.experiments.recipes.scale_channel_recipes(digits(600, 500), plain)['two-sided']",
        (40, 40, 1),
        "probabilities",
    ),
)


# ---- training (through the experiment cache) and test digits ---------------------------------


def measured_digits(network: Network) -> tuple[np.ndarray, np.ndarray]:
    """Return the test images ``(N, H, W, 1)`` and labels on which ``network`` is measured.

    Tutorial 2's networks: its 300 test digits padded to 32x32. Tutorial 3's: its 500
    test digits at scale 1 on the 40x40 canvas, placed as its recipes place them
    (:func:`cnn101.digits.place_digits` with ``seed=4``).
    """
    from cnn101.digits import place_digits
    from cnn101.experiments import recipes

    if network.tutorial.startswith("02"):
        data = recipes.digits(600, 300)
        return np.pad(data.x_test, ((0, 0), (2, 2), (2, 2)))[..., None], data.y_test
    data = recipes.digits(600, 500)
    placed = place_digits(data.x_test, 1.0, canvas=recipes.DIGIT_CANVAS, seed=4)
    return placed, data.y_test


def _results() -> dict[str, Any]:
    """Return ``{name: (Result, model)}`` for every network of :data:`NETWORKS` (seed 0)."""
    from cnn101.experiments import recipes, run

    shift_data = recipes.digits(600, 300)
    shift = recipes.shift_recipes(shift_data, poolings=["max", "blur"])
    aps = recipes.aps_recipes(shift_data)["aps"]
    scale_data = recipes.digits(600, 500)
    plain = run(
        recipes.zoom_recipes(scale_data, references=False)["plain"], seeds=(SEED,), verbose=False
    )
    channels = recipes.scale_channel_recipes(scale_data, plain)["two-sided"]
    results = {
        "max-pooling": run(shift["max"], seeds=(SEED,), verbose=False),
        "max-blur-pooling": run(shift["blur"], seeds=(SEED,), verbose=False),
        "aps-circular": run(aps, seeds=(SEED,), verbose=False),
        "plain": plain,
        "scale-channels": run(channels, seeds=(SEED,), verbose=False),
    }
    models = {name: result.model(SEED) for name, result in results.items()}
    models["scale-channels"] = recipes.channel_network(results["scale-channels"], SEED)
    return {name: (results[name], models[name]) for name in results}


def _recorded_accuracy(network: Network, result: Any) -> float:
    """The test accuracy the run recorded: unshifted digits, or scale 1 for tutorial 3."""
    from cnn101.experiments import recipes

    accuracy = np.asarray(result.metrics["accuracy"])[0]  # the one seed
    if network.tutorial.startswith("03"):
        return float(accuracy[recipes.TEST_SCALES.index(1.0)])
    return float(accuracy)


def _keras() -> Any:
    """Keras, imported after :mod:`cnn101._tf` has loaded TensorFlow quietly."""
    from cnn101._tf import tensorflow

    tensorflow()
    import keras

    return keras


def _inference_copy(model: Any) -> Any:
    """The same layers and weights, uncompiled: the file keeps no optimizer state."""
    keras = _keras()

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


# ---- Keras layers as steps for networks.js ---------------------------------------------------


class _Weights:
    """Collects float32 arrays into one buffer; each step refers to ``[offset, shape]``."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.size = 0

    def add(self, array: Any) -> list:
        array = np.ascontiguousarray(np.asarray(array, dtype="<f4"))
        ref = [self.size, list(array.shape)]
        self.parts.append(array.ravel())
        self.size += array.size
        return ref

    def encoded(self) -> str:
        return base64.b64encode(np.concatenate(self.parts).tobytes()).decode("ascii")


def _activation(layer: Any) -> str:
    name = getattr(layer.activation, "__name__", str(layer.activation))
    if name not in ("relu", "linear", "softmax"):
        raise ValueError(f"Layer {layer.name!r}: activation {name!r} has no step in networks.js")
    return name


def resize_matrices(size_in: tuple[int, int], size_out: tuple[int, int], antialias: bool):
    """Return ``(rows, cols)`` with ``resize(x) = rows @ x @ cols.T`` for one-channel maps.

    Measured from ``keras.ops.image.resize`` (bilinear, as :class:`ScaleChannels` calls it)
    on unit images: the resize is linear and separable, so these matrices reproduce it.

    Returns
    -------
    rows : ndarray of shape (size_out[0], size_in[0]), float32
    cols : ndarray of shape (size_out[1], size_in[1]), float32
    """
    keras = _keras()

    def along(n_in: int, n_out: int, other: int) -> np.ndarray:
        units = np.zeros((n_in, n_in, other, 1), np.float32)
        units[np.arange(n_in), np.arange(n_in)] = 1.0  # image i: row i lit
        out = keras.ops.image.resize(
            units, (n_out, other), interpolation="bilinear", antialias=antialias
        )
        return np.asarray(out)[:, :, 0, 0].T  # (n_out, n_in)

    rows = along(size_in[0], size_out[0], size_in[1])
    cols = along(size_in[1], size_out[1], size_in[0])
    return rows.astype(np.float32), cols.astype(np.float32)


def layer_steps(layers: list, weights: _Weights, input_shape: tuple) -> list[dict]:
    """Return the steps that networks.js runs for Keras ``layers`` (in order).

    Raises ``ValueError`` for a layer or setting that networks.js does not implement.
    """
    keras = _keras()

    from cnn101.layers.blur_pool import MaxBlurPool2D, binomial_filter
    from cnn101.layers.polyphase import AdaptivePolyphaseSampling2D, CircularPad2D
    from cnn101.layers.scale_channels import ScaleChannels

    steps: list[dict] = []
    convolutions = 0
    for layer in layers:
        kind = type(layer)
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if kind is keras.layers.Conv2D:
            if layer.dilation_rate != (1, 1) or layer.groups != 1:
                raise ValueError(f"Layer {layer.name!r}: dilation and groups are not exported")
            kernel, bias = layer.get_weights()
            convolutions += 1
            steps.append(
                {
                    "type": "conv2d",
                    "name": f"conv {convolutions}"
                    + ("" if _activation(layer) == "linear" else f" + {_activation(layer)}"),
                    "kernel": weights.add(kernel),
                    "bias": weights.add(bias),
                    "strides": list(layer.strides),
                    "padding": layer.padding,
                    "activation": _activation(layer),
                }
            )
        elif kind in (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D):
            steps.append(
                {
                    "type": "max_pool" if kind is keras.layers.MaxPooling2D else "avg_pool",
                    "name": layer.name,
                    "pool": list(layer.pool_size),
                    "strides": list(layer.strides),
                    "padding": layer.padding,
                }
            )
        elif kind is MaxBlurPool2D:
            steps.append(
                {
                    "type": "max_blur_pool",
                    "name": layer.name,
                    "pool": list(layer.pool_size),
                    "filter": weights.add(binomial_filter(layer.filter_size)),
                    "padding": layer.padding,
                }
            )
        elif kind is CircularPad2D:
            steps.append({"type": "circular_pad", "name": layer.name, "padding": layer.padding})
        elif kind is AdaptivePolyphaseSampling2D:
            steps.append(
                {"type": "aps", "name": layer.name, "stride": layer.stride, "norm": layer.norm}
            )
        elif kind in (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D):
            if layer.keepdims:
                raise ValueError(f"Layer {layer.name!r}: keepdims=True is not exported")
            is_avg = kind is keras.layers.GlobalAveragePooling2D
            steps.append({"type": "global_avg" if is_avg else "global_max", "name": layer.name})
        elif kind is keras.layers.Flatten:
            steps.append({"type": "flatten", "name": layer.name})
        elif kind is keras.layers.Dense:
            kernel, bias = layer.get_weights()
            steps.append(
                {
                    "type": "dense",
                    "name": layer.name,
                    "kernel": weights.add(kernel),
                    "bias": weights.add(bias),
                    "activation": _activation(layer),
                }
            )
        elif kind is ScaleChannels:
            height, width, channels = input_shape
            if channels != 1:
                raise ValueError(f"Layer {layer.name!r}: only one-channel inputs are exported")
            copies = []
            for scale, size in zip(layer.scales, layer._sizes((None, *input_shape)), strict=True):
                if scale == 1.0:
                    copies.append({"scale": 1.0, "size": [height, width]})
                    continue
                rows, cols = resize_matrices((height, width), size, layer.antialias)
                copies.append(
                    {
                        "scale": float(scale),
                        "size": list(size),
                        "rows": weights.add(rows),
                        "cols": weights.add(cols),
                    }
                )
            steps.append(
                {
                    "type": "scale_channels",
                    "name": layer.name,
                    "pooling": layer.pooling,
                    "copies": copies,
                    "trunk": layer_steps(layer.trunk.layers, weights, (None, None, channels)),
                }
            )
        elif isinstance(layer, keras.Sequential | keras.Model):  # a nested trunk
            steps.extend(layer_steps(layer.layers, weights, input_shape))
        else:
            raise ValueError(
                f"Layer {layer.name!r} ({kind.__name__}) has no step in networks.js; add one "
                "there and here."
            )
    return steps


# ---- the export --------------------------------------------------------------------------------


def encode_digits(images: np.ndarray) -> dict:
    """Digits (N, 28, 28) as bytes ``k`` with ``image = float32(k / 255)``, checked exact.

    networks.js decodes them as ``Math.fround(k / 255)``: the same float32 values.

    Examples
    --------
    >>> encode_digits(np.array([[[0.0, 1.0]]], np.float32))["data"]
    'AP8='
    """
    array = np.asarray(images, dtype=np.float32)
    codes = np.round(array.astype(np.float64) * 255)
    if not np.array_equal((codes / 255).astype(np.float32), array):
        raise ValueError("The digits are not multiples of 1/255: they cannot travel as bytes")
    data = base64.b64encode(codes.astype(np.uint8).tobytes()).decode("ascii")
    return {"shape": list(array.shape), "data": data}


def export(folder: Path) -> dict:
    """Write the ``.keras`` files, the manifest and the page's data file under ``folder``.

    ``folder`` plays the site's root: files go to ``folder / MODELS_DIR`` and
    ``folder / DATA_FILE``. Returns the manifest.
    """
    import cnn101
    from cnn101.experiments import recipes

    trained = _results()
    models_dir = folder / MODELS_DIR
    models_dir.mkdir(parents=True, exist_ok=True)
    weights = _Weights()
    manifest, page = [], []
    for network in NETWORKS:
        result, model = trained[network.name]
        if tuple(model.input_shape[1:]) != network.input_shape:
            raise ValueError(
                f"{network.name}: the model takes {model.input_shape[1:]}, the export "
                f"says {network.input_shape}"
            )
        file = f"{network.name}.keras"
        _inference_copy(model).save(models_dir / file)
        entry = {
            "name": network.name,
            "file": file,
            "input_shape": list(network.input_shape),
            "tutorial": network.tutorial,
            "recipe": network.recipe,
            "seed": SEED,
            "output": network.output,
            "test_accuracy": _recorded_accuracy(network, result),
            "test_digits": (
                "digits(600, 300).x_test padded to 32x32"
                if network.tutorial.startswith("02")
                else "place_digits(digits(600, 500).x_test, 1.0, canvas=40, seed=4)"
            ),
        }
        manifest.append(entry)
        steps = layer_steps(model.layers, weights, network.input_shape)
        page.append({**entry, "label": network.label, "steps": steps})
    data = recipes.digits(600, 300)
    payload = {
        "cnn101_version": cnn101.__version__,
        "networks": page,
        "weights": weights.encoded(),
        "digits": {
            **encode_digits(data.x_test[:PAGE_DIGITS]),
            "labels": data.y_test[:PAGE_DIGITS].tolist(),
        },
    }
    text = {"cnn101_version": cnn101.__version__, "seed": SEED, "networks": manifest}
    (folder / MANIFEST).write_text(json.dumps(text, indent=1) + "\n", encoding="utf-8")
    target = folder / DATA_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    target.write_text(
        "// Generated by docs_hooks/networks.py from the cnn101 package; do not edit.\n"
        f"window.CNN101_NETWORKS_DATA = {body};\n",
        encoding="utf-8",
    )
    return text


def asset_tags(page_url: str) -> tuple[str, str]:
    """Return the ``<link>`` and ``<script>`` tags, with URLs relative to ``page_url``.

    Examples
    --------
    >>> asset_tags("networks/")[0]
    '<link rel="stylesheet" href="../assets/stylesheets/networks.css">'
    """
    return sitebuild.asset_tags(STYLESHEET, SCRIPTS, page_url)


def cache_key(package: Path | None = None) -> str:
    """Return a hash of this hook, the ``cnn101`` source files and the library versions."""
    return sitebuild.hook_key(Path(__file__), VERSIONED_PACKAGES, package)


def tutorial_links(page_url: str, use_directory_urls: bool) -> dict[str, str]:
    """Return ``{notebook: its page's URL relative to page_url}`` for the networks' tutorials.

    Examples
    --------
    >>> tutorial_links("networks/", True)["02_translation_invariance.ipynb"]
    '../02_translation_invariance/'
    >>> tutorial_links("networks.html", False)["02_translation_invariance.ipynb"]
    '02_translation_invariance.html'
    """
    links = {}
    for notebook in sorted({n.tutorial for n in NETWORKS}):
        stem = notebook.removesuffix(".ipynb")
        url = f"{stem}/" if use_directory_urls else f"{stem}.html"
        links[notebook] = get_relative_url(url, page_url)
    return links


def on_post_page(output, page, config):
    """Load the page's assets where it holds the widget (and only there)."""
    if MARKER not in output:
        return output
    links = html.escape(json.dumps(tutorial_links(page.url, config.use_directory_urls)))
    output = output.replace(MARKER, f'data-links="{links}" {MARKER}')
    head, body = asset_tags(page.url)
    output = _HEAD_END.sub(lambda m: head + "\n" + m.group(0), output, count=1)
    return _BODY_END.sub(lambda m: body + "\n" + m.group(0), output, count=1)


def _export_folder(config) -> Path:
    """The cached export for this build's key (in the build's cache folder)."""
    cached = sitebuild.cache_dir(Path(config.config_file_path).resolve().parent)
    return cached / f"networks-{cache_key()[:20]}"


def site_files() -> list[str]:
    """Every file the export writes, as site paths.

    Examples
    --------
    >>> site_files()[:2]
    ['downloads/models/max-pooling.keras', 'downloads/models/max-blur-pooling.keras']
    """
    return [f"{MODELS_DIR}/{n.name}.keras" for n in NETWORKS] + [MANIFEST, DATA_FILE]


def on_files(files, config):
    """Declare the exported files (so pages may link to them); on_env writes them."""
    folder = _export_folder(config)
    for site_path in site_files():
        files.append(File.generated(config, site_path, abs_src_path=str(folder / site_path)))
    return files


def on_env(env, config, files):
    """Export the networks (training what the experiment cache lacks), unless cached."""
    folder = _export_folder(config)
    how = "cached"
    if not all((folder / path).is_file() for path in site_files()):
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        export(partial)
        shutil.rmtree(folder, ignore_errors=True)
        partial.replace(folder)
        how = "exported"
    size = (folder / DATA_FILE).stat().st_size
    log.info("Trained networks %s: %s, %s (%d kB)", how, MANIFEST, DATA_FILE, size // 1024)
    return env
