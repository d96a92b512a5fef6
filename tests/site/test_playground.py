"""The playground page: TensorFlow.js in the browser gives the numbers of ``cnn101.ops``.

Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens the
playground page of the session's site build, served from 127.0.0.1, sets inputs through
the page's controls and through its JavaScript API (``window.cnn101Playground``), reads
the stage values back and compares them with :mod:`cnn101.ops` (and
:func:`cnn101.invariance.shift`, :func:`cnn101.corners.pooled_responses`) on the same
inputs, to 1e-5. A second, small build with ``use_directory_urls: false`` is opened from
disk (``file://``). The oracle is TensorFlow in Python; the page runs TensorFlow.js's CPU
backend, a separate implementation of the same operations.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import ROOT, load_config, load_hook, run_build

from cnn101 import corners, images, kernels, ops
from cnn101.invariance import shift

hook = load_hook("playground")
ATOL = 1e-5


# ---- the build hook, without a browser -----------------------------------------------------


def decode(entry: dict) -> np.ndarray:
    """Decode an image of the data file the way playground.js does."""
    raw = base64.b64decode(entry["data"])
    if entry["dtype"] == "float32":
        values = np.frombuffer(raw, dtype="<f4")
    else:
        values = (np.frombuffer(raw, dtype=np.uint8) * np.float64(entry["step"])).astype(np.float32)
    return values.reshape(entry["shape"])


def cnn101_images() -> dict[str, np.ndarray]:
    """The images the playground must show, made here by cnn101 itself."""
    gallery = {
        "blog_line": images.vertical_line_image(thickness=2),
        "vertical_line": images.vertical_line_image(),
        "circle": images.circle_image(),
        "two_cats": images.two_cats_image(),
        "squares": images.squares_image(),
    }
    for name, size in hook.PHOTO_SIZES.items():
        gallery[name] = images.load_photo(name, size=size)
    return gallery


@pytest.fixture(scope="module")
def exported() -> dict:
    return hook.playground_data()


def test_exported_images_and_kernels_are_cnn101s_exactly(exported):
    expected = cnn101_images()
    assert set(exported["images"]) == set(expected)
    for name, image in expected.items():
        np.testing.assert_array_equal(decode(exported["images"][name]), image, err_msg=name)
    assert exported["images"]["circle"]["dtype"] == "uint8", "0/1 images travel as bytes"
    # The blog's image is the one its label names: a line two pixels wide (columns 3 and 4).
    labels = {name: entry["label"] for name, entry in exported["images"].items()}
    assert [name for name, label in labels.items() if "blog" in label] == ["blog_line"]
    assert decode(exported["images"]["blog_line"])[0].tolist() == [0, 0, 0, 1, 1, 0, 0, 0]
    assert "1 pixel wide" in labels["vertical_line"] and "2 pixels wide" in labels["blog_line"]
    assert exported["images"]["camera"]["dtype"] == "float32"
    assert set(exported["kernels"]) == set(kernels.kernel_names())
    for name, values in exported["kernels"].items():
        np.testing.assert_array_equal(values, kernels.get_kernel(name), err_msg=name)
    for offset, entry in exported["scale"]["squares"].items():
        np.testing.assert_array_equal(
            decode(entry["image"]), images.squares_image(offset=int(offset))
        )
        for (top, left, size), level in zip(entry["layout"], entry["merge_levels"], strict=True):
            assert level == max(corners.merge_level(top, size), corners.merge_level(left, size))


def test_encode_image_falls_back_to_floats_when_bytes_would_change_values():
    exact = np.array([[0.0, 0.25, 0.75]], np.float32)
    assert hook.encode_image(exact)["dtype"] == "uint8"
    np.testing.assert_array_equal(decode(hook.encode_image(exact)), exact)
    rough = np.array([[0.0, 0.3, 1.0 / 3.0]], np.float32)
    assert hook.encode_image(rough)["dtype"] == "float32"
    np.testing.assert_array_equal(decode(hook.encode_image(rough)), rough)
    with pytest.raises(ValueError, match="image"):
        hook.encode_image(np.zeros((2, 2, 3)))


@pytest.mark.parametrize(
    ("page_url", "prefix"),
    [("playground/", "../"), ("playground.html", ""), ("a/b/", "../../"), ("", "")],
)
def test_asset_urls_are_relative_to_the_page(page_url, prefix):
    head, body = hook.asset_tags(page_url)
    assert f'href="{prefix}assets/stylesheets/playground.css"' in head
    for path in hook.SCRIPTS:
        assert f'src="{prefix}{path}"' in body


def test_data_file_is_exported_once_then_cached_until_the_key_changes(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(hook, "playground_data", lambda: calls.append(1) or {"n": len(calls)})
    monkeypatch.setenv(hook.CACHE_ENV, str(tmp_path / "cache"))
    (tmp_path / "mkdocs.yml").touch()

    class Config:
        config_file_path = str(tmp_path / "mkdocs.yml")
        site_dir = str(tmp_path / "site")

    written = tmp_path / "site" / hook.DATA_FILE
    hook.on_post_build(Config)
    hook.on_post_build(Config)
    assert len(calls) == 1 and written.read_text().endswith('{"n":1};\n')
    monkeypatch.setattr(hook, "cache_key", lambda: "0" * 64)  # cnn101 or a library changed
    hook.on_post_build(Config)
    assert len(calls) == 2 and written.read_text().endswith('{"n":2};\n')


def test_cache_key_follows_the_cnn101_source(tmp_path):
    package = tmp_path / "cnn101"
    shutil.copytree(ROOT / "cnn101", package, ignore=shutil.ignore_patterns("__pycache__"))
    key = hook.cache_key(package)
    assert hook.cache_key(package) == key
    (package / "images.py").write_text(
        (package / "images.py").read_text() + "\n# changed\n", encoding="utf-8"
    )
    assert hook.cache_key(package) != key


def test_the_scale_view_draws_every_merge_level_it_lists(exported):
    """The merge-level table names no level deeper than the view draws."""
    deepest = max(max(entry["merge_levels"]) for entry in exported["scale"]["squares"].values())
    assert deepest <= exported["scale"]["levels"] == hook.SCALE_LEVELS
    assert deepest == hook.SCALE_LEVELS, "no level is drawn that no square needs"


def test_the_page_text_says_what_cnn101_computes():
    """The claims of playground.md's "Things to try", measured with cnn101.ops."""
    blog = images.vertical_line_image(thickness=2)
    conv = ops.conv2d(blog, "vertical_line", padding="SAME").numpy()
    assert conv.max() == 2 and conv.min() == -2
    relu = ops.relu(conv).numpy()
    assert set(np.unique(relu[:-1])) == {0.0, 2.0}  # the +2 column survives (not the -2)
    assert ops.max_pool2d(relu, 2).numpy().max() == 2
    valid = ops.conv2d(blog, "vertical_line", padding="VALID")
    assert valid.shape == (conv.shape[0] - 1, conv.shape[1] - 1)
    line = images.vertical_line_image()
    conv = ops.conv2d(line, "vertical_line", padding="SAME").numpy()
    assert conv.max() == 2 and conv.min() == -2
    relu = ops.relu(conv).numpy()
    assert set(np.unique(relu[:-1])) == {0.0, 2.0}  # the +2 column survives (not the -2)
    pooled = ops.max_pool2d(relu, 2).numpy()
    assert pooled.max() == 2 and pooled.shape == (3, 4)
    valid = ops.conv2d(line, "vertical_line", padding="VALID")
    assert valid.shape == (conv.shape[0] - 1, conv.shape[1] - 1)
    strided = ops.relu(ops.conv2d(line, "vertical_line", strides=2, padding="SAME")).numpy()
    assert not strided.any(), "with stride 2 the +2 column is dropped"

    def pool(dx):
        moved = shift(line, dx=dx)
        return ops.max_pool2d(ops.relu(ops.conv2d(moved, "vertical_line")), 2).numpy()

    assert np.array_equal(pool(-1), pool(0)) and not np.array_equal(pool(1), pool(0))
    for dx in range(-2, 3):
        np.testing.assert_array_equal(pool(dx + 2)[:, 1:], pool(dx)[:, :-1])
    assert {float(pool(dx).max()) for dx in range(-3, 5)} == {2.0}
    assert float(pool(5).max()) == 0.0  # the line has left the image


