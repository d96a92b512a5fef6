"""Checks for the exercises of tutorial 6, "Reuse filters at another resolution".

Each check takes the student's answer, compares it with the networks that
:mod:`cnn101.recipes` builds (counted by Keras), and returns a
:class:`~cnn101.exercises.Feedback`. A wrong answer, or one of the wrong type,
gives a "Not yet" with a hint; the checks never raise for it.
"""

from __future__ import annotations

import numbers
from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import Feedback, correct, not_yet

__all__ = ["check_copied_weights", "check_epoch_repeats", "check_trainable_weights"]

# `check_epoch_repeats`: the size of the small set and the digits an epoch passes.
REPEAT_SIZE, EPOCH_SIZE = 40, 300


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _network() -> Any:
    from cnn101.models import plain_cnn
    from cnn101.recipes import DIGIT_CANVAS

    return plain_cnn((DIGIT_CANVAS, DIGIT_CANVAS, 1))


def _conv_layers(model: Any) -> list:
    from cnn101.multiscale import _conv_layers

    return _conv_layers(model, "model")


def check_copied_weights(count: Any) -> Feedback:
    """Check how many numbers copying the first convolution of the plain network moves.

    The first layer of :func:`cnn101.multiscale.small_trunk` is a 3x3 convolution
    from 1 input channel to 8 filters, with a bias per filter.

    Parameters
    ----------
    count : int

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_copied_weights(80)), bool(check_copied_weights(72))
    (True, False)
    """
    first = _conv_layers(_network())[0]
    expected = int(first.count_params())
    if not _is_int(count):
        return not_yet(
            f"The answer must be a whole number of weights. Received: {check.describe(count)}.",
            hint="Count the kernel's numbers (height x width x inputs x filters), then the biases.",
        )
    if count == expected:
        return correct(f"3 x 3 x 1 x 8 = 72 kernel weights and 8 biases: {expected} numbers.")
    kernel = int(first.kernel.shape.num_elements())
    if count == kernel:
        return not_yet(
            f"{count} is the kernel alone.", hint="Each of the 8 filters also has a bias."
        )
    return not_yet(
        f"{check.describe(count)} is not the number of weights in that layer.",
        hint="A Conv2D kernel is (height, width, input channels, filters); add one bias per filter.",
    )


def check_trainable_weights(count: Any) -> Feedback:
    """Check how many weights the "all conv copied, frozen" network still trains.

    Its three convolutions are frozen; only the softmax layer (10 classes on the
    32 globally pooled features) learns.

    Parameters
    ----------
    count : int

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_trainable_weights(330)), bool(check_trainable_weights(320))
    (True, False)
    """
    model = _network()
    model.get_layer("trunk").trainable = False
    expected = sum(int(w.shape.num_elements()) for w in model.trainable_weights)
    if not _is_int(count):
        return not_yet(
            f"The answer must be a whole number of weights. Received: {check.describe(count)}.",
            hint="Count the weights of the layers that are not frozen.",
        )
    if count == expected:
        return correct(
            f"Only the softmax layer trains: 32 x 10 weights and 10 biases, {expected} numbers."
        )
    if count == expected - 10:
        return not_yet(f"{count} leaves out something.", hint="The softmax layer has biases too.")
    if count == model.count_params():
        return not_yet(
            f"{count} is every weight of the network.",
            hint="Frozen layers keep their weights: count only the layers that still learn.",
        )
    return not_yet(
        f"{check.describe(count)} is not the number of weights that still learn.",
        hint="The trunk ends in global max pooling over 32 channels; what follows it?",
    )


def check_epoch_repeats(repeats: Any) -> Feedback:
    """Check how often a small set of 40 digits is repeated in one epoch of 300 digits.

    Parameters
    ----------
    repeats : int

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_epoch_repeats(8)), bool(check_epoch_repeats(7))
    (True, False)
    """
    from cnn101.recipes import epoch_repeats

    expected = epoch_repeats(REPEAT_SIZE, EPOCH_SIZE)
    if not _is_int(repeats):
        return not_yet(
            f"The answer must be a whole number of copies. Received: {check.describe(repeats)}.",
            hint="An epoch passes at least 300 digits, and copies come whole.",
        )
    if repeats == expected:
        return correct(
            f"{expected} copies of 40 digits are {expected * REPEAT_SIZE} >= 300 digits."
        )
    if repeats * REPEAT_SIZE < EPOCH_SIZE:
        return not_yet(
            f"{repeats} copies pass only {repeats * REPEAT_SIZE} digits.",
            hint="At least 300 digits per epoch: round the division up.",
        )
    return not_yet(
        f"{repeats} copies pass {repeats * REPEAT_SIZE} digits, more than needed.",
        hint="Take the smallest number of copies that reaches 300.",
    )
