"""The trained experiments of tutorials 2, 3 and 6, as recipes for :func:`cnn101.experiments.run`.

Each function returns a :class:`cnn101.experiments.Recipe` (or a dict of them, one
per arm of a comparison) whose arms differ in one thing only, named in its
docstring; the architecture, data, budget and seeds are held fixed. The tutorials
run them at a size that fits a lab session; the command line runs them larger::

    python -m cnn101.recipes shift --seeds 0 1 2 3 4 --n-train 4000
    python -m cnn101.recipes scale --seeds 0 1 2 3 4 --n-train 2000
    python -m cnn101.recipes scale --part channels --seeds 0 1 2 --n-train 3000
    python -m cnn101.recipes transfer --seeds 0 1 2 3 4 --n-train 3000 --n-test 1000

Digits come from :func:`cnn101.datasets.load_digits`; images are NHWC.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._tf import tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

from cnn101 import models  # noqa: E402
from cnn101.datasets import load_digits  # noqa: E402
from cnn101.digits import bounding_boxes, log_uniform_scales, place_digits  # noqa: E402
from cnn101.experiments import (  # noqa: E402
    Recipe,
    Result,
    Summary,
    accuracy_gap,
    paired_interval,
    run,
    run_many,
)
from cnn101.invariance import (  # noqa: E402
    ShiftedPredictions,
    random_shifts,
    shift,
    shifted_predictions,
)
from cnn101.layers.scale_channels import ScaleChannels  # noqa: E402
from cnn101.models import (  # noqa: E402
    POOLINGS,
    aps_cnn,
    copy_conv_layers,
    shift_cnn,
    shift_cnn_gap,
)

__all__ = [
    "CHANNEL_BUDGET",
    "CHANNEL_SETS",
    "DIGIT_CANVAS",
    "PROBE_LEARNING_RATE",
    "SHIFT_BUDGET",
    "SOURCE_BUDGET",
    "SOURCE_CLASSES",
    "TARGET_CLASSES",
    "TEST_SCALES",
    "TEST_SHIFTS",
    "TRANSFER_ARMS",
    "TRANSFER_BUDGET",
    "ZOOM_BUDGET",
    "ZOOM_RANGE",
    "Digits",
    "aps_recipes",
    "channel_network",
    "channel_wins",
    "digits",
    "epoch_repeats",
    "freeze_conv_layers",
    "inserted_channels",
    "scale_channel_recipes",
    "shift_comparison",
    "shift_recipes",
    "transfer_recipes",
    "transfer_source_recipe",
    "transfer_table",
    "zoom_recipes",
]

TEST_SCALES = (0.5, 0.71, 1.0, 1.41, 2.0)
# Test shifts beyond the trained +-2: the 28x28 digits padded to 32x32 keep about 6 empty
# pixels on each side (MNIST's 20x20 box plus the pad), so zero-fill shifts up to 6 lose
# almost no ink (measured in tutorial 2).
TEST_SHIFTS = (0, 1, 2, 3, 4, 5, 6)
DIGIT_CANVAS = 40  # a digit at scale 2 (40 pixels tall) just fits
# Tutorial 6: source and target classes, and its arms as (convolutions copied, first
# convolutions frozen, Adam's learning rate).
SOURCE_CLASSES, TARGET_CLASSES = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)
PROBE_LEARNING_RATE = 0.01  # the two probes' own step: at 0.003 random features stay at chance
TRANSFER_ARMS = {
    "from scratch": (0, 0, 3e-3),
    "1 conv copied": (1, 0, 3e-3),
    "2 conv copied": (2, 0, 3e-3),
    "3 conv copied": (3, 0, 3e-3),
    "1 conv copied, frozen": (1, 1, 3e-3),
    "2 conv copied, frozen": (2, 2, 3e-3),
    "3 conv copied, frozen": (3, 3, 3e-3),
    "probe: copied conv": (3, 3, PROBE_LEARNING_RATE),
    "probe: random conv": (0, 3, PROBE_LEARNING_RATE),
}
# Budgets as (max_steps, patience), in optimizer steps (batches of 128 unless stated).
SHIFT_BUDGET = (2000, 60)  # 480 training digits: 4 steps an epoch, patience 15 epochs
ZOOM_BUDGET = (2000, 60)
CHANNEL_BUDGET = (1000, 30)  # fine-tuning from a trained network
SOURCE_BUDGET = (2000, 60)  # tutorial 6's source: digits 0-4, a loss fall of 0.005 counts
TRANSFER_BUDGET = (3000, 50)  # batches of 64: 5 steps an epoch of 300 digits; the probes are slow


@dataclass(frozen=True)
class Digits:
    """A fixed train/test draw of MNIST digits (28x28, float32 in [0, 1]).

    Made by :func:`digits`; every recipe of this module takes one.

    Attributes
    ----------
    x_train : ndarray of shape (n_train, 28, 28), float32
    y_train : ndarray of shape (n_train,), int
    x_test : ndarray of shape (n_test, 28, 28), float32
    y_test : ndarray of shape (n_test,), int

    Examples
    --------
    >>> d = digits(10, 5)
    >>> isinstance(d, Digits), d.x_train.dtype, bool(d.x_train.max() <= 1.0)
    (True, dtype('float32'), True)
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def digits(n_train: int = 1500, n_test: int = 500) -> Digits:
    """Return the first ``n_train`` training and ``n_test`` test digits of :func:`load_digits`.

    Parameters
    ----------
    n_train : int, default 1500
        At most 4000 (the validation split is held out of these by each run).
    n_test : int, default 500
        At most 1000.

    Returns
    -------
    Digits

    Examples
    --------
    >>> d = digits(100, 50)
    >>> d.x_train.shape, d.y_test.shape
    ((100, 28, 28), (50,))
    """
    n_train, n_test = check.positive_int(n_train, "n_train"), check.positive_int(n_test, "n_test")
    (x_train, y_train), (x_test, y_test) = load_digits()
    for name, n, available in (("n_train", n_train, len(x_train)), ("n_test", n_test, len(x_test))):
        if n > available:
            raise ValueError(f"`{name}` must be at most {available}. Received: {name}={n}")
    return Digits(x_train[:n_train], y_train[:n_train], x_test[:n_test], y_test[:n_test])


def _check_data(data: Any) -> Digits:
    if not isinstance(data, Digits):
        raise TypeError(
            f"`data` must be a Digits draw (from cnn101.recipes.digits). Received: data={check.describe(data)}"
        )
    return data


# --- tutorial 2: pooling and shifts -------------------------------------------------------


def _pad_digits(images: np.ndarray) -> np.ndarray:
    return np.pad(images, ((0, 0), (2, 2), (2, 2)))[..., None].astype(np.float32)


_HEADS = ("flatten", "gap")