# ---- the page in a browser -----------------------------------------------------------------

from conftest import require_chromium  # noqa: E402  (the browser harness)

require_chromium()

pytestmark = pytest.mark.slow


class Tab:
    """A tab that records console errors and refuses (and records) requests to other hosts."""

    def __init__(self, browser, allowed: tuple[str, ...], width: int = 1280):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.allowed = (*allowed, "data:", "blob:")
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.scripts: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"{r.url}: {r.failure}"))
        self.page.on(
            "request", lambda r: self.scripts.append(r.url) if r.resource_type == "script" else None
        )
        self.context.route("**/*", self._route)

    def _route(self, route):
        if route.request.url.startswith(self.allowed):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        self.page.wait_for_function("window.cnn101Playground !== undefined")
        self.page.evaluate("async () => { await cnn101Playground.ready; }")
        return self.page


@pytest.fixture(scope="module")
def playground(browser, base_url):
    """The playground page, served, with every widget drawn once."""
    tab = Tab(browser, (base_url,))
    tab.open(base_url + "playground.html")
    yield tab
    tab.context.close()


def pipeline(config: dict) -> dict[str, np.ndarray]:
    """The page's pipeline, computed by cnn101.ops (the oracle)."""
    image = config["image"]
    image = cnn101_images()[image] if isinstance(image, str) else np.asarray(image, np.float32)
    dy, dx = config.get("shift", (0, 0))
    x = shift(image, dy=dy, dx=dx)
    conv = ops.conv2d(x, config["kernel"], strides=config["stride"], padding=config["padding"])
    relu = ops.relu(conv)
    pooled = relu
    if config["pool"] != "none":
        pool = ops.max_pool2d if config["pool"] == "max" else ops.avg_pool2d
        pooled = pool(relu, config["poolSize"], config["poolStride"], config["poolPadding"])
    glob = (ops.global_max_pool2d if config["global"] == "max" else ops.global_avg_pool2d)(pooled)
    return {
        "image": x,
        "conv": conv.numpy(),
        "relu": relu.numpy(),
        "pool": pooled.numpy(),
        "global": float(glob),
    }


