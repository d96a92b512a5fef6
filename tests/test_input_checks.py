"""The bad inputs of issue reports, one by one (the walker in test_hostile_inputs.py covers the rest)."""

import numpy as np
import pytest

from cnn101 import images, invariance, ops, pyramids, scale, transforms
from cnn101.exercises import pyramids as pyramid_exercises
from cnn101.exercises import scale as scale_exercises


def test_numpy_scalars_count_as_numbers():
    """np.float32(2.0) and np.int64(2) are accepted wherever 2.0 and 2 are."""
    image = np.arange(16.0).reshape(4, 4)
    np.testing.assert_array_equal(ops.max_pool2d(image, np.int64(2)), ops.max_pool2d(image, 2))
    assert transforms.scaling(np.float32(2.0)).params == transforms.scaling(2.0).params
    assert transforms.shear(np.float64(1.0)).params == transforms.shear(1.0).params
    np.testing.assert_array_equal(
        scale.log_uniform_scales(3, np.float32(0.5), np.float64(2.0), seed=np.int64(0)),
        scale.log_uniform_scales(3, 0.5, 2.0, seed=0),
    )
    assert images.vertical_line_image(column=np.int64(2))[0, 2] == 1.0


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: images.vertical_line_image(column=True), TypeError, "`column`"),
        (lambda: images.vertical_line_image(column=8), ValueError, "`column`"),
        (
            lambda: invariance.shift_stability(ops.max_pool2d, np.zeros((1, 4, 4, 1)), atol=np.nan),
            ValueError,
            "`atol` must be a finite number",
        ),
        (lambda: transforms.scaling(float("inf")), ValueError, "`factor`"),
        (lambda: pyramids.gaussian_kernel1d(float("inf")), ValueError, "`sigma`"),
        (lambda: pyramids.gaussian_kernel1d(1e300), ValueError, "`sigma` and `truncate`"),
        (lambda: scale.log_uniform_scales(3, seed=2.5), TypeError, "`seed`"),
        (
            lambda: ops.max_pool2d(np.zeros((4, 4)), 2**64),
            ValueError,
            "`pool_size` must be at most",
        ),
        (lambda: images.load_photo("camera", gray="no"), TypeError, "`gray`"),
    ],
)
def test_bad_values_are_refused_by_name(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_mismatched_pyramid_levels_are_named():
    """Levels of other channels, or a finer level after a coarser one, used to reach tf.add."""
    with pytest.raises(ValueError, match=r"`pyramid\[1\]` does not fit"):
        pyramids.reconstruct_from_laplacian([np.zeros((8, 8, 3)), np.ones((4, 4))])
    with pytest.raises(ValueError, match=r"`pyramid\[1\]` does not fit"):
        pyramids.reconstruct_from_laplacian([np.zeros((8, 8, 3)), np.ones((4, 4, 2))])
    with pytest.raises(ValueError, match=r"`pyramid\[1\]` does not fit"):
        pyramids.reconstruct_from_laplacian([np.zeros((4, 4)), np.ones((8, 8))])


@pytest.mark.parametrize("answer", [float("nan"), float("inf"), np.float64("nan"), 2**64])
def test_exercise_checks_never_raise_and_never_pass_nan(answer):
    assert not pyramid_exercises.check_spp_length(answer)
    assert not pyramid_exercises.check_receptive_field(answer)
    assert not pyramid_exercises.check_storage_overhead(lambda n, a=answer: a)
    assert not scale_exercises.check_winning_channel(answer)
    assert not scale_exercises.check_merge_level(answer)


def test_exercise_checks_take_numpy_scalars():
    assert pyramid_exercises.check_spp_length(np.int64(256 * 50))
    assert pyramid_exercises.check_receptive_field(np.float32(28.0))
    assert scale_exercises.check_merge_level(np.int64(4))
