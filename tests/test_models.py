"""The networks of cnn101.models against Keras' own answers."""

from __future__ import annotations

import numpy as np
import pytest

from cnn101 import models


def test_predicted_classes_match_keras_predict(rng):
    """Batch by batch, the direct call gives the classes of ``model.predict``."""
    model = models.plain_cnn((20, 20, 1))
    images = rng.random((70, 20, 20, 1), dtype=np.float32)
    expected = model.predict(images, batch_size=32, verbose=0).argmax(-1)
    for batch_size in (1, 32, 1024):  # one batch, several, one image a batch
        got = models.predicted_classes(model, images, batch_size=batch_size)
        assert got.dtype == np.int64 and got.shape == (70,)
        np.testing.assert_array_equal(got, expected)


def test_predicted_classes_use_the_weights_loaded_after_a_first_call(rng):
    """The traced forward pass reads the model's variables: new weights, new classes."""
    model, other = models.plain_cnn((20, 20, 1)), models.plain_cnn((20, 20, 1))
    images = rng.random((40, 20, 20, 1), dtype=np.float32)
    models.predicted_classes(model, images)
    model.set_weights(other.get_weights())
    np.testing.assert_array_equal(
        models.predicted_classes(model, images),
        other.predict(images, verbose=0).argmax(-1),
    )


def test_predicted_classes_name_a_model_whose_scores_are_not_finite(rng):
    """NaN scores (a diverged model) are a named error, not class 0 for every image."""
    from cnn101.invariance import shifted_predictions

    model = models.plain_cnn((20, 20, 1))
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    images = np.pad(rng.random((3, 16, 16, 1), dtype=np.float32), ((0, 0), (2, 2), (2, 2), (0, 0)))
    with pytest.raises(ValueError, match=r"`model\(images\)` must contain only finite values"):
        models.predicted_classes(model, images)
    with pytest.raises(ValueError, match=r"must contain only finite values"):
        shifted_predictions(model, images, max_shift=1)


def test_the_traced_forward_pass_does_not_keep_a_model_alive(rng):
    import gc
    import weakref

    model = models.plain_cnn((20, 20, 1))
    models.predicted_classes(model, rng.random((3, 20, 20, 1), dtype=np.float32))
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "a model"}, TypeError, "`model`"),
        ({"images": np.zeros((3, 20, 20), np.float32)}, ValueError, "`images`"),
        ({"batch_size": 0}, ValueError, "`batch_size`"),
        ({"batch_size": 2.5}, TypeError, "`batch_size`"),
    ],
)
def test_predicted_classes_refuses_bad_input(kwargs, error, match):
    arguments = {
        "model": models.plain_cnn((20, 20, 1)),
        "images": np.zeros((3, 20, 20, 1), np.float32),
        **kwargs,
    }
    with pytest.raises(error, match=match):
        models.predicted_classes(**arguments)
