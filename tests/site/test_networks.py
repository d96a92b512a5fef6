"""The trained networks in the browser: TensorFlow.js gives the Keras models' probabilities.

Headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) opens a page
made of what the site ships for the networks page (the vendored TensorFlow.js, the data
file that ``docs_hooks/networks.py`` exports, ``networks.js`` and ``networks-page.js``),
from disk (``file://``), with every request to another host refused. Through
``window.cnn101Network`` it classifies test digits and compares the class probabilities
with those of the exported ``.keras`` files, loaded by Keras in Python (to 1e-4); it
moves digits and compares them with :func:`cnn101.invariance.shift` and
:func:`numpy.roll`, and computes consistency as
:class:`cnn101.invariance.ShiftedPredictions` does.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import scipy.special
from conftest import ROOT, launch, load_hook, require_chromium

import cnn101  # noqa: F401  (registers the package's Keras layers)
from cnn101._tf import tensorflow
from cnn101.invariance import ShiftedPredictions, shift

tensorflow()

import keras  # noqa: E402

require_chromium()
pytestmark = pytest.mark.slow

hook = load_hook("networks")
ATOL = 1e-4
PAGE_SCRIPTS = (*hook.SCRIPTS,)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A page with the networks widget and the site's assets, written to disk."""
    root = tmp_path_factory.mktemp("networks-site")
    hook.export(root)
    for path in (*hook.SCRIPTS, hook.STYLESHEET):
        if path != hook.DATA_FILE:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / "tutorials" / path, root / path)
    head, body = hook.asset_tags("index.html")
    (root / "index.html").write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>'
        f'<div class="cnn101-networks"></div>{body}</body></html>',
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def page(folder):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        tab = chromium.new_page()
        outside: list[str] = []

        def refuse(route):
            outside.append(route.request.url)
            route.abort()

        tab.route("http*://**", refuse)
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.goto((folder / "index.html").as_uri(), wait_until="load")
        tab.wait_for_function("window.cnn101Network && window.cnn101Network.architectures")
        yield tab
        assert not errors, errors
        assert not outside, f"requests to other hosts: {outside}"
        chromium.close()


def keras_probabilities(folder, network, images):
    model = keras.saving.load_model(folder / hook.MODELS_DIR / f"{network.name}.keras")
    out = np.asarray(model(images), dtype=np.float64)
    return scipy.special.softmax(out, axis=1) if network.output == "logits" else out


def test_architectures_are_the_exported_networks(page):
    names = page.evaluate("window.cnn101Network.architectures")
    assert names == [n.name for n in hook.NETWORKS]


@pytest.mark.parametrize("network", hook.NETWORKS, ids=lambda n: n.name)
def test_probabilities_equal_the_keras_models_on_test_digits(folder, page, network):
    images, labels = hook.measured_digits(network)
    images = images[:24]
    expected = keras_probabilities(folder, network, images)
    got = np.array(
        page.evaluate(
            "([name, images]) => images.map((image) => window.cnn101Network.predict(name, image))",
            [network.name, images[..., 0].tolist()],
        )
    )
    assert got.shape == (24, 10)
    np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
    assert (got.argmax(1) == labels[:24]).mean() > 0.5  # trained: mostly right


@pytest.mark.parametrize("network", hook.NETWORKS[2:3] + hook.NETWORKS[4:5], ids=lambda n: n.name)
def test_probabilities_equal_keras_on_moved_and_zoomed_digits(folder, page, network):
    """The page's own inputs: digits shifted (both modes) and zoomed, as it makes them."""
    moves = [
        {"dy": 3, "dx": -5, "mode": "circular", "zoom": 1},
        {"dy": -4, "dx": 2, "mode": "zero", "zoom": 1.41},
        {"dy": 1, "dx": 1, "mode": "zero", "zoom": 0.6},
    ]
    placed = np.array(
        page.evaluate(
            """([name, moves]) => {
                const N = window.cnn101Network, shape = N.networks[name].input_shape;
                return moves.map((m, i) => Array.from(N.place(N.digits[i].image, N.digitSize, shape, m)));
            }""",
            [network.name, moves],
        ),
        dtype=np.float32,
    ).reshape(len(moves), *network.input_shape)
    got = np.array(
        page.evaluate(
            "([name, images]) => images.map((image) => window.cnn101Network.predict(name, image))",
            [network.name, placed[..., 0].tolist()],
        )
    )
    np.testing.assert_allclose(got, keras_probabilities(folder, network, placed), atol=ATOL, rtol=0)


