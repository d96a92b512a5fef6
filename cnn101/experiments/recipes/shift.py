"""Tutorial 2's trained comparisons: which downsampling keeps a digit classifier's answer under shifts.

Each arm of :func:`shift_recipes` differs from the others in its downsampling
(max, average, max-blur pooling or stride 2) or its head (flatten or global
average); :func:`aps_recipes` adds adaptive polyphase sampling with circular
padding; :func:`shift_comparison` measures consistency and accuracy over the test
shifts (:data:`TEST_SHIFTS`, beyond the trained range).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import models
from cnn101._tf import keras
from cnn101.experiments import (
    Recipe,
)
from cnn101.experiments.recipes.data import (
    Digits,
    check_data,
    digits,  # noqa: F401  (the Examples use it)
)
from cnn101.invariance import (
    ShiftedPredictions,
    random_shifts,
    shift,
    shifted_predictions,
)
from cnn101.models import (
    POOLINGS,
    aps_cnn,
    shift_cnn,
    shift_cnn_gap,
)

__all__ = ["SHIFT_BUDGET", "TEST_SHIFTS", "aps_recipes", "shift_comparison", "shift_recipes"]


# Test shifts beyond the trained +-2: the 28x28 digits padded to 32x32 keep about 6 empty
# pixels on each side (MNIST's 20x20 box plus the pad), so zero-fill shifts up to 6 lose
# almost no ink (measured in tutorial 2).
TEST_SHIFTS = (0, 1, 2, 3, 4, 5, 6)


# Budgets as (max_steps, patience), in optimizer steps (batches of 128 unless stated).
SHIFT_BUDGET = (2000, 60)  # 480 training digits: 4 steps an epoch, patience 15 epochs


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

    Metrics: ``accuracy`` on the unshifted test digits and ``correct`` (per test
    digit, 1 where it is classified right), ``consistency`` (Zhang's, over all pairs
    of shifts in ``[-max_shift, max_shift]``, see
    :func:`cnn101.invariance.shifted_predictions`) and ``consistent`` (the same per
    test digit), ``accuracy_under_shifts``, and
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
    data = check_data(data)
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
            "correct": (classes == data.y_test).astype(float).tolist(),
            "consistency": predictions.consistency,
            "consistent": predictions.image_consistency.tolist(),
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
    data = check_data(data)
    shifted = check.sequence(shifted, "shifted", f"a non-empty sequence of {POOLINGS}")
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
    :func:`numpy.roll`, over ``[-max_shift, max_shift]`` squared; per test digit
    ``circular_consistent``) and
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
    data = check_data(data)
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
            "circular_consistent": circular.image_consistency.tolist(),
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
