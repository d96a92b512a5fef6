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
