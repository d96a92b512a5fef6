"""Zhang (ICML 2019): anti-aliased max pooling, for accuracy and consistency under shifts.

Tutorial 2's three-convolution digit classifier with max pooling, or with
anti-aliased max pooling (:class:`cnn101.layers.blur_pool.MaxBlurPool2D`) whose blur
filter has 2, 3 or 5 taps (Rect-2, Tri-3, Bin-5): accuracy and Zhang's consistency
(the chance that two random shifts of a test digit, up to 3 px each way, get the
same class; :func:`cnn101.invariance.consistency`).

References
----------
.. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
   arXiv:1904.11486
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from cnn101.experiments.replications import data, scoring
from cnn101.invariance import shifted_predictions
from cnn101.layers.blur_pool import MaxBlurPool2D

__all__ = ["PAPER", "SIZES", "arms", "differences", "verdict"]

NAME = "zhang2019"
SHIFT = 3
FILES = ("layers/blur_pool.py", "invariance.py")
SIZES = {
    "full": {"n_train": 2000, "n_test": 500, "max_steps": 1500, "patience": 250},
    "smoke": {"n_train": 40, "n_test": 10, "max_steps": 2, "patience": 1},
}
PAPER = {
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
}
SETTING = [
    "{n_train} 32x32 digits, drawn per seed (paper: ImageNet's 1.2 million photographs)",
    "three 3x3 convolutions of 8, 16 and 16 filters (paper: VGG16, ResNets, DenseNet, MobileNet)",
    "shifts of up to 3 px on 32 px digits (paper: shifts of ImageNet's larger images)",
    "early stopping within {max_steps} optimizer steps (paper: full ImageNet training)",
]
_TAPS = (("MaxPool", 1), ("Rect-2", 2), ("Tri-3", 3), ("Bin-5", 5))


def _network(filter_size: int) -> keras.Model:
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


def arms(size: dict[str, int], x_test: np.ndarray, y_test: np.ndarray) -> tuple:
    """Return the arms' builders and training draws, and ``evaluate`` and ``info``.

    Every arm draws the seed's ``n_train`` digits of the pool, padded to 32x32;
    ``evaluate`` scores accuracy (unshifted) and consistency (shifts of up to
    :data:`SHIFT` px) per test digit.
    """
    x_eval = np.pad(x_test, ((0, 0), (2, 2), (2, 2)))[..., None]

    def draw(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        x, y = data.subset(x, y, size["n_train"], rng)
        return np.pad(x, ((0, 0), (2, 2), (2, 2)))[..., None], y

    def evaluate(model: keras.Model) -> dict:
        shifted = shifted_predictions(model, x_eval, max_shift=SHIFT)
        unshifted = int(np.flatnonzero((shifted.offsets == 0).all(axis=1))[0])
        correct = (shifted.classes[:, unshifted] == y_test).astype(np.float64)
        per_digit = shifted.image_consistency  # its mean is Zhang's consistency
        return {
            "accuracy": float(correct.mean()),
            "consistency": float(per_digit.mean()),
            "correct": correct,
            "digit_consistency": per_digit,
        }

    builders = {label: (lambda k=k: _network(k)) for label, k in _TAPS}
    info = {"metric": "accuracy", "second_metric": "consistency", "x": None, "max_shift": SHIFT}
    return builders, dict.fromkeys(builders, draw), evaluate, info


def differences(results: dict) -> dict[str, dict]:
    """Return each blurred arm less max pooling, in accuracy and in consistency."""
    out = {}

    def scores(label: str, metric: str) -> np.ndarray:
        return np.asarray(results[label].metrics[scoring.PER_DIGIT[metric]], dtype=np.float64)

    for label in ("Rect-2", "Tri-3", "Bin-5"):
        for metric in ("accuracy", "consistency"):
            out[f"{label} - MaxPool, {metric}"] = scoring.difference(
                scores(label, metric), scores("MaxPool", metric)
            )
    return out


def verdict(differences: dict, arms: dict | None = None) -> str:
    """Return the verdict sentence, read from the intervals of Bin-5 less max pooling."""
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
        f"{head}: Bin-5 against max pooling ({scoring.design(c)}) "
        f"{scoring.change(c, 'consistency')}, and {scoring.change(a, 'accuracy')}."
    )