def keras_maps(model, images) -> list[np.ndarray]:
    """The maps the page records, from the Keras layers: each convolution's output (after
    its activation) and, for scale channels, each channel's input before its trunk's maps."""
    from cnn101.layers.scale_channels import ScaleChannels

    maps: list[np.ndarray] = []

    def through(layers, x):
        for layer in layers:
            if isinstance(layer, keras.layers.InputLayer):
                continue
            if isinstance(layer, ScaleChannels):
                outputs = []
                for copy in layer.pyramid(x):
                    maps.append(np.asarray(copy))
                    outputs.append(through(layer.trunk.layers, copy))
                stacked = keras.ops.stack(outputs, axis=1)
                x = (
                    keras.ops.max(stacked, 1)
                    if layer.pooling == "max"
                    else keras.ops.mean(stacked, 1)
                )
            elif isinstance(layer, keras.Sequential | keras.Model):
                x = through(layer.layers, x)
            else:
                x = layer(x)
                if isinstance(layer, keras.layers.Conv2D):
                    maps.append(np.asarray(x))
        return x

    through(model.layers, images)
    return maps


@pytest.mark.parametrize("network", hook.NETWORKS, ids=lambda n: n.name)
def test_feature_maps_equal_the_keras_layers_outputs(folder, page, network):
    """Every map the page can draw (``run(...).maps``) against the Keras layer's output."""
    images, _ = hook.measured_digits(network)
    images = images[:2]
    model = keras.saving.load_model(folder / hook.MODELS_DIR / f"{network.name}.keras")
    got = page.evaluate(
        """([name, images]) => images.map((image) => window.cnn101Network.run(name, image).maps
            .map((map) => ({name: map.name, shape: map.shape, data: Array.from(map.data)})))""",
        [network.name, images[..., 0].tolist()],
    )
    for index, image in enumerate(images):
        expected = keras_maps(model, image[None])
        assert len(got[index]) == len(expected)
        for shown, want in zip(got[index], expected, strict=True):
            assert tuple(shown["shape"]) == want.shape[1:], shown["name"]
            data = np.array(shown["data"], dtype=np.float32).reshape(want.shape[1:])
            np.testing.assert_allclose(data, want[0], atol=ATOL, rtol=1e-5, err_msg=shown["name"])


@pytest.mark.parametrize("mode", ["zero", "circular"])
@pytest.mark.parametrize(("dy", "dx"), [(0, 0), (2, -3), (-6, 7), (13, 0)])
def test_moved_digits_are_cnn101_shifts_and_numpy_rolls(page, mode, dy, dx):
    """At zoom 1 a digit sits centred on the 32x32 canvas: tutorial 2's 2-pixel padding."""
    placed = np.array(
        page.evaluate(
            """([move]) => {
                const N = window.cnn101Network;
                return Array.from(N.place(N.digits[5].image, N.digitSize, [32, 32], move));
            }""",
            [{"dy": dy, "dx": dx, "mode": mode}],
        ),
        dtype=np.float32,
    ).reshape(32, 32)
    from cnn101.experiments import recipes

    padded = np.pad(recipes.digits(600, 300).x_test[5], 2)
    expected = shift(padded, dy, dx) if mode == "zero" else np.roll(padded, (dy, dx), (0, 1))
    np.testing.assert_array_equal(placed, np.asarray(expected, dtype=np.float32))


