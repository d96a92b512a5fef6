"""MkDocs hook: the in-browser playground (TensorFlow.js) and the data it runs on.

* On every page whose HTML holds a ``<div class="cnn101-playground">`` (the playground
  page, or a widget embedded in a tutorial), it adds the playground's stylesheet and
  scripts: the vendored TensorFlow.js core and CPU backend, the data file and
  ``playground.js``. The URLs are relative to the page, so they work with
  ``use_directory_urls`` true or false, over a server and from disk (``file://``).
* After the build it writes ``assets/javascripts/playground-data.js``: the named kernels
  of :mod:`cnn101.kernels`, the images of :mod:`cnn101.images` (the blog's vertical
  line, the circle, the two-cats scene, bundled photos at 128 px) and the corner
  detectors, squares and merge levels of :mod:`cnn101.corners`, exported from the package
  at build time. It is a script (it sets ``window.CNN101_PLAYGROUND_DATA``) rather than
  JSON, because a page opened from disk may not ``fetch`` a file next to it.

The data file is cached next to the executed notebooks (``$CNN101_NOTEBOOK_CACHE``, else
``.cache/notebooks``), keyed on this hook, the ``cnn101`` source and the versions of the
libraries that draw the images, so a rebuild with nothing changed does not redo the export.

Images travel as base64 bytes, decoded in the browser to the same float32 values:
``"float32"`` (little-endian IEEE floats, exact), or ``"uint8"`` with a ``step`` when
every value is exactly ``code * step`` (0/1 images), which the export checks.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import sitebuild

log = logging.getLogger("mkdocs.hooks.playground")

MARKER = 'class="cnn101-playground'
DATA_FILE = "assets/javascripts/playground-data.js"
STYLESHEET = "assets/stylesheets/playground.css"
SCRIPTS = (
    "assets/vendor/tfjs/tf-core.es2017.min.js",
    "assets/vendor/tfjs/tf-backend-cpu.es2017.min.js",
    DATA_FILE,
    "assets/javascripts/playground.js",
)
PHOTO_SIZES = {"camera": (128, 128), "cat": (86, 128)}
SQUARE_OFFSETS = range(8)
# Pooling levels drawn by the scale view: enough for every square's merge level at every
# offset (the deepest is 7), so the table never names a level the page does not show.
SCALE_LEVELS = 7

CACHE_ENV = sitebuild.CACHE_ENV  # the build's cache folder (docs_hooks/sitebuild.py)
# Distributions whose version can change the exported images.
VERSIONED_PACKAGES = ("numpy", "scikit-image", "imageio", "pillow")

_HEAD_END = re.compile(r"</head>", re.IGNORECASE)
_BODY_END = re.compile(r"</body>", re.IGNORECASE)


def encode_image(image: np.ndarray) -> dict:
    """Return a 2-D float32 image as ``{"shape", "dtype", "data"[, "step"]}`` (base64 bytes).

    Examples
    --------
    >>> encode_image(np.array([[0.0, 0.5]], np.float32))
    {'shape': [1, 2], 'dtype': 'uint8', 'step': 0.5, 'data': 'AAE='}
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"`image` must be 2-D (H, W). Received: array with shape {image.shape}")
    positive = image[image > 0]
    step = float(positive.min()) if positive.size else 1.0
    codes = np.round(image.astype(np.float64) / step)
    if image.min() >= 0 and codes.max() <= 255:
        # Decoded in the browser as Float32Array(code * step): the same float32 rounding.
        decoded = (codes * step).astype(np.float32)
        if np.array_equal(decoded, image):
            data = base64.b64encode(codes.astype(np.uint8).tobytes()).decode("ascii")
            return {"shape": list(image.shape), "dtype": "uint8", "step": step, "data": data}
    data = base64.b64encode(image.astype("<f4").tobytes()).decode("ascii")
    return {"shape": list(image.shape), "dtype": "float32", "data": data}


