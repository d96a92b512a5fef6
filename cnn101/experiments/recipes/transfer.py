"""Tutorial 6's trained comparisons: reusing early filters across resolutions and classes.

A source network trained on digits 0-4 at one resolution
(:func:`transfer_source_recipe`); :func:`transfer_recipes` copies its first
convolutions into a network for digits 5-9 at half the resolution, fine-tuned or
frozen (:func:`freeze_conv_layers`), against training from scratch and two linear
probes (:data:`TRANSFER_ARMS`); :func:`transfer_table` runs them over training-set
sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101 import models
from cnn101._tf import keras
from cnn101.datasets import load_digits
from cnn101.digits import place_digits
from cnn101.experiments import (
    Recipe,
    Result,
    compare,
    run,
    run_many,
)
from cnn101.experiments.recipes.data import (
    DIGIT_CANVAS,
    Digits,
    check_data,
    digits,  # noqa: F401  (the Examples use it)
)
from cnn101.experiments.recipes.scale import source_id
from cnn101.models import (
    copy_conv_layers,
)

__all__ = [
    "PROBE_LEARNING_RATE",
    "SOURCE_BUDGET",
    "SOURCE_CLASSES",
    "TARGET_CLASSES",
    "TRANSFER_ARMS",
    "TRANSFER_BUDGET",
    "epoch_repeats",
    "freeze_conv_layers",
    "transfer_recipes",
    "transfer_source_recipe",
    "transfer_table",
]


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


SOURCE_BUDGET = (2000, 60)  # tutorial 6's source: digits 0-4, a loss fall of 0.005 counts


TRANSFER_BUDGET = (3000, 50)  # batches of 64: 5 steps an epoch of 300 digits; the probes are slow


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


def transfer_pool(data: Digits, classes: str = "new") -> tuple[np.ndarray, np.ndarray]:
    """Return the digits each seed of :func:`transfer_recipes` draws its labelled set from.

    Parameters
    ----------
    data : Digits
    classes : {"new", "same"}, default "new"
        ``"new"``: every training digit 5-9 of :func:`cnn101.datasets.load_digits`;
        ``"same"``: the training digits 0-4 after ``data.x_train`` (the source never saw them).

    Returns
    -------
    x : ndarray of shape (n, 28, 28), float32
    y : ndarray of shape (n,), int
        Labels 0, 1, ... in the order of the classes.

    Examples
    --------
    >>> x, y = transfer_pool(digits(100, 50))
    >>> len(x), sorted(set(y.tolist()))
    (2000, [0, 1, 2, 3, 4])
    """
    data = check_data(data)
    classes = check.choice(classes, "classes", ("new", "same"))
    target = TARGET_CLASSES if classes == "new" else SOURCE_CLASSES
    (x_all, y_all), _ = load_digits()
    if classes == "same":  # digits 0-4 that the source never saw
        x_all, y_all = x_all[len(data.x_train) :], y_all[len(data.x_train) :]
    return _classes_of(x_all, y_all, target)


def transfer_sizes(pool: int) -> range:
    """Return the labelled-set sizes that a pool of ``pool`` digits can give.

    A seed draws ``size`` training digits and ``max(1, size // 2)`` other validation
    digits from the pool (:func:`transfer_pool`); a size is at least 2.

    Parameters
    ----------
    pool : int
        Digits in the pool.

    Returns
    -------
    range
        Every size whose training and validation digits fit (empty for a pool under 3).

    Examples
    --------
    >>> transfer_sizes(2000)
    range(2, 1334)
    >>> all((n + max(1, n // 2) <= 10) == (n in transfer_sizes(10)) for n in range(2, 12))
    True
    """
    pool = check.non_negative_int(pool, "pool")
    return range(2, max(2, (2 * pool + 1) // 3 + 1))


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
    data = check_data(data)
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
    classes: str = "new",
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
    classes : {"new", "same"}, default "new"
        ``"same"``: the control that keeps the source's classes and changes only the
        resolution. The target is then the digits 0-4 at ``target_scale``, drawn
        from the training digits after ``data.x_train`` (which the source never
        saw), and tested on the test digits 0-4; everything else is the same.

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
    data = check_data(data)
    check.instance(source, "source", Result, "a Result")
    size = check.positive_int(size, "size")
    target_scale = check.real_number(target_scale, "target_scale", positive=True)
    canvas = check.positive_int(canvas, "canvas")
    epoch_size = check.positive_int(epoch_size, "epoch_size")
    if round(28 * target_scale) > canvas:
        raise ValueError(
            f"`target_scale` must fit a 28-pixel digit on the {canvas}x{canvas} `canvas` "
            f"(at most {canvas / 28:.3g}). Received: target_scale={check.describe(target_scale)}"
        )
    classes = check.choice(classes, "classes", ("new", "same"))
    target = TARGET_CLASSES if classes == "new" else SOURCE_CLASSES
    pool_x, pool_y = transfer_pool(data, classes)
    n_val = max(1, size // 2)
    sizes = transfer_sizes(len(pool_x))
    if size not in sizes:
        raise ValueError(
            f"`size` must be between 2 and {sizes.stop - 1} (the pool holds {len(pool_x)} "
            f"digits {target[0]}-{target[-1]} for training and validation). Received: size={size}"
        )
    x_test, y_test = _classes_of(data.x_test, data.y_test, target)
    if len(x_test) == 0:
        raise ValueError(f"`data` must hold at least one test digit of {target[0]}-{target[-1]}.")
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
        model = models.plain_cnn((canvas, canvas, 1), num_classes=len(target), learning_rate=rate)
        if copied:
            copy_conv_layers(source.model(seed), model, count=copied)
        return freeze_conv_layers(model, frozen, rate) if frozen else model

    return {
        arm: Recipe(
            f"{arm}, {size} digits" + (", same classes" if classes == "same" else ""),
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
                "classes": classes,
                "source": source_id(source),
            },
        )
        for arm, (copied, frozen, rate) in TRANSFER_ARMS.items()
    }


def transfer_table(data: Digits, seeds: Sequence[int], sizes: Sequence[int]) -> str:
    """Train tutorial 6's source and arms; return the table of differences from scratch.

    Each line is an arm's mean test accuracy and its paired difference from
    ``"from scratch"`` with a 95 % interval over seeds and test digits
    (:func:`cnn101.experiments.compare`, a crossed design). Every run is checked
    to have stopped by patience.

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
        The table ``python -m cnn101.experiments transfer`` prints.

    References
    ----------
    .. [1] J. Yosinski, J. Clune, Y. Bengio and H. Lipson, "How transferable are
       features in deep neural networks?", NeurIPS 2014. arXiv:1411.1792

    Examples
    --------
    Training every arm takes minutes; the command line prints this table::

        python -m cnn101.experiments transfer --seeds 0 1 2 --sizes 30
    """
    from cnn101.experiments import assert_converged

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
                mean, low, high = compare(result, arms["from scratch"])
                cell = f"{mean:+.3f} ({low:+.3f} to {high:+.3f})"
            lines.append(f"{arm:24s} {result.summary('accuracy').mean:8.3f}  {cell:>30s}")
        mean, low, high = compare(arms["probe: copied conv"], arms["probe: random conv"])
        lines.append(f"probe copied - probe random: {mean:+.3f} ({low:+.3f} to {high:+.3f})")
    return "\n".join(lines)
