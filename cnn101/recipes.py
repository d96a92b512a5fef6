"""The trained experiments of tutorials 2 and 3, as recipes for :func:`cnn101.experiments.run`.

Each function returns a :class:`cnn101.experiments.Recipe` (or a dict of them, one
per arm of a comparison) whose arms differ in one thing only, named in its
docstring; the architecture, data, budget and seeds are held fixed. The tutorials
run them at a size that fits a lab session; the command line runs them larger::

    python -m cnn101.recipes shift --seeds 0 1 2 3 4 --n-train 4000
    python -m cnn101.recipes scale --seeds 0 1 2 3 4 --n-train 2000

Digits come from :func:`cnn101.datasets.load_digits`; images are NHWC.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from cnn101 import _validation as check
from cnn101._tf import tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

from cnn101 import models  # noqa: E402
from cnn101.datasets import load_digits  # noqa: E402
from cnn101.experiments import Recipe, Result, difference, run, run_many  # noqa: E402
from cnn101.invariance import (  # noqa: E402
    ShiftedPredictions,
    random_shifts,
    shift,
    shifted_predictions,
)
from cnn101.models import POOLINGS, shift_cnn  # noqa: E402  (re-exported: the tutorials' names)
from cnn101.multiscale import ScaleChannels, copy_conv_layers  # noqa: E402
from cnn101.polyphase import aps_cnn  # noqa: E402
from cnn101.scale import log_uniform_scales, place_digits  # noqa: E402

__all__ = [
    "CHANNEL_BUDGET",
    "DIGIT_CANVAS",
    "POOLINGS",
    "SHIFT_BUDGET",
    "TEST_SCALES",
    "TEST_SHIFTS",
    "TRANSFER_ARMS",
    "TRANSFER_BUDGET",
    "ZOOM_BUDGET",
    "Digits",
    "aps_recipes",
    "channel_network",
    "channel_wins",
    "digits",
    "epoch_repeats",
    "paired_interval",
    "scale_channel_recipes",
    "shift_cnn",
    "shift_cnn_gap",
    "shift_comparison",
    "shift_recipes",
    "transfer_recipes",
    "zoom_recipes",
]

TEST_SCALES = (0.5, 0.71, 1.0, 1.41, 2.0)
# Test shifts beyond the trained +-2: the 28x28 digits padded to 32x32 keep about 6 empty
# pixels on each side (MNIST's 20x20 box plus the pad), so zero-fill shifts up to 6 lose
# almost no ink (measured in tutorial 2).
TEST_SHIFTS = (0, 1, 2, 3, 4, 5, 6)
DIGIT_CANVAS = 40  # a digit at scale 2 (40 pixels tall) just fits
TRANSFER_ARMS = ("from scratch", "first conv copied", "all conv copied", "all conv copied, frozen")
# Budgets as (max_steps, patience), in optimizer steps (batches of 128 unless stated).
SHIFT_BUDGET = (2000, 60)  # 480 training digits: 4 steps an epoch, patience 15 epochs
ZOOM_BUDGET = (2000, 60)
CHANNEL_BUDGET = (1000, 30)  # fine-tuning from a trained network
TRANSFER_BUDGET = (1000, 50)  # batches of 64: 5 steps an epoch of 300 digits


@dataclass(frozen=True)
class Digits:
    """A fixed train/test draw of MNIST digits (28x28, float32 in [0, 1])."""

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


def shift_cnn_gap(
    pooling: str = "max",
    input_shape: tuple[int, int, int] = (32, 32, 1),
    filters: Sequence[int] = (8, 16, 16),
    learning_rate: float = 3e-3,
) -> keras.Model:
    """Return :func:`shift_cnn` with a global-average-pooling head instead of a flat one.

    The convolutions and downsampling steps are :func:`shift_cnn`'s own layers (built
    by it, same arguments); only the head differs: the last feature map is averaged
    over its positions (one number per channel) before the dense layer, so the head
    itself forgets where a feature was, as in most modern CNNs.

    Parameters
    ----------
    pooling : {"max", "avg", "blur", "stride"}, default "max"
    input_shape : (int, int, int), default (32, 32, 1)
    filters : sequence of int, default (8, 16, 16)
    learning_rate : float, default 3e-3

    Returns
    -------
    keras.Model
        Maps (N, H, W, C) to (N, 10) logits, compiled as :func:`shift_cnn`.

    Examples
    --------
    >>> shift_cnn_gap("max").count_params()  # 6138 - (16 * 16 * 10 - 16 * 10)
    3738
    >>> type(shift_cnn_gap("max").layers[-2]).__name__
    'GlobalAveragePooling2D'
    """
    flat = shift_cnn(pooling, input_shape, filters, learning_rate)
    trunk = flat.layers[:-2]  # all but Flatten and Dense
    head = [keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(10)]
    model = keras.Sequential(
        [keras.Input(flat.input_shape[1:]), *trunk, *head],
        name=f"{pooling}_gap_cnn",
    )
    return models._compiled(model, learning_rate, logits=True)


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
    """
    data = _check_data(data)
    augment = check.flag(augment, "augment")
    if head not in _HEADS:
        raise ValueError(f"`head` must be one of {_HEADS}. Received: head={check.describe(head)}")
    if isinstance(poolings, str) or not isinstance(poolings, Sequence) or not poolings:
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
        for moved in far:
            moved_classes = model.predict(moved, batch_size=1024, verbose=0).argmax(-1)
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


