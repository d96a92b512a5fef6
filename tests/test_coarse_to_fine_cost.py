"""Counting the arithmetic of template search (cnn101.coarse_to_fine.*_cost).

The counts are checked against the calls the searches really make: match_template,
the pyramid's blur convolution and its resize are wrapped to record the shapes they
are called with, and the recorded work is summed independently of the cost functions.
"""

from __future__ import annotations

import numpy as np
import pytest

from cnn101 import coarse_to_fine, pyramids


@pytest.fixture
def recorded(monkeypatch):
    calls = {"match": 0, "blur": 0, "resize": 0}
    match, conv, resize = coarse_to_fine.match_template, pyramids.conv2d, pyramids._resize

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

    monkeypatch.setattr(coarse_to_fine, "match_template", counting_match)
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
    result = coarse_to_fine.coarse_to_fine_search(image, patch, max_layer=2)
    cost = coarse_to_fine.coarse_to_fine_cost(image.shape, patch.shape, result)
    assert cost.placements == result.evaluated
    assert cost.matching == recorded["match"]
    assert cost.pyramid == recorded["blur"] + recorded["resize"]
    assert cost.total == cost.matching + cost.pyramid


def test_exhaustive_cost_is_three_convolutions_per_placement(recorded):
    image = np.random.default_rng(0).random((40, 50))
    result = coarse_to_fine.exhaustive_search(image, image[5:15, 7:19])
    cost = coarse_to_fine.exhaustive_cost(image.shape, (10, 12))
    assert cost.placements == result.evaluated == 31 * 39
    assert cost.matching == recorded["match"] == 3 * 31 * 39 * 10 * 12 + 40 * 50
    assert cost.pyramid == 0


def test_cost_arguments_are_checked():
    with pytest.raises(TypeError, match="`result`"):
        coarse_to_fine.coarse_to_fine_cost((8, 8), (2, 2), result=(0, 0))
    with pytest.raises(ValueError, match="image_shape"):
        coarse_to_fine.exhaustive_cost((0, 8), (2, 2))
