"""Tests of the cnn101.plotting package, one file per submodule.

This file makes the folder a package, so that its test files may share their names
with the topic modules' tests in tests/ (tests/test_images.py, tests/test_pyramids.py,
tests/test_alignment.py) without colliding on import.
"""