def shift_comparison(data: Digits) -> dict[tuple[str, bool], Recipe]:
    """Return every arm of tutorial 2, keyed by ``(network, shifted training)``.

    The eight arms of :func:`shift_recipes` (four poolings, with and without shift
    augmentation) and ``("max gap", False)``: max pooling with the
    global-average-pooling head of :func:`shift_cnn_gap`, trained without shifts
    (compare it with ``("max", False)``: only the head differs); and the two arms of
    :func:`aps_recipes`, ``("aps", False)`` and ``("stride circular", False)``.

    Parameters
    ----------
    data : Digits

    Returns
    -------
    dict of (str, bool) to Recipe
    """
    data = _check_data(data)
    arms: dict[tuple[str, bool], Recipe] = {}
    for augment in (False, True):
        for pooling, recipe in shift_recipes(data, augment=augment).items():
            arms[pooling, augment] = recipe
    arms["max gap", False] = shift_recipes(data, poolings=["max"], head="gap")["max"]
    aps = aps_recipes(data)
    arms["aps", False], arms["stride circular", False] = aps["aps"], aps["stride"]
    return arms


def aps_recipes(data: Digits, *, max_shift: int = 2) -> dict[str, Recipe]:
    """Return the two arms of the exact-invariance test: APS against a fixed stride-2 grid.

    Both are :func:`cnn101.polyphase.aps_cnn` networks (circularly padded 3x3
    convolutions, three stride-2 downsamplings, a global-average-pooling head),
    trained without shifts on the digits of :func:`shift_recipes` with its budget;
    only the downsampling differs: ``"aps"`` (adaptive polyphase sampling) or
    ``"stride"`` (every second pixel of a fixed grid).

    Metrics: those of :func:`shift_recipes` (zero-fill shifts), plus
    ``circular_consistency`` (the same consistency under circular shifts,
    :func:`numpy.roll`, over ``[-max_shift, max_shift]`` squared) and
    ``circular_logit_change`` (the largest change of any logit under those circular
    shifts, relative to the largest logit).
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


def zoom_recipes(data: Digits, *, canvas: int = DIGIT_CANVAS) -> dict[str, Recipe]:
    """Return the three arms: plain, zoom-augmented and naturally varied sizes.

    Control: the same network (:func:`cnn101.models.plain_cnn`, Adam at 0.003), the
    same digits, budget (:data:`ZOOM_BUDGET`: early stopping after its patience of
    optimizer steps, within its maximum) and seeds; only the sizes the network sees in training differ:

    * ``"plain"``: every digit at scale 1 (about 20 pixels tall);
    * ``"zoom-augmented"``: every digit at a new log-uniform scale in [0.5, 2] at every
      epoch (random zoom applied as the network trains);
    * ``"natural sizes"``: every digit at a log-uniform scale in [0.5, 2] drawn once
      (a data set whose objects come in many sizes; no augmentation).

    Metric: ``accuracy`` at each of :data:`TEST_SCALES`.
    """
    data = _check_data(data)
    canvas = check.positive_int(canvas, "canvas")
    n = len(data.x_train)
    evaluate = _accuracy_by_scale(data, canvas)

    def zoomed(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        scales = log_uniform_scales(len(x), 0.5, 2.0, seed=rng)
        return place_digits(x, scales, canvas=canvas, seed=rng), y

    natural = log_uniform_scales(n, 0.5, 2.0, seed=2)
    common = {
        "build": lambda: models.plain_cnn((canvas, canvas, 1), learning_rate=3e-3),
        "y": data.y_train,
        "evaluate": evaluate,
        "max_steps": ZOOM_BUDGET[0],
        "patience": ZOOM_BUDGET[1],
    }
    return {
        "plain": Recipe(
            "plain",
            x=place_digits(data.x_train, 1.0, canvas=canvas, seed=1),
            params={"canvas": canvas},
            **common,
        ),
        "zoom-augmented": Recipe(
            "zoom-augmented", x=data.x_train, augment=zoomed, params={"canvas": canvas}, **common
        ),
        "natural sizes": Recipe(
            "natural sizes",
            x=place_digits(data.x_train, natural, canvas=canvas, seed=3),
            params={"canvas": canvas},
            **common,
        ),
    }


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
    fine-tunes on the same scale-1 digits with the same budget, and has the same
    weights; only the set of scale channels differs. Default arms:
    ``"one-sided"`` (1, 0.71, 0.5), channels that only shrink, and ``"two-sided"``
    (2, 1.41, 1, 0.71, 0.5), channels on both sides of the training scale.

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
    train_canvas : int, default 28
    canvas : int, default 40

    Returns
    -------
    dict of str to Recipe
        Metric: ``accuracy`` at each of :data:`TEST_SCALES`.
    """
    data = _check_data(data)
    if not isinstance(plain, Result):
        raise TypeError(f"`plain` must be a Result. Received: plain={check.describe(plain)}")
    if channels is not None and (
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
    channels = channels or {"one-sided": (1.0, 0.71, 0.5), "two-sided": (2.0, 1.41, 1.0, 0.71, 0.5)}
    channels = {
        name: tuple(check.real_number(s, "channels", positive=True) for s in scales)
        for name, scales in channels.items()
    }
    train_canvas = check.positive_int(train_canvas, "train_canvas")
    canvas = check.positive_int(canvas, "canvas")
    tests = [place_digits(data.x_test, s, canvas=canvas, seed=4) for s in TEST_SCALES]
    x = place_digits(data.x_train, 1.0, canvas=train_canvas, seed=1)

    def evaluator(scales: tuple[float, ...]):
        twins: list[keras.Model] = []  # one network at the test canvas, traced once

        def evaluate(model: keras.Model) -> dict[str, list[float]]:
            if not twins:
                twins.append(_channel_cnn(scales, canvas))
            twin = twins[0]
            twin.set_weights(model.get_weights())  # the same weights at the test canvas
            accuracy = _accuracy_by_scale(data, canvas)(twin)
            wins = [channel_wins(twin, t[:200]).tolist() for t in tests]
            return {**accuracy, "channel_wins": wins}

        return evaluate

    return {
        name: Recipe(
            name,
            build=lambda seed, scales=tuple(scales): _from_source(
                plain, seed, scales, train_canvas
            ),
            x=x,
            y=data.y_train,
            evaluate=evaluator(tuple(scales)),
            max_steps=CHANNEL_BUDGET[0],
            patience=CHANNEL_BUDGET[1],
            min_delta=0.005,
            params={
                "channels": list(scales),
                "canvas": [train_canvas, canvas],
                "source": _source_id(plain),
            },
        )
        for name, scales in channels.items()
    }


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
        A model with one :class:`cnn101.multiscale.ScaleChannels` layer (max pooling).
    images : array_like of shape (N, H, W, 1)

    Returns
    -------
    ndarray of shape (len(scales),), summing to 1
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


def transfer_recipes(
    data: Digits,
    plain: Result,
    size: int,
    *,
    target_scale: float = 0.5,
    canvas: int = 24,
    n_validation: int = 100,
    epoch_size: int = 300,
) -> dict[str, Recipe]:
    """Return the four transfer arms for a small set of ``size`` digits at ``target_scale``.

    The target task is low resolution: digits at ``target_scale`` (10 pixels tall
    at 0.5) on small ``canvas`` x ``canvas`` images. The network is the one
    :func:`zoom_recipes` trains (its convolutions and global pooling work at any
    image size), so its filters can be copied across.

    Control: the same network, the same ``size`` labelled digits (drawn from the
    digits after the ones :func:`zoom_recipes` trains on), the same budget
    (:data:`TRANSFER_BUDGET`: early stopping after its patience of optimizer steps,
    batches of 64, on a fixed set of ``n_validation`` other digits, within its
    maximum of steps; a small set is repeated so that an epoch passes at least
    ``epoch_size`` digits) and seeds; only the starting weights differ:
    ``"from scratch"`` (random), ``"first conv copied"`` (the first convolution from
    the plain network trained at scale 1, same seed), ``"all conv copied"`` (all
    three), ``"all conv copied, frozen"`` (all three, not trained further: only the
    softmax layer learns, as a linear probe, with Adam's step raised from 0.003 to
    0.01 so that it converges within the budget).

    Metric: ``accuracy`` on the test digits at ``target_scale``.
    """
    data = _check_data(data)
    size = check.positive_int(size, "size")
    target_scale = check.real_number(target_scale, "target_scale", positive=True)
    canvas = check.positive_int(canvas, "canvas")
    if round(28 * target_scale) > canvas:
        raise ValueError(
            f"`target_scale` must fit a 28-pixel digit on the {canvas}x{canvas} `canvas` "
            f"(at most {canvas / 28:.3g}). Received: target_scale={check.describe(target_scale)}"
        )
    if not isinstance(plain, Result):
        raise TypeError(f"`plain` must be a Result. Received: plain={check.describe(plain)}")
    n_validation = check.positive_int(n_validation, "n_validation")
    epoch_size = check.positive_int(epoch_size, "epoch_size")
    start = len(plain.recipe.x)
    (x_all, y_all), _ = load_digits()
    if start + n_validation + size > len(x_all):
        raise ValueError(
            f"`size` must be at most {len(x_all) - start - n_validation}. Received: size={size}"
        )
    val = slice(start, start + n_validation)
    validation = (place_digits(x_all[val], target_scale, canvas=canvas, seed=6), y_all[val])
    start += n_validation
    x = place_digits(x_all[start : start + size], target_scale, canvas=canvas, seed=5)
    labels = y_all[start : start + size]
    repeats = epoch_repeats(size, epoch_size)
    x, labels = np.concatenate([x] * repeats), np.concatenate([labels] * repeats)
    test = place_digits(data.x_test, target_scale, canvas=canvas, seed=4)

    def evaluate(model: keras.Model) -> dict[str, float]:
        return {
            "accuracy": float((model.predict(test, verbose=0).argmax(-1) == data.y_test).mean())
        }

    def build(seed: int, copied: int, frozen: bool) -> keras.Model:
        model = models.plain_cnn((canvas, canvas, 1), learning_rate=3e-3)
        if copied:
            copy_conv_layers(plain.model(seed), model, count=copied)
        if frozen:  # a linear probe: only the softmax layer learns, with a larger step
            model.get_layer("trunk").trainable = False
            model.compile(
                keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"]
            )
        return model

    settings = dict(
        zip(TRANSFER_ARMS, [(0, False), (1, False), (3, False), (3, True)], strict=True)
    )
    return {
        arm: Recipe(
            f"{arm}, {size} digits",
            build=lambda seed, c=copied, f=frozen: build(seed, c, f),
            x=x,
            y=labels,
            evaluate=evaluate,
            max_steps=TRANSFER_BUDGET[0],
            patience=TRANSFER_BUDGET[1],
            min_delta=0.005,
            batch_size=64,
            validation=validation,
            params={"arm": arm, "size": size, "scale": target_scale, "source": _source_id(plain)},
        )
        for arm, (copied, frozen) in settings.items()
    }


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


def paired_interval(
    a: Result, b: Result, metric: str, *, n_test: int, level: float = 0.95
) -> tuple[float, float, float]:
    """Return the mean paired difference ``a - b`` of a proportion and its interval.

    The interval is Student's t over the seeds' paired differences
    (:func:`cnn101.experiments.difference`), widened by the test set's own error:
    its half-width is ``t * sqrt(sem**2 + se_a**2 + se_b**2)``, where ``se_a`` and
    ``se_b`` are the binomial errors of each arm's mean on the ``n_test`` test
    examples (:meth:`cnn101.experiments.Summary.binomial_se`). The two arms are
    measured on the same test set, so this is conservative: the errors of two
    networks on the same examples are positively correlated.

    Parameters
    ----------
    a, b : Result
        Two arms run with the same seeds; ``metric`` a proportion in [0, 1].
    metric : str
    n_test : int
    level : float, default 0.95

    Returns
    -------
    (float, float, float)
        Mean, low and high.
    """
    n_test = check.positive_int(n_test, "n_test")
    paired = difference(a, b, metric)
    paired.interval(level)  # checks the level and that there are at least 2 seeds
    t = float(stats.t.ppf(0.5 + level / 2, paired.n - 1))
    test_error = sum(r.summary(metric).binomial_se(n_test) ** 2 for r in (a, b))
    half = t * float(np.sqrt(paired.sem**2 + test_error))
    return paired.mean, paired.mean - half, paired.mean + half


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
    """Run the experiments of tutorial 2 (``shift``) or 3 (``scale``) at a chosen size."""
    parser = argparse.ArgumentParser(
        prog="python -m cnn101.recipes",
        description="Run the trained experiments of the tutorials over more seeds or more data.",
    )
    parser.add_argument("experiment", choices=["shift", "scale"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    parser.add_argument(
        "--n-train", type=int, default=600, help="training digits (default 600, at most 4000)"
    )
    parser.add_argument("--n-test", type=int, default=500, help="test digits (<= 1000)")
    args = parser.parse_args(argv)
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
    labels = [f"scale {s:g}" for s in TEST_SCALES]
    zoom = {n: run(r, seeds) for n, r in zoom_recipes(data).items()}
    print("\naccuracy by test scale\n" + _table(zoom, "accuracy", labels))
    channels = {n: run(r, seeds) for n, r in scale_channel_recipes(data, zoom["plain"]).items()}
    print("\nscale channels, accuracy by test scale\n" + _table(channels, "accuracy", labels))
    if args.n_train <= 3600:  # the transfer sets come after the training digits
        for size in (30, 100, 300):
            arms = {
                n: run(r, seeds) for n, r in transfer_recipes(data, zoom["plain"], size).items()
            }
            print(f"\ntransfer to scale 0.5 with {size} digits\n" + _table(arms, "accuracy"))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