def playground_data() -> dict:
    """Return everything the playground shows that comes from cnn101, ready for JSON."""
    import cnn101
    from cnn101 import images, kernels
    from cnn101.corners import BOTTOM_RIGHT_CORNER, UPPER_LEFT_CORNER, merge_level, square_layout

    gallery = {
        "blog_line": (
            "The blog's vertical line, 2 pixels wide (7x8)",
            images.vertical_line_image(thickness=2),
        ),
        "vertical_line": ("A vertical line, 1 pixel wide (7x8)", images.vertical_line_image()),
        "circle": ("A one-pixel circle (64x64)", images.circle_image()),
        "two_cats": ("The same cat near and far (64x64)", images.two_cats_image()),
        "squares": ("Squares of side 2, 4, 8 and 16", images.squares_image()),
    }
    for name, size in PHOTO_SIZES.items():
        gallery[name] = (
            f"Photo: {name} ({size[0]}x{size[1]}, gray)",
            images.load_photo(name, size=size),
        )
    squares = {}
    for offset in SQUARE_OFFSETS:
        layout = square_layout(offset=offset)
        levels = [
            max(merge_level(int(top), int(size)), merge_level(int(left), int(size)))
            for top, left, size in layout
        ]
        if max(levels) > SCALE_LEVELS:
            raise ValueError(
                f"The squares at offset {offset} merge at level {max(levels)}, but the "
                f"scale view draws {SCALE_LEVELS} levels: raise SCALE_LEVELS."
            )
        squares[str(offset)] = {
            "image": encode_image(images.squares_image(offset=offset)),
            "layout": layout.tolist(),
            "merge_levels": levels,
        }
    return {
        "cnn101_version": cnn101.__version__,
        "kernels": {name: kernels.get_kernel(name).tolist() for name in kernels.kernel_names()},
        "images": {
            name: {"label": label, **encode_image(image)}
            for name, (label, image) in gallery.items()
        },
        "scale": {
            "kernels": {
                "upper_left_corner": UPPER_LEFT_CORNER.tolist(),
                "bottom_right_corner": BOTTOM_RIGHT_CORNER.tolist(),
            },
            "levels": SCALE_LEVELS,
            "squares": squares,
        },
    }


def data_script(data: dict) -> str:
    """Return the JavaScript source that publishes ``data`` as ``window.CNN101_PLAYGROUND_DATA``."""
    body = json.dumps(data, separators=(",", ":"), sort_keys=True)
    return (
        "// Generated by docs_hooks/playground.py from the cnn101 package; do not edit.\n"
        f"window.CNN101_PLAYGROUND_DATA = {body};\n"
    )


def asset_tags(page_url: str) -> tuple[str, str]:
    """Return the ``<link>`` and the ``<script>`` tags, with URLs relative to ``page_url``.

    Examples
    --------
    >>> head, _ = asset_tags("playground/")
    >>> head
    '<link rel="stylesheet" href="../assets/stylesheets/playground.css">'
    >>> asset_tags("playground.html")[1].split()[1]
    'src="assets/vendor/tfjs/tf-core.es2017.min.js"></script>'
    """
    return sitebuild.asset_tags(STYLESHEET, SCRIPTS, page_url)


def cache_key(package: Path | None = None) -> str:
    """Return a hash of this hook, the ``cnn101`` source files and the library versions.

    ``package`` is the ``cnn101`` folder; by default the one Python imports.
    """
    return sitebuild.hook_key(Path(__file__), VERSIONED_PACKAGES, package)


def on_post_page(output, page, config):
    """Load the playground's assets on the pages that hold a widget (and only there)."""
    if MARKER not in output:
        return output
    head, body = asset_tags(page.url)
    output = _HEAD_END.sub(lambda m: head + "\n" + m.group(0), output, count=1)
    return _BODY_END.sub(lambda m: body + "\n" + m.group(0), output, count=1)


def on_post_build(config):
    """Write the data file the playground reads (exported from cnn101 now, never by hand)."""
    target = Path(config.site_dir) / DATA_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    cached = sitebuild.cache_dir(Path(config.config_file_path).resolve().parent)
    cached = cached / f"playground-data-{cache_key()[:20]}.js"
    how = "cached"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        partial.write_text(data_script(playground_data()), encoding="utf-8")
        partial.replace(cached)
        how = "exported"
    shutil.copyfile(cached, target)
    log.info("Playground data %s: %s (%d kB)", how, DATA_FILE, target.stat().st_size // 1024)