def assert_same(page_out: dict, config: dict) -> None:
    expected = pipeline(config)
    for stage, want in expected.items():
        got = np.asarray(page_out[stage], dtype=np.float64)
        assert got.shape == np.shape(want), (stage, got.shape, np.shape(want), config)
        np.testing.assert_allclose(got, want, rtol=0, atol=ATOL, err_msg=f"{stage} of {config}")


SMALL_IMAGE = [[0.0, 1.0, 0.5], [0.25, 0.0, 1.0]]
CUSTOM_2X2 = [[0.5, -1.25], [2.0, 0.125]]
CUSTOM_3X3 = [[0.1, -0.2, 0.3], [-0.4, 0.5, -0.6], [0.7, -0.8, 0.9]]
CONFIGS = [
    # image, kernel, stride, padding, pool, pool size, pool stride, pool padding, global, shift
    ("vertical_line", "vertical_line", 1, "SAME", "max", 2, 2, "VALID", "max", (0, 0)),
    ("vertical_line", "vertical_line", 1, "VALID", "avg", 2, 2, "SAME", "avg", (0, 1)),
    ("vertical_line", "vertical_line", 2, "SAME", "max", 2, 1, "VALID", "max", (0, -2)),
    ("circle", "sobel_left", 1, "SAME", "max", 3, 2, "SAME", "avg", (2, 3)),
    ("circle", "laplacian", 3, "VALID", "avg", 3, 3, "VALID", "max", (-1, 0)),
    ("camera", "sobel_top", 1, "SAME", "max", 2, 2, "VALID", "max", (0, 0)),
    ("camera", "gaussian_blur", 2, "VALID", "avg", 4, 3, "SAME", "avg", (5, -7)),
    ("cat", "emboss", 2, "SAME", "avg", 2, 2, "SAME", "max", (0, 4)),
    ("cat", CUSTOM_3X3, 1, "VALID", "max", 3, 1, "VALID", "avg", (1, 1)),
    ("two_cats", CUSTOM_2X2, 1, "SAME", "none", 2, 2, "VALID", "max", (0, 0)),
    ("squares", "outline", 4, "SAME", "max", 1, 1, "VALID", "avg", (-3, 2)),
    (SMALL_IMAGE, CUSTOM_2X2, 1, "VALID", "avg", 1, 1, "SAME", "max", (0, 0)),
]