def test_consistency_is_zhangs_as_cnn101_computes_it(page, rng):
    classes = rng.integers(0, 4, size=(6, 25))
    got = page.evaluate(
        "(rows) => rows.map((row) => window.cnn101Network.consistency(row))", classes.tolist()
    )
    expected = ShiftedPredictions(classes, np.zeros((25, 2), int)).image_consistency
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        ("predict('no-such-net', [[0]])", "RangeError", "name must be one of max-pooling"),
        ("predict(3, [[0]])", "TypeError", "name must be a string"),
        ("predict('max-pooling', [[0, 1]])", "RangeError", "32 rows of 32 numbers"),
        (
            "predict('max-pooling', Array.from({length: 32}, () => Array(32).fill(2)))",
            "RangeError",
            "numbers in [0, 1]",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(page, call, error, words):
    message = page.evaluate(
        f"() => {{ try {{ window.cnn101Network.{call}; return 'no error'; }}"
        " catch (e) { return e.name + ': ' + e.message; } }"
    )
    assert message.startswith(error), message
    assert words in message, message


# ---- the reader's controls ---------------------------------------------------------------


def widget_state(page) -> dict:
    return page.evaluate(
        "() => { const s = window.cnn101Network.widgets[0].state;"
        " return {dy: s.dy, dx: s.dx, zoom: s.zoom, mode: s.mode, digit: s.digit}; }"
    )


def shown_probabilities(page) -> dict:
    """The percentages written next to each card's bars, per network."""
    return page.evaluate(
        """() => Object.fromEntries(window.cnn101Network.architectures.map((name, i) => [name,
            [...document.querySelectorAll('.cnn101-nw-card')[i].querySelectorAll('.cnn101-nw-value')]
              .map((v) => parseFloat(v.textContent))]))"""
    )


def settle(page) -> None:
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")


def test_arrow_keys_and_dragging_move_the_digit_and_the_answers_follow(page):
    page.get_by_role("button", name="Reset move").click()
    view = page.locator(".cnn101-nw-view")
    view.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "+"):
        page.keyboard.press(key)
    settle(page)
    assert widget_state(page) | {"zoom": round(widget_state(page)["zoom"], 2)} == {
        "dy": 1,
        "dx": 2,
        "zoom": 1.05,
        "mode": "zero",
        "digit": 0,
    }
    assert page.get_by_label("Shift right (pixels)").input_value() == "2"
    box = view.bounding_box()
    pixel = box["width"] / 40
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(
        box["x"] + box["width"] / 2 - 3 * pixel, box["y"] + box["height"] / 2 + 2 * pixel, steps=4
    )
    page.mouse.up()
    settle(page)
    state = widget_state(page)
    assert (state["dy"], state["dx"]) == (3, -1)
    expected = page.evaluate(
        """() => { const N = window.cnn101Network, s = N.widgets[0].state;
            return Object.fromEntries(N.architectures.map((name) => [name, N.predictFlat(name,
              [N.place(N.digits[0].image, N.digitSize, N.networks[name].input_shape, s)])[0]]));
        }"""
    )
    for name, values in shown_probabilities(page).items():
        np.testing.assert_allclose(values, 100 * np.array(expected[name]), atol=0.051, err_msg=name)