def shift_recipes(
    data: Digits,
    *,
    max_shift: int = 2,
    augment: bool = False,
    poolings: Sequence[str] = POOLINGS,
    head: str = "flatten",
) -> dict[str, Recipe]:
    """Return one recipe per pooling: digits padded to 32x32, optional shift augmentation.

    Control: the arms differ only in :func:`cnn101.models.shift_cnn`'s ``pooling``;
    data, budget (early stopping after :data:`SHIFT_BUDGET`'s patience of optimizer
    steps without a lower validation loss, within its maximum of steps), learning
    rate and seeds are the same. With ``augment=True`` every training image is shifted by a new random
    offset in ``[-max_shift, max_shift]`` at every epoch. With ``head="gap"`` the
    network is :func:`shift_cnn_gap` (a global-average-pooling head), else
    :func:`cnn101.models.shift_cnn`.

    Metrics: ``accuracy`` on the unshifted test digits, ``consistency`` (Zhang's,
    over all pairs of shifts in ``[-max_shift, max_shift]``, see
    :func:`cnn101.invariance.shifted_predictions`), ``accuracy_under_shifts``, and
    per test shift ``k`` in :data:`TEST_SHIFTS` (the four shifts by ``k`` pixels
    up, down, left, right): ``agreement_by_shift`` (share of test digits whose class
    is the unshifted digit's) and ``accuracy_by_shift``.

    Parameters
    ----------
    data : Digits
        Padded from 28x28 to 32x32 (2 pixels each side).
    max_shift : int, default 2
        The largest shift, in pixels, of the augmentation and of ``consistency``.
    augment : bool, default False
        Shift every training digit by a new random offset at every epoch.
    poolings : sequence of str, default :data:`POOLINGS`
        The arms: one recipe per pooling of :func:`cnn101.models.shift_cnn`.
    head : {"flatten", "gap"}, default "flatten"
        ``"gap"`` gives every arm the head of :func:`shift_cnn_gap`.

    Returns
    -------
    dict of str to Recipe
        Keyed by pooling, in the order of ``poolings``.

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486
    .. [2] A. Azulay and Y. Weiss, "Why do deep convolutional networks generalize so
       poorly to small image transformations?", JMLR 20(184), 2019. arXiv:1805.12177

    Examples
    --------
    >>> arms = shift_recipes(digits(20, 5), poolings=["max", "blur"], augment=True)
    >>> list(arms), arms["max"].augment is not None
    (['max', 'blur'], True)
    """
    data = _check_data(data)
    augment = check.flag(augment, "augment")
    head = check.choice(head, "head", _HEADS)
    if isinstance(poolings, str) or not isinstance(poolings, Sequence):
        raise TypeError(
            f"`poolings` must be a non-empty sequence of {POOLINGS}. Received: poolings={check.describe(poolings)}"
        )
    if not poolings:
        raise ValueError(
            f"`poolings` must be a non-empty sequence of {POOLINGS}. Received: poolings={check.describe(poolings)}"
        )
    x_train, x_test = _pad_digits(data.x_train), _pad_digits(data.x_test)
    max_shift = check.non_negative_int(max_shift, "max_shift")
    far = [
        np.concatenate([shift(x_test, dy, dx) for dy, dx in ((k, 0), (-k, 0), (0, k), (0, -k))])
        for k in TEST_SHIFTS[1:]
    ]

    def evaluate(model: keras.Model) -> dict[str, Any]:
        predictions = shifted_predictions(model, x_test, max_shift=max_shift, batch_size=1024)
        unshifted = int(np.flatnonzero((predictions.offsets == 0).all(axis=1))[0])
        classes = predictions.classes[:, unshifted]
        agreement, accuracy = [1.0], [float((classes == data.y_test).mean())]
        every = models.predicted_classes(model, np.concatenate(far))
        for moved_classes in np.split(every, len(far)):  # one block of 4 shifts per k
            agreement.append(float((moved_classes == np.tile(classes, 4)).mean()))
            accuracy.append(float((moved_classes == np.tile(data.y_test, 4)).mean()))
        return {
            "accuracy": accuracy[0],
            "consistency": predictions.consistency,
            "accuracy_under_shifts": predictions.accuracy(data.y_test),
            "agreement_by_shift": agreement,
            "accuracy_by_shift": accuracy,
        }

    def shifted(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        return random_shifts(x, max_shift, seed=rng), y

    build_network = shift_cnn_gap if head == "gap" else shift_cnn
    recipes = {}
    for pooling in poolings:
        if pooling not in POOLINGS:
            raise ValueError(
                f"`poolings` must hold names from {POOLINGS}. Received: {check.describe(pooling)}"
            )
        recipes[pooling] = Recipe(
            name=("stride 2, no pooling" if pooling == "stride" else f"{pooling} pooling")
            + (", global average head" if head == "gap" else "")
            + (", shifted" if augment else ""),
            build=lambda pooling=pooling: build_network(pooling),
            x=x_train,
            y=data.y_train,
            evaluate=evaluate,
            augment=shifted if augment else None,
            max_steps=SHIFT_BUDGET[0],
            patience=SHIFT_BUDGET[1],
            params={"pooling": pooling, "max_shift": max_shift, "augment": augment, "head": head},
        )
    return recipes


def shift_comparison(
    data: Digits, *, shifted: Sequence[str] = ("max", "blur"), aps: bool = True
) -> dict[tuple[str, bool], Recipe]:
    """Return every arm of tutorial 2, keyed by ``(network, shifted training)``.

    The arms of :func:`shift_recipes`: the four poolings without shift augmentation,
    and the poolings in ``shifted`` with it (max and max-blur pooling: the
    comparisons the tutorial makes; each run trains as it would alone, so leaving
    out the others changes no other arm's result); and ``("max gap", False)``: max pooling with the
    global-average-pooling head of :func:`shift_cnn_gap`, trained without shifts
    (compare it with ``("max", False)``: only the head differs); and the two arms of
    :func:`aps_recipes`, ``("aps", False)`` and ``("stride circular", False)``.

    Parameters
    ----------
    data : Digits
    shifted : sequence of str, default ("max", "blur")
        The poolings (of :data:`POOLINGS`) also trained with shift augmentation.
    aps : bool, default True
        Include the two arms of :func:`aps_recipes`.

    Returns
    -------
    dict of (str, bool) to Recipe

    References
    ----------
    .. [1] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486
    .. [2] A. Azulay and Y. Weiss, "Why do deep convolutional networks generalize so
       poorly to small image transformations?", JMLR 20(184), 2019. arXiv:1805.12177
    .. [3] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR 2021. arXiv:2011.14214

    Examples
    --------
    >>> arms = shift_comparison(digits(20, 5), aps=False)
    >>> sorted(name for name, shifted in arms if shifted)
    ['blur', 'max']
    >>> ("max gap", False) in arms, ("aps", False) in arms
    (True, False)
    """
    data = _check_data(data)
    if isinstance(shifted, str) or not isinstance(shifted, Sequence) or not shifted:
        raise TypeError(
            f"`shifted` must be a non-empty sequence of {POOLINGS}. Received: shifted={check.describe(shifted)}"
        )
    shifted = [check.choice(p, "shifted", POOLINGS) for p in shifted]
    arms: dict[tuple[str, bool], Recipe] = {}
    for pooling, recipe in shift_recipes(data).items():
        arms[pooling, False] = recipe
    for pooling, recipe in shift_recipes(data, augment=True, poolings=shifted).items():
        arms[pooling, True] = recipe
    arms["max gap", False] = shift_recipes(data, poolings=["max"], head="gap")["max"]
    if check.flag(aps, "aps"):
        circular = aps_recipes(data)
        arms["aps", False], arms["stride circular", False] = circular["aps"], circular["stride"]
    return arms


def aps_recipes(data: Digits, *, max_shift: int = 2) -> dict[str, Recipe]:
    """Return the two arms of the exact-invariance test: APS against a fixed stride-2 grid.

    Both are :func:`cnn101.models.aps_cnn` networks (circularly padded 3x3
    convolutions, three stride-2 downsamplings, a global-average-pooling head),
    trained without shifts on the digits of :func:`shift_recipes` with its budget;
    only the downsampling differs: ``"aps"`` (adaptive polyphase sampling) or
    ``"stride"`` (every second pixel of a fixed grid).

    Metrics: those of :func:`shift_recipes` (zero-fill shifts), plus
    ``circular_consistency`` (the same consistency under circular shifts,
    :func:`numpy.roll`, over ``[-max_shift, max_shift]`` squared) and
    ``circular_logit_change`` (the largest change of any logit under those circular
    shifts, relative to the largest logit).

    Parameters
    ----------
    data : Digits
    max_shift : int, default 2
        The largest shift, in pixels, of both consistencies.

    Returns
    -------
    dict of str to Recipe
        ``"aps"`` and ``"stride"``.

    References
    ----------
    .. [1] A. Chaman and I. Dokmanić, "Truly shift-invariant convolutional neural
       networks", CVPR 2021. arXiv:2011.14214

    Examples
    --------
    >>> arms = aps_recipes(digits(20, 5))
    >>> [arm.params["downsampling"] for arm in arms.values()]
    ['aps', 'stride']
    """
    data = _check_data(data)
    max_shift = check.non_negative_int(max_shift, "max_shift")
    zero_fill = shift_recipes(data, max_shift=max_shift, poolings=["max"])["max"]
    x_test = _pad_digits(data.x_test)
    offsets = [
        (dy, dx)
        for dy in range(-max_shift, max_shift + 1)
        for dx in range(-max_shift, max_shift + 1)
    ]

    def evaluate(model: keras.Model) -> dict[str, Any]:
        base = model.predict(x_test, batch_size=1024, verbose=0)
        classes, change = [], 0.0
        for dy, dx in offsets:
            logits = model.predict(
                np.roll(x_test, (dy, dx), axis=(1, 2)), batch_size=1024, verbose=0
            )
            classes.append(logits.argmax(-1))
            change = max(change, float(np.abs(logits - base).max() / np.abs(base).max()))
        circular = ShiftedPredictions(np.stack(classes, axis=1), np.array(offsets))
        return {
            **zero_fill.evaluate(model),
            "circular_consistency": circular.consistency,
            "circular_logit_change": change,
        }

    return {
        downsampling: Recipe(
            name=f"{'APS' if downsampling == 'aps' else 'stride 2'}, circular padding, global average head",
            build=lambda downsampling=downsampling: aps_cnn(downsampling),
            x=zero_fill.x,
            y=zero_fill.y,
            evaluate=evaluate,
            max_steps=SHIFT_BUDGET[0],
            patience=SHIFT_BUDGET[1],
            params={"downsampling": downsampling, "padding": "circular", "max_shift": max_shift},
        )
        for downsampling in ("aps", "stride")
    }


# --- tutorial 3: scale ------------------------------------------------------------------


def _accuracy_by_scale(data: Digits, canvas: int):
    def evaluate(model: keras.Model) -> dict[str, list[float]]:
        accuracy = models.accuracy_by_scale(
            model, data.x_test, data.y_test, TEST_SCALES, canvas=canvas, seed=4
        )
        return {"accuracy": accuracy.tolist()}

    return evaluate


ZOOM_RANGE = (0.5, 2.0)  # the sizes of the zoom-augmented and natural-size arms


def _placer(canvas: int, scales: Any):
    """Return ``f(x, y, rng)`` placing every digit at ``scales`` (a float or a callable)."""

    def place(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        drawn = scales(len(x), rng) if callable(scales) else scales
        return place_digits(x, drawn, canvas=canvas, seed=rng), y

    return place


def _reposition(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
    """Move every placed digit to a new uniformly random position where it fits whole.

    The same positions as :func:`cnn101.digits.place_digits` draws, without resizing
    again: each digit keeps its pixels (its size), only its place changes.
    """
    images = x[..., 0]
    canvas_h, canvas_w = images.shape[1:]
    out = np.zeros_like(x)
    for i, (top, left, height, width) in enumerate(bounding_boxes(images)):
        if height == 0:
            continue
        row = rng.integers(0, canvas_h - height + 1)
        col = rng.integers(0, canvas_w - width + 1)
        out[i, row : row + height, col : col + width] = x[
            i, top : top + height, left : left + width
        ]
    return out, y


def _zoom_scales(n: int, rng: np.random.Generator) -> np.ndarray:
    return log_uniform_scales(n, *ZOOM_RANGE, seed=rng)


def zoom_recipes(
    data: Digits, *, canvas: int = DIGIT_CANVAS, references: bool = True
) -> dict[str, Recipe]:
    """Return the arms that differ in the digit sizes seen in training.

    Control: the same network (:func:`cnn101.models.plain_cnn`, Adam at 0.003), the
    same digits, budget (:data:`ZOOM_BUDGET`: early stopping after its patience of
    optimizer steps, within its maximum) and seeds. In *every* arm each digit is
    moved to a new random position at every epoch (``augment``), so the arms differ
    in the sizes seen only, never in translation augmentation. Sizes and first
    positions are drawn per seed, from the seed's own generator (``draw``):

    * ``"plain"``: every digit at scale 1 (about 20 pixels tall);
    * ``"zoom-augmented"``: every digit at a new log-uniform scale in [0.5, 2] at every
      epoch (random zoom applied as the network trains);
    * ``"natural sizes"``: every digit at a log-uniform scale in [0.5, 2] drawn once
      per seed (a data set whose objects come in many sizes), re-positioned at every
      epoch like the others;
    * ``"only 0.5x"`` and ``"only 2x"``: every digit at scale 0.5 or 2, references
      for what a network trained at that scale alone reaches there.

    ``"zoom-augmented"`` against ``"natural sizes"`` changes one thing: whether the
    sizes are redrawn at every epoch (the size distribution and the positions'
    redraws are the same).

    Metric: ``accuracy`` at each of :data:`TEST_SCALES` (the same test digits and
    positions for every arm and seed).

    Parameters
    ----------
    data : Digits
    canvas : int, default 40
    references : bool, default True
        Include ``"only 0.5x"`` and ``"only 2x"`` (every run trains as it would
        alone, so leaving them out changes no other arm).

    Returns
    -------
    dict of str to Recipe

    Examples
    --------
    >>> arms = zoom_recipes(digits(20, 5))
    >>> list(arms)
    ['plain', 'zoom-augmented', 'natural sizes', 'only 0.5x', 'only 2x']
    """
    data = _check_data(data)
    canvas = check.positive_int(canvas, "canvas")
    if canvas < DIGIT_CANVAS:  # a 2x digit (40 pixels tall) must fit
        raise ValueError(f"`canvas` must be at least {DIGIT_CANVAS}. Received: canvas={canvas}")
    evaluate = _accuracy_by_scale(data, canvas)

    def arm(name: str, scales: Any, *, redrawn: bool = False) -> Recipe:
        # Sizes drawn once per seed (``draw``) and positions redrawn at every epoch
        # (``augment``); or, when the sizes are redrawn too, both at every epoch.
        placed = _placer(canvas, scales)
        return Recipe(
            name,
            build=lambda: models.plain_cnn((canvas, canvas, 1), learning_rate=3e-3),
            x=data.x_train,
            y=data.y_train,
            evaluate=evaluate,
            augment=placed if redrawn else _reposition,
            draw=None if redrawn else placed,
            max_steps=ZOOM_BUDGET[0],
            patience=ZOOM_BUDGET[1],
            params={"canvas": canvas, "zoom_range": list(ZOOM_RANGE)},
        )

    arms = {
        "plain": arm("plain", 1.0),
        "zoom-augmented": arm("zoom-augmented", _zoom_scales, redrawn=True),
        "natural sizes": arm("natural sizes", _zoom_scales),
    }
    if check.flag(references, "references"):
        arms["only 0.5x"] = arm("only 0.5x", 0.5)
        arms["only 2x"] = arm("only 2x", 2.0)
    return arms


def _source_id(result: Result) -> list[str]:
    """Identify a source network in a cache key (its weight files are named by its key)."""
    return [result.name, *(str(path) for path in result.weights)]


def _channel_cnn(channels: Sequence[float], canvas: int) -> keras.Model:
    return models.scale_channel_cnn((canvas, canvas, 1), scales=channels, learning_rate=3e-3)


def _from_source(source: Result, seed: int, channels: Sequence[float] | None, canvas: int):
    """Return a model holding the trained plain network of ``seed`` (trunk and classifier)."""
    if channels is None:
        model = models.plain_cnn((canvas, canvas, 1), learning_rate=3e-3)
    else:
        model = _channel_cnn(channels, canvas)
    model.set_weights(source.model(seed).get_weights())  # the same weights, in the same order
    return model


CHANNEL_SETS = {
    "one-sided": (1.0, 0.71, 0.5),
    "two-sided": (2.0, 1.41, 1.0, 0.71, 0.5),
    "up-only": (2.0, 1.41, 1.0),
}


def _check_channels(channels: Any) -> dict[str, tuple[float, ...]]:
    if channels is None:
        return dict(CHANNEL_SETS)
    if (
        not isinstance(channels, dict)
        or not channels
        or not all(
            isinstance(s, Sequence) and not isinstance(s, str) and len(s) > 0
            for s in channels.values()
        )
    ):
        raise TypeError(
            "`channels` must be a non-empty dict of names to sequences of scales, or None. "
            f"Received: channels={check.describe(channels)}"
        )
    return {
        name: tuple(check.real_number(s, "channels", positive=True) for s in scales)
        for name, scales in channels.items()
    }


def _channel_metrics(data: Digits, tests: list[np.ndarray], canvas: int, wins: bool = True):
    """Return ``metrics(model)``: accuracy per test scale and channel wins (200 digits each)."""

    def metrics(twin: keras.Model) -> dict[str, list]:
        accuracy = _accuracy_by_scale(data, canvas)(twin)
        if not wins:
            return accuracy
        return {**accuracy, "channel_wins": _channel_shares(twin, [t[:200] for t in tests])}

    return metrics


def _test_digits(data: Digits, canvas: int) -> list[np.ndarray]:
    return [place_digits(data.x_test, s, canvas=canvas, seed=4) for s in TEST_SCALES]


def scale_channel_recipes(
    data: Digits,
    plain: Result,
    *,
    channels: dict[str, Sequence[float]] | None = None,
    train_canvas: int = 28,
    canvas: int = DIGIT_CANVAS,
) -> dict[str, Recipe]:
    """Return scale-channel networks fine-tuned at scale 1 from the plain network of each seed.

    Control: every arm starts from the same trained plain network (seed by seed),
    fine-tunes on the same scale-1 digits (a new random position at every epoch,
    as the plain network was trained) with the same budget and patience
    (:data:`CHANNEL_BUDGET`, ``min_delta`` 0: every fine-tuning runs until its
    validation loss has stopped falling) and has the same weights; only the set of
    scale channels differs. Default arms (:data:`CHANNEL_SETS`): ``"one-sided"``
    (1, 0.71, 0.5), channels that only shrink; ``"two-sided"`` (2, 1.41, 1, 0.71,
    0.5), channels on both sides of the training scale; ``"up-only"`` (2, 1.41, 1),
    channels that only enlarge. :func:`inserted_channels` measures the same
    networks without any fine-tuning.

    The trunk ends in global max pooling, so it works at any image size: the
    networks fine-tune on ``train_canvas`` x ``train_canvas`` images (MNIST's own
    28, which holds a scale-1 digit; a 2x channel of it costs 4x less than of a
    40-pixel canvas) and are tested, with the same weights, on the
    ``canvas``-sized test images of :func:`zoom_recipes`.

    Parameters
    ----------
    data : Digits
    plain : Result
        The ``"plain"`` arm of :func:`zoom_recipes`, run with the seeds these runs use.
    channels : dict of str to sequence of float, optional
        Defaults to :data:`CHANNEL_SETS`.
    train_canvas : int, default 28
    canvas : int, default 40

    Returns
    -------
    dict of str to Recipe
        Metrics: ``accuracy`` at each of :data:`TEST_SCALES`; ``channel_wins``, per
        test scale, the share of pooled features each channel supplies (see
        :func:`channel_wins`).

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision, 2022. arXiv:2106.06418

    Examples
    --------
    >>> import dataclasses
    >>> data = digits(20, 5)
    >>> quick = dataclasses.replace(zoom_recipes(data)["plain"], max_steps=1)
    >>> plain = run(quick, seeds=(0,), cache=False, verbose=False)
    >>> arms = scale_channel_recipes(data, plain, channels={"two-sided": (2.0, 1.0, 0.5)})
    >>> arms["two-sided"].params["channels"], arms["two-sided"].params["canvas"]
    ([2.0, 1.0, 0.5], [28, 40])
    """
    data = _check_data(data)
    if not isinstance(plain, Result):
        raise TypeError(f"`plain` must be a Result. Received: plain={check.describe(plain)}")
    channels = _check_channels(channels)
    train_canvas = check.positive_int(train_canvas, "train_canvas")
    canvas = check.positive_int(canvas, "canvas")
    metrics = _channel_metrics(data, _test_digits(data, canvas), canvas)

    def evaluator(scales: tuple[float, ...]):
        twins: list[keras.Model] = []  # one network at the test canvas, traced once

        def evaluate(model: keras.Model) -> dict[str, list]:
            if not twins:
                twins.append(_channel_cnn(scales, canvas))
            twins[0].set_weights(model.get_weights())  # the same weights at the test canvas
            return metrics(twins[0])

        return evaluate

    return {
        name: Recipe(
            name,
            build=lambda seed, scales=tuple(scales): _from_source(
                plain, seed, scales, train_canvas
            ),
            x=data.x_train,
            y=data.y_train,
            evaluate=evaluator(tuple(scales)),
            draw=_placer(train_canvas, 1.0),
            augment=_reposition,
            max_steps=CHANNEL_BUDGET[0],
            patience=CHANNEL_BUDGET[1],
            min_delta=0.0,
            params={
                "channels": list(scales),
                "canvas": [train_canvas, canvas],
                "source": _source_id(plain),
            },
        )
        for name, scales in channels.items()
    }


def inserted_channels(
    data: Digits,
    plain: Result,
    *,
    channels: dict[str, Sequence[float]] | None = None,
    canvas: int = DIGIT_CANVAS,
    wins: bool = False,
) -> dict[str, dict[str, np.ndarray]]:
    """Measure the plain networks' weights, unchanged, inside each set of scale channels.

    The arm with no fine-tuning: the trunk and classifier of each seed's plain
    network go into a scale-channel network as they are, so any difference from
    :func:`scale_channel_recipes` is the fine-tuning through the channels.

    Parameters
    ----------
    data : Digits
    plain : Result
        The ``"plain"`` arm of :func:`zoom_recipes`.
    channels : dict of str to sequence of float, optional
        Defaults to :data:`CHANNEL_SETS`.
    canvas : int, default 40
    wins : bool, default False
        Also measure ``"channel_wins"`` as :func:`scale_channel_recipes` does.

    Returns
    -------
    dict of str to dict of str to ndarray
        Per channel set, ``"accuracy"`` of shape (seeds, len(TEST_SCALES)), seed-major
        in the order of ``plain.seeds``: the accuracy of :func:`scale_channel_recipes`;
        with ``wins``, ``"channel_wins"`` of shape (seeds, len(TEST_SCALES), channels).

    Examples
    --------
    >>> import dataclasses
    >>> data = digits(20, 5)
    >>> quick = dataclasses.replace(zoom_recipes(data)["plain"], max_steps=1)
    >>> plain = run(quick, seeds=(0, 1), cache=False, verbose=False)
    >>> out = inserted_channels(data, plain, channels={"up": (2.0, 1.0)}, wins=True)
    >>> out["up"]["accuracy"].shape, out["up"]["channel_wins"].shape
    ((2, 5), (2, 5, 2))
    """
    data = _check_data(data)
    if not isinstance(plain, Result):
        raise TypeError(f"`plain` must be a Result. Received: plain={check.describe(plain)}")
    channels = _check_channels(channels)
    canvas = check.positive_int(canvas, "canvas")
    wins = check.flag(wins, "wins")
    expected = [w.shape for w in models.plain_cnn((canvas, canvas, 1)).get_weights()]
    if [w.shape for w in plain.model(plain.seeds[0]).get_weights()] != expected:
        raise ValueError(
            "`plain` must be the 'plain' arm of zoom_recipes (a models.plain_cnn). "
            f"Received: plain={check.describe(plain)}"
        )
    metrics = _channel_metrics(data, _test_digits(data, canvas), canvas, wins=wins)
    out = {}
    for name, scales in channels.items():
        twin, per_seed = _channel_cnn(scales, canvas), []  # one network, traced once
        for seed in plain.seeds:
            twin.set_weights(plain.model(seed).get_weights())
            per_seed.append(metrics(twin))
        out[name] = {key: np.array([m[key] for m in per_seed]) for key in per_seed[0]}
    return out


def channel_network(result: Result, seed: int, canvas: int = DIGIT_CANVAS) -> keras.Model:
    """Return the trained scale-channel network of ``seed`` for ``canvas``-sized images.

    Parameters
    ----------
    result : Result
        An arm of :func:`scale_channel_recipes`.
    seed : int
    canvas : int, default 40

    Returns
    -------
    keras.Model
        The same weights as ``result.model(seed)``, built for the test images.

    Examples
    --------
    >>> import dataclasses
    >>> data = digits(20, 5)
    >>> quick = dataclasses.replace(zoom_recipes(data)["plain"], max_steps=1)
    >>> plain = run(quick, seeds=(0,), cache=False, verbose=False)
    >>> arm = dataclasses.replace(
    ...     scale_channel_recipes(data, plain)["one-sided"], max_steps=1
    ... )
    >>> tuned = run(arm, seeds=(0,), cache=False, verbose=False)
    >>> channel_network(tuned, 0).input_shape
    (None, 40, 40, 1)
    """
    if not isinstance(result, Result) or "channels" not in result.recipe.params:
        raise TypeError(
            f"`result` must be an arm of scale_channel_recipes. Received: {check.describe(result)}"
        )
    twin = _channel_cnn(
        tuple(result.recipe.params["channels"]), check.positive_int(canvas, "canvas")
    )
    twin.set_weights(result.model(seed).get_weights())
    return twin


def channel_wins(model: keras.Model, images: Any) -> np.ndarray:
    """Return, per scale channel, the fraction of pooled features that channel supplied.

    Parameters
    ----------
    model : keras.Model
        A model with one :class:`cnn101.layers.ScaleChannels` layer (max pooling).
    images : array_like of shape (N, H, W, 1)

    Returns
    -------
    ndarray of shape (len(scales),), summing to 1

    Examples
    --------
    >>> model = _channel_cnn((2.0, 1.0), 28)
    >>> shares = channel_wins(model, np.zeros((3, 28, 28, 1), "float32"))
    >>> shares.shape, round(float(shares.sum()), 6)
    ((2,), 1.0)
    """
    layers = [layer for layer in getattr(model, "layers", []) if isinstance(layer, ScaleChannels)]
    if len(layers) != 1:
        raise ValueError(
            f"`model` must hold exactly one ScaleChannels layer. Received: {check.describe(model)}"
        )
    batch = check.as_float_array(images, "images")
    expected = tuple(model.input_shape[1:])
    if batch.ndim != 4 or any(
        n is not None and n != got for n, got in zip(expected, batch.shape[1:], strict=True)
    ):
        raise ValueError(
            f"`images` must be a batch of shape (N, {', '.join(map(str, expected))}), the model's "
            f"input. Received: array with shape {batch.shape}"
        )
    stacked = np.asarray(layers[0].scale_outputs(batch))
    winners = stacked.argmax(axis=1)  # (N, F): the channel holding each feature's max
    return np.bincount(winners.ravel(), minlength=stacked.shape[1]) / winners.size


def _channel_shares(model: keras.Model, batches: list[np.ndarray]) -> list[list[float]]:
    """:func:`channel_wins` of each batch, the channel outputs computed in one call."""
    (layer,) = [layer for layer in model.layers if isinstance(layer, ScaleChannels)]
    stacked = np.asarray(layer.scale_outputs(np.concatenate(batches)))
    shares = []
    for part in np.split(stacked.argmax(axis=1), np.cumsum([len(b) for b in batches])[:-1]):
        shares.append((np.bincount(part.ravel(), minlength=stacked.shape[1]) / part.size).tolist())
    return shares


def epoch_repeats(size: int, epoch_size: int = 300) -> int:
    """Return how often :func:`transfer_recipes` repeats a small set in one epoch.

    An epoch passes at least ``epoch_size`` examples, so that the validation loss
    is checked after a comparable amount of training whatever the set's size.

    Parameters
    ----------
    size : int
        Examples in the small set.
    epoch_size : int, default 300

    Returns
    -------
    int
        ``ceil(epoch_size / size)``, at least 1.

    Examples
    --------
    >>> epoch_repeats(30), epoch_repeats(100), epoch_repeats(300), epoch_repeats(400)
    (10, 3, 1, 1)
    """
    size, epoch_size = (
        check.positive_int(size, "size"),
        check.positive_int(epoch_size, "epoch_size"),
    )
    return max(1, -(-epoch_size // size))


def _classes_of(x: np.ndarray, y: np.ndarray, classes: Sequence[int]) -> tuple:
    """Return the examples of ``classes``, labelled 0, 1, ... in the order of ``classes``."""
    keep = np.isin(y, classes)
    relabel = np.full(10, -1)
    relabel[list(classes)] = np.arange(len(classes))
    return x[keep], relabel[y[keep]]


def _accuracy_on(test: np.ndarray, labels: np.ndarray):
    def evaluate(model: keras.Model) -> dict[str, Any]:
        correct = models.predicted_classes(model, test) == labels
        return {"accuracy": float(correct.mean()), "correct": correct.astype(float).tolist()}

    return evaluate


def transfer_source_recipe(data: Digits, *, canvas: int = DIGIT_CANVAS) -> Recipe:
    """Return the source task of tutorial 6: digits 0-4 at scale 1 on ``canvas`` x ``canvas``.

    The network is :func:`cnn101.models.plain_cnn` (three 3x3 convolutions of 8, 16
    and 32 filters, global max pooling, a softmax over the 5 source classes; Adam
    at 0.003), trained on the digits 0-4 among ``data.x_train``, each seed placing
    them at its own random positions (a :class:`~cnn101.experiments.Recipe` ``draw``)
    and holding out its own validation fifth; budget :data:`SOURCE_BUDGET` (a
    validation loss must fall by 0.005 to count as lower).

    Parameters
    ----------
    data : Digits
    canvas : int, default DIGIT_CANVAS

    Returns
    -------
    Recipe
        Metric ``accuracy`` on the test digits 0-4 at scale 1.

    Examples
    --------
    >>> recipe = transfer_source_recipe(digits(100, 50))
    >>> sorted(set(recipe.y.tolist()))
    [0, 1, 2, 3, 4]
    """
    data = _check_data(data)
    canvas = check.positive_int(canvas, "canvas")
    if canvas < 28:
        raise ValueError(
            f"`canvas` must be at least 28 (a digit at scale 1). Received: canvas={canvas}"
        )
    x, y = _classes_of(data.x_train, data.y_train, SOURCE_CLASSES)
    x_test, y_test = _classes_of(data.x_test, data.y_test, SOURCE_CLASSES)
    if len(x) < 2 or len(x_test) == 0:
        raise ValueError(
            f"`data` must hold at least 2 training digits and one test digit of 0-4. "
            f"Received: {len(x)} and {len(x_test)}"
        )
    test = place_digits(x_test, 1.0, canvas=canvas, seed=4)

    def placed(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        return place_digits(x, 1.0, canvas=canvas, seed=rng), y

    return Recipe(
        "source: digits 0-4 at scale 1",
        build=lambda: models.plain_cnn(
            (canvas, canvas, 1), num_classes=len(SOURCE_CLASSES), learning_rate=3e-3
        ),
        x=x,
        y=y,
        draw=placed,
        evaluate=_accuracy_on(test, y_test),
        max_steps=SOURCE_BUDGET[0],
        patience=SOURCE_BUDGET[1],
        min_delta=0.005,
        params={"canvas": canvas, "classes": list(SOURCE_CLASSES), "n_test": len(x_test)},
    )


def freeze_conv_layers(model: keras.Model, count: int, learning_rate: float = 3e-3) -> keras.Model:
    """Freeze the first ``count`` Conv2D layers of ``model`` and compile it again.

    The rest of the network still learns, with Adam at ``learning_rate`` (0.003
    by default, as :func:`cnn101.models.plain_cnn` in the recipes). Freezing
    every convolution of :func:`cnn101.models.small_trunk` leaves only the
    softmax layer learning: a linear probe.

    Parameters
    ----------
    model : keras.Model
        A network of :func:`cnn101.models.plain_cnn`.
    count : int
        At least 1, at most its number of Conv2D layers.
    learning_rate : float, default 0.003

    Returns
    -------
    keras.Model
        ``model`` itself, compiled again.

    Examples
    --------
    >>> model = freeze_conv_layers(models.plain_cnn((24, 24, 1), num_classes=5), 3)
    >>> sum(int(w.shape.num_elements()) for w in model.trainable_weights)  # 32 x 5 + 5
    165
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"`model` must be a Keras model. Received: model={check.describe(model)}")
    count = check.positive_int(count, "count")
    learning_rate = check.real_number(learning_rate, "learning_rate", positive=True)
    convs = [
        layer for layer in model.get_layer("trunk").layers if isinstance(layer, keras.layers.Conv2D)
    ]
    if count > len(convs):
        raise ValueError(
            f"`count` must be at most the model's {len(convs)} Conv2D layers. Received: count={count}"
        )
    for layer in convs[:count]:
        layer.trainable = False
    model.compile(
        keras.optimizers.Adam(learning_rate),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def transfer_recipes(
    data: Digits,
    source: Result,
    size: int,
    *,
    target_scale: float = 0.5,
    canvas: int = 24,
    epoch_size: int = 300,
) -> dict[str, Recipe]:
    """Return the transfer arms of tutorial 6 for ``size`` labelled digits 5-9 at ``target_scale``.

    The target task has other classes than the source (:func:`transfer_source_recipe`,
    digits 0-4 at scale 1): digits 5-9 at ``target_scale`` (10 pixels tall at 0.5)
    on small ``canvas`` x ``canvas`` images. Each seed draws its own labelled set
    from the pool of every digit 5-9 of :func:`cnn101.datasets.load_digits`'s
    training split (none of which the source saw): ``size`` training digits and
    ``size // 2`` other validation digits, placed at random positions; the
    training part is repeated so that an epoch passes at least ``epoch_size``
    digits (the copies never reach the validation part).

    Control: the same network (:func:`cnn101.models.plain_cnn`, 5 classes, Adam at
    0.003), the same labelled set for a seed, the same budget
    (:data:`TRANSFER_BUDGET`: early stopping after its patience of optimizer steps
    of 64 digits, within its maximum) and seeds; only the starting weights and
    which convolutions learn differ, as :data:`TRANSFER_ARMS` lists them as
    (convolutions copied from the source network of the same seed, first
    convolutions frozen, learning rate): fine-tuned arms copy 0 (from scratch),
    1, 2 or all 3 and train everything; frozen arms copy 1, 2 or 3 and freeze them
    (:func:`freeze_conv_layers`; frozen 3 is a linear probe). The two ``"probe"``
    arms are linear probes on the copied and on random (untrained) filters, both
    at :data:`PROBE_LEARNING_RATE` (at 0.003 the probe on random filters does not
    leave chance before its patience runs out): compare them with each other
    (one difference, the filters); against the other arms they differ in the
    step size too.

    Parameters
    ----------
    data : Digits
        Its test digits 5-9 are the test set.
    source : Result
        Of :func:`transfer_source_recipe`, trained on every seed that the arms run.
    size : int
        Labelled training digits per seed.
    target_scale : float, default 0.5
    canvas : int, default 24
    epoch_size : int, default 300

    Returns
    -------
    dict of str to Recipe
        In the order of :data:`TRANSFER_ARMS`; metric ``accuracy`` on the test
        digits 5-9 at ``target_scale`` (``params["n_test"]`` of them).

    Examples
    --------
    >>> data = digits(100, 50)
    >>> source = run(transfer_source_recipe(data), seeds=(0,), cache=False, verbose=False)  # doctest: +SKIP
    >>> list(transfer_recipes(data, source, 30))[:2]  # doctest: +SKIP
    ['from scratch', '1 conv copied']
    """
    data = _check_data(data)
    if not isinstance(source, Result):
        raise TypeError(f"`source` must be a Result. Received: source={check.describe(source)}")
    size = check.positive_int(size, "size")
    target_scale = check.real_number(target_scale, "target_scale", positive=True)
    canvas = check.positive_int(canvas, "canvas")
    epoch_size = check.positive_int(epoch_size, "epoch_size")
    if round(28 * target_scale) > canvas:
        raise ValueError(
            f"`target_scale` must fit a 28-pixel digit on the {canvas}x{canvas} `canvas` "
            f"(at most {canvas / 28:.3g}). Received: target_scale={check.describe(target_scale)}"
        )
    (x_all, y_all), _ = load_digits()
    pool_x, pool_y = _classes_of(x_all, y_all, TARGET_CLASSES)
    n_val = max(1, size // 2)
    if size < 2 or size + n_val > len(pool_x):
        raise ValueError(
            f"`size` must be between 2 and {len(pool_x) * 2 // 3} (the pool holds {len(pool_x)} "
            f"digits 5-9 for training and validation). Received: size={size}"
        )
    x_test, y_test = _classes_of(data.x_test, data.y_test, TARGET_CLASSES)
    if len(x_test) == 0:
        raise ValueError("`data` must hold at least one test digit of 5-9.")
    test = place_digits(x_test, target_scale, canvas=canvas, seed=4)
    repeats = epoch_repeats(size, epoch_size)

    drawn: dict[str, tuple] = {}  # every arm draws a seed's set from the same generator

    def draw(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        key = f"{rng.bit_generator.state!r} {id(x)} {x.shape} {id(y)}"
        if key not in drawn:  # the first arm of this seed draws; the others reuse it
            pick = rng.choice(len(x), size + n_val, replace=False)  # no digit twice
            placed = place_digits(x[pick], target_scale, canvas=canvas, seed=rng)
            train, val = slice(0, size), slice(size, None)
            x_train = np.concatenate([placed[train]] * repeats)
            y_train = np.concatenate([y[pick][train]] * repeats)
            drawn[key] = (x_train, y_train, placed[val], y[pick][val]), rng.bit_generator.state
        sets, after = drawn[key]
        rng.bit_generator.state = after  # the generator ends where a fresh draw leaves it
        return tuple(np.copy(a) for a in sets)

    def build(seed: int, copied: int, frozen: int, rate: float) -> keras.Model:
        model = models.plain_cnn(
            (canvas, canvas, 1), num_classes=len(TARGET_CLASSES), learning_rate=rate
        )
        if copied:
            copy_conv_layers(source.model(seed), model, count=copied)
        return freeze_conv_layers(model, frozen, rate) if frozen else model

    return {
        arm: Recipe(
            f"{arm}, {size} digits",
            build=lambda seed, c=copied, f=frozen, r=rate: build(seed, c, f, r),
            x=pool_x,
            y=pool_y,
            draw=draw,
            evaluate=_accuracy_on(test, y_test),
            max_steps=TRANSFER_BUDGET[0],
            patience=TRANSFER_BUDGET[1],
            min_delta=0.005,
            batch_size=64,
            params={
                "arm": arm,
                "size": size,
                "n_validation": n_val,
                "learning_rate": rate,
                "scale": target_scale,
                "canvas": canvas,
                "epoch_size": epoch_size,
                "n_test": len(x_test),
                "source": _source_id(source),
            },
        )
        for arm, (copied, frozen, rate) in TRANSFER_ARMS.items()
    }


def transfer_table(data: Digits, seeds: Sequence[int], sizes: Sequence[int]) -> str:
    """Train tutorial 6's source and arms; return the table of differences from scratch.

    Each line is an arm's mean test accuracy and its paired difference from
    ``"from scratch"`` with a 95 % interval that holds the test set's own error
    (:meth:`cnn101.experiments.Summary.interval` with ``n_test``). Every run is
    checked to have stopped by patience.

    Parameters
    ----------
    data : Digits
    seeds : sequence of int
        At least 2.
    sizes : sequence of int
        Labelled target digits per seed.

    Returns
    -------
    str
        The table ``python -m cnn101.recipes transfer`` prints.

    References
    ----------
    .. [1] J. Yosinski, J. Clune, Y. Bengio and H. Lipson, "How transferable are
       features in deep neural networks?", NeurIPS 2014. arXiv:1411.1792

    Examples
    --------
    Training every arm takes minutes; the command line prints this table::

        python -m cnn101.recipes transfer --seeds 0 1 2 --sizes 30
    """
    from cnn101.experiments import assert_converged, run_many

    source = run(transfer_source_recipe(data), seeds, verbose=False)
    assert_converged(source)
    lines = [f"source (digits 0-4 at scale 1): accuracy {source.summary('accuracy')}"]
    for size in sizes:
        arms = run_many(
            transfer_recipes(data, source, size), seeds, verbose=False, side_by_side="all"
        )
        assert_converged(arms)
        n_test = arms["from scratch"].recipe.params["n_test"]
        lines.append(
            f"\n{size} labelled digits 5-9 at scale 0.5 (+{size // 2} validation), "
            f"{len(seeds)} seeds, {n_test} test digits"
        )
        lines.append(f"{'arm':24s} {'accuracy':>8s}  {'minus scratch, 95 % interval':>30s}")
        for arm, result in arms.items():
            cell = ""
            if arm != "from scratch":
                mean, low, high = paired_interval(result, arms["from scratch"])
                cell = f"{mean:+.3f} ({low:+.3f} to {high:+.3f})"
            lines.append(f"{arm:24s} {result.summary('accuracy').mean:8.3f}  {cell:>30s}")
        mean, low, high = paired_interval(arms["probe: copied conv"], arms["probe: random conv"])
        lines.append(f"probe copied - probe random: {mean:+.3f} ({low:+.3f} to {high:+.3f})")
    return "\n".join(lines)


# --- command line -------------------------------------------------------------------------


def _table(results: dict[str, Result], metric: str, labels: Sequence[str] | None = None) -> str:
    lines = []
    for name, result in results.items():
        values = result.metrics[metric]
        if values.ndim == 1:
            lines.append(f"{name:28s} {result.summary(metric)}")
        else:
            cells = [
                f"{result.summary(metric, i).mean:.3f}±{result.summary(metric, i).std:.3f}"
                for i in range(values.shape[1])
            ]
            lines.append(f"{name:28s} " + "  ".join(cells))
    header = (
        ""
        if labels is None
        else f"{'':28s} " + "  ".join(f"{label:>11s}" for label in labels) + "\n"
    )
    return header + "\n".join(lines)


def _shift_report(arms: dict[tuple[str, bool], Recipe], seeds: tuple[int, ...], n_test: int) -> str:
    """Train tutorial 2's arms side by side; return their tables (95 % intervals)."""
    results = run_many({r.name: r for r in arms.values()}, seeds, side_by_side="all")
    trained = {key: results[r.name] for key, r in arms.items()}
    lines = [
        f"{len(seeds)} seeds {list(seeds)}; 95 % intervals include the {n_test}-digit test set"
    ]
    lines.append(f"{'':36s} {'consistency':>22s} {'accuracy':>22s}")
    for recipe, result in zip(arms.values(), trained.values(), strict=True):
        cells = [_with_interval(result.summary(m), n_test) for m in ("consistency", "accuracy")]
        lines.append(f"{recipe.name:36s} " + "  ".join(cells))
    lines.append("paired differences (consistency; accuracy), mean [95 % interval]")
    for a, b in SHIFT_DIFFERENCES:
        cells = []
        for metric in ("consistency", "accuracy"):
            mean, low, high = paired_interval(trained[a], trained[b], metric, n_test=n_test)
            cells.append(f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]")
        lines.append(f"{_arm_label(a):>22s} - {_arm_label(b):22s} " + "; ".join(cells))
    for key in (("aps", False), ("stride circular", False)):
        c = trained[key].summary("circular_consistency")
        change = trained[key].metrics["circular_logit_change"].max()
        lines.append(
            f"{arms[key].name}: consistency under circular shifts {c.mean:.4f} "
            f"(min {c.min:.4f}), largest relative logit change {change:.1e}"
        )
    lines.append("agreement with the unshifted class by test shift (pixels) " + str(TEST_SHIFTS))
    for recipe, result in zip(arms.values(), trained.values(), strict=True):
        lines.append(
            f"{recipe.name:36s} "
            + " ".join(f"{v:.3f}" for v in result.metrics["agreement_by_shift"].mean(axis=0))
        )
    return "\n".join(lines)


def _with_interval(summary: Any, n_test: int) -> str:
    low, high = summary.interval(0.95, n_test=n_test)
    return f"{summary.mean:.3f} [{low:.3f}, {high:.3f}]"


def _arm_label(key: tuple[str, bool]) -> str:
    return key[0] + (" + shifts" if key[1] else "")


# The comparisons tutorial 2 makes, as (arm, arm): each pair differs in one thing.
SHIFT_DIFFERENCES = (
    (("max", False), ("stride", False)),
    (("blur", False), ("max", False)),
    (("avg", False), ("max", False)),
    (("max", True), ("max", False)),
    (("max", True), ("blur", False)),
    (("blur", True), ("max", True)),
    (("max gap", False), ("max", False)),
    (("aps", False), ("stride circular", False)),
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiments of tutorial 2 (``shift``), 3 (``scale``) or 6 (``transfer``).

    For ``transfer``, ``--n-train`` is the number of training digits the source
    network's digits 0-4 are taken from; ``--sizes`` the labelled sets of the target.
    """
    parser = argparse.ArgumentParser(
        prog="python -m cnn101.recipes",
        description="Run the trained experiments of the tutorials over more seeds or more data.",
    )
    parser.add_argument("experiment", choices=["shift", "scale", "transfer"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument(
        "--n-train", type=int, default=600, help="training digits (default 600, at most 4000)"
    )
    parser.add_argument("--n-test", type=int, default=500, help="test digits (<= 1000)")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[30, 300],
        help="transfer: labelled target digits per seed (default 30 300)",
    )
    parser.add_argument(
        "--part",
        choices=["all", "zoom", "channels"],
        default="all",
        help="scale: the zoom arms, the scale channels (with the plain arm they start from) "
        "or both (default all)",
    )
    args = parser.parse_args(argv)
    if any(s < 2 for s in args.sizes):
        parser.error(f"--sizes must be integers of at least 2, got {args.sizes}")
    if any(s < 0 for s in args.seeds) or len(set(args.seeds)) != len(args.seeds):
        parser.error(f"--seeds must be distinct non-negative integers, got {args.seeds}")
    if not 10 <= args.n_train <= 4000:
        parser.error(f"--n-train must be between 10 and 4000, got {args.n_train}")
    if not 1 <= args.n_test <= 1000:
        parser.error(f"--n-test must be between 1 and 1000, got {args.n_test}")
    data = digits(args.n_train, args.n_test)
    seeds = tuple(args.seeds)
    if args.experiment == "shift":
        print(_shift_report(shift_comparison(data), seeds, args.n_test))
        return 0
    if args.experiment == "transfer":
        print(transfer_table(data, seeds, args.sizes))
        return 0
    labels = [f"scale {s:g}" for s in TEST_SCALES]
    arms = zoom_recipes(data, references=args.part != "channels")
    if args.part == "channels":  # the channels start from the plain arm: train it alone
        arms = {"plain": arms["plain"]}
    zoom = run_many(arms, seeds, side_by_side="all")
    print("\naccuracy by test scale\n" + _table(zoom, "accuracy", labels))
    n_test = len(data.x_test)

    def gaps(a: str, b: str, a_values: Any, b_values: Any) -> None:
        # a - b at every test scale, with its 95 % interval (seeds and test error).
        cells = []
        for i, s in enumerate(TEST_SCALES):
            mean, (low, high) = accuracy_gap(a_values[:, i], b_values[:, i], n_test)
            cells.append(f"{s:g}x {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
        print(f"{a} - {b}: " + "  ".join(cells))

    if args.part != "channels":
        pairs = [
            ("zoom-augmented", "plain"),
            ("natural sizes", "plain"),
            ("zoom-augmented", "natural sizes"),
            ("only 0.5x", "zoom-augmented"),
            ("only 2x", "zoom-augmented"),
        ]
        for a, b in pairs:
            gaps(a, b, zoom[a].metrics["accuracy"], zoom[b].metrics["accuracy"])
    if args.part == "zoom":
        return 0
    channels = run_many(scale_channel_recipes(data, zoom["plain"]), seeds, side_by_side="all")
    print(
        "\nscale channels, fine-tuned, accuracy by test scale\n"
        + _table(channels, "accuracy", labels)
    )
    inserted = inserted_channels(data, zoom["plain"])
    print("scale channels, plain weights inserted (no fine-tuning)")
    for name, metrics in inserted.items():
        cells = [Summary.of(metrics["accuracy"][:, i]) for i in range(len(TEST_SCALES))]
        print(f"{name:28s} " + "  ".join(f"{c.mean:.3f}±{c.std:.3f}" for c in cells))
    tuned = {name: result.metrics["accuracy"] for name, result in channels.items()}
    for a, b in [("two-sided", "one-sided"), ("up-only", "one-sided"), ("two-sided", "up-only")]:
        gaps(a, b, tuned[a], tuned[b])
    for name in tuned:
        gaps(f"{name} fine-tuned", "inserted", tuned[name], inserted[name]["accuracy"])
    gaps(
        "two-sided inserted",
        "plain",
        inserted["two-sided"]["accuracy"],
        zoom["plain"].metrics["accuracy"],
    )
    print("share of pooled features by channel at test scale 2 (fine-tuned)")
    for name, result in channels.items():
        wins = result.metrics["channel_wins"].mean(axis=0)[TEST_SCALES.index(2.0)]
        scales = result.recipe.params["channels"]
        print(
            f"{name:28s} " + "  ".join(f"{c:g}: {w:.2f}" for c, w in zip(scales, wins, strict=True))
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
