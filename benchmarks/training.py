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
"steady" leaves the first epoch out (``fit``: from a callback's clock; engine:
the difference between a 31-epoch and a 1-epoch run). The ceiling is what the
network's own layers do forward and backward (one traced gradient of the summed
outputs with respect to the weights, batch 480, no optimizer, no Python per step).

    python benchmarks/training.py
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import numpy as np

from cnn101 import experiments, models, recipes, scale
from cnn101._tf import tensorflow

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


def engine(build, data, *, batch, seeds, epochs=EPOCHS) -> float:
    """Return the seconds of an engine run of ``epochs`` epochs (tracing included)."""
    x, y, xv, yv = data
    recipe = experiments.Recipe(
        "benchmark",
        build,
        x,
        y,
        lambda m: {},
        validation=(xv, yv),
        batch_size=batch,
        max_steps=epochs * -(-len(x) // batch),
        patience=10**6,
    )
    start = time.perf_counter()
    experiments.run(recipe, seeds=tuple(range(seeds)), cache=False, verbose=False)
    return time.perf_counter() - start


def ceiling(build, x) -> float:
    """Return the samples/s of the network's forward and backward pass on a batch of 480."""
    model = build()
    variables = model.trainable_variables
    batch = tf.constant(x)

    @tf.function
    def step(images):
        with tf.GradientTape() as tape:
            total = tf.reduce_sum(model(images, training=True))
        return tape.gradient(total, variables)

    step(batch)
    times = []
    for _ in range(10):
        start = time.perf_counter()
        step(batch)[0].numpy()
        times.append(time.perf_counter() - start)
    return len(x) / statistics.median(times)


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def main() -> None:
    digits = recipes.digits(N_TRAIN + N_VAL, 10)
    padded = np.pad(digits.x_train, ((0, 0), (2, 2), (2, 2)))[..., None].astype("float32")
    placed = scale.place_digits(digits.x_train, 1.0, canvas=40, seed=1)
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

        def engine_arm(arm, seeds, batch, build=build, data=data):
            one = engine(build, data, batch=batch, seeds=seeds, epochs=1)
            whole = engine(build, data, batch=batch, seeds=seeds, epochs=EPOCHS + 1)
            samples = seeds * N_TRAIN
            note(arm, samples * (EPOCHS + 1) / whole, samples * EPOCHS / (whole - one))

        for _ in range(REPEATS):  # interleaved
            note("fit", *fit(build, data, batch=32, seeds=1, validation=False))
            note("fit + val", *fit(build, data, batch=32, seeds=1, validation=True))
            engine_arm("engine", 1, 32)
            note("fit + val, 3 seeds", *fit(build, data, batch=128, seeds=3, validation=True))
            engine_arm("engine, 3 seeds", 3, 128)
        top = ceiling(build, x[:N_TRAIN])
        print(f"### {name}: ceiling {top:,.0f} samples/s (forward + backward, batch 480)\n")
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
