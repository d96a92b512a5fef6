"""Checks for the exercises of tutorial 6, "Reuse filters at another resolution".

Each check takes the student's answer, compares it with the networks that
:mod:`cnn101.experiments.recipes` builds (counted by Keras), and returns a
:class:`~cnn101.exercises.Feedback`. A wrong answer, or one of the wrong type,
gives a "Not yet" with a hint; the checks never raise for it.
"""

from __future__ import annotations

from typing import Any

from cnn101 import _validation as check
from cnn101.exercises import Feedback, correct, not_yet

__all__ = [
    "check_copied_weights",
    "check_epoch_repeats",
    "check_trainable_weights",
    "check_two_frozen_trainable",
]

# `check_epoch_repeats`: the size of the small set and the digits an epoch passes.
REPEAT_SIZE, EPOCH_SIZE = 40, 300


def _network() -> Any:
    from cnn101.experiments.recipes import TARGET_CLASSES
    from cnn101.models import plain_cnn

    return plain_cnn((24, 24, 1), num_classes=len(TARGET_CLASSES))


def _frozen(count: int) -> Any:
    from cnn101.experiments.recipes import freeze_conv_layers

    return freeze_conv_layers(_network(), count)


def _trainable(model: Any) -> int:
    return sum(int(w.shape.num_elements()) for w in model.trainable_weights)


def _conv_layers(model: Any) -> list:
    from cnn101.models import conv_layers

    return conv_layers(model, "model")


def check_copied_weights(count: Any) -> Feedback:
    """Check how many numbers copying the first convolution of the plain network moves.

    The first layer of :func:`cnn101.models.small_trunk` is a 3x3 convolution
    from 1 input channel to 8 filters, with a bias per filter.

    Parameters
    ----------
    count : int
        The number of weights and biases in that layer.

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
    if not check.is_integer(count):
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
    """Check how many weights the "3 conv copied, frozen" network (a linear probe) trains.

    Its three convolutions are frozen; only the softmax layer (5 classes, the
    digits 5-9, on the 32 globally pooled features) learns.

    Parameters
    ----------
    count : int
        The number of weights that still learn.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] J. Yosinski, J. Clune, Y. Bengio and H. Lipson, "How transferable are features
       in deep neural networks?", NeurIPS, 2014. arXiv:1411.1792

    Examples
    --------
    >>> bool(check_trainable_weights(165)), bool(check_trainable_weights(330))
    (True, False)
    """
    model = _frozen(3)
    expected = _trainable(model)
    if not check.is_integer(count):
        return not_yet(
            f"The answer must be a whole number of weights. Received: {check.describe(count)}.",
            hint="Count the weights of the layers that are not frozen.",
        )
    if count == expected:
        return correct(
            f"Only the softmax layer trains: 32 x 5 weights and 5 biases, {expected} numbers."
        )
    if count == expected - 5:
        return not_yet(f"{count} leaves out something.", hint="The softmax layer has biases too.")
    if count == 32 * 10 + 10:
        return not_yet(
            f"{count} is a softmax layer for 10 classes.",
            hint="The target task has only the digits 5-9.",
        )
    if count == model.count_params():
        return not_yet(
            f"{count} is every weight of the network.",
            hint="Frozen layers keep their weights: count only the layers that still learn.",
        )
    return not_yet(
        f"{check.describe(count)} is not the number of weights that still learn.",
        hint="The trunk ends in global max pooling over 32 channels; what follows it?",
    )


def check_two_frozen_trainable(count: Any) -> Feedback:
    """Check how many weights still learn in "2 conv copied, frozen".

    The first two convolutions are frozen; the third (3x3, 16 inputs, 32 filters,
    a bias each) and the softmax layer (32 features, 5 classes) learn.

    Parameters
    ----------
    count : int
        The number of weights that still learn.

    Returns
    -------
    Feedback

    References
    ----------
    .. [1] J. Yosinski, J. Clune, Y. Bengio and H. Lipson, "How transferable are features
       in deep neural networks?", NeurIPS, 2014. arXiv:1411.1792

    Examples
    --------
    >>> bool(check_two_frozen_trainable(4805)), bool(check_two_frozen_trainable(4640))
    (True, False)
    """
    expected = _trainable(_frozen(2))
    third = int(_conv_layers(_network())[2].count_params())
    if not check.is_integer(count):
        return not_yet(
            f"The answer must be a whole number of weights. Received: {check.describe(count)}.",
            hint="Add the third convolution's weights to the softmax layer's.",
        )
    if count == expected:
        return correct(
            f"3 x 3 x 16 x 32 + 32 = {third} in the third convolution and 32 x 5 + 5 = "
            f"{expected - third} in the softmax layer: {expected}."
        )
    if count == third:
        return not_yet(
            f"{count} is the third convolution alone.", hint="The softmax layer learns too."
        )
    if count == expected - third:
        return not_yet(
            f"{count} is the softmax layer alone.",
            hint="Only two of the three convolutions are frozen.",
        )
    return not_yet(
        f"{check.describe(count)} is not the number of weights that still learn.",
        hint="A Conv2D kernel is (height, width, inputs, filters), plus one bias per filter.",
    )


def check_epoch_repeats(repeats: Any) -> Feedback:
    """Check how often a small set of 40 digits is repeated in one epoch of 300 digits.

    Parameters
    ----------
    repeats : int
        How many whole copies of the 40 digits one epoch passes.

    Returns
    -------
    Feedback

    Examples
    --------
    >>> bool(check_epoch_repeats(8)), bool(check_epoch_repeats(7))
    (True, False)
    """
    from cnn101.experiments.recipes import epoch_repeats

    expected = epoch_repeats(REPEAT_SIZE, EPOCH_SIZE)
    if not check.is_integer(repeats):
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
