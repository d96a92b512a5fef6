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

from cnn101 import _validation as check
from cnn101._tf import tensorflow

tensorflow()

import keras  # noqa: E402  (after TensorFlow has loaded quietly)

from cnn101 import models  # noqa: E402
from cnn101.datasets import load_digits  # noqa: E402
from cnn101.experiments import (  # noqa: E402
    Recipe,
    Result,
    Summary,
    _t_quantile,
    run,
    run_many,
)
from cnn101.invariance import random_shifts, shifted_predictions  # noqa: E402
from cnn101.models import POOLINGS, shift_cnn  # noqa: E402  (re-exported: the tutorials' names)
from cnn101.multiscale import ScaleChannels, copy_conv_layers  # noqa: E402
from cnn101.scale import bounding_boxes, log_uniform_scales, place_digits  # noqa: E402

__all__ = [
    "CHANNEL_BUDGET",
    "CHANNEL_SETS",
    "DIGIT_CANVAS",
    "POOLINGS",
    "SHIFT_BUDGET",
    "TEST_SCALES",
    "TRANSFER_ARMS",
    "TRANSFER_BUDGET",
    "ZOOM_BUDGET",
    "ZOOM_RANGE",
    "Digits",
    "accuracy_gap",
    "channel_network",
    "channel_wins",
    "digits",
    "epoch_repeats",
    "inserted_channels",
    "scale_channel_recipes",
    "shift_cnn",
    "shift_recipes",
    "transfer_recipes",
    "zoom_recipes",
]

TEST_SCALES = (0.5, 0.71, 1.0, 1.41, 2.0)
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


