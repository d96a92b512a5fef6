"""Run the blog's pipeline end to end and save labelled figures.

Usage::

    python -m cnn101.demo                      # figures into ./cnn101-demo
    python -m cnn101.demo --image coins --kernel sobel_top --out /tmp/figs
    python -m cnn101.demo --show               # also open the figures in windows

Steps: the vertical-line kernel on the 7x8 image (conv -> ReLU -> max pool); a
circle perimeter max- and average-pooled four times (64 -> 32 -> 16 -> 8 -> 4);
global pooling; a named kernel on a photo -> ReLU -> max pool. ``--help`` answers
without importing TensorFlow.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cnn101.kernels import kernel_names

_DEVICES = ("auto", "cpu", "gpu")


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser of ``python -m cnn101.demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m cnn101.demo",
        description="Reproduce the pipeline of 'Translation in-variance and CNN': edge kernels, "
        "convolution, ReLU and pooling, with figures saved as PNG files.",
    )
    parser.add_argument(
        "--out",
        default="cnn101-demo",
        type=Path,
        help="folder for the PNG figures (default: ./cnn101-demo)",
    )
    parser.add_argument(
        "--image",
        default="camera",
        help="a bundled photo name (camera, cat, coins, astronaut, ...) or an image file path "
        "(default: camera)",
    )
    parser.add_argument(
        "--kernel",
        default="sobel_left",
        choices=kernel_names(),
        metavar="NAME",
        help=f"kernel for the photo step, one of: {', '.join(kernel_names())} "
        "(default: sobel_left)",
    )
    parser.add_argument(
        "--device", default="auto", choices=_DEVICES, help="where the ops run (default: auto)"
    )
    parser.add_argument(
        "--size", default=256, type=int, help="side length the photo is resized to (default: 256)"
    )
    parser.add_argument("--show", action="store_true", help="also open the figures in windows")
    return parser


def _shape(tensor) -> str:
    return "x".join(str(d) for d in tensor.shape) or "scalar"


def run(args: argparse.Namespace) -> list[Path]:
    """Run the pipeline with parsed ``args``, save the figures and return their paths."""
    from matplotlib.figure import Figure

    from cnn101 import images, ops, plotting

    if args.size < 8:
        raise ValueError(f"`--size` must be an integer >= 8. Received: --size={args.size}")
    photo = images.load_photo(args.image, size=args.size)  # fails early on a bad file
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        path = args.out / name
        fig.savefig(path, dpi=100)
        saved.append(path)

    print("1. Vertical-line kernel [[1, -1], [1, -1]] on the 7x8 line image")
    line = images.vertical_line_image()
    conv = ops.conv2d(line, "vertical_line", padding="SAME", device=args.device)
    rect = ops.relu(conv, device=args.device)
    pooled = ops.max_pool2d(rect, 2, padding="SAME", device=args.device)
    print(
        f"   image {_shape(line)} -> conv {_shape(conv)} -> ReLU {_shape(rect)} -> max pool {_shape(pooled)}"
    )
    print(
        f"   conv responds in columns {sorted(set(int(c) for c in conv.numpy().nonzero()[1]))}, "
        f"ReLU keeps columns {sorted(set(int(c) for c in rect.numpy().nonzero()[1]))}"
    )
    save(
        plotting.show_pipeline(
            [("image", line), ("conv", conv), ("ReLU", rect), ("max pool 2x2", pooled)], values=True
        ),
        "01_vertical_line.png",
    )

    print("2. Circle perimeter (radius 8) pooled four times with 2x2 windows")
    circle = images.circle_image()
    fig = Figure(figsize=(12, 5.6), layout="constrained")
    axes = fig.subplots(2, 5)
    for row, (name, pool) in enumerate((("max", ops.max_pool2d), ("average", ops.avg_pool2d))):
        level = circle
        shapes = [_shape(level)]
        plotting.show_image(level, ax=axes[row, 0], title=f"input\n{_shape(level)}")
        for step in range(1, 5):
            level = pool(level, 2, device=args.device)
            shapes.append(_shape(level))
            plotting.show_image(
                level,
                ax=axes[row, step],
                title=f"{name} pool x{step}\n{_shape(level)}",
                vmin=0,
                vmax=1,
            )
        print(
            f"   {name:>7} pooling: {' -> '.join(shapes)}, brightest pixel at the end "
            f"{float(level.numpy().max()):.3f}"
        )
    save(fig, "02_circle_pooling.png")

    print("3. Global pooling of the circle")
    print(
        f"   global max {float(ops.global_max_pool2d(circle, device=args.device)):.3f}, "
        f"global average {float(ops.global_avg_pool2d(circle, device=args.device)):.4f}"
    )

    print(f"4. Kernel '{args.kernel}' on the photo '{args.image}'")
    fmap = ops.conv2d(photo, args.kernel, padding="SAME", device=args.device)
    frect = ops.relu(fmap, device=args.device)
    fpool = ops.max_pool2d(frect, 2, device=args.device)
    print(
        f"   photo {_shape(photo)} -> conv {_shape(fmap)} -> ReLU {_shape(frect)} -> max pool {_shape(fpool)}"
    )
    fig = plotting.show_pipeline(
        [("photo", photo), (f"conv {args.kernel}", fmap), ("ReLU", frect), ("max pool 2x2", fpool)]
    )
    save(fig, f"03_photo_{args.kernel}.png")
    return saved


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m cnn101.demo``; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        saved = run(args)
    except (ValueError, TypeError, OSError) as error:
        print(f"cnn101.demo: error: {error}", file=sys.stderr)
        return 2
    print(f"Saved {len(saved)} figures to {args.out.resolve()}:")
    for path in saved:
        print(f"   {path.name}")
    if args.show:
        import matplotlib.pyplot as plt

        for path in saved:
            fig = plt.figure(figsize=(10, 5))
            fig.add_subplot().imshow(plt.imread(path))
            fig.axes[0].set_axis_off()
        plt.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