def as_config(row) -> dict:
    keys = ("image", "kernel", "stride", "padding", "pool", "poolSize", "poolStride", "poolPadding")
    config = dict(zip((*keys, "global", "shift"), row, strict=True))
    config["shift"] = list(config["shift"])
    return config


@pytest.mark.parametrize(
    "row", CONFIGS, ids=lambda r: f"{r[0] if isinstance(r[0], str) else 'list'}"
)
def test_compute_api_equals_cnn101_ops(playground, row):
    config = as_config(row)
    out = playground.page.evaluate("(config) => cnn101Playground.compute(config)", config)
    assert_same(out, config)


def test_every_named_kernel_equals_cnn101_ops(playground):
    configs = [
        as_config(("circle", name, 1, "SAME", "max", 2, 2, "VALID", "max", (0, 0)))
        for name in kernels.kernel_names()
    ]
    outs = playground.page.evaluate("(cs) => cs.map((c) => cnn101Playground.compute(c))", configs)
    for config, out in zip(configs, outs, strict=True):
        assert_same(out, config)


@pytest.mark.parametrize("image", ["squares:0", "squares:3", "squares:7", "two_cats"])
def test_scale_view_equals_pooled_responses(playground, image):
    maps = playground.page.evaluate("(image) => cnn101Playground.computeScale({image})", image)
    if image.startswith("squares:"):
        array = images.squares_image(offset=int(image.split(":")[1]))
    else:
        array = images.two_cats_image()
    expected = corners.pooled_responses(array, levels=hook.SCALE_LEVELS)
    assert len(maps) == len(expected) == hook.SCALE_LEVELS + 1
    for level, (got, want) in enumerate(zip(maps, expected, strict=True)):
        np.testing.assert_allclose(got, want, rtol=0, atol=ATOL, err_msg=f"level {level}")


def fieldset(root, legend: str):
    """The group of controls under ``legend`` in a widget."""
    return root.locator("fieldset", has=root.page.locator(f"legend:text-is('{legend}')"))


def widget_arrays(page, index: int = 0) -> dict:
    return page.evaluate(
        "async (i) => { const w = cnn101Playground.widgets[i]; await w.idle(); return w.arrays(); }",
        index,
    )


def test_the_page_controls_set_the_pipeline(playground):
    """Choose every setting with the page's own controls; the drawn stages follow cnn101.ops."""
    page = playground.page
    root = page.locator(".cnn101-playground").first
    root.get_by_label("Image", exact=True).select_option("camera")
    root.get_by_label("Kernel", exact=True).select_option("sobel_right")
    conv = fieldset(root, "Convolution")
    conv.get_by_label("Stride").select_option("2")
    conv.get_by_label("Padding").select_option("VALID")
    pool = fieldset(root, "Pooling")
    pool.get_by_label("Pooling", exact=True).select_option("avg")
    pool.get_by_label("Window").select_option("3")
    pool.get_by_label("Stride").select_option("2")
    pool.get_by_label("Padding").select_option("SAME")
    root.get_by_label("Global pooling", exact=True).select_option("avg")
    root.get_by_label("Shift right (pixels)").fill("3")
    root.get_by_label("Shift down (pixels)").fill("-2")
    config = as_config(("camera", "sobel_right", 2, "VALID", "avg", 3, 2, "SAME", "avg", (-2, 3)))
    assert_same(widget_arrays(page), config)

    # Edit one weight in the grid: the kernel becomes a custom one.
    root.get_by_label("Weight, row 2, column 3").fill("-1.5")
    assert root.get_by_label("Kernel", exact=True).input_value() == "custom3"
    kernel = kernels.get_kernel("sobel_right")
    kernel[1, 2] = -1.5
    config["kernel"] = kernel.tolist()
    assert_same(widget_arrays(page), config)
    root.get_by_label("Kernel", exact=True).select_option("custom2")
    root.get_by_label("Weight, row 1, column 2").fill("0.75")
    config["kernel"] = [[1.0, 0.75], [0.0, 1.0]]  # custom 2x2 starts from the identity
    assert_same(widget_arrays(page), config)
    assert not playground.errors, playground.errors


