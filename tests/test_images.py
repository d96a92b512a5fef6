import numpy as np
import pytest
from skimage import data

from cnn101 import images


def test_vertical_line_image_is_the_blog_image():
    """The blog's array, typed in from the post: 7 rows, ones in columns 3 and 4."""
    blog = np.array([[0, 0, 0, 1, 1, 0, 0, 0]] * 7, dtype=np.float32)
    assert np.array_equal(images.vertical_line_image(thickness=2), blog)
    image = images.vertical_line_image()  # one pixel wide by default
    assert image.shape == (7, 8) and image.dtype == np.float32
    assert np.array_equal(np.nonzero(image)[1], np.full(7, 3))
    with pytest.raises(ValueError, match="`thickness`"):
        images.vertical_line_image(column=7, thickness=2)


def test_circle_matches_skimage_and_is_centred():
    from skimage.draw import circle_perimeter

    image = images.circle_image()
    rr, cc = circle_perimeter(32, 32, 8)
    assert set(zip(*np.nonzero(image), strict=True)) == set(zip(rr, cc, strict=True))


def test_squares_image_has_each_square_once():
    from skimage.measure import label, regionprops

    image = images.squares_image((2, 4, 8), gap=3, offset=1)
    sides = sorted(int(np.sqrt(r.area)) for r in regionprops(label(image > 0)))
    assert sides == [2, 4, 8]
    assert image.shape == (8 + 6 + 1, 14 + 12 + 1)


def test_two_cats_are_the_same_cat_at_two_scales():
    from skimage.measure import label, regionprops

    image = images.two_cats_image(size=64, near=4, far=1)
    boxes = sorted((r.bbox[2] - r.bbox[0]) for r in regionprops(label(image > 0, connectivity=2)))
    assert boxes == [8, 32]
    big = images.cat(4)
    np.testing.assert_array_equal(big[::4, ::4], images.CAT_TEMPLATE)


@pytest.mark.parametrize("name", images.photo_names())
def test_every_bundled_photo_loads_offline(name):
    image = images.load_photo(name, size=32)
    assert image.shape == (32, 32) and image.dtype == np.float32
    assert 0 <= image.min() <= image.max() <= 1


def test_load_photo_colour_gray_and_scaling():
    cat = images.load_photo("cat", gray=False)
    np.testing.assert_allclose(cat, data.chelsea() / 255.0, atol=1e-6)
    gray = images.load_photo("camera", gray=False)
    assert gray.shape == (512, 512, 3) and np.array_equal(gray[..., 0], gray[..., 2])


def test_load_photo_from_file(tmp_path):
    from skimage.io import imsave

    path = tmp_path / "square.png"
    pixels = np.zeros((10, 12), np.uint8)
    pixels[2:5, 3:7] = 255
    imsave(path, pixels)
    np.testing.assert_array_equal(images.load_photo(path), pixels / 255.0)


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: images.vertical_line_image(column=9), ValueError, "`column`"),
        (lambda: images.vertical_line_image(column=8), ValueError, "`column`"),
        (lambda: images.vertical_line_image(column=True), TypeError, "`column`"),
        (lambda: images.circle_image(radius=0), ValueError, "`radius`"),
        (lambda: images.squares_image([]), ValueError, "`sizes`"),
        (lambda: images.squares_image((2,), offset=-1), ValueError, "`offset`"),
        (lambda: images.two_cats_image(size=20), ValueError, "do not fit"),
        (lambda: images.load_photo("no_such_photo"), ValueError, "bundled photo"),
        (lambda: images.load_photo(42), TypeError, "`name` must be a string"),
        (lambda: images.load_photo("camera", size=0), ValueError, "`size`"),
        (lambda: images.load_photo("camera", gray="no"), TypeError, "`gray`"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_unreadable_file_is_a_value_error(tmp_path):
    bad = tmp_path / "not_an_image.png"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="could not be read as an image"):
        images.load_photo(bad)
