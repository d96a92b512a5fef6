"""Tutorial 3's trained comparisons: networks tested at scales they did or did not see.

:func:`zoom_recipes`: a plain network, zoom augmentation, naturally varied sizes
and the single-scale specialists, each arm differing only in the sizes it saw;
:func:`scale_channel_recipes` and :func:`inserted_channels`: the plain network's
weights in a scale-channel network, fine-tuned or inserted unchanged;
:func:`channel_wins`: which channel supplies the pooled features.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import models
from cnn101._tf import keras
from cnn101.digits import bounding_boxes, log_uniform_scales, place_digits
from cnn101.experiments import (
    Recipe,
    Result,
    run,  # noqa: F401  (the Examples use it)
)
from cnn101.experiments.recipes.data import (
    DIGIT_CANVAS,
    TEST_SCALES,
    Digits,
    check_data,
    digits,  # noqa: F401  (the Examples use it)
)
from cnn101.layers.scale_channels import ScaleChannels

__all__ = [
    "CHANNEL_BUDGET",
    "CHANNEL_SETS",
    "PLAIN_FINE_TUNED",
    "ZOOM_BUDGET",
    "ZOOM_RANGE",
    "channel_network",
    "channel_wins",
    "inserted_channels",
    "scale_channel_recipes",
    "zoom_recipes",
]


ZOOM_BUDGET = (2000, 60)


CHANNEL_BUDGET = (1000, 30)  # fine-tuning from a trained network


def _accuracy_by_scale(data: Digits, canvas: int):
    def evaluate(model: keras.Model) -> dict[str, list[float]]:
        correct = models.accuracy_by_scale(
            model, data.x_test, data.y_test, TEST_SCALES, canvas=canvas, seed=4, per_example=True
        )
        return {"accuracy": correct.mean(axis=1).tolist(), "correct": correct.tolist()}

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

    Metrics: ``accuracy`` at each of :data:`TEST_SCALES` (the same test digits and
    positions for every arm and seed), and ``correct`` of shape
    (len(TEST_SCALES), n_test): which test digits were classified right at each
    scale (for :func:`cnn101.experiments.compare`).

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
    data = check_data(data)
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


def source_id(result: Result) -> list[str]:
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


PLAIN_FINE_TUNED = "plain, fine-tuned"  # the control arm of scale_channel_recipes


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
    control: bool = True,
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

    Fine-tuning changes three things at once besides the channels: more optimizer
    steps, the 28-pixel canvas and a fresh optimizer. The control arm
    :data:`PLAIN_FINE_TUNED` (with ``control=True``) gets exactly those three and no
    channels: the plain network of each seed fine-tuned the same way, so "channels
    fine-tuned - plain, fine-tuned" is the effect of the channels with the
    fine-tuning held fixed, and "plain, fine-tuned - plain" the effect of the
    fine-tuning alone.

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
    control : bool, default True
        Also return the control arm :data:`PLAIN_FINE_TUNED` (its ``channels``
        parameter is empty).
    train_canvas : int, default 28
    canvas : int, default 40

    Returns
    -------
    dict of str to Recipe
        Metrics: ``accuracy`` at each of :data:`TEST_SCALES` and ``correct`` per test
        digit (as in :func:`zoom_recipes`); for the channel arms also
        ``channel_wins``, per test scale, the share of pooled features each channel
        supplies (see :func:`channel_wins`).

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
    >>> list(arms), arms[PLAIN_FINE_TUNED].params["channels"]
    (['two-sided', 'plain, fine-tuned'], [])
    """
    data = check_data(data)
    check.instance(plain, "plain", Result, "a Result")
    channels = _check_channels(channels)
    control = check.flag(control, "control")
    if control and PLAIN_FINE_TUNED in channels:
        raise ValueError(
            f"`channels` must not use the control arm's name {PLAIN_FINE_TUNED!r} when "
            f"control=True. Received: channels={check.describe(channels)}"
        )
    train_canvas = check.positive_int(train_canvas, "train_canvas")
    canvas = check.positive_int(canvas, "canvas")
    tests = _test_digits(data, canvas)

    def evaluator(scales: tuple[float, ...] | None):
        metrics = _channel_metrics(data, tests, canvas, wins=scales is not None)
        twins: list[keras.Model] = []  # one network at the test canvas, traced once

        def evaluate(model: keras.Model) -> dict[str, list]:
            if not twins:
                twins.append(
                    models.plain_cnn((canvas, canvas, 1), learning_rate=3e-3)
                    if scales is None
                    else _channel_cnn(scales, canvas)
                )
            twins[0].set_weights(model.get_weights())  # the same weights at the test canvas
            return metrics(twins[0])

        return evaluate

    arms: dict[str, tuple[float, ...] | None] = {k: tuple(v) for k, v in channels.items()}
    if control:
        arms[PLAIN_FINE_TUNED] = None
    return {
        name: Recipe(
            name,
            build=lambda seed, scales=scales: _from_source(plain, seed, scales, train_canvas),
            x=data.x_train,
            y=data.y_train,
            evaluate=evaluator(scales),
            draw=_placer(train_canvas, 1.0),
            augment=_reposition,
            max_steps=CHANNEL_BUDGET[0],
            patience=CHANNEL_BUDGET[1],
            min_delta=0.0,
            params={
                "channels": list(scales or ()),
                "canvas": [train_canvas, canvas],
                "source": source_id(plain),
            },
        )
        for name, scales in arms.items()
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
        ``"correct"`` of shape (seeds, len(TEST_SCALES), n_test); with ``wins``, ``"channel_wins"`` of shape (seeds, len(TEST_SCALES), channels).

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
    data = check_data(data)
    check.instance(plain, "plain", Result, "a Result")
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
    if not result.recipe.params["channels"]:
        raise ValueError(
            f"`result` must be a scale-channel arm, not the control arm {PLAIN_FINE_TUNED!r}, "
            f"which has no channels. Received: {check.describe(result)}"
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
    check.instance(model, "model", keras.Model, "a Keras model")
    layers = [layer for layer in model.layers if isinstance(layer, ScaleChannels)]
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
