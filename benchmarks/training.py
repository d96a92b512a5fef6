"""Training speed: the runner's side-by-side training against a plain ``model.fit``.

For each tutorial network (tutorial 2's ``recipes.shift_cnn`` on 32x32 digits, tutorial
3's plain network on 40x40 digits) this measures, in one run and interleaved:

* a plain ``model.fit`` with Keras' defaults (batch 32), one model;
* the way :func:`cnn101.experiments.run_many` trains: three seeds side by side in one
  Keras model, batch 128, a validation pass every epoch;

as training samples per second (per model), and the achieved GFLOP/s (multiply-adds
counted from the layer shapes, x2 for FLOPs, x3 for the forward and the two backward
products) against the GFLOP/s of one large batched convolution on the same machine,
the practical ceiling of these ops here.

    python benchmarks/training.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from cnn101 import experiments, recipes, scale
from cnn101._tf import tensorflow

tf = tensorflow()
import keras  # noqa: E402

EPOCHS = 20
REPEATS = 1


def train_flops_per_sample(model: keras.Model) -> float:
    """Multiply-adds of one forward pass from the layer shapes, x2 (FLOPs) x3 (training)."""
    macs = 0
    for layer in _leaves(model):
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, c_out = layer.output.shape
            kh, kw, c_in, _ = layer.kernel.shape
            macs += h * w * kh * kw * c_in * c_out
        elif isinstance(layer, keras.layers.Dense):
            macs += int(np.prod(layer.kernel.shape))
    return 2.0 * 3.0 * macs


def _leaves(model):
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _leaves(layer)
        else:
            yield layer


def ceiling_gflops(repeats: int = 5) -> float:
    """Return the GFLOP/s of a large batched 3x3 convolution (32 x 64 x 64 x 32 -> 64 channels)."""
    x = tf.random.normal((32, 64, 64, 32))
    k = tf.random.normal((3, 3, 32, 64))
    conv = tf.function(lambda a, b: tf.nn.conv2d(a, b, 1, "SAME"))
    conv(x, k).numpy()
    flops = 2.0 * 32 * 64 * 64 * 3 * 3 * 32 * 64
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        conv(x, k).numpy()
        times.append(time.perf_counter() - start)
    return flops / statistics.median(times) / 1e9


def plain_fit(build, x, y) -> float:
    model = build()
    model.fit(x[:256], y[:256], epochs=1, verbose=0)  # trace first
    start = time.perf_counter()
    model.fit(x, y, epochs=EPOCHS, verbose=0)  # Keras defaults: batch 32
    return EPOCHS * len(x) / (time.perf_counter() - start)


def runner_fit(build, x, y, evaluate) -> float:
    recipe = experiments.Recipe(
        "benchmark", build, x, y, evaluate, max_epochs=EPOCHS, patience=EPOCHS
    )
    start = time.perf_counter()
    result = experiments.run(recipe, seeds=(0, 1, 2), cache=False, verbose=False)
    seconds = time.perf_counter() - start
    trained = sum(len(h["loss"]) for h in result.histories) * (len(x) - round(0.2 * len(x)))
    return trained / seconds


def main() -> None:
    data = recipes.digits(800, 100)
    x2 = np.pad(data.x_train, ((0, 0), (2, 2), (2, 2)))[..., None].astype("float32")
    x3 = scale.place_digits(data.x_train, 1.0, canvas=40, seed=1)
    networks = {
        "tutorial 2 (shift_cnn, 32x32)": (lambda: recipes.shift_cnn("max"), x2),
        "tutorial 3 (plain CNN, 40x40)": (lambda: recipes._digit_cnn(40), x3),
    }
    ceiling = ceiling_gflops()
    print(f"ceiling: batched 3x3 convolution {ceiling:.1f} GFLOP/s\n")
    print(
        "| network | plain fit (samples/s) | runner, 3 seeds side by side (samples/s, all seeds) | speed-up | runner GFLOP/s | share of ceiling |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for name, (build, x) in networks.items():
        flops = train_flops_per_sample(build())
        plain, runner = [], []
        for _ in range(REPEATS):  # interleaved
            plain.append(plain_fit(build, x, data.y_train))
            runner.append(runner_fit(build, x, data.y_train, lambda m: {}))
        p, r = statistics.median(plain), statistics.median(runner)
        gflops = r * flops / 1e9
        print(
            f"| {name} | {p:,.0f} | {r:,.0f} | {r / p:.2f}x | {gflops:.1f} | {gflops / ceiling:.0%} |"
        )


if __name__ == "__main__":
    main()
