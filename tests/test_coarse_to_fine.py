"""Template search: NCC against scikit-image, coarse-to-fine against exhaustive search.

The cost functions are checked against the work the searches really do (the section at
the end).
"""

import numpy as np
import pytest
from skimage.feature import match_template as skimage_match_template

from cnn101 import coarse_to_fine as search
from cnn101 import pyramids
from cnn101.images import load_photo
from cnn101.pyramids import pyramid_shapes


def _random(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


@pytest.mark.parametrize(
    ("image_shape", "template_shape"), [((40, 50), (7, 9)), ((20, 20), (20, 20))]
)
def test_match_template_matches_skimage(image_shape, template_shape):
    """float32 window sums over <= 400 pixels in [0, 1]: NCC agrees to 1e-4."""
    image, template = _random(image_shape), _random(template_shape, seed=1)
    expected = skimage_match_template(image.astype(np.float64), template.astype(np.float64))
    np.testing.assert_allclose(search.match_template(image, template).numpy(), expected, atol=1e-4)


@pytest.mark.parametrize("offset", [100.0, 1000.0, -250.0])
def test_match_template_on_an_image_with_a_constant_offset(offset):
    """A Pearson correlation ignores a constant offset: same scores as skimage in float64,
    within [-1, 1], best exactly where the template was cut (the float32 sums of squares
    used to cancel there and score 1.09 one pixel off)."""
    texture = _smooth(_random((30, 30), seed=3))
    image = (offset + texture).astype(np.float32)
    template = image[10:18, 5:13]
    scores = search.match_template(image, template).numpy()
    expected = skimage_match_template(image.astype(np.float64), template.astype(np.float64))
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    assert np.all(np.abs(scores) <= 1.0)
    assert np.unravel_index(int(np.argmax(scores)), scores.shape) == (10, 5)
    assert scores[10, 5] == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(scores, search.match_template(texture, template - offset).numpy(),
                               atol=1e-4)  # fmt: skip


def _smooth(image):
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(image.astype(np.float64), 1.0)


def test_flat_windows_score_zero():
    """A window with no variance has no defined correlation; like skimage we report 0."""
    image = np.zeros((10, 10), np.float32)
    image[6:, 6:] = _random((4, 4))
    scores = search.match_template(image, _random((3, 3), seed=2)).numpy()
    assert np.all(scores[:3, :3] == 0.0)
    assert np.all(np.abs(scores) <= 1.0 + 1e-5)


def test_exhaustive_search_counts_every_translation():
    image = load_photo("coffee", size=(60, 90))
    result = search.exhaustive_search(image, image[20:32, 50:66])
    assert result.position == (20, 50)
    assert result.evaluated == (60 - 12 + 1) * (90 - 16 + 1)
    assert result.score == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize(
    ("name", "box"),
    [
        ("astronaut", (84, 176, 40, 56)),
        ("chelsea", (60, 230, 40, 40)),
        ("coffee", (150, 300, 48, 64)),
    ],
)
def test_coarse_to_fine_finds_what_exhaustive_search_finds(name, box):
    image = load_photo(name)
    top, left, height, width = box
    template = image[top : top + height, left : left + width]
    full = search.exhaustive_search(image, template)
    fast = search.coarse_to_fine_search(image, template, max_layer=3, radius=2)
    assert fast.position == full.position == (top, left)
    assert fast.evaluated * 20 < full.evaluated
    assert [level for level, _, _ in fast.path] == [3, 2, 1, 0]


def test_evaluated_count_is_the_coarse_map_plus_the_windows():
    """Away from the borders each finer level scores exactly (2 * radius + 1)^2 translations."""
    image = load_photo("camera", size=128)
    template = image[40:56, 60:76]
    result = search.coarse_to_fine_search(image, template, max_layer=2, radius=1)
    (h, w), (th, tw) = pyramid_shapes(image.shape, 2)[-1], pyramid_shapes(template.shape, 2)[-1]
    assert result.position == (40, 60)
    assert result.evaluated == (h - th + 1) * (w - tw + 1) + 2 * 3**2


def test_max_layer_zero_is_exhaustive_search():
    image = _random((30, 30), seed=4)
    template = image[5:12, 9:15]
    assert search.coarse_to_fine_search(image, template, max_layer=0) == search.exhaustive_search(
        image, template
    )


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: search.match_template(np.zeros((5, 5)), np.zeros((6, 2))), ValueError, "template"),
        (lambda: search.match_template(np.zeros((5, 5, 3)), np.zeros((2, 2))), ValueError, "image"),
        (
            lambda: search.coarse_to_fine_search(np.zeros((64, 64)), np.ones((8, 8)), max_layer=3),
            ValueError,
            "max_layer",
        ),
        (
            lambda: search.coarse_to_fine_search(np.zeros((64, 64)), np.ones((8, 8)), radius=-1),
            ValueError,
            "radius",
        ),
        (
            lambda: search.coarse_to_fine_search(
                np.zeros((64, 64)), np.ones((8, 8)), max_layer="2"
            ),
            TypeError,
            "max_layer",
        ),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- counting the arithmetic of template search (the *_cost functions) --------------------
