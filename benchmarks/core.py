"""Speed and memory of the core package, measured side by side in one run.

    python benchmarks/core.py            # full run (a few minutes on 2 cores)
    python benchmarks/core.py --quick    # fewer repeats

Prints:
1. the demo's wall time against a bare ``python -c "import tensorflow"`` (median of
   >= 5 runs each, interleaved) and the ratio (goal: <= 1.5x), plus its peak memory;
2. each ``cnn101.ops`` function against the raw ``tf.nn`` call on one 512x512x3
   image and on a batch of 32 (median time ratio; goal: <= 1.10x);
3. the NumPy reference loops against ``cnn101.ops`` at 256x256 (speed-up).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from cnn101 import ops, reference
from cnn101._tf import tensorflow
from cnn101.kernels import to_filter

tf = tensorflow()

CHILD = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed_process(command: list[str]) -> tuple[float, float]:
    """Run ``command`` in a fresh process; return (seconds, peak RSS in MiB)."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *command], capture_output=True, text=True, check=True
    )
    seconds, rss_kib = out.stdout.split()
    return float(seconds), float(rss_kib) / 1024


def bench_demo(runs: int) -> None:
    print(f"\n## Demo against a bare TensorFlow import (median of {runs} runs each, interleaved)")
    demo_t, base_t, demo_mem, base_mem = [], [], [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(runs):
            t, m = timed_process([sys.executable, "-c", "import tensorflow"])
            base_t.append(t)
            base_mem.append(m)
            t, m = timed_process([sys.executable, "-m", "cnn101.demo", "--out", out])
            demo_t.append(t)
            demo_mem.append(m)
    b, d = statistics.median(base_t), statistics.median(demo_t)
    print("| what | median wall time (s) | peak memory (MiB) |")
    print("| --- | --- | --- |")
    print(f'| `python -c "import tensorflow"` | {b:.2f} | {max(base_mem):.0f} |')
    print(f"| `python -m cnn101.demo` | {d:.2f} | {max(demo_mem):.0f} |")
    print(f"| ratio demo / import | {d / b:.2f}x (goal <= 1.5x) | |")


def median_time(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        _ = result.numpy() if hasattr(result, "numpy") else result  # wait for the op
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_ops(repeats: int) -> None:
    rng = np.random.default_rng(0)
    cases = {
        "one 512x512x3 image": rng.random((512, 512, 3), dtype=np.float32),
        "a batch of 32": rng.random((32, 512, 512, 3), dtype=np.float32),
    }
    print("\n## cnn101.ops against raw tf.nn (median of 3 interleaved blocks, NumPy input)")
    print("| op | input | cnn101 (ms) | tf.nn (ms) | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for label, image in cases.items():
        batch = image if image.ndim == 4 else image[None]
        filt = to_filter("sobel_left", 3)
        pairs = _pairs(image, batch, filt)
        n = repeats * 5 if image.ndim == 3 else max(3, repeats // 4)  # sub-ms ops: more runs
        for name, (ours, raw) in pairs.items():
            a, b = [], []
            for _ in range(3):  # interleave blocks so drift hits both sides alike
                a.append(median_time(ours, n))
                b.append(median_time(raw, n))
            a, b = statistics.median(a), statistics.median(b)
            print(f"| {name} | {label} | {a * 1e3:.2f} | {b * 1e3:.2f} | {a / b:.2f}x |")


def _pairs(image, batch, filt):
    """(cnn101 call, raw tf.nn call) for each op, on the same data."""
    return {
        "conv2d 3x3 SAME": (
            lambda: ops.conv2d(image, filt),
            lambda: tf.nn.conv2d(tf.convert_to_tensor(batch), filt, 1, "SAME"),
        ),
        "relu": (lambda: ops.relu(image), lambda: tf.nn.relu(tf.convert_to_tensor(image))),
        "max_pool2d 2x2": (
            lambda: ops.max_pool2d(image),
            lambda: tf.nn.max_pool2d(tf.convert_to_tensor(batch), 2, 2, "VALID"),
        ),
        "avg_pool2d 2x2": (
            lambda: ops.avg_pool2d(image),
            lambda: tf.nn.avg_pool2d(tf.convert_to_tensor(batch), 2, 2, "VALID"),
        ),
        "global_max_pool2d": (
            lambda: ops.global_max_pool2d(image),
            lambda: tf.reduce_max(tf.convert_to_tensor(batch), axis=(1, 2)),
        ),
        "global_avg_pool2d": (
            lambda: ops.global_avg_pool2d(image),
            lambda: tf.reduce_mean(tf.convert_to_tensor(batch), axis=(1, 2)),
        ),
    }


def bench_reference() -> None:
    image = np.random.default_rng(1).random((256, 256), dtype=np.float32)
    print("\n## NumPy reference loops against cnn101.ops at 256x256 (one run each)")
    print("| op | reference (s) | cnn101.ops (ms) | speed-up |")
    print("| --- | --- | --- | --- |")
    for name, slow, fast in [
        (
            "conv2d 3x3 SAME",
            lambda: reference.conv2d(image, "sobel_left"),
            lambda: ops.conv2d(image, "sobel_left"),
        ),
        ("max_pool2d 2x2", lambda: reference.max_pool2d(image), lambda: ops.max_pool2d(image)),
        ("avg_pool2d 2x2", lambda: reference.avg_pool2d(image), lambda: ops.avg_pool2d(image)),
    ]:
        start = time.perf_counter()
        slow()
        s = time.perf_counter() - start
        f = median_time(fast, 20)
        print(f"| {name} | {s:.2f} | {f * 1e3:.2f} | {s / f:,.0f}x |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'cpu'}; "
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, NumPy {np.__version__}"
    )
    bench_demo(5)
    bench_ops(10 if args.quick else 30)
    bench_reference()


if __name__ == "__main__":
    main()
