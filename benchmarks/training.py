"""Training speed: the engine of :mod:`cnn101.experiments` against a plain ``model.fit``.

For each tutorial network (tutorial 2's ``models.shift_cnn`` on 32x32 digits,
tutorial 3's ``models.plain_cnn`` on 40x40 digits; 480 training and 120 validation
digits, as in the tutorials) this measures, interleaved in one process, REPEATS
times each:

* ``fit``: Keras' ``model.fit`` with its defaults (batch 32), one model, no
  validation: the reference of the goal;
* ``fit + val``: the same with ``validation_data`` (one validation pass an epoch);
* ``engine``: :func:`cnn101.experiments.run` (one seed, batch 32, its exact
  validation loss every epoch);
* ``fit + val, 3 seeds`` and ``engine, 3 seeds``: the tutorials' setting, batch
  128, three seeds (three ``fit`` calls in a row against one engine run).

Every arm builds its models and traces its functions inside the timed region.
"30 epochs" is samples per second over a whole 30-epoch run, tracing included;
"steady" leaves the first epoch out (``fit``: from a callback's clock; engine: a
clock around each call of its epoch function). The ceiling is what the network's
own layers do forward and backward (see :func:`ceiling`).

    python benchmarks/training.py
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from cnn101 import digits as digit_maker
from cnn101 import experiments, models
from cnn101._tf import tensorflow
from cnn101.experiments import recipes, runner

tf = tensorflow()
import keras  # noqa: E402

EPOCHS = 30
REPEATS = 5
N_TRAIN, N_VAL = 480, 120


class _Clock(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.ends = []

    def on_epoch_end(self, epoch, logs=None):
        self.ends.append(time.perf_counter())


def fit(build, data, *, batch, seeds, validation) -> tuple[float, float]:
    """Return (samples/s over the whole run, samples/s after the first epoch)."""
    x, y, xv, yv = data
    start, steady = time.perf_counter(), 0.0
    for seed in range(seeds):
        keras.utils.set_random_seed(seed)
        model, clock = build(), _Clock()
        model.fit(
            x,
            y,
            batch_size=batch,
            epochs=EPOCHS,
            validation_data=(xv, yv) if validation else None,
            callbacks=[clock],
            verbose=0,
        )
        steady += clock.ends[-1] - clock.ends[0]
    total = time.perf_counter() - start
    return seeds * EPOCHS * len(x) / total, seeds * (EPOCHS - 1) * len(x) / steady


def engine(build, data, *, batch, seeds) -> tuple[float, float]:
    """Return (samples/s over a whole engine run, samples/s of its epoch calls after the first)."""
    x, y, xv, yv = data
    recipe = experiments.Recipe(
        "benchmark",
        build,
        x,
        y,
        lambda m: {},
        validation=(xv, yv),
        batch_size=batch,
        max_steps=EPOCHS * -(-len(x) // batch),
        patience=10**6,
    )
    calls: list[float] = []
    original = runner._epoch_function

    def timed(runs):  # the engine's own epoch function, with a clock around each call
        epoch = original(runs)

        def call(*args):
            start = time.perf_counter()
            out = epoch(*args)
            out[0].numpy()
            calls.append(time.perf_counter() - start)
            return out

        return call

    runner._epoch_function = timed
    try:
        start = time.perf_counter()
        experiments.run(recipe, seeds=tuple(range(seeds)), cache=False, verbose=False)
        total = time.perf_counter() - start
    finally:
        runner._epoch_function = original
    samples = seeds * len(x)
    return samples * EPOCHS / total, samples * (EPOCHS - 1) / sum(calls[1:])


def ceiling(build, x, copies: int = 3) -> float:
    """Return the samples/s of the network's own forward and backward passes.

    One traced loop over the 480 examples in batches of 32 or 128 (the better),
    computing, for each of ``copies`` models (as many as the seeds trained side
    by side), the gradient of the summed outputs with respect to every weight: the
    layers' work without an optimizer, a loss or Python between steps.
    """
    networks = [build() for _ in range(copies)]
    images = tf.constant(x)
    best = 0.0
    for batch in (32, 128):

        @tf.function
        def passes(images, batch=batch):
            norm = tf.zeros(())
            for start in tf.range(0, images.shape[0], batch):
                for model in networks:
                    with tf.GradientTape() as tape:
                        out = model(images[start : start + batch], training=True)
                        total = tf.reduce_sum(out)
                    grads = tape.gradient(total, model.trainable_variables)
                    norm += tf.add_n([tf.reduce_sum(g) for g in grads])
            return norm

        passes(images).numpy()
        times = []
        for _ in range(10):
            start = time.perf_counter()
            passes(images).numpy()
            times.append(time.perf_counter() - start)
        best = max(best, copies * len(x) / statistics.median(times))
    return best


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def main() -> None:
    digits = recipes.digits(N_TRAIN + N_VAL, 10)
    padded = np.pad(digits.x_train, ((0, 0), (2, 2), (2, 2)))[..., None].astype("float32")
    placed = digit_maker.place_digits(digits.x_train, 1.0, canvas=40, seed=1)
    networks = {
        "tutorial 2 (`models.shift_cnn`, 32x32)": (lambda: models.shift_cnn("max"), padded),
        "tutorial 3 (`models.plain_cnn`, 40x40)": (
            lambda: models.plain_cnn((40, 40, 1), learning_rate=3e-3),
            placed,
        ),
    }
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {REPEATS} repeats\n"
    )
    for name, (build, x) in networks.items():
        y = digits.y_train
        data = (x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:], y[N_TRAIN:])
        arms: dict[str, dict[str, list[float]]] = {}

        def note(arm, whole, steady, arms=arms):
            arms.setdefault(arm, {"whole": [], "steady": []})
            arms[arm]["whole"].append(whole)
            arms[arm]["steady"].append(steady)

        for _ in range(REPEATS):  # interleaved
            note("fit", *fit(build, data, batch=32, seeds=1, validation=False))
            note("fit + val", *fit(build, data, batch=32, seeds=1, validation=True))
            note("engine", *engine(build, data, batch=32, seeds=1))
            note("fit + val, 3 seeds", *fit(build, data, batch=128, seeds=3, validation=True))
            note("engine, 3 seeds", *engine(build, data, batch=128, seeds=3))
        top = ceiling(build, x[:N_TRAIN])
        print(f"### {name}: ceiling {top:,.0f} samples/s (3 models, forward + backward)\n")
        print("| arm | samples/s, 30 epochs (range) | steady (range) | x `fit` (30 / steady) |")
        print("| --- | --- | --- | --- |")
        reference = {k: statistics.median(v) for k, v in arms["fit"].items()}
        for arm, values in arms.items():
            ratio = " / ".join(
                f"{statistics.median(values[k]) / reference[k]:.2f}x" for k in ("whole", "steady")
            )
            print(f"| {arm} | {_cell(values['whole'])} | {_cell(values['steady'])} | {ratio} |")
        like = [
            ("engine", "fit + val"),
            ("engine, 3 seeds", "fit + val, 3 seeds"),
        ]
        for a, b in like:
            ratios = [e / f for e, f in zip(arms[a]["steady"], arms[b]["steady"], strict=True)]
            print(f"\nlike for like, steady: {a} / {b} = {_cell_ratio(ratios)}")
        share = statistics.median(arms["engine, 3 seeds"]["steady"]) / top
        print(f"engine, 3 seeds, steady: {share:.0%} of the ceiling\n")


def _cell_ratio(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"


if __name__ == "__main__":
    main()