def test_every_control_has_a_label(page):
    for label in ("Digit", "True class", "Shift down (pixels)", "Shift right (pixels)", "Zoom"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    assert page.get_by_label("circular (what leaves comes back on the other side)").count() == 1
    missing = page.evaluate(
        """() => [...document.querySelectorAll('.cnn101-nw input, .cnn101-nw select')]
            .filter((c) => !c.labels || c.labels.length === 0).map((c) => c.outerHTML)"""
    )
    assert not missing


@pytest.mark.parametrize("mode", ["zero", "circular"])
def test_sweep_maps_are_the_keras_classes_and_their_consistency(folder, page, mode):
    """The sweep over shifts of +-2 of test digit 4, checked against Keras in Python."""
    page.get_by_label("Digit", exact=True).select_option("3")
    page.get_by_role("button", name="Reset move").click()
    page.get_by_role("radio", name="zero-filled" if mode == "zero" else "circular (").check()
    page.get_by_role("button", name="Sweep shifts of ±2 pixels").click()
    page.wait_for_function(
        "window.cnn101Network.widgets[0].lastSweep && "
        f"window.cnn101Network.widgets[0].lastSweep.mode === '{mode}'",
        timeout=120_000,
    )
    sweep = page.evaluate("window.cnn101Network.widgets[0].lastSweep")
    from cnn101.experiments import recipes

    digit = recipes.digits(600, 300).x_test[3]
    offsets = [(c["dy"], c["dx"]) for c in sweep["cells"]]
    assert offsets == [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)]
    for network in hook.NETWORKS:
        pad = (network.input_shape[0] - 28) // 2
        framed = np.pad(digit, pad)
        moved = np.stack(
            [
                shift(framed, dy, dx) if mode == "zero" else np.roll(framed, (dy, dx), (0, 1))
                for dy, dx in offsets
            ]
        )[..., None].astype(np.float32)
        classes = keras_probabilities(folder, network, moved).argmax(axis=1)
        assert sweep["classes"][network.name] == classes.tolist(), network.name
        expected = ShiftedPredictions(classes[None], np.array(offsets)).consistency
        assert sweep["consistency"][network.name] == pytest.approx(expected, abs=1e-12)
        caption = page.locator(".cnn101-nw-card").nth(hook.NETWORKS.index(network))
        assert f"consistency {expected:.3f}" in caption.inner_text()
    if mode == "circular":  # exact invariance (tutorial 2)
        assert sweep["consistency"]["aps-circular"] == 1.0


def test_zoom_sweep_and_drawing(page):
    page.get_by_role("button", name="Sweep zoom 0.5x to 2x").click()
    page.wait_for_function(
        "window.cnn101Network.widgets[0].lastSweep && "
        "window.cnn101Network.widgets[0].lastSweep.kind === 'zooms'",
        timeout=120_000,
    )
    sweep = page.evaluate("window.cnn101Network.widgets[0].lastSweep")
    assert [c["zoom"] for c in sweep["cells"]][0::6] == [0.5, 1, 2]
    assert all(len(v) == 13 for v in sweep["classes"].values())
    page.get_by_label("Digit", exact=True).select_option("drawn")
    settle(page)
    assert page.locator(".cnn101-nw-sweepmap").count() == 0  # a new digit clears the sweep
    view = page.locator(".cnn101-nw-view").bounding_box()
    page.mouse.move(view["x"] + view["width"] * 0.5, view["y"] + view["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(view["x"] + view["width"] * 0.5, view["y"] + view["height"] * 0.7, steps=10)
    page.mouse.up()
    settle(page)
    ink = page.evaluate(
        "Array.from(window.cnn101Network.widgets[0].state.drawn).filter((v) => v > 0).length"
    )
    assert ink > 20
    assert page.get_by_role("button", name="Clear drawing").is_visible()
    # the keyboard draws too: arrows move the brush, Space paints, Shift+arrows move the digit
    page.get_by_role("button", name="Clear drawing").click()
    page.locator(".cnn101-nw-view").focus()
    before = widget_state(page)
    for key in ("ArrowLeft", "ArrowLeft", "Space", "ArrowUp", "Space", "Shift+ArrowRight"):
        page.keyboard.press(key)
    settle(page)
    painted = page.evaluate(
        "Array.from(window.cnn101Network.widgets[0].state.drawn)"
        ".map((v, i) => [v, i]).filter(([v]) => v === 1).map(([, i]) => i)"
    )
    assert 14 * 28 + 12 in painted and 13 * 28 + 12 in painted  # the brush's two pixels
    assert widget_state(page)["dx"] == before["dx"] + 1


def test_a_page_without_its_scripts_says_so(folder, page):
    broken = folder / "broken.html"
    head, _ = hook.asset_tags("broken.html")
    broken.write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>'
        '<div class="cnn101-networks"></div>'
        '<script src="assets/javascripts/networks.js"></script>'
        '<script src="assets/javascripts/networks-page.js"></script></body></html>',
        encoding="utf-8",
    )
    tab = page.context.browser.new_page()
    tab.goto(broken.as_uri())
    text = tab.locator(".cnn101-networks").inner_text()
    tab.close()
    assert "did not load" in text