def shift_recipes(
    data: Digits, *, max_shift: int = 2, augment: bool = False, poolings: Sequence[str] = POOLINGS
) -> dict[str, Recipe]:
    """Return one recipe per pooling: digits padded to 32x32, optional shift augmentation.

    Control: the arms differ only in :func:`cnn101.models.shift_cnn`'s ``pooling``;
    data, budget (early stopping after :data:`SHIFT_BUDGET`'s patience of optimizer
    steps without a lower validation loss, within its maximum of steps), learning
    rate and seeds are the same. With ``augment=True`` every training image is shifted by a new random
    offset in ``[-max_shift, max_shift]`` at every epoch.

    Metrics: ``accuracy`` on the unshifted test digits, ``consistency`` (Zhang's,
    over all pairs of shifts in ``[-max_shift, max_shift]``, see
    :func:`cnn101.invariance.shifted_predictions`) and ``accuracy_under_shifts``.
    """
    data = _check_data(data)
    augment = check.flag(augment, "augment")
    if isinstance(poolings, str) or not isinstance(poolings, Sequence) or not poolings:
        raise ValueError(
            f"`poolings` must be a non-empty sequence of {POOLINGS}. Received: poolings={check.describe(poolings)}"
        )
    x_train, x_test = _pad_digits(data.x_train), _pad_digits(data.x_test)
    max_shift = check.non_negative_int(max_shift, "max_shift")

    def evaluate(model: keras.Model) -> dict[str, float]:
        predictions = shifted_predictions(model, x_test, max_shift=max_shift, batch_size=1024)
        unshifted = int(np.flatnonzero((predictions.offsets == 0).all(axis=1))[0])
        return {
            "accuracy": float((predictions.classes[:, unshifted] == data.y_test).mean()),
            "consistency": predictions.consistency,
            "accuracy_under_shifts": predictions.accuracy(data.y_test),
        }

    def shifted(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
        return random_shifts(x, max_shift, seed=rng), y

    recipes = {}
    for pooling in poolings:
        if pooling not in POOLINGS:
            raise ValueError(
                f"`poolings` must hold names from {POOLINGS}. Received: {check.describe(pooling)}"
            )
        recipes[pooling] = Recipe(
            name=("stride 2, no pooling" if pooling == "stride" else f"{pooling} pooling")
            + (", shifted" if augment else ""),
            build=lambda pooling=pooling: shift_cnn(pooling),
            x=x_train,
            y=data.y_train,
            evaluate=evaluate,
            augment=shifted if augment else None,
            max_steps=SHIFT_BUDGET[0],
            patience=SHIFT_BUDGET[1],
            params={"pooling": pooling, "max_shift": max_shift, "augment": augment},
        )
    return recipes


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

    The same positions as :func:`cnn101.scale.place_digits` draws, without resizing
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


def zoom_recipes(data: Digits, *, canvas: int = DIGIT_CANVAS) -> dict[str, Recipe]:
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

    return {
        "plain": arm("plain", 1.0),
        "zoom-augmented": arm("zoom-augmented", _zoom_scales, redrawn=True),
        "natural sizes": arm("natural sizes", _zoom_scales),
        "only 0.5x": arm("only 0.5x", 0.5),
        "only 2x": arm("only 2x", 2.0),
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


def _channel_metrics(data: Digits, tests: list[np.ndarray], canvas: int):
    """Return ``metrics(model)``: accuracy per test scale and channel wins (200 digits each)."""

    def metrics(twin: keras.Model) -> dict[str, list]:
        accuracy = _accuracy_by_scale(data, canvas)(twin)
        wins = [channel_wins(twin, t[:200]).tolist() for t in tests]
        return {**accuracy, "channel_wins": wins}

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

    Returns
    -------
    dict of str to dict of str to ndarray
        Per channel set, ``"accuracy"`` of shape (seeds, len(TEST_SCALES)) and
        ``"channel_wins"`` of shape (seeds, len(TEST_SCALES), channels), seed-major
        in the order of ``plain.seeds``: the metrics of :func:`scale_channel_recipes`.
    """
    data = _check_data(data)
    if not isinstance(plain, Result):
        raise TypeError(f"`plain` must be a Result. Received: plain={check.describe(plain)}")
    channels = _check_channels(channels)
    canvas = check.positive_int(canvas, "canvas")
    metrics = _channel_metrics(data, _test_digits(data, canvas), canvas)
    out = {}
    for name, scales in channels.items():
        twin, per_seed = _channel_cnn(scales, canvas), []  # one network, traced once
        for seed in plain.seeds:
            twin.set_weights(plain.model(seed).get_weights())
            per_seed.append(metrics(twin))
        out[name] = {key: np.array([m[key] for m in per_seed]) for key in per_seed[0]}
    return out


def accuracy_gap(
    a: Any, b: Any, n_test: int, level: float = 0.95
) -> tuple[float, tuple[float, float]]:
    """Return the mean paired difference ``a - b`` of accuracies and its confidence interval.

    The interval is Student's t over the seeds (n - 1 degrees of freedom) with the
    half-width ``t * sqrt(sem**2 + p_a (1 - p_a) / n_test + p_b (1 - p_b) / n_test)``:
    the spread over seeds plus the binomial error of each arm's accuracy on the
    fixed ``n_test``-example test set (counted as if the two were independent,
    which is conservative for one shared test set).

    Parameters
    ----------
    a, b : array_like of shape (seeds,)
        Accuracies in [0, 1], seed by seed in the same order.
    n_test : int
        Test examples behind each accuracy.
    level : float, default 0.95

    Returns
    -------
    (float, (float, float))
        The mean difference and its interval.

    Examples
    --------
    >>> mean, (low, high) = accuracy_gap([0.9, 0.8, 0.85], [0.6, 0.5, 0.6], n_test=500)
    >>> round(mean, 3), round(low, 3), round(high, 3)
    (0.283, 0.146, 0.421)
    """
    for name, value in (("a", a), ("b", b)):
        if np.asarray(value).dtype.kind == "b":
            raise TypeError(
                f"`{name}` must be accuracies, not booleans. Received: {name}={value!r}"
            )
    a, b = check.as_float_array(a, "a"), check.as_float_array(b, "b")
    if a.ndim != 1 or a.shape != b.shape or a.size < 2:
        raise ValueError(
            "`a` and `b` must be 1-D sequences of the same length, at least 2 seeds. "
            f"Received: shapes {a.shape} and {b.shape}"
        )
    if not (((a >= 0) & (a <= 1)).all() and ((b >= 0) & (b <= 1)).all()):
        raise ValueError(
            f"`a` and `b` must be accuracies in [0, 1]. Received: a={a.tolist()}, b={b.tolist()}"
        )
    n_test = check.positive_int(n_test, "n_test")
    paired = Summary.of(a - b)
    pa, pb = a.mean(), b.mean()
    spread = paired.sem**2 + (pa * (1 - pa) + pb * (1 - pb)) / n_test
    if isinstance(level, bool) or not check.is_finite_number(level) or not 0 < level < 1:
        raise ValueError(
            f"`level` must be a number strictly between 0 and 1. Received: level={check.describe(level)}"
        )
    t = _t_quantile(float(level), a.size - 1)
    half = t * float(np.sqrt(spread))
    return paired.mean, (paired.mean - half, paired.mean + half)


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
        for augment in (False, True):
            results = {n: run(r, seeds) for n, r in shift_recipes(data, augment=augment).items()}
            print(f"\nshift augmentation: {augment}")
            print("consistency\n" + _table(results, "consistency"))
            print("accuracy\n" + _table(results, "accuracy"))
        return 0
    labels = [f"scale {s:g}" for s in TEST_SCALES]
    zoom = run_many(zoom_recipes(data), seeds, side_by_side="all")
    print("\naccuracy by test scale\n" + _table(zoom, "accuracy", labels))
    n_test = len(data.x_test)
    pairs = [
        ("zoom-augmented", "plain"),
        ("natural sizes", "plain"),
        ("zoom-augmented", "natural sizes"),
        ("only 0.5x", "zoom-augmented"),
        ("only 2x", "zoom-augmented"),
    ]
    for a, b in pairs:
        cells = []
        for i, s in enumerate(TEST_SCALES):
            mean, (low, high) = accuracy_gap(
                zoom[a].metrics["accuracy"][:, i], zoom[b].metrics["accuracy"][:, i], n_test
            )
            cells.append(f"{s:g}x {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
        print(f"{a} - {b}: " + "  ".join(cells))
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
    print("share of pooled features by channel at test scale 2 (fine-tuned)")
    for name, result in channels.items():
        wins = result.metrics["channel_wins"].mean(axis=0)[TEST_SCALES.index(2.0)]
        scales = result.recipe.params["channels"]
        print(
            f"{name:28s} " + "  ".join(f"{c:g}: {w:.2f}" for c, w in zip(scales, wins, strict=True))
        )
    if args.n_train <= 3600:  # the transfer sets come after the training digits
        for size in (30, 100, 300):
            arms = {
                n: run(r, seeds) for n, r in transfer_recipes(data, zoom["plain"], size).items()
            }
            print(f"\ntransfer to scale 0.5 with {size} digits\n" + _table(arms, "accuracy"))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