def test_shown_values_outlines_and_status_on_the_blog_example(browser, base_url):
    """The numbers written on the maps, and the outlined pooled cells after a shift."""
    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    root = page.locator(".cnn101-playground").first
    root.get_by_label("Image", exact=True).select_option("vertical_line")
    config = as_config(
        ("vertical_line", "vertical_line", 1, "SAME", "max", 2, 2, "VALID", "max", (0, 0))
    )
    expected = pipeline(config)
    page.evaluate("cnn101Playground.widgets[0].idle()")
    shown = root.locator(".cnn101-pg-stage-pool svg text").all_text_contents()
    assert [float(t.replace("\u2212", "-")) for t in shown] == expected["pool"].ravel().tolist()
    assert root.locator(".cnn101-pg-global").text_content() == "2"

    root.get_by_label("Shift right (pixels)").fill("1")
    shifted = pipeline({**config, "shift": [0, 1]})
    arrays = widget_arrays(page)
    np.testing.assert_allclose(arrays["pool"], shifted["pool"], atol=ATOL)
    changed = page.evaluate("Array.from(cnn101Playground.widgets[0].result.changed)")
    want = (np.abs(shifted["pool"] - expected["pool"]) > 1e-6).ravel().astype(int).tolist()
    assert changed == want and sum(want) > 0
    outline = root.locator(".cnn101-pg-stage-pool path.changed").get_attribute("d")
    assert outline.count("M") == sum(want)  # one square per changed cell
    status = root.locator(".cnn101-pg-status").text_content()
    assert f"changed {sum(want)} of {len(want)} pooled cells, not the global value" in status

    # A window that does not fit says so instead of drawing, and the maps and captions of
    # the last valid setting leave the screen; a valid setting brings them back.
    root.get_by_label("Kernel", exact=True).select_option("sobel_top")
    fieldset(root, "Convolution").get_by_label("Stride").select_option("4")
    fieldset(root, "Convolution").get_by_label("Padding").select_option("VALID")
    fieldset(root, "Pooling").get_by_label("Window").select_option("4")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    assert "does not fit" in root.locator(".cnn101-pg-status").text_content()
    assert not root.locator(".cnn101-pg-stages").is_visible()
    assert not root.locator(".cnn101-pg-stage figcaption:visible").count()
    assert page.evaluate("cnn101Playground.widgets[0].result") is None
    fieldset(root, "Pooling").get_by_label("Window").select_option("1")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    assert root.locator(".cnn101-pg-stages").is_visible()
    assert "does not fit" not in root.locator(".cnn101-pg-status").text_content()
    assert not tab.errors and not tab.foreign, (tab.errors, tab.foreign)
    tab.context.close()


