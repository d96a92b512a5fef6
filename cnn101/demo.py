"""Run the blog's pipeline end to end and save labelled figures.

Usage::

    python -m cnn101.demo                      # figures into ./cnn101-demo
    python -m cnn101.demo --image coins --kernel sobel_top --out /tmp/figs
    python -m cnn101.demo --show               # also open the figures in windows

The installed script ``cnn101-demo`` takes the same options.

Steps: the vertical-line kernel on the 7x8 image (conv -> ReLU -> max pool); a
circle perimeter max- and average-pooled four times (64 -> 32 -> 16 -> 8 -> 4);
global pooling; a named kernel on a photo -> ReLU -> max pool. Every option is
checked before TensorFlow loads, so a bad one is answered at once, in one line
that names it, with exit status 2; ``--help`` never imports TensorFlow either.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from cnn101._cli import Parser
from cnn101._validation import DEVICES
from cnn101.kernels import kernel_names

_SIZES = (8, 2048)
# The smallest photo (side, pixels) worth enlarging for the photo step.
_MIN_PHOTO = 16
# Pixels per panel of the photo figure: at least this, up to --size.
_PANEL_PX = (300, 600)
# matplotlib backends that draw into files only (no window can open)
_FILE_BACKENDS = ("agg", "cairo", "pdf", "pgf", "ps", "svg", "template")


def _prog() -> str:
    """Name the program as it was started: ``cnn101-demo`` or ``python -m cnn101.demo``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if name in ("", "-c", "demo.py", "__main__.py") or name.startswith("python"):
        return "python -m cnn101.demo"
    return name


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser of ``cnn101-demo`` / ``python -m cnn101.demo``.

    Returns
    -------
    argparse.ArgumentParser
        Options ``--out``, ``--image``, ``--kernel``, ``--device``, ``--size`` and
        ``--show``; its errors are one line, with exit status 2.

    Examples
    --------
    >>> args = build_parser().parse_args(["--kernel", "Sobel_Top"])
    >>> args.kernel, args.image, args.size, str(args.out)
    ('sobel_top', 'camera', 256, 'cnn101-demo')
    """
    parser = Parser(
        prog=_prog(),
        description="Reproduce the pipeline of 'Translation in-variance and CNN': edge kernels, "
        "convolution, ReLU and pooling, with figures saved as PNG files.",
    )
    parser.add_argument(
        "--out",
        default="cnn101-demo",
        type=Path,
        help="folder for the PNG figures, made if missing (default: ./cnn101-demo)",
    )
    parser.add_argument(
        "--image",
        default="camera",
        help="a bundled photo name (camera, cat, coins, astronaut, ...) or an image file path "
        "(default: camera); a photo that is not square is centre-cropped to a square",
    )
    parser.add_argument(
        "--kernel",
        default="sobel_left",
        type=lambda name: name.strip().lower(),  # names are case-insensitive, as --image's
        choices=kernel_names(),
        metavar="NAME",
        help=f"kernel for the photo step, one of: {', '.join(kernel_names())} "
        "(default: sobel_left)",
    )
    parser.add_argument(
        "--device", default="auto", choices=DEVICES, help="where the ops run (default: auto)"
    )
    parser.add_argument(
        "--size",
        default=256,
        type=int,
        help=f"side length the photo is resized to, {_SIZES[0]} to {_SIZES[1]} (default: 256)",
    )
    parser.add_argument("--show", action="store_true", help="also open the figures in windows")
    return parser


def _display_problem() -> str | None:
    """Say why no figure window can open here, or return None when one can."""
    backend = os.environ.get("MPLBACKEND", "").strip().lower()
    if backend in _FILE_BACKENDS:
        return f"matplotlib draws into files only (MPLBACKEND={backend})"
    if backend.startswith("module://"):  # e.g. Jupyter's inline backend
        return None
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return "no display is available (neither DISPLAY nor WAYLAND_DISPLAY is set)"
    return None


def _square(image: Any) -> tuple[Any, str]:
    """Centre-crop ``image`` to a square; say what was done."""
    height, width = image.shape[:2]
    if height == width:
        return image, f"{height}x{width}"
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    cropped = image[top : top + side, left : left + side]
    return cropped, f"{height}x{width}, centre-cropped to {side}x{side} to keep its aspect ratio"


def _load_photo(parser: argparse.ArgumentParser, args: argparse.Namespace) -> tuple[Any, str]:
    """Load ``--image`` without TensorFlow (NumPy, imageio, scikit-image), or say why not."""
    from cnn101 import images

    name = args.image
    if name.strip().lower() not in images.photo_names():
        path = Path(name)
        if not path.is_file():
            parser.error(
                f"argument --image: {name!r} is neither a bundled photo "
                f"({', '.join(images.photo_names())}) nor an existing file"
            )
        try:
            path.open("rb").close()
        except OSError as error:
            parser.error(f"argument --image: cannot read {name!r}: {error.strerror}")
    try:
        photo = images.load_photo(name)
    except (ValueError, TypeError):
        parser.error(
            f"argument --image: {name!r} is not an image file that can be read "
            "(PNG, JPEG, TIFF, ... with 1, 3 or 4 channels)"
        )
    import numpy as np
    from skimage.transform import resize

    photo, how = _square(photo)
    side = photo.shape[0]
    if side < _MIN_PHOTO:
        parser.error(
            f"argument --image: {name!r} is {side}x{side} pixels after cropping to a square; "
            f"the photo step needs at least {_MIN_PHOTO}x{_MIN_PHOTO}"
        )
    if side < args.size:
        how += f"; enlarged from {side}x{side} to {args.size}x{args.size} (blurry: pass a smaller --size)"
    elif side > args.size:
        how += f"; resized to {args.size}x{args.size} (--size)"
    photo = resize(photo, (args.size, args.size), anti_aliasing=True)
    return np.clip(photo, 0.0, 1.0).astype(np.float32), how


def _check_out(parser: argparse.ArgumentParser, out: Path) -> None:
    """Make the ``--out`` folder and check that files can be written into it."""
    if out.exists() and not out.is_dir():
        parser.error(f"argument --out: {str(out)!r} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        parser.error(f"argument --out: cannot make the folder {str(out)!r}: {error.strerror}")
    if not os.access(out, os.W_OK | os.X_OK):
        parser.error(f"argument --out: cannot write into the folder {str(out)!r}")


def _check_device(parser: argparse.ArgumentParser, device: str) -> None:
    """Check that ``--device`` exists (this needs TensorFlow), before any step runs."""
    from cnn101._tf import device_scope

    try:
        device_scope(device)
    except ValueError as error:
        parser.error(f"argument --device: {str(error).replace('`', '')}")


def _shape(tensor: Any) -> str:
    return "x".join(str(d) for d in tensor.shape) or "scalar"


def run(args: argparse.Namespace, photo: Any = None, how: str | None = None) -> list[Path]:
    """Run the pipeline with parsed ``args``, save the figures and return their paths.

    Prints one line per step (shapes and values) on stdout. :func:`main` checks the
    options first; ``run`` trusts them.

    Parameters
    ----------
    args : argparse.Namespace
        Options parsed by :func:`build_parser`.
    photo : ndarray of shape (S, S), optional
        The square gray photo to use, floats in [0, 1]; loaded from ``args.image``,
        centre-cropped and resized to ``args.size`` when omitted.
    how : str, optional
        The note on how ``photo`` was made square (printed with step 4).

    Returns
    -------
    list of Path
        The three PNG files written into ``args.out``, in order.

    Examples
    --------
    The whole pipeline draws three figures (about two seconds), so it is not run here:

    >>> args = build_parser().parse_args(["--out", "figures", "--size", "16"])
    >>> [p.name for p in run(args)]  # doctest: +SKIP
    ['01_vertical_line.png', '02_circle_pooling.png', '03_photo_sobel_left.png']
    """
    from matplotlib.figure import Figure

    from cnn101 import images, ops, plotting

    if photo is None:
        photo, how = _load_photo(build_parser(), args)
    args.out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []

    def save(fig: Figure, name: str) -> None:
        path = args.out / name
        fig.savefig(path, dpi=100)
        saved.append(path)

    print("1. Vertical-line kernel [[1, -1], [1, -1]] on the blog's 7x8 image (a 2-pixel line)")
    line = images.vertical_line_image(thickness=2)
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
            [("image", line), ("conv", conv), ("ReLU", rect), ("max pool 2x2", pooled)],
            values=True,
            colorbar=True,
            caption="The kernel answers -2 left of the two-pixel line, 0 inside it and +2 on its "
            "right column; ReLU keeps the +2 only, and pooling keeps it in half as many columns. "
            "The bottom row reads -1 and +1: SAME padding adds a row of zeros below the image, "
            "where the kernel's lower row sees nothing.",
        ),
        "01_vertical_line.png",
    )

    print("2. Circle perimeter (radius 8) pooled four times with 2x2 windows")
    circle = images.circle_image()
    fig = Figure(figsize=(12.8, 5.9), layout="constrained")
    axes = fig.subplots(2, 5)
    for row, (name, pool) in enumerate((("max", ops.max_pool2d), ("average", ops.avg_pool2d))):
        level = circle
        shapes = [_shape(level)]
        shown = plotting.show_image(
            level, ax=axes[row, 0], title=f"input\n{_shape(level)}", vmin=0, vmax=1
        )
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
    fig.colorbar(shown.images[0], ax=axes, shrink=0.7, label="pixel value (all panels)")
    fig.supxlabel(
        "Max pooling keeps the one-pixel line at full brightness (1.0); average pooling "
        "mixes it with the dark pixels beside it and dims it at every step.",
        fontsize=9,
    )
    save(fig, "02_circle_pooling.png")

    print("3. Global pooling of the circle")
    print(
        f"   global max {float(ops.global_max_pool2d(circle, device=args.device)):.3f}, "
        f"global average {float(ops.global_avg_pool2d(circle, device=args.device)):.4f}"
    )

    print(f"4. Kernel '{args.kernel}' on the photo '{args.image}' ({how})")
    fmap = ops.conv2d(photo, args.kernel, padding="SAME", device=args.device)
    frect = ops.relu(fmap, device=args.device)
    fpool = ops.max_pool2d(frect, 2, device=args.device)
    print(
        f"   photo {_shape(photo)} -> conv {_shape(fmap)} -> ReLU {_shape(frect)} -> max pool {_shape(fpool)}"
    )
    fig = plotting.show_pipeline(
        [("photo", photo), (f"conv {args.kernel}", fmap), ("ReLU", frect), ("max pool 2x2", fpool)],
        colorbar=True,
        caption=f"The convolution is signed (read the colour bars: zero is mid-grey there); "
        f"ReLU keeps where '{args.kernel}' matches (zero is black); pooling keeps the strongest "
        "answer in each 2x2 window. A strip along the border comes from SAME zero padding: "
        "outside the photo the kernel reads zeros, not the photo's own pixels.",
    )
    # Panels of at least 300 px (up to 600, following --size), each with its colour bar.
    panel = min(max(args.size, _PANEL_PX[0]), _PANEL_PX[1]) / 100  # inches at dpi 100
    fig.set_size_inches(4 * panel * 1.3, panel * 1.45)
    save(fig, f"03_photo_{args.kernel}.png")
    return saved


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``cnn101-demo`` and ``python -m cnn101.demo``; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The command-line arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0 once the figures are saved; 2 if they could not be written.

    Raises
    ------
    SystemExit
        With status 2 for a bad option (one line on stderr that names it), before
        TensorFlow loads; with status 0 after ``--help``.

    Examples
    --------
    A bad option is refused at once:

    >>> try:
    ...     main(["--size", "4"])
    ... except SystemExit as stop:
    ...     print("exit status", stop.code)
    exit status 2
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    # Every check below runs before TensorFlow loads (except --device, which needs it).
    if not _SIZES[0] <= args.size <= _SIZES[1]:
        parser.error(
            f"argument --size: must be an integer from {_SIZES[0]} to {_SIZES[1]}. "
            f"Received: --size={args.size}"
        )
    photo, how = _load_photo(parser, args)
    _check_out(parser, args.out)
    no_display = _display_problem() if args.show else None
    if no_display:
        print(
            f"{parser.prog}: note: --show: {no_display}, so no window can open; "
            f"the figures are only saved to {args.out}",
            file=sys.stderr,
        )
    _check_device(parser, args.device)
    try:
        saved = run(args, photo, how)
    except OSError as error:
        print(f"{parser.prog}: error: argument --out: {error}", file=sys.stderr)
        return 2
    print(f"Saved {len(saved)} figures to {args.out.resolve()}:")
    for path in saved:
        print(f"   {path.name}")
    if args.show and not no_display:
        import matplotlib.pyplot as plt

        for path in saved:
            fig = plt.figure(figsize=(10, 5))
            fig.add_subplot().imshow(plt.imread(path))
            fig.axes[0].set_axis_off()
        plt.show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