# The counts are checked against the calls the searches really make: match_template, the
# pyramid's blur convolution and its resize are wrapped to record the shapes they are
# called with, and the recorded work is summed independently of the cost functions.


@pytest.fixture
def recorded(monkeypatch):
    calls = {"match": 0, "blur": 0, "resize": 0}
    match, conv, resize = search.match_template, pyramids.conv2d, pyramids._resize

    def counting_match(image, template):
        image, template = np.asarray(image), np.asarray(template)
        out = match(image, template)
        calls["match"] += 3 * int(np.prod(out.shape)) * template.size + image.size
        return out

    def counting_conv(x, kernel, **kwargs):
        out = conv(x, kernel, **kwargs)
        calls["blur"] += int(np.prod(out.shape)) * int(np.asarray(kernel).size)
        return out

    def counting_resize(batch, shape):
        calls["resize"] += batch.shape[0] * batch.shape[3] * shape[0] * (batch.shape[2] + shape[1])
        return resize(batch, shape)

    monkeypatch.setattr(search, "match_template", counting_match)
    monkeypatch.setattr(pyramids, "conv2d", counting_conv)
    monkeypatch.setattr(pyramids, "_resize", counting_resize)
    return calls


@pytest.mark.parametrize("seed", range(4))
def test_coarse_to_fine_cost_counts_the_work_the_search_does(recorded, seed):
    rng = np.random.default_rng(seed)
    image = pyramids.gaussian_blur(rng.random((96, 80)), 1.5).numpy()
    top, left = int(rng.integers(0, 96 - 20)), int(rng.integers(0, 80 - 24))
    patch = image[top : top + 20, left : left + 24]
    recorded.update(match=0, blur=0, resize=0)  # count the search only
    result = search.coarse_to_fine_search(image, patch, max_layer=2)
    cost = search.coarse_to_fine_cost(image.shape, patch.shape, result)
    assert cost.placements == result.evaluated
    assert cost.matching == recorded["match"]
    assert cost.pyramid == recorded["blur"] + recorded["resize"]
    assert cost.total == cost.matching + cost.pyramid


def test_exhaustive_cost_is_three_convolutions_per_placement(recorded):
    image = np.random.default_rng(0).random((40, 50))
    result = search.exhaustive_search(image, image[5:15, 7:19])
    cost = search.exhaustive_cost(image.shape, (10, 12))
    assert cost.placements == result.evaluated == 31 * 39
    assert cost.matching == recorded["match"] == 3 * 31 * 39 * 10 * 12 + 40 * 50
    assert cost.pyramid == 0


def test_cost_arguments_are_checked():
    with pytest.raises(TypeError, match="`result`"):
        search.coarse_to_fine_cost((8, 8), (2, 2), result=(0, 0))
    with pytest.raises(ValueError, match="image_shape"):
        search.exhaustive_cost((0, 8), (2, 2))


@pytest.mark.parametrize(
    "path,error,match",
    [
        ((), ValueError, "result.path"),
        (((1, 0, 0),), ValueError, "result.path"),  # does not reach level 0
        (((0, 0),), ValueError, "result.path"),
        (((0, 0.5, 0),), TypeError, "result.path"),
        (((0, 60, 0),), ValueError, "outside"),  # no 16x16 template fits there
        (((2, 0, 0), (0, 0, 0)), ValueError, "result.path"),  # a level skipped
    ],
)
def test_cost_of_a_hand_made_search_result_is_checked_not_indexed(path, error, match):
    made = search.SearchResult(position=(0, 0), score=1.0, evaluated=1, path=path)
    with pytest.raises(error, match=match):
        search.coarse_to_fine_cost((64, 64), (16, 16), made)


def test_cost_refuses_a_template_larger_than_the_image():
    made = search.SearchResult(position=(0, 0), score=1.0, evaluated=1, path=((0, 0, 0),))
    with pytest.raises(ValueError, match="`template_shape` must fit inside `image_shape`"):
        search.coarse_to_fine_cost((16, 16), (32, 8), made)
    assert search.coarse_to_fine_cost((16, 16), (16, 16), made).placements == 1