def test_keyboard_only_use_and_labels(browser, base_url):
    """Every control has a label, and the sliders, selects and drawing work from the keyboard."""
    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll(
             '.cnn101-playground input, .cnn101-playground select, .cnn101-playground button'))
           .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                          && !c.textContent.trim())
           .map((c) => c.outerHTML)"""
    )
    assert not unlabelled
    root = page.locator(".cnn101-playground").first
    slider = root.get_by_label("Shift right (pixels)")
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert slider.input_value() == "2"
    blog = images.vertical_line_image(thickness=2)  # the page opens on the blog's line
    assert widget_arrays(page)["image"] == shift(blog, dx=2).tolist()
    page.keyboard.press("Tab")  # to the next control
    assert page.evaluate("document.activeElement.id") == root.get_by_label(
        "Shift down (pixels)"
    ).get_attribute("id")

    # Draw with the keyboard: choose "draw", focus the image, paint, move, paint.
    slider.fill("0")
    root.get_by_label("Image", exact=True).select_option("draw")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    grid = root.get_by_role("application")
    grid.focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    drawn = np.asarray(widget_arrays(page)["image"])
    centre = drawn.shape[0] // 2
    assert drawn.sum() == 2
    assert drawn[centre, centre] == 1 and drawn[centre + 1, centre + 1] == 1
    assert not tab.errors and not tab.foreign, (tab.errors, tab.foreign)
    tab.context.close()


def test_widgets_added_later_and_mistakes_in_their_attributes(browser, base_url):
    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    mount = """async ([attrs]) => {
      const div = document.createElement("div");
      div.className = "cnn101-playground";
      Object.assign(div.dataset, attrs);
      document.querySelector("article").append(div);
      const widget = await cnn101Playground.mount(div);
      return [widget ? widget.arrays().pool : null, div.textContent];
    }"""
    pool, text = page.evaluate(mount, [{"kernel": "sobel"}])
    assert pool is None and 'data-kernel: unknown kernel "sobel"' in text
    assert "sobel_left" in text, "the message lists the valid names"
    pool, text = page.evaluate(mount, [{"stages": "conv,pooling"}])
    assert pool is None and 'data-stages: unknown "pooling"' in text
    assert len(tab.errors) == 2 and all("cnn101 playground: data-" in e for e in tab.errors)
    pool, _ = page.evaluate(mount, [{"image": "circle", "kernel": "outline", "poolSize": "3"}])
    config = as_config(("circle", "outline", 1, "SAME", "max", 3, 3, "VALID", "max", (0, 0)))
    np.testing.assert_allclose(pool, pipeline(config)["pool"], rtol=0, atol=ATOL)
    tab.context.close()


def test_offline_no_errors_and_fits_a_phone(browser, base_url):
    tab = Tab(browser, (base_url,), width=390)
    page = tab.open(base_url + "playground.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    widths = page.evaluate(
        "Array.from(document.querySelectorAll('.cnn101-pg *'))"
        ".map((e) => e.getBoundingClientRect().right).filter((r) => r > 390.5)"
    )
    assert not widths, f"{len(widths)} elements stick out past 390 px"
    assert not tab.errors, tab.errors
    assert not tab.foreign, tab.foreign
    assert any(s.endswith("tf-core.es2017.min.js") for s in tab.scripts)
    tab.context.close()


def status_of(root) -> str:
    return root.locator(".cnn101-pg-status").text_content()


def test_a_shift_that_changes_the_global_value_shows_how(browser, base_url):
    """A global value changed by a one-pixel shift is shown with the digits that tell the
    values apart (before, 3.34 was shown before and after while the page said 'changed')."""

    def global_value(kernel, dx):
        config = as_config(("camera", kernel, 1, "SAME", "max", 2, 2, "VALID", "max", (0, dx)))
        return pipeline(config)["global"]

    # A kernel whose global maximum moves by less than 0.005 under the shift: the case to show.
    moved = {k: global_value(k, 1) - global_value(k, 0) for k in kernels.kernel_names()}
    kernel = next(k for k, d in moved.items() if 1e-6 < abs(d) < 0.005)
    before, after = global_value(kernel, 0), global_value(kernel, 1)
    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    root = page.locator(".cnn101-playground").first
    root.get_by_label("Image", exact=True).select_option("camera")
    root.get_by_label("Kernel", exact=True).select_option(kernel)
    root.get_by_label("Shift right (pixels)").fill("1")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    found = re.search(r"and the global value \(from (\S+) to (\S+)\)", status_of(root))
    assert found, status_of(root)
    shown = [text.replace("\u2212", "-") for text in found.groups()]
    assert shown[0] != shown[1], shown
    for text, value in zip(shown, (before, after), strict=True):
        decimals = len(text.split(".")[1]) if "." in text else 0
        assert abs(float(text) - value) <= 0.5 * 10**-decimals + 1e-9, (text, value)
    assert root.locator(".cnn101-pg-global").text_content() == shown[1].replace("-", "\u2212")
    caption = root.locator(".cnn101-pg-stage-global figcaption").text_content()
    assert f"({found.group(1)} before the shift)" in caption
    assert not tab.errors, tab.errors
    tab.context.close()


def test_a_weight_too_large_is_refused_and_the_maps_stay_finite(browser, base_url):
    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    root = page.locator(".cnn101-playground").first
    weight = root.get_by_label("Weight, row 1, column 1")
    weight.fill("1e308")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    assert weight.get_attribute("aria-invalid") == "true"
    assert "between \u22121000 and 1000" in status_of(root)
    arrays = widget_arrays(page)
    assert all(np.isfinite(np.asarray(arrays[k])).all() for k in ("conv", "relu", "pool"))
    config = as_config(
        ("blog_line", "vertical_line", 1, "SAME", "max", 2, 2, "VALID", "max", (0, 0))
    )
    assert_same(arrays, config)  # the maps keep the last valid kernel
    weight.fill("3")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    assert weight.get_attribute("aria-invalid") == "false" and "between" not in status_of(root)
    config["kernel"] = [[3.0, -1.0], [1.0, -1.0]]
    assert_same(widget_arrays(page), config)
    assert not tab.errors, tab.errors
    tab.context.close()


def test_a_fast_stroke_draws_a_line_not_dots(browser, base_url):
    """One pointer move across the grid (a fast stroke) paints every cell in between."""
    from scipy import ndimage

    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    root = page.locator(".cnn101-playground").first
    root.get_by_label("Image", exact=True).select_option("draw")
    page.evaluate("cnn101Playground.widgets[0].idle()")
    grid = root.locator(".cnn101-pg-stage-image .cnn101-pg-map")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    cell = box["width"] / 28

    def at(i, j):
        return box["x"] + (j + 0.5) * cell, box["y"] + (i + 0.5) * cell

    page.mouse.move(*at(2, 2))
    page.mouse.down()
    page.mouse.move(*at(20, 25), steps=1)  # one event, 23 cells away
    page.mouse.up()
    drawn = np.asarray(widget_arrays(page)["image"])
    assert drawn[2, 2] == 1 and drawn[20, 25] == 1
    assert drawn.sum() == max(20 - 2, 25 - 2) + 1, "one cell per step of the longer side"
    _, pieces = ndimage.label(drawn, structure=np.ones((3, 3)))
    assert pieces == 1, "the stroke is one connected line"
    assert not tab.errors, tab.errors
    tab.context.close()


def test_the_scale_view_shows_its_scene_and_every_level_it_lists(browser, base_url):
    tab = Tab(browser, (base_url,))
    page = tab.open(base_url + "playground.html")
    root = page.locator(".cnn101-playground").nth(1)
    root.get_by_label("Scene", exact=True).select_option("two_cats")
    page.evaluate("cnn101Playground.widgets[1].idle()")
    canvas = root.locator(".cnn101-pg-stage-input canvas")
    assert canvas.is_visible()
    pixels = canvas.evaluate(
        "(c) => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)"
    )
    cats = images.two_cats_image()
    gray = np.asarray(pixels, dtype=float).reshape(*cats.shape, 4)[..., 0]
    np.testing.assert_allclose(gray, 255 * cats, atol=1.0)  # the cats, drawn from 0 (black) to 1
    root.get_by_label("Scene", exact=True).select_option("squares")
    slider = root.get_by_label("Move the squares down and right (pixels)")
    for offset in range(8):
        slider.fill(str(offset))
        page.evaluate("cnn101Playground.widgets[1].idle()")
        listed = [int(t) for t in root.locator("tbody tr td:nth-child(3)").all_text_contents()]
        drawn = root.locator(".cnn101-pg-stage figcaption strong").all_text_contents()
        for level in listed:
            assert f"Level {level}" in drawn, (offset, level, drawn)
    assert not tab.errors, tab.errors
    tab.context.close()


# Machado, Oliveira and Fernandes (2009), "A physiologically-based model for simulation of
# color vision deficiency", IEEE TVCG 15(6): their matrices at severity 1, on linear RGB.
CVD = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.011820, 0.042940, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.303900],
    ],
}
MIN_DELTA_E = 20.0  # CIE76 distance in CIELAB: clearly different colours


def seen(rgb, vision: str | None) -> np.ndarray:
    """CIELAB of an sRGB colour (0-255) as seen with ``vision`` (None: typical vision)."""
    from skimage.color import rgb2lab

    srgb = np.asarray(rgb, dtype=float) / 255
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    if vision:
        linear = np.clip(np.asarray(CVD[vision]) @ linear, 0, 1)
    srgb = np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)
    return rgb2lab(srgb.reshape(1, 1, 3)).ravel()


def told_apart(a, b, *, hue_only: bool = False) -> dict[str | None, float]:
    """Distance of two colours in CIELAB for each kind of vision; ``hue_only`` leaves out
    lightness (a map's lightness shows a response's strength, so hue must tell the kind)."""
    axes = slice(1, 3) if hue_only else slice(0, 3)
    return {v: float(np.linalg.norm((seen(a, v) - seen(b, v))[axes])) for v in (None, *CVD)}


def test_the_maps_colours_are_told_apart_with_colour_blindness(playground):
    colours = playground.page.evaluate("cnn101Playground.palette")
    ul, br = np.array(colours["upperLeft"]), np.array(colours["bottomRight"])
    both = np.clip(255 - (255 - ul) - (255 - br), 0, 255)  # as playground.js mixes them
    white = [255, 255, 255]
    by_hue = {
        "upper-left / bottom-right": (ul, br),
        "negative / positive": (colours["negative"], colours["positive"]),
    }
    by_colour = {
        "upper-left / both": (ul, both),
        "bottom-right / both": (br, both),
        "upper-left / no response": (ul, white),
        "bottom-right / no response": (br, white),
    }
    for pairs, hue_only in ((by_hue, True), (by_colour, False)):
        for name, (a, b) in pairs.items():
            distances = told_apart(a, b, hue_only=hue_only)
            assert min(distances.values()) >= MIN_DELTA_E, (name, distances)
    # The red and green used before fail the same check: a deuteranope tells them apart
    # by lightness alone, which the maps use for the strength of a response.
    assert told_apart([255, 0, 0], [0, 255, 0], hue_only=True)["deuteranopia"] < MIN_DELTA_E


# ---- from disk, with use_directory_urls: false ----------------------------------------------


EMBED = (
    '<div class="cnn101-playground" data-image="vertical_line" data-kernel="vertical_line" '
    'data-stages="image,conv,relu,pool" data-controls="kernel,conv,pool"></div>'
)


@pytest.fixture(scope="module")
def disk_site(tmp_path_factory) -> Path:
    """A small build (home and playground pages) with non-directory URLs, for file://."""
    base = tmp_path_factory.mktemp("disk")
    docs = base / "docs"
    docs.mkdir()
    shutil.copytree(ROOT / "tutorials" / "assets", docs / "assets")
    shutil.copy(ROOT / "tutorials" / "playground.md", docs / "playground.md")
    (docs / "index.md").write_text("# Home\n\n[Playground](playground.md)\n", encoding="utf-8")
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Embedded\n"]},
            {"cell_type": "markdown", "metadata": {}, "source": [EMBED]},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (docs / "embed.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    config = load_config()
    config.update(
        docs_dir="docs",
        use_directory_urls=False,
        # No search (its index is fetched, which file:// does not allow); notebooks as on the
        # site, to check that a widget written in a markdown cell survives nbconvert.
        plugins=[{"mkdocs-jupyter": {"include": ["*.ipynb"], "execute": False}}],
        hooks=[str(ROOT / "docs_hooks" / "playground.py")],
        nav=[{"Home": "index.md"}, {"Playground": "playground.md"}, {"Embed": "embed.ipynb"}],
        validation={"links": {"not_found": "info"}},  # the tutorials are not in this build
    )
    config["theme"]["custom_dir"] = str(ROOT / "overrides")
    path = base / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return run_build(base / "site", base / "cache", path).check().site


def test_works_from_disk_without_directory_urls(browser, disk_site):
    page_file = disk_site / "playground.html"
    assert page_file.is_file()
    tab = Tab(browser, ("file://",))
    page = tab.open(page_file.as_uri())
    config = as_config(("circle", "sobel_bottom", 2, "SAME", "avg", 2, 2, "VALID", "max", (1, 0)))
    assert_same(page.evaluate("(c) => cnn101Playground.compute(c)", config), config)
    assert page.evaluate("cnn101Playground.widgets.length") == 2
    assert not tab.errors and not tab.foreign, (tab.errors, tab.foreign)
    assert "tf-core" not in (disk_site / "index.html").read_text("utf-8")
    tab.context.close()


def test_a_widget_embedded_in_a_notebook_cell(browser, disk_site):
    """The snippet recommended for the tutorials, in a markdown cell, rendered by mkdocs-jupyter."""
    tab = Tab(browser, ("file://",))
    page = tab.open((disk_site / "embed.html").as_uri())
    root = page.locator(".cnn101-playground")
    legends = root.locator("legend").all_text_contents()
    assert legends == ["Kernel", "Convolution", "Pooling"]
    figures = root.locator("figure:visible strong").all_text_contents()
    assert figures == ["Input image", "Convolution", "ReLU", "Pooling"]
    fieldset(root, "Pooling").get_by_label("Pooling", exact=True).select_option("avg")
    config = as_config(
        ("vertical_line", "vertical_line", 1, "SAME", "avg", 2, 2, "VALID", "max", (0, 0))
    )
    assert_same(widget_arrays(page), config)  # the global value is computed, not shown
    assert not tab.errors and not tab.foreign, (tab.errors, tab.foreign)
    tab.context.close()
