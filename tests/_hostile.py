"""Feed every public function, method and layer of cnn101 a table of hostile inputs.

Run by ``tests/test_hostile_inputs.py`` in child processes, so that a call that kills
the process (a signal inside TensorFlow) is caught, reported and skipped while the
test suite survives. It can also run by hand::

    python tests/_hostile.py ops layers.blur_pool          # prints one JSON line per case

How the cases are made
----------------------
For each module in ``cnn101._SUBMODULES`` (and each ``cnn101.exercises`` and
``cnn101.teaching`` submodule)
the walker takes the names in ``__all__`` (or, without it, the public functions and
classes the module defines). Functions and classes are called with a *base* call:
valid arguments from :data:`BASE` (by ``"module.name"``) where a parameter has no
usable default. Public methods of a class are called on the instance that
:data:`INSTANCES` builds. Keras layers are also called on hostile inputs.

Then every parameter, one at a time, gets each hostile value that fits the kind of
its base value (an int, a float, a string, an array, a pair, a callable, ...). Each
hostile value says what must happen:

* ``"raise"``: a ``ValueError`` or ``TypeError`` whose message names the parameter;
* ``"accept"``: the call succeeds (NumPy scalars and tensors count as numbers and arrays);
* ``"either"``: success, or such a named error (values that may be valid, e.g. -1 or 0).

Anything else is a failure: another exception type (a raw TensorFlow, NumPy, SciPy or
Python error), an unnamed message, a bad value accepted silently, a crash or a hang.
Exercise checks (``check_*``) are held to their own promise instead: for a hostile
*answer* they return a failing ``Feedback`` and never raise; for the right answer
given as a NumPy scalar they pass.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import os
import pkgutil
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np


class CallbackError(Exception):
    """Raised by the hostile callables: a user's function failing is the user's error."""


# ----------------------------------------------------------------------------------------
# The tables a new module or function is added to.
# ----------------------------------------------------------------------------------------


def _img(h: int = 8, w: int = 8) -> np.ndarray:
    return np.random.default_rng(0).uniform(size=(h, w)).astype(np.float32)


def _batch(n: int = 2, h: int = 8, w: int = 8, c: int = 1) -> np.ndarray:
    return np.random.default_rng(1).uniform(size=(n, h, w, c)).astype(np.float32)


def _extractor() -> Any:
    from cnn101.feature_extractors import conv_features

    return conv_features("laplacian")


def _digits() -> Any:
    rng = np.random.default_rng(0)
    x = (rng.uniform(size=(16, 28, 28)) > 0.7).astype(np.float32)
    y = np.arange(16) % 10
    return (x, y), (x[:8], y[:8])


def _tiny_model() -> Any:
    from cnn101.models import plain_cnn as build_plain_cnn

    return build_plain_cnn((16, 16, 1), num_classes=3, filters=(2,))


def _trunk() -> Any:
    import keras

    return keras.layers.GlobalMaxPooling2D()


def _results_file() -> str:
    """A results file with the present code's digest (the rest of a record is not read)."""
    import tempfile

    from cnn101.experiments.replications.results import REQUIRED
    from cnn101.experiments.replications.running import DIGEST_FILES, REPLICATIONS, SCHEMA
    from cnn101.verdicts import code_digest

    name = REPLICATIONS[1]
    files = DIGEST_FILES[name]
    record = {key: None for key in REQUIRED} | {
        "schema": SCHEMA,
        "replication": name,
        "seeds": [0, 1],
        "code": {"files": [f"cnn101/{f}" for f in files], "digest": code_digest(files)},
    }
    path = os.path.join(tempfile.mkdtemp(), f"{name}.json")
    with open(path, "w") as handle:
        json.dump(record, handle)
    return path


def _square_pool_answer(image: np.ndarray, pool: int, stride: int) -> np.ndarray:
    from skimage.util import view_as_windows

    return view_as_windows(image, pool, stride).max(axis=(2, 3))


def _shift_answer(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    from cnn101.invariance import shift

    return shift(image, dy, dx)


def _pyramid_answer() -> list:
    from cnn101._tf import tensorflow

    x = _img(16, 12)[None, :, :, None]
    tf = tensorflow()
    return [tf.image.resize(x, (16 // f, 12 // f), antialias=True).numpy() for f in (1, 2, 4)]


# Valid arguments for parameters without a usable default, by "module.name" (a class's
# methods by "module.Class.method"). Values are callables (built in the child process).
BASE: dict[str, dict[str, Callable[[], Any]]] = {
    "kernels.get_kernel": {"name": lambda: "sobel_left"},
    "kernels.to_filter": {"kernel": lambda: "sobel_left"},
    "kernels.filter_bank": {"kernels": lambda: ["sobel_left", "sobel_top"]},
    "ops.conv2d": {"images": _img, "kernel": lambda: "vertical_line", "strides": lambda: 2},
    "ops.max_pool2d": {"images": _img, "strides": lambda: 2},
    "ops.avg_pool2d": {"images": _img, "strides": lambda: 2},
    "ops.relu": {"features": _img},
    "ops.global_max_pool2d": {"images": _img},
    "ops.global_avg_pool2d": {"images": _img},
    "ops.output_size": {"size": lambda: 7, "window": lambda: 2},
    "reference.same_padding": {"size": lambda: 7, "window": lambda: 2, "stride": lambda: 1},
    "reference.conv2d": {"images": lambda: _img(4, 4), "kernel": lambda: [[1.0, -1.0]]},
    "reference.max_pool2d": {"images": _img, "strides": lambda: 2},
    "reference.avg_pool2d": {"images": _img, "strides": lambda: 2},
    "reference.relu": {"features": _img},
    "reference.global_max_pool2d": {"images": _img},
    "reference.global_avg_pool2d": {"images": _img},
    "images.circle_image": {"size": lambda: 32, "center": lambda: (16, 16)},
    "images.load_photo": {"name": lambda: "camera", "size": lambda: 16},
    "plotting.images.show_image": {"image": _img, "vmin": lambda: 0.0, "vmax": lambda: 1.0},
    "plotting.images.show_kernel": {"kernel": lambda: [[1.0, -1.0], [1.0, -1.0]]},
    "plotting.images.show_feature_maps": {
        "maps": lambda: _batch(1, 4, 4, 2)[0],
        "titles": lambda: ["a", "b"],
    },
    "plotting.images.show_pipeline": {"stages": lambda: [("in", _img(4, 4)), ("out", _img(2, 2))]},
    "plotting.pyramids.show_pyramid": {"levels": lambda: [_img(8, 8), _img(4, 4)]},
    "plotting.alignment.show_alignment": {"result": lambda: _alignment_result()},
    "plotting.alignment.show_alignment_table": {"table": lambda: _alignment_table()},
    "receptive_field.receptive_field": {"layers": lambda: [(3, 1), (2, 2)]},
    "receptive_field.receptive_fields": {"layers": lambda: [(3, 1), (2, 2)]},
    "receptive_field.empirical_receptive_field": {
        "layers": lambda: [(3, 1), (2, 2)],
        "size": lambda: 16,
    },
    "invariance.shift": {"images": _img, "dy": lambda: 1, "dx": lambda: -1},
    "invariance.equivariance_error": {
        "fn": lambda: lambda x: x,
        "images": _img,
        "margin": lambda: 1,
    },
    "invariance.shift_stability": {"fn": lambda: lambda x: x[:, :2, :2], "images": _batch},
    "invariance.shifted_predictions": {
        "predict": lambda: lambda x: x.max(axis=(1, 3)),
        "images": _batch,
        "max_shift": lambda: 1,
    },
    "invariance.consistency": {
        "predict": lambda: lambda x: x.max(axis=(1, 3)),
        "images": _batch,
        "max_shift": lambda: 1,
    },
    "invariance.conv_pool_stack": {"depth": lambda: 1, "channels": lambda: 2},
    "layers.blur_pool.blur_pool2d": {"images": _img},
    "layers.blur_pool.max_blur_pool2d": {"images": _img},
    "corners.pooled_responses": {
        "image": _img,
        "kernels": lambda: ["identity"],
        "levels": lambda: 1,
    },
    "corners.octave_correlation": {
        "near": lambda: np.kron(_img(4, 4), np.ones((2, 2), np.float32)),
        "far": lambda: _img(4, 4),
        "kernels": lambda: ["identity"],
        "levels": lambda: 2,
    },
    "corners.merge_level": {"start": lambda: 9, "size": lambda: 4},
    "corners.square_corner_cells": {"sizes": lambda: (2, 4), "levels": lambda: 2},
    "digits.log_uniform_scales": {"n": lambda: 4, "seed": lambda: 0},
    "digits.bounding_boxes": {"images": lambda: _batch(2, 6, 6, 1)},
    "digits.place_digits": {
        "images": lambda: _digits()[0][0][:2],
        "canvas": lambda: 40,
        "seed": lambda: 0,
    },
    "layers.scale_channels.ScaleChannels": {"trunk": _trunk, "scales": lambda: (1.0, 0.5)},
    "models.small_trunk": {"filters": lambda: (2, 3)},
    "layers.scale_invariant_conv.ScaleInvariantConv2D": {
        "filters": lambda: 2,
        "scales": lambda: (0.5, 1.0),
    },
    "layers.scale_channels.FoveatedScaleChannels": {
        "trunk": _trunk,
        "scales": lambda: (0.5, 1.0),
        "crop": lambda: 4,
    },
    "layers.scale_channels.FoveatedScaleChannels.crops": {"inputs": lambda: _batch(2, 8, 8, 1)},
    "experiments.replications.results.check_results": {"path": lambda: _results_file()},
    "experiments.replications.running.command_for": {
        "name": lambda: "zhang2019",
        "seeds": lambda: (0, 1),
        "out": lambda: "results.json",
    },
    "experiments.replications.results.write_results": {
        "results": lambda: json.load(open(_results_file())),
        "path": lambda: os.path.join(__import__("tempfile").mkdtemp(), "r.json"),
    },
    "layers.scale_channels.ScaleChannels.pyramid": {"inputs": lambda: _batch(2, 8, 8, 1)},
    "layers.scale_channels.ScaleChannels.scale_outputs": {"inputs": lambda: _batch(2, 8, 8, 1)},
    "models.shift_cnn": {"input_shape": lambda: (16, 16, 1), "filters": lambda: (2,)},
    "models.plain_cnn": {"input_shape": lambda: (16, 16, 1), "filters": lambda: (2,)},
    "models.shift_cnn_gap": {"input_shape": lambda: (16, 16, 1), "filters": lambda: (2,)},
    "models.predicted_classes": {"model": _tiny_model, "images": lambda: _batch(2, 16, 16, 1)},
    "models.scale_channel_cnn": {
        "input_shape": lambda: (16, 16, 1),
        "filters": lambda: (2,),
        "scales": lambda: (1.0, 0.5),
    },
    "models.accuracy_by_scale": {
        "model": _tiny_model,
        "images": lambda: _digits()[0][0][:3, 10:18, 10:18],
        "labels": lambda: [0, 1, 2],
        "scales": lambda: [1.0, 0.5],
        "canvas": lambda: 16,
    },
    "models.copy_conv_layers": {
        "source": _tiny_model,
        "target": _tiny_model,
        "count": lambda: 1,
    },
    "pyramids.gaussian_blur": {"images": _img},
    "pyramids.pyramid_reduce": {"images": _img, "sigma": lambda: 0.5},
    "pyramids.pyramid_expand": {
        "images": lambda: _img(4, 4),
        "shape": lambda: (7, 8),
        "sigma": lambda: 0.5,
    },
    "pyramids.pyramid_shapes": {"shape": lambda: (7, 8), "max_layer": lambda: 2},
    "pyramids.storage_overhead": {"shape": lambda: (8, 8), "max_layer": lambda: 2},
    "pyramids.gaussian_pyramid": {"image": _img, "max_layer": lambda: 2, "sigma": lambda: 0.5},
    "pyramids.laplacian_pyramid": {"image": _img, "max_layer": lambda: 2, "sigma": lambda: 0.5},
    "pyramids.reconstruct_from_laplacian": {
        "pyramid": lambda: [np.zeros((8, 8), np.float32), np.ones((4, 4), np.float32)],
        "sigma": lambda: 0.5,
    },
    "coarse_to_fine.match_template": {"image": _img, "template": lambda: _img(8, 8)[2:5, 3:6]},
    "coarse_to_fine.exhaustive_search": {"image": _img, "template": lambda: _img(8, 8)[2:5, 3:6]},
    "coarse_to_fine.coarse_to_fine_search": {
        "image": lambda: _img(32, 32),
        "template": lambda: _img(32, 32)[4:16, 8:20],
        "max_layer": lambda: 1,
    },
    "layers.pyramid_pooling.bin_edges": {"size": lambda: 5, "bins": lambda: 2},
    "layers.pyramid_pooling.adaptive_pool2d": {"images": _img, "bins": lambda: 2},
    "layers.pyramid_pooling.SpatialPyramidPooling": {"levels": lambda: (2, 1)},
    "layers.pyramid_pooling.PyramidPoolingModule": {"bins": lambda: (1, 2), "filters": lambda: 2},
    "layers.pyramid_pooling.AtrousSpatialPyramidPooling": {
        "filters": lambda: 2,
        "rates": lambda: (1, 2),
    },
    "transforms.SpatialTransform": {
        "name": lambda: "shift",
        "kind": lambda: "translate",
        "params": lambda: (1, 0),
    },
    "transforms.SpatialTransform.__call__": {"array": _img},
    "transforms.SpatialTransform.valid": {"shape": lambda: (6, 6)},
    "transforms.affine": {"matrix": lambda: [[1.0, 0.0], [0.5, 1.0]]},
    "transforms.get_transform": {"name": lambda: "rotate90"},
    "transforms.scaling": {"factor": lambda: 2.0},
    "transforms.translation": {"dy": lambda: 1, "dx": lambda: -2},
    "feature_extractors.FeatureExtractor": {
        "name": lambda: "identity",
        "function": lambda: lambda batch: batch,
        "radius": lambda: 0,
    },
    "feature_extractors.FeatureExtractor.__call__": {"image": _img},
    "feature_extractors.conv_features": {"kernels": lambda: ["sobel_left", "sobel_top"]},
    "feature_extractors.keras_features": {"model": lambda: _conv_model()},
    "feature_extractors.letters_image": {"size": lambda: 24, "count": lambda: 2},
    "feature_extractors.random_cnn_features": {"channels": lambda: (2,)},
    "feature_extractors.train_digit_features": {
        "channels": lambda: (2,),
        "epochs": lambda: 1,
        "digits": _digits,
    },
    "alignment.alignment_mask": {
        "shape": lambda: (12, 12),
        "transform": lambda: "rotate90",
        "radius": lambda: 1,
    },
    "alignment.alignment_error": {
        "image": lambda: _img(16, 16),
        "extractor": _extractor,
        "transform": lambda: "rotate90",
    },
    "alignment.input_alignment_error": {
        "image": lambda: _img(16, 16),
        "extractor": _extractor,
        "transform": lambda: "rotate90",
    },
    "alignment.alignment_table": {
        "image": lambda: _img(16, 16),
        "extractors": lambda: {"laplacian": _extractor()},
        "transforms": lambda: ["rotate90"],
    },
    "alignment.AlignmentTable.error": {
        "feature": lambda: "laplacian",
        "transform": lambda: "rotate90",
    },
    "invariance.ShiftedPredictions.accuracy": {"labels": lambda: [4]},
    "exercises.correct": {"message": lambda: "Well done."},
    "exercises.not_yet": {"message": lambda: "Almost.", "hint": lambda: "Look again."},
    "exercises.Feedback": {"passed": lambda: True, "message": lambda: "Well done."},
    # exercise checks: the base answer is the right answer
    "exercises.basics.check_horizontal_kernel": {"kernel": lambda: [[1.0, 1.0], [-1.0, -1.0]]},
    "exercises.basics.check_pool_shapes": {
        "same_shape": lambda: (7, 5),
        "valid_shape": lambda: (6, 4),
    },
    "exercises.basics.check_max_pool": {"func": lambda: _square_pool_answer},
    "exercises.basics.check_bright_line_pooling": {"answer": lambda: "max"},
    "exercises.shift.check_kept_columns": {"columns": lambda: [0, 2, 4, 6]},
    "exercises.shift.check_binomial_filter": {
        "kernel": lambda: np.outer([1, 4, 6, 4, 1], [1, 4, 6, 4, 1]) / 256.0
    },
    "exercises.shift.check_shift": {"shift_fn": lambda: _shift_answer},
    "exercises.shift.check_parity_consistency": {"value": lambda: 5 / 9},
    "exercises.scale.check_merge_level": {"level": lambda: 4},
    "exercises.scale.check_scaled_size": {"size": lambda: (14, 9)},
    "exercises.scale.check_pyramid": {"levels": _pyramid_answer, "image": lambda: _img(16, 12)},
    "exercises.scale.check_winning_channel": {"scale": lambda: 0.5},
    "exercises.pyramids.check_storage_overhead": {
        "overhead": lambda: lambda n: sum(0.25**k for k in range(1, n + 1))
    },
    "exercises.pyramids.check_spp_length": {"answer": lambda: 256 * 50},
    "exercises.pyramids.check_receptive_field": {"answer": lambda: 28},
    "exercises.alignment.check_commuting_kernels": {"answer": lambda: _commuting_answer()},
    "exercises.alignment.check_channel_permutation": {"permutation": lambda: [1, 0, 4, 5, 2, 3]},
    "exercises.alignment.check_template_ratio": {"ratio": lambda: _template_ratio()},
    "exercises.transfer.check_copied_weights": {"count": lambda: 80},
    "exercises.transfer.check_epoch_repeats": {"repeats": lambda: 8},
    "experiments.recipes.transfer.epoch_repeats": {"size": lambda: 30},
    "exercises.transfer.check_trainable_weights": {"count": lambda: 165},
    "exercises.transfer.check_two_frozen_trainable": {"count": lambda: 4805},
    "plotting.alt_text.caption": {"fig": lambda: _figure(), "text": lambda: "A gray square."},
    "plotting.alt_text.describe_figure": {"fig": lambda: _figure()},
    "plotting.results.show_learning_curves": {"results": lambda: [_tiny_result()]},
    "plotting.results.show_metric": {
        "results": lambda: {"tiny": _tiny_result()},
        "metric": lambda: "n",
    },
    "invariance.random_shifts": {"images": _batch, "seed": lambda: 0},
    "experiments.records.Recipe": {
        "name": lambda: "tiny",
        "build": lambda: _tiny_build,
        "x": lambda: _tiny_xy()[0],
        "y": lambda: _tiny_xy()[1],
        "evaluate": lambda: _tiny_evaluate,
        "max_steps": lambda: 1,
        "params": lambda: {},
    },
    "experiments.records.Result.summary": {"metric": lambda: "n"},
    "experiments.statistics.Summary.interval": {"level": lambda: 0.9},
    "experiments.statistics.Interval.detectable": {"power": lambda: 0.8},
    "experiments.statistics.crossed_mean": {"scores": lambda: _correct(3, 10)},
    "experiments.statistics.paired_difference": {
        "correct_a": lambda: _correct(3, 10),
        "correct_b": lambda: _correct(3, 10),
        "level": lambda: 0.95,
    },
    "experiments.statistics.accuracy_interval": {
        "correct": lambda: _correct(3, 10),
        "level": lambda: 0.95,
    },
    "experiments.records.compare": {
        "a": lambda: _correct_result(),
        "b": lambda: _correct_result(),
        "metric": lambda: "correct",
    },
    "experiments.records.estimate": {
        "result": lambda: _correct_result(),
        "metric": lambda: "correct",
    },
    "experiments.records.assert_converged": {"results": lambda: _converged_result()},
    "experiments.records.Result.model": {"seed": lambda: 0},
    "experiments.records.difference": {
        "a": lambda: _tiny_result(),
        "b": lambda: _tiny_result(),
        "metric": lambda: "n",
    },
    "experiments.runner.run": {
        "recipe": lambda: _tiny_recipe(),
        "seeds": lambda: (0,),
        "cache": lambda: False,
        "verbose": lambda: False,
    },
    "experiments.runner.run_many": {
        "recipes": lambda: {"tiny": _tiny_recipe()},
        "seeds": lambda: (0,),
        "cache": lambda: False,
        "verbose": lambda: False,
    },
    "experiments.recipes.shift.shift_recipes": {"data": lambda: _tiny_digits()},
    "experiments.recipes.scale.zoom_recipes": {"data": lambda: _tiny_digits()},
    "experiments.recipes.scale.scale_channel_recipes": {
        "data": lambda: _tiny_digits(),
        "plain": lambda: _tiny_result(),
    },
    "experiments.recipes.transfer.transfer_recipes": {
        "data": lambda: _tiny_transfer_digits(),
        "source": lambda: _tiny_result(),
        "size": lambda: 4,
        "epoch_size": lambda: 8,
    },
    "experiments.recipes.transfer.transfer_source_recipe": {
        "data": lambda: _tiny_transfer_digits()
    },
    "experiments.recipes.transfer.freeze_conv_layers": {
        "model": lambda: __import__("cnn101.models").models.plain_cnn((16, 16, 1)),
        "count": lambda: 1,
    },
    "experiments.recipes.scale.inserted_channels": {
        "data": lambda: _tiny_digits(),
        "plain": lambda: _tiny_plain_result(),
    },
    "experiments.recipes.shift.aps_recipes": {"data": lambda: _tiny_digits()},
    "experiments.recipes.shift.shift_comparison": {"data": lambda: _tiny_digits()},
    "layers.polyphase.aps_downsample": {"images": lambda: _batch(2, 8, 8, 1)},
    "layers.polyphase.polyphase_components": {"images": lambda: _batch(2, 8, 8, 1)},
    "experiments.recipes.scale.channel_network": {
        "result": lambda: _channel_result(),
        "seed": lambda: 0,
        "canvas": lambda: 16,
    },
    "experiments.recipes.scale.channel_wins": {
        "model": lambda: _channel_model(),
        "images": lambda: _batch(2, 16, 16, 1),
    },
    "coarse_to_fine.exhaustive_cost": {
        "image_shape": lambda: (32, 32),
        "template_shape": lambda: (12, 12),
    },
    "coarse_to_fine.coarse_to_fine_cost": {
        "image_shape": lambda: (32, 32),
        "template_shape": lambda: (12, 12),
        "result": lambda: _search_result(),
    },
    "layers.pyramid_pooling.valid_taps": {"size": lambda: 8, "rate": lambda: 2},
    "alignment.candidate_warp_errors": {
        "image": lambda: _img(16, 16),
        "extractor": _extractor,
        "transform": lambda: "rotate90",
        "candidates": lambda: {"rotate": "rotate90", "flip": "flip_left_right"},
    },
    "alignment.channel_pair_error": {
        "image": lambda: _img(48, 48),
        "extractor": lambda: _two_channel_extractor(),
        "transform": lambda: "rotate90",
        "pairs": lambda: [(1, 0)],
    },
    "scale_space.fit_difference_of_gaussians": {
        "kernel": lambda: np.asarray(
            [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]], np.float32
        ),
        "sigmas": lambda: (0.5, 1.0, 2.0),
    },
    "scale_space.dog_kernel": {"sigma": lambda: 1.0},
    "scale_space.log_features": {"sigmas": lambda: (1.0, 2.0)},
    "scale_space.log_kernel": {"sigma": lambda: 1.0},
    "claims.get_claim": {"claim_id": lambda: "spp-fixed-length"},
    "claims.describe_part": {
        "part": lambda: {
            "says": "pooling raises consistency",
            "direction": "increase",
            "smallest": 0.05,
            "mean": 0.2,
            "low": 0.1,
            "high": 0.3,
            "seeds": 10,
            "items": 300,
            "detectable": 0.05,
            "verdict": "confirmed",
        }
    },
    "verdicts.Rule": {
        "record": lambda: "shift",
        "key": lambda: "600 digits: max - stride, consistent",
        "says": lambda: "pooling raises consistency",
        "direction": lambda: "increase",
        "smallest": lambda: 0.05,
    },
    "verdicts.Rule.verdict": {"low": lambda: 0.1, "high": lambda: 0.2},
    "verdicts.combine": {"outcomes": lambda: ["confirmed", "refuted"]},
    "verdicts.code_digest": {"files": lambda: ["verdicts.py"]},
    "verdicts.load": {"name": lambda: "shift"},
    "verdicts.table": {
        "record": lambda: {
            "comparisons": {
                "600 digits: a - b": {"mean": 0.1, "low": 0.0, "high": 0.2, "seeds": 10, "items": 9}
            }
        },
        "keys": lambda: ["a - b"],
        "n_train": lambda: 600,
    },
    "experiments.evidence.command_for": {"name": lambda: "shift", "seeds": lambda: list(range(10))},
    "claims.not_tested": {
        "claim_id": lambda: "pyramid-octave",
        "reason": lambda: "A name, not a measurable property.",
    },
    "claims.record": {
        "claim_id": lambda: "pyramid-storage",
        "verdict": lambda: "confirmed",
        "evidence": lambda: "A 5-level pyramid stores 1.33x the pixels.",
        "values": lambda: {"ratio": 1.33},
    },
    "teaching.answers.checked_rows": {"rows": lambda: _grade_rows()},
    "teaching.reports.format_table": {"rows": lambda: _grade_rows()},
    "teaching.reports.write_csv": {
        "rows": lambda: _grade_rows(),
        "path": lambda: _scratch("grades.csv"),
    },
    "teaching.grading.grade_notebook": {
        "path": lambda: _unreadable_notebook(),
        "manifest": lambda: _manifest(),
    },
    "teaching.grading.grade": {
        "paths": lambda: [_unreadable_notebook()],
        "manifest": lambda: _manifest(),
    },
    "teaching.manifests.load_manifest": {"path": lambda: _manifest_file()},
    "teaching.reports.summary": {"rows": lambda: _grade_rows()},
    "teaching.reports.class_report": {"rows": lambda: _grade_rows()},
    "teaching.class_page.report_html": {"rows": lambda: _grade_rows()},
    "teaching.reports.student_notes": {"rows": lambda: _grade_rows(), "file": lambda: "a.ipynb"},
    "teaching.class_page.write_class_report": {
        "rows": lambda: _grade_rows(),
        "path": lambda: _scratch("grades-class.csv"),
    },
    "teaching.reports.totals": {"rows": lambda: _grade_rows()},
    "teaching.reports.write_summary_csv": {
        "rows": lambda: _grade_rows(),
        "path": lambda: _scratch("summary.csv"),
    },
    "teaching.manifests.manifest": {"nb": lambda: _handout_notebook()},
    "teaching.notebooks.solution_blocks": {
        "markdown": lambda: "Hint.\n<details>\n<summary>Solution</summary>\n\nx = 1\n\n</details>"
    },
    "teaching.notebooks.exercises": {"nb": lambda: _handout_notebook()},
    "teaching.notebooks.notebook": {"nb": lambda: _handout_notebook()},
    "teaching.handout.student_version": {"nb": lambda: _handout_notebook()},
    "teaching.handout.answer_key": {"nb": lambda: _handout_notebook()},
    "teaching.notebooks.exercise_count": {"nb": lambda: _handout_notebook()},
}


def _figure() -> Any:
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot(title="a panel")
    return fig


def _tiny_xy() -> tuple[np.ndarray, np.ndarray]:
    x = np.linspace(-1, 1, 8, dtype=np.float32)[:, None]
    return x, (x[:, 0] > 0).astype(np.int64)


def _tiny_build() -> Any:
    import keras

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(2)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def _tiny_evaluate(model: Any) -> dict[str, float]:
    return {"n": float(model.count_params())}


def _tiny_recipe() -> Any:
    from cnn101.experiments import Recipe

    x, y = _tiny_xy()
    return Recipe("tiny", _tiny_build, x, y, evaluate=_tiny_evaluate, max_steps=1)


_CACHE: dict[str, Any] = {}


def _tiny_result() -> Any:
    """One trained Result of the tiny recipe (one seed, one epoch), once per process."""
    if "result" not in _CACHE:
        from cnn101.experiments import run

        _CACHE["result"] = run(_tiny_recipe(), seeds=(0,), cache=False, verbose=False)
    return _CACHE["result"]


def _tiny_plain_result() -> Any:
    """The plain arm of zoom_recipes on tiny digits, one seed, one step, once per process."""
    if "plain" not in _CACHE:
        import dataclasses

        from cnn101.experiments import run
        from cnn101.experiments.recipes import zoom_recipes

        recipe = dataclasses.replace(zoom_recipes(_tiny_digits())["plain"], max_steps=1, patience=1)
        _CACHE["plain"] = run(recipe, seeds=(0,), cache=False, verbose=False)
    return _CACHE["plain"]


def _correct(n_seeds: int, n_test: int) -> Any:
    """Per-seed, per-test-example scores: 1 where a run was right."""
    return (np.random.default_rng(n_seeds).random((n_seeds, n_test)) < 0.7).astype(float)


def _correct_result() -> Any:
    """A Result whose 'correct' metric holds per-test-example scores (3 seeds, 10 digits)."""
    import dataclasses

    tiny = _tiny_result()
    return dataclasses.replace(
        tiny, seeds=(0, 1, 2), metrics={"correct": _correct(3, 10)}, stopped=["patience"] * 3
    )


def _converged_result() -> Any:
    """The tiny Result, marked as stopped by patience (assert_converged accepts it)."""
    import dataclasses

    return dataclasses.replace(_tiny_result(), stopped=["patience"])


def _tiny_transfer_digits() -> Any:
    """Tiny digits whose test part holds digits of both tutorial 6's classes (0-4, 5-9)."""
    d = _tiny_digits()
    return type(d)(d.x_train, d.y_train, d.x_train, d.y_train)


def _tiny_digits() -> Any:
    from cnn101.experiments.recipes import Digits

    (x, y), _ = _digits()
    blobs = np.zeros_like(x)
    blobs[:, 6:22, 8:20] = x[:, 6:22, 8:20]  # 16 pixels tall, as a digit (20) fits at scale 2
    return Digits(blobs[:8], y[:8], blobs[8:12], y[8:12])


def _channel_model() -> Any:
    from cnn101.experiments.recipes.scale import _channel_cnn

    return _channel_cnn((1.0, 0.5), 16)


def _channel_result() -> Any:
    """A Result as scale_channel_recipes' arms make (its model held, not trained)."""
    import dataclasses

    from cnn101.experiments import Result

    recipe = dataclasses.replace(_tiny_recipe(), params={"channels": [1.0, 0.5]})
    return Result(
        name="channels",
        seeds=(0,),
        histories=[{"loss": [1.0], "val_loss": [1.0]}],
        best_epochs=[1],
        metrics={"n": np.asarray([1.0])},
        seconds=[0.0],
        weights=[None],
        recipe=recipe,
        _models={0: _channel_model()},
    )


def _search_result() -> Any:
    from cnn101.coarse_to_fine import coarse_to_fine_search

    image = _img(32, 32)
    return coarse_to_fine_search(image, image[4:16, 8:20], max_layer=1)


def _two_channel_extractor() -> Any:
    from cnn101.scale_space import log_features

    return log_features((1.0, 2.0))


def _grade_rows() -> list:
    from cnn101.teaching.answers import GradeRow

    return [GradeRow("a.ipynb", 1, "check_x", True), GradeRow("a.ipynb", 2, "check_y", False, "no")]


def _scratch(name: str) -> str:
    import tempfile

    if "dir" not in _CACHE:
        _CACHE["dir"] = tempfile.mkdtemp(prefix="cnn101-hostile-")
    return os.path.join(_CACHE["dir"], name)


def _unreadable_notebook() -> str:
    """A submission that is not JSON: graded at once, without starting a kernel."""
    path = _scratch("garbled.ipynb")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{not a notebook")
    return path


def _manifest() -> dict:
    from cnn101.teaching import handout

    nb = _handout_notebook()
    nb["cells"][1]["source"] = "x = 0\nex.check_spp_length(x, channels=4)"
    return handout.manifest(nb, tutorial="t")


def _manifest_file() -> str:
    path = _scratch("manifest.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(_manifest(), handle)
    return path


def _handout_notebook() -> dict:
    return {
        "metadata": {"cnn101": {"exercises": 1}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "## Exercises"},
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "x = 0\nex.check_x(x)",
            },
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "<details><summary>Solution</summary>\n```python\nx = 1\n```\n</details>",
            },
        ],
    }


def _conv_model() -> Any:
    import keras

    return keras.Sequential(
        [keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3, padding="same")]
    )


def _alignment_result() -> Any:
    from cnn101.alignment import alignment_error

    return alignment_error(_img(16, 16), _extractor(), "rotate90")


def _alignment_table() -> Any:
    from cnn101.alignment import alignment_table

    return alignment_table(_img(16, 16), {"laplacian": _extractor()}, ["rotate90"])


def _commuting_answer() -> list[str]:
    from cnn101.exercises.alignment import _commuting

    return sorted(name for name, error in _commuting("rotate90").items() if error < 1e-4)


def _template_ratio() -> float:
    from cnn101.exercises.alignment import _template_ratio as ratio

    return ratio()


def _instances() -> dict[str, Callable[[], Any]]:
    def table() -> Any:
        return _alignment_table()

    def predictions() -> Any:
        from cnn101.invariance import shifted_predictions

        dots = np.zeros((1, 9, 9, 1), np.float32)
        dots[0, 4, 4] = 1.0
        return shifted_predictions(lambda x: x.max(axis=(1, 3)), dots, max_shift=1)

    def stability() -> Any:
        from cnn101.invariance import shift_stability

        return shift_stability(lambda x: x, _batch())

    def transform() -> Any:
        from cnn101.transforms import translation

        return translation(1, 0)

    def scale_channels() -> Any:
        from cnn101.layers.scale_channels import ScaleChannels

        return ScaleChannels(_trunk(), scales=(1.0, 0.5))

    def foveated() -> Any:
        from cnn101.layers.scale_channels import FoveatedScaleChannels

        return FoveatedScaleChannels(_trunk(), scales=(0.5, 1.0), crop=4)

    def claim_record() -> Any:
        from cnn101.claims import record

        return record("pyramid-storage", verdict="confirmed", evidence="1.33x the pixels.")

    def summary() -> Any:
        from cnn101.experiments import Summary

        return Summary.of([0.8, 0.9])

    def interval() -> Any:
        from cnn101.experiments import paired_difference

        return paired_difference(_correct(3, 10), _correct(3, 10) * 0)

    return {
        "experiments.records.Result": _tiny_result,
        "experiments.statistics.Summary": summary,
        "experiments.statistics.Interval": interval,
        "claims.ClaimRecord": claim_record,
        "alignment.AlignmentTable": table,
        "alignment.AlignmentResult": _alignment_result,
        "invariance.ShiftedPredictions": predictions,
        "invariance.ShiftStability": stability,
        "transforms.SpatialTransform": transform,
        "feature_extractors.FeatureExtractor": _extractor,
        "layers.scale_channels.ScaleChannels": scale_channels,
        "layers.scale_channels.FoveatedScaleChannels": foveated,
    }


# Input of each Keras layer's base call (an NHWC batch), when not the default.
LAYER_INPUTS: dict[str, Callable[[], Any]] = {
    "layers.scale_channels.ScaleChannels": lambda: _batch(2, 8, 8, 1),
    "layers.scale_invariant_conv.ScaleInvariantConv2D": lambda: _batch(2, 8, 8, 1),
    "layers.scale_channels.FoveatedScaleChannels": lambda: _batch(2, 8, 8, 1),
    "layers.polyphase.AdaptivePolyphaseSampling2D": lambda: _batch(2, 8, 8, 3),
    "layers.polyphase.CircularPad2D": lambda: _batch(2, 8, 8, 3),
}

# Result records: their constructors are not walked (the library fills them in), their
# public methods are, on the instance INSTANCES builds.
RECORDS: dict[str, str] = {
    "invariance.ShiftStability": "a result record made by shift_stability, not an input API",
    "invariance.ShiftedPredictions": "a result record made by shifted_predictions",
    "coarse_to_fine.SearchResult": "a result record made by the searches",
    "alignment.AlignmentResult": "a result record made by alignment_error",
    "alignment.AlignmentTable": "a result record made by alignment_table",
    "exercises.Feedback": "a verdict record made by correct() and not_yet()",
    "experiments.records.Result": "a result record made by run and run_many",
    "experiments.statistics.Summary": "a statistics record made by Summary.of and Result.summary",
    "experiments.statistics.Interval": "an interval record made by paired_difference and accuracy_interval",
    "experiments.recipes.data.Digits": "a data record made by recipes.digits",
    "claims.Claim": "a table entry of claims.CLAIMS, looked up by get_claim",
    "claims.ClaimRecord": "a verdict record made by claims.record",
    "teaching.answers.GradeRow": "a grade record made by grade and grade_notebook",
    "teaching.notebooks.Exercise": "an exercise record made by handout.exercises",
    "scale_space.DogFit": "a fit record made by fit_difference_of_gaussians",
    "coarse_to_fine.SearchCost": "a cost record made by exhaustive_cost and coarse_to_fine_cost",
}

# What is not walked, with the reason. Keys: "module.name" or "module.name(param)".
SKIP: dict[str, str] = {
    "experiments.recipes.transfer.transfer_table": (
        "trains tutorial 6's source and arms (minutes): its command line's argument checks "
        "are tested in tests/experiments/test_recipes.py"
    ),
    "layers.scale_channels.ScaleChannels.compute_output_shape": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.ScaleChannels.build": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.ScaleChannels.call": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.ScaleChannels.get_config": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.ScaleChannels.from_config": "Keras' layer API: a config comes from get_config",
    "layers.scale_invariant_conv.ScaleInvariantConv2D.compute_output_shape": "Keras' layer API: walked by the layer checks",
    "layers.scale_invariant_conv.ScaleInvariantConv2D.build": "Keras' layer API: walked by the layer checks",
    "layers.scale_invariant_conv.ScaleInvariantConv2D.call": "Keras' layer API: walked by the layer checks",
    "layers.scale_invariant_conv.ScaleInvariantConv2D.get_config": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.FoveatedScaleChannels.compute_output_shape": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.FoveatedScaleChannels.build": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.FoveatedScaleChannels.call": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.FoveatedScaleChannels.get_config": "Keras' layer API: walked by the layer checks",
    "layers.scale_channels.FoveatedScaleChannels.from_config": "Keras' layer API: a config comes from get_config",
    "experiments.replications.running.replicate": (
        "trains every arm of a replication (minutes): its argument checks and smoke runs "
        "are tested in tests/experiments/test_replications.py"
    ),
    "experiments.replications.command_line.main": (
        "the command line: tested in tests/experiments/test_replications.py"
    ),
    "experiments.evidence.make": (
        "trains ten seeds at two data sizes (minutes): its argument checks are tested in "
        "tests/test_verdicts.py"
    ),
    "experiments.evidence.main": "the command line: tested in tests/test_verdicts.py",
    "verdicts.StaleRecordError": "an exception class, raised by load",
    "experiments.replications.running.command_for(out)": (
        "any string names a results file: the command quotes it for the shell"
    ),
    "experiments.replications.results.write_results(path)": (
        "a new relative path is written into the working directory: tested in "
        "tests/experiments/test_replications.py"
    ),
    "teaching.reports.write_csv(path)": (
        "a new relative path is written into the working directory (the repository when "
        "walked): its checks are tested in tests/test_teaching.py"
    ),
    "teaching.reports.write_summary_csv(path)": (
        "a new relative path is written into the working directory (the repository when "
        "walked): its checks are tested in tests/test_teaching.py"
    ),
    "teaching.class_page.write_class_report(path)": (
        "a new relative path is written into the working directory (the repository when "
        "walked): it is checked as write_csv's path is (the same writable_file)"
    ),
}

# Parameters that take any text (a title, a label): an unknown string is fine there.
FREE_TEXT = {
    "title",
    "suptitle",
    "caption",
    "name",
    "message",
    "hint",
    "text",
    "xlabel",
    "evidence",
    "reason",
    "markdown",
    "tutorial",
}

# Hostile values that a parameter accepts by design, with the reason ("module.name(param)": labels).
_LAYER_NAN = "a layer computes on what flows through it, as Keras' layers do"
_BLANK = "NaN marks a pixel left out (drawn blank), e.g. outside an alignment mask"
ALLOWED: dict[str, dict[str, str]] = {
    "ops.relu(features)": {"scalar": "relu works elementwise on any shape", "5-D": "any shape"},
    "kernels.filter_bank(argument)": {
        "unknown string": "any text: the caller's parameter name, for its error messages"
    },
    "transforms.get_transform(argument)": {
        "unknown string": "any text: the caller's parameter name, for its error messages"
    },
    "pyramids.gaussian_blur(sigma)": {
        "None": "None means the default sigma, as in every pyramid function"
    },
    "layers.pyramid_pooling.PyramidPoolingModule(activation)": {
        "None": "Keras' convention: None is linear"
    },
    "layers.pyramid_pooling.AtrousSpatialPyramidPooling(activation)": {
        "None": "Keras' convention: None is linear"
    },
    "layers.blur_pool.BlurPool2D.__call__(inputs)": {
        "other channels": "no weights: any channel count is right"
    },
    "layers.scale_channels.ScaleChannels.__call__(inputs)": {
        "other channels": "the trunk decides (this one has no weights)"
    },
    "layers.scale_channels.ScaleChannels.pyramid(inputs)": {"NaN": _LAYER_NAN, "inf": _LAYER_NAN},
    "layers.scale_channels.FoveatedScaleChannels.__call__(inputs)": {
        "other channels": "the trunk decides (this one has no weights)"
    },
    "layers.scale_channels.FoveatedScaleChannels.crops(inputs)": {
        "NaN": _LAYER_NAN,
        "inf": _LAYER_NAN,
    },
    "layers.scale_channels.ScaleChannels.scale_outputs(inputs)": {
        "NaN": _LAYER_NAN,
        "inf": _LAYER_NAN,
    },
    "layers.polyphase.CircularPad2D.__call__(inputs)": {
        "other channels": "no weights: any channel count is right"
    },
    "layers.polyphase.AdaptivePolyphaseSampling2D.__call__(inputs)": {
        "other channels": "no weights: any channel count is right"
    },
    "layers.blur_pool.MaxBlurPool2D.__call__(inputs)": {
        "other channels": "no weights: any channel count is right"
    },
    "reference.relu(features)": {"scalar": "any shape", "5-D": "any shape"},
    "plotting.images.show_image(image)": {"NaN": _BLANK},
    "plotting.images.show_feature_maps(maps)": {"NaN": _BLANK},
    "plotting.results.show_learning_curves(title)": {"None": "no title, as its type says"},
    "plotting.results.show_metric(chance)": {"int": "a chance level is any number"},
    "experiments.records.Recipe(params)": {"empty": "no settings to key the cache on: the default"},
    "experiments.records.Result.summary(index)": {"empty": "() is the default: the metric itself"},
    "experiments.records.difference(index)": {"empty": "() is the default: the metric itself"},
    "experiments.records.compare(index)": {"empty": "() is the default: the metric itself"},
    "verdicts.Rule(record)": {
        "unknown string": "a record that may not be made yet, declared before its run: load checks it"
    },
    "verdicts.Rule(key)": {
        "unknown string": "a comparison of a record declared before its run: claims.record checks it"
    },
    "verdicts.Rule(says)": {"unknown string": "the claim's prediction, in words: any text"},
    "experiments.records.estimate(index)": {"empty": "() is the default: the metric itself"},
    "claims.record(values)": {"empty": "no measured numbers to carry: the same as None"},
    "scale_space.log_kernel(radius)": {"int": "an explicit radius instead of ceil(4 sigma)"},
    "teaching.notebooks.exercise_count(nb)": {
        "empty": "a notebook without cnn101 metadata: None, as documented"
    },
    "teaching.grading.grade(paths)": {"empty": "no submissions: no rows"},
    "teaching.answers.checked_rows(rows)": {"empty": "no rows: an empty list"},
    "teaching.reports.format_table(rows)": {"empty": "no rows: the header alone"},
    "teaching.reports.write_csv(rows)": {"empty": "no rows: the header alone"},
    "teaching.reports.write_summary_csv(rows)": {"empty": "no rows: the header alone"},
    "teaching.reports.summary(rows)": {"empty": "no rows: no students"},
    "teaching.reports.class_report(rows)": {"empty": "no rows: no exercises"},
    "teaching.class_page.report_html(rows)": {"empty": "no rows: a page with empty tables"},
    "teaching.reports.student_notes(rows)": {"empty": "no rows: nothing to say"},
    "teaching.reports.student_notes(file)": {
        "empty": "a file with no rows: nothing to say",
        "unknown string": "a file with no rows: nothing to say",
    },
    "teaching.class_page.write_class_report(rows)": {"empty": "no rows: the header alone"},
    "teaching.reports.totals(rows)": {"empty": "no rows: no students"},
    "teaching.grading.grade(timeout)": {"float 2.5": "a timeout is any positive number of seconds"},
    "teaching.grading.grade_notebook(timeout)": {
        "float 2.5": "a timeout is any positive number of seconds"
    },
    "teaching.grading.grade_notebook(path)": {
        "unknown string": "a file that cannot be read is graded as a failing row, not an error "
        "(the grader goes on to the next submission)"
    },
}


# Rows whose value is of the right type for this parameter although not for the kind of
# its base value: {case key: (the class the rule asks for, why)}.
_SCALAR_KERNEL = "a number is a 0-d array: the wrong shape, as check.as_float_array rules"
_LABEL_AXES = "labels are an array (check.integer_labels): an extra axis is the wrong shape"
_INDEX = "an integer is an index: one that picks no entry of the metric is a wrong value"
_TARGETS = "`y` may hold real-valued targets (any compiled loss): NaN or Inf is a wrong value"
CLASS_FOR: dict[str, tuple[str, str]] = {
    "kernels.filter_bank(kernels) | int": ("ValueError", _SCALAR_KERNEL),
    "kernels.to_filter(kernel) | int": ("ValueError", _SCALAR_KERNEL),
    "ops.conv2d(kernel) | int": ("ValueError", _SCALAR_KERNEL),
    "reference.conv2d(kernel) | scalar": ("ValueError", _SCALAR_KERNEL),
    "plotting.images.show_kernel(kernel) | scalar": ("ValueError", _SCALAR_KERNEL),
    "feature_extractors.conv_features(kernels) | int": ("ValueError", _SCALAR_KERNEL),
    "invariance.conv_pool_stack(kernel) | int": ("ValueError", _SCALAR_KERNEL),
    "invariance.conv_pool_stack(kernel) | string": (
        "ValueError",
        "a string is a kernel name: an unknown one is a wrong value",
    ),
    "invariance.ShiftedPredictions.accuracy(labels) | nested": ("ValueError", _LABEL_AXES),
    "models.accuracy_by_scale(labels) | nested": ("ValueError", _LABEL_AXES),
    "verdicts.load(folder) | string": (
        "ValueError",
        "a string is a path: one that names no folder is a wrong value",
    ),
    "alignment.alignment_error(channels) | string": (
        "ValueError",
        "a string is a valid type ('best_linear'): an unknown one is a wrong value",
    ),
    **{
        f"experiments.records.{target}(index) | int": ("ValueError", _INDEX)
        for target in ("Result.summary", "compare", "difference", "estimate")
    },
    **{
        f"experiments.records.Recipe(y) | {label}": ("ValueError", _TARGETS)
        for label in ("NaN", "inf")
    },
    **{
        f"teaching.grading.{function}(timeout) | {label}": (
            "ValueError",
            "a timeout is any positive number of seconds: NaN or infinity is a wrong value",
        )
        for function in ("grade", "grade_notebook")
        for label in ("nan", "inf")
    },
    "layers.scale_invariant_conv.ScaleInvariantConv2D(activation) | string": (
        "ValueError",
        "a string is an activation's name: an unknown one is a wrong value",
    ),
}


# ----------------------------------------------------------------------------------------
# The hostile values, by kind of base value.
# ----------------------------------------------------------------------------------------


def _nan_like(*args: Any, **kwargs: Any) -> Any:
    return np.full(np.shape(args[0]), np.nan) if args else float("nan")


def _fails(*args: Any, **kwargs: Any) -> Any:
    raise CallbackError("the user's function failed")


def _hostile_values(
    base: Any, default: Any
) -> list[tuple[str, Callable[[], Any], str, str | None]]:
    """Return (label, value factory, expectation, error class) for a parameter valued ``base``.

    The error class is the one the house rule asks for when the value is refused: a
    ``TypeError`` for a value of the wrong type (a string, a float or a bool where an
    integer belongs, an object, None, a non-callable, an array of strings or complex
    numbers), a ``ValueError`` for a value of the right type that is wrong (out of range,
    empty, NaN or infinite, of the wrong shape, an unknown option). Only that class
    passes (or success, where the expectation is "either"); the other fails the case.
    """
    none = [] if default is None else [("None", lambda: None, "raise", "TypeError")]
    common = [("object", lambda: object(), "raise", "TypeError"), *none]
    if isinstance(base, bool | np.bool_):
        return [
            ("string", lambda: "yes", "raise", "TypeError"),
            ("nan", lambda: float("nan"), "raise", "TypeError"),
            *common,
        ]
    if isinstance(base, int | np.integer):
        return [
            ("numpy int64", lambda: np.int64(base), "accept", None),
            ("numpy int32", lambda: np.int32(base), "accept", None),
            ("float 2.5", lambda: 2.5, "raise", "TypeError"),
            ("string", lambda: str(base), "raise", "TypeError"),
            ("bool", lambda: True, "raise", "TypeError"),
            ("nan", lambda: float("nan"), "raise", "TypeError"),
            ("inf", lambda: float("inf"), "raise", "TypeError"),
            ("complex", lambda: 1j, "raise", "TypeError"),
            ("-1", lambda: -1, "either", "ValueError"),
            ("0", lambda: 0, "either", "ValueError"),
            ("2**64", lambda: 2**64, "either", "ValueError"),
            *common,
        ]
    if isinstance(base, float | np.floating):
        return [
            ("numpy float32", lambda: np.float32(base), "accept", None),
            ("numpy float64", lambda: np.float64(base), "accept", None),
            ("string", lambda: str(base), "raise", "TypeError"),
            ("bool", lambda: True, "raise", "TypeError"),
            ("nan", lambda: float("nan"), "raise", "ValueError"),
            ("inf", lambda: float("inf"), "raise", "ValueError"),
            ("-inf", lambda: -float("inf"), "raise", "ValueError"),
            ("complex", lambda: 1j, "raise", "TypeError"),
            ("0.0", lambda: 0.0, "either", "ValueError"),
            ("-1.0", lambda: -1.0, "either", "ValueError"),
            ("1e300", lambda: 1e300, "either", "ValueError"),
            *common,
        ]
    if isinstance(base, os.PathLike):
        return [
            ("missing path", lambda: "no-such-folder/no-such-file", "either", "ValueError"),
            ("int", lambda: 3, "raise", "TypeError"),
            *common,
        ]
    if isinstance(base, str):
        return [
            ("unknown string", lambda: "no-such-option", "raise", "ValueError"),
            ("empty string", lambda: "", "either", "ValueError"),
            ("int", lambda: 3, "raise", "TypeError"),
            ("bytes", lambda: base.encode(), "raise", "TypeError"),
            *common,
        ]
    if callable(base) and not _is_array_like(base) and not inspect.isclass(base):
        if _is_layer_or_model(base):
            return [
                ("int", lambda: 3, "raise", "TypeError"),
                ("string", lambda: "layer", "raise", "TypeError"),
                *common,
            ]
        # A function where an object (a FeatureExtractor, a model) belongs is a wrong type,
        # whatever it returns; where a function belongs, what it returns is a value.
        returned = "ValueError" if inspect.isroutine(base) else "TypeError"
        return [
            ("not callable", lambda: 3, "raise", "TypeError"),
            ("returns NaN", lambda: _nan_like, "either", returned),
            ("returns nan", lambda: lambda *a, **k: float("nan"), "either", returned),
            ("returns None", lambda: lambda *a, **k: None, "either", "TypeError"),
            ("raises", lambda: _fails, "either", returned),
            *none,
        ]
    if isinstance(base, np.ndarray) or (
        isinstance(base, list | tuple) and _is_numeric_array(base) and np.ndim(base) >= 2
    ):
        shape = np.shape(base)
        # An ndarray parameter takes any array: a tensor or float64 too. A list (of pairs,
        # of rows) may ask for a list.
        same = "accept" if isinstance(base, np.ndarray) else "either"
        # A list parameter gets its hostile values as lists (an array where a list belongs
        # would be a wrong type); a NaN or Inf where integers belong is a wrong type too.
        as_given = (lambda a: a) if isinstance(base, np.ndarray) else _as_list_like(base)
        nan_error = _nan_error(base)
        return [
            ("tensor", lambda: _tensor(base), same, "TypeError"),
            ("float64", lambda: np.asarray(base, np.float64), same, "TypeError"),
            ("empty", lambda: as_given(np.zeros((0,) * len(shape))), "raise", "ValueError"),
            ("zero height", lambda: as_given(np.zeros((0, *shape[1:]))), "raise", "ValueError"),
            ("NaN", lambda: as_given(_with(base, np.nan)), "raise", nan_error),
            ("inf", lambda: as_given(_with(base, np.inf)), "raise", nan_error),
            ("complex", lambda: np.asarray(base) + 1j, "raise", "TypeError"),
            ("strings", lambda: np.full(shape, "a"), "raise", "TypeError"),
            ("ragged", lambda: _ragged(base), "raise", "ValueError"),
            ("scalar", lambda: np.float32(1.0), "raise", _scalar_error(base)),
            (
                "5-D",
                lambda: as_given(
                    np.zeros((1, 1, *shape, 1)) if len(shape) >= 3 else np.zeros((1,) * 5)
                ),
                "raise",
                "ValueError",
            ),
            (
                "1x1",
                lambda: as_given(np.ones((1, 1, *tuple(shape[2:])), np.float32)),
                "either",
                "ValueError",
            ),
            ("bool array", lambda: np.asarray(base) > 0.5, "either", "TypeError"),
            *common,
        ]
    if isinstance(base, tuple | list) and len(base) > 0 and all(_is_num(v) for v in base):
        kind = type(base)
        return [
            ("numpy scalars", lambda: kind(_np_scalar(v) for v in base), "accept", None),
            ("empty", lambda: kind(), "raise", "ValueError"),
            ("strings", lambda: kind("a" for _ in base), "raise", "TypeError"),
            ("bools", lambda: kind(True for _ in base), "raise", "TypeError"),
            ("NaN", lambda: kind(float("nan") for _ in base), "raise", _nan_error(base)),
            ("inf", lambda: kind(float("inf") for _ in base), "raise", _nan_error(base)),
            ("negative", lambda: kind(-abs(v) - 1 for v in base), "either", "ValueError"),
            ("nested", lambda: kind([v] for v in base), "raise", "TypeError"),
            ("string", lambda: "ab", "raise", "TypeError"),
            *common,
        ]
    if isinstance(base, list | tuple) and len(base) > 1 and all(_is_array_like(v) for v in base):
        # levels of a pyramid, maps of a figure: mismatched and disordered members
        return [
            ("empty", lambda: type(base)(), "raise", "ValueError"),
            ("int", lambda: 3, "raise", "TypeError"),
            ("reversed", lambda: type(base)(reversed(base)), "either", "ValueError"),
            (
                "mixed ranks",
                lambda: type(base)([base[0], np.ones((*np.shape(base[1]), 3))]),
                "either",
                "ValueError",
            ),
            (
                "a NaN member",
                lambda: type(base)([base[0], _with(base[1], np.nan)]),
                "either",
                "ValueError",
            ),
            *common,
        ]
    if isinstance(base, list | tuple | dict):
        return [
            ("empty", lambda: type(base)(), "raise", "ValueError"),
            ("int", lambda: 3, "raise", "TypeError"),
            *common,
        ]
    return [
        ("int", lambda: 3, "raise", "TypeError"),
        ("string", lambda: "x", "raise", "TypeError"),
        *common,
    ]


def _ragged(base: Any) -> list:
    """Rows of different lengths, of the base's kind of number."""
    if np.asarray(base).dtype.kind in "iu":
        return [[1, 2], [3]]
    return [[1.0, 2.0], [3.0]]


def _nan_error(base: Any) -> str:
    """NaN or Inf where integers belong is a wrong type; where floats belong, a wrong value."""
    return "TypeError" if np.asarray(base).dtype.kind in "iu" else "ValueError"


def _scalar_error(base: Any) -> str:
    """One number where an array belongs is the wrong shape; where a list belongs, a wrong type."""
    return "ValueError" if isinstance(base, np.ndarray) else "TypeError"


def _as_list_like(base: Any) -> Callable[[np.ndarray], list]:
    """Hostile arrays as lists, of the base's kind of number (integers for integer pairs)."""
    integers = np.asarray(base).dtype.kind in "iu"

    def as_list(array: np.ndarray) -> list:
        if integers and np.isfinite(array).all():
            return array.astype(np.int64).tolist()
        return array.tolist()

    return as_list


def _with(base: Any, value: float) -> np.ndarray:
    array = np.array(base, dtype=np.float64)
    array.flat[0] = value
    return array


def _tensor(base: Any) -> Any:
    from cnn101._tf import tensorflow

    return tensorflow().constant(np.asarray(base, np.float32))


def _np_scalar(value: Any) -> Any:
    return np.int64(value) if isinstance(value, int) else np.float32(value)


def _is_num(value: Any) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def _is_array_like(value: Any) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype")


def _is_numeric_array(value: Any) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (ValueError, TypeError):
        return False


def _is_layer_or_model(value: Any) -> bool:
    return type(value).__module__.startswith(("keras", "cnn101")) and hasattr(value, "get_config")


# ----------------------------------------------------------------------------------------
# Discovery and the cases.
# ----------------------------------------------------------------------------------------


# Packages whose submodules are walked one by one (their own re-exports are not walked
# twice); the other packages (plotting, experiments) are walked through what they export.
_WALKED_PACKAGES = ("exercises", "layers", "teaching")


def module_names() -> list[str]:
    """Return every module the walker covers: cnn101._SUBMODULES and their submodules."""
    import cnn101
    import cnn101.exercises
    import cnn101.layers
    import cnn101.teaching

    names = [m for m in cnn101._SUBMODULES]
    names.insert(names.index("experiments") + 1, "experiments.recipes")
    names.insert(names.index("experiments") + 2, "experiments.replications")
    # ``__main__`` is a command line (argv in, exit status out), tested in
    # tests/test_handout.py and tests/test_teaching.py, not a function API.
    for package in _WALKED_PACKAGES:
        package = importlib.import_module(f"cnn101.{package}")
        short = package.__name__.removeprefix("cnn101.")
        names += [
            f"{short}.{m.name}"
            for m in pkgutil.iter_modules(package.__path__)
            if not m.name.startswith("_")
        ]
    return names


def _import(module_name: str) -> Any:
    """``"ops"`` is ``cnn101.ops``; ``"=name"`` is the top-level module ``name`` (self-tests)."""
    if module_name.startswith("="):
        return importlib.import_module(module_name[1:])
    return importlib.import_module(f"cnn101.{module_name}")


def public_callables(module_name: str) -> list[tuple[str, Any]]:
    """Return ("module.name", object) for the public functions and classes of a module."""
    module = _import(module_name)
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(obj) or inspect.isclass(obj))
            and obj.__module__ == module.__name__
        ]
    found = []
    for name in names:
        obj = getattr(module, name)
        if module_name in _WALKED_PACKAGES and obj.__module__ != module.__name__:
            continue  # a package's re-export: walked in the submodule that defines it
        if inspect.isfunction(obj) or inspect.isclass(obj):
            # keyed by the module that defines it (its one home), whatever exports it
            home = obj.__module__.removeprefix("cnn101.")
            found.append((f"{home}.{name}", obj))
    return found


@dataclass
class Case:
    """One call: ``target`` with ``param`` set to the hostile value ``label``."""

    key: str
    target: str
    param: str
    label: str
    expect: str  # "raise", "accept", "either", "feedback" (an exercise answer)
    run: Callable[[], Any]
    error: str | None = None  # the class a refusal must have: "TypeError" or "ValueError"


def _is_layer_class(obj: Any) -> bool:
    import keras

    return inspect.isclass(obj) and issubclass(obj, keras.layers.Layer)


def _methods(cls: type) -> list[tuple[str, Any]]:
    out = []
    for name, member in vars(cls).items():
        if (name.startswith("_") and name != "__call__") or not inspect.isfunction(member):
            continue
        out.append((name, member))
    return out


def _parameters(func: Any, skip_self: bool = False) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())
    if skip_self:
        params = params[1:]
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _base_call(target: str, func: Any, skip_self: bool = False) -> dict[str, Callable[[], Any]]:
    given = BASE.get(target, {})
    base: dict[str, Callable[[], Any]] = {}
    for p in _parameters(func, skip_self):
        if p.name in given:
            base[p.name] = given[p.name]
        elif p.default is not p.empty:
            base[p.name] = lambda d=p.default: d
        else:
            raise LookupError(
                f"{target}: no base value for the required parameter {p.name!r}; add it to "
                "BASE in tests/_hostile.py"
            )
    return base


def _call(func: Any, params: list[inspect.Parameter], values: dict[str, Any]) -> Any:
    args, kwargs = [], {}
    for p in params:
        if p.kind == p.KEYWORD_ONLY:
            kwargs[p.name] = values[p.name]
        else:
            args.append(values[p.name])
    return func(*args, **kwargs)


def _cases_for(
    target: str, func: Any, *, instance: Callable[[], Any] | None = None
) -> Iterator[Case]:
    skip_self = instance is not None
    base = _base_call(target, func, skip_self)
    params = _parameters(func, skip_self)
    answers = _answer_params(target, params)

    def runner(name: str | None, hostile: Callable[[], Any] | None) -> Callable[[], Any]:
        def run() -> Any:
            values = {p: make() for p, make in base.items()}
            if name is not None:
                values[name] = hostile()
            if instance is None:
                return _call(func, params, values)
            return _call(func.__get__(instance()), params, values)

        return run

    yield Case(f"{target} | base", target, "", "base", "accept", runner(None, None), None)
    for p in params:
        if f"{target}({p.name})" in SKIP:
            continue
        base_value = base[p.name]()
        allowed = ALLOWED.get(f"{target}({p.name})", {})
        for label, make, expect, error in _hostile_values(
            base_value, p.default if p.default is not p.empty else inspect.Parameter.empty
        ):
            if label in allowed:
                expect = "either"
            error = CLASS_FOR.get(f"{target}({p.name}) | {label}", (error,))[0]
            if expect == "raise" and label in ("unknown string", "string") and p.name in FREE_TEXT:
                expect = "either"
            if p.name in answers:
                same_value = expect == "accept" or label in ("tensor", "float64")
                expect = "right answer" if same_value else "feedback"
            yield Case(
                f"{target}({p.name}) | {label}",
                target,
                p.name,
                label,
                expect,
                runner(p.name, make),
                error,
            )


def _answer_params(target: str, params: list[inspect.Parameter]) -> set[str]:
    """An exercise check's answers: its parameters without a default."""
    if not target.startswith("exercises.") or not target.rsplit(".", 1)[-1].startswith("check_"):
        return set()
    return {p.name for p in params if p.default is p.empty}


def _layer_call_cases(target: str, cls: type) -> Iterator[Case]:
    make_input = LAYER_INPUTS.get(target, lambda: _batch(2, 9, 9, 3))
    base = _base_call(target, cls)
    params = _parameters(cls)

    def layer() -> Any:
        return _call(cls, params, {p: make() for p, make in base.items()})

    def called(
        inputs: Callable[[], Any], first: Callable[[], Any] | None = None
    ) -> Callable[[], Any]:
        def run() -> Any:
            built = layer()
            if first is not None:
                built(first())
            return built(inputs())

        return run

    x = make_input()
    n, h, w, c = x.shape
    hostile = [
        ("tensor", lambda: _tensor(x), "accept", None),
        ("NaN", lambda: _with(x, np.nan).astype(np.float32), "either", "ValueError"),
        ("empty", lambda: np.zeros((n, 0, 0, c), np.float32), "raise", "ValueError"),
        ("zero width", lambda: np.zeros((n, h, 0, c), np.float32), "raise", "ValueError"),
        ("3-D", lambda: x[0], "raise", "ValueError"),
        ("1x1", lambda: np.ones((n, 1, 1, c), np.float32), "either", "ValueError"),
        ("2x2", lambda: np.ones((n, 2, 2, c), np.float32), "either", "ValueError"),
        ("strings", lambda: np.full(x.shape, "a"), "raise", "TypeError"),
    ]
    allowed = ALLOWED.get(f"{target}.__call__(inputs)", {})
    for label, make, expect, error in hostile:
        if label in allowed:
            expect = "either"
        yield Case(
            f"{target}.__call__(inputs) | {label}",
            target,
            "inputs",
            label,
            expect,
            called(make),
            error,
        )
    yield Case(
        f"{target}.__call__(inputs) | other channels",
        target,
        "inputs",
        "other channels",
        "either" if "other channels" in allowed else "raise",
        called(lambda: np.ones((n, h, w, c + 1), np.float32), first=make_input),
        "ValueError",
    )
    yield Case(
        f"{target}.__call__(inputs) | unknown size, then 1x1",
        target,
        "inputs",
        "unknown size, then 1x1",
        "either",
        _symbolic_then_tiny(layer, c),
        "ValueError",
    )


def _symbolic_then_tiny(layer: Callable[[], Any], channels: int) -> Callable[[], Any]:
    def run() -> Any:
        import keras

        built = layer()
        try:
            model = keras.Sequential([keras.Input((None, None, channels)), built])
        except ValueError:  # the layer needs a known size (ScaleChannels): fine
            return None
        return model(np.ones((1, 1, 1, channels), np.float32))

    return run


def cases(module_name: str) -> Iterator[Case]:
    """Every case of a module, in a fixed order."""
    for target, obj in public_callables(module_name):
        if target in SKIP:
            continue
        if inspect.isclass(obj):
            if target not in RECORDS:
                yield from _cases_for(target, obj)
            if _is_layer_class(obj):
                yield from _layer_call_cases(target, obj)
            make = _instances().get(target)
            for name, method in _methods(obj):
                key = f"{target}.{name}"
                if (
                    key in SKIP
                    or make is None
                    or (
                        _is_layer_class(obj)
                        and name
                        in (
                            "call",
                            "build",
                            "compute_output_shape",
                            "get_config",
                            "from_config",
                        )
                    )
                ):
                    continue
                yield from _cases_for(key, method, instance=make)
        else:
            yield from _cases_for(target, obj)


# ----------------------------------------------------------------------------------------
# Judging one case.
# ----------------------------------------------------------------------------------------


def _names(message: str, param: str) -> bool:
    if param == "inputs":
        return re.search(r"input", message, re.IGNORECASE) is not None
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", message) is not None


def judge(case: Case) -> dict[str, Any]:
    """Run one case and say whether the outcome is what its expectation allows."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    outcome: dict[str, Any] = {"key": case.key, "expect": case.expect}
    try:
        result = case.run()
    except (ValueError, TypeError) as error:
        message = str(error)
        outcome["raised"] = f"{type(error).__name__}: {message[:300]}"
        if case.expect in ("accept", "feedback", "right answer"):
            outcome["problem"] = "refused a valid value" if case.expect == "accept" else "raised"
        elif not _names(message, case.param) and case.param:
            outcome["problem"] = f"the message does not name `{case.param}`"
        elif case.error is not None and type(error).__name__ != case.error:
            outcome["problem"] = f"raised {type(error).__name__}, expected {case.error}"
    except CallbackError:
        outcome["raised"] = "CallbackError (from the user's function)"
        if case.expect in ("feedback", "right answer") or case.label != "raises":
            outcome["problem"] = "raised"
    except Exception as error:
        outcome["raised"] = f"{type(error).__name__}: {str(error)[:300]}"
        outcome["problem"] = f"raw {type(error).__module__}.{type(error).__name__}"
        outcome["where"] = traceback.format_exc(limit=-3)[-600:]
    else:
        outcome["returned"] = type(result).__name__
        if case.expect == "raise":
            outcome["problem"] = "accepted silently"
        elif case.expect == "feedback" and (type(result).__name__ != "Feedback" or result.passed):
            outcome["problem"] = (
                "graded a wrong answer as correct"
                if getattr(result, "passed", False)
                else "did not return Feedback"
            )
        elif case.expect == "right answer" and not getattr(result, "passed", False):
            outcome["problem"] = "did not accept the right answer given as NumPy scalars"
    finally:
        plt.close("all")
    return outcome


def main(argv: list[str]) -> int:
    """Run the cases of the given modules from index ``--start``; one JSON line per case."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    start = 0
    if argv and argv[0].startswith("--start="):
        start = int(argv[0].split("=", 1)[1])
        argv = argv[1:]
    modules = argv or module_names()
    index = 0
    out = sys.stdout
    for module_name in modules:
        try:
            module_cases = list(cases(module_name))
        except Exception as error:
            print(
                json.dumps(
                    {
                        "index": index,
                        "key": f"{module_name} | walker",
                        "problem": f"cannot list the cases: {error!r}",
                    }
                ),
                file=out,
                flush=True,
            )
            index += 1
            continue
        for case in module_cases:
            if index >= start:
                print(json.dumps({"index": index, "start": case.key}), file=out, flush=True)
                with contextlib.redirect_stdout(sys.stderr):  # stdout carries the JSON lines
                    outcome = judge(case)
                outcome.update(index=index, module=module_name)
                print(json.dumps(outcome, default=str), file=out, flush=True)
            index += 1
    print(json.dumps({"done": index}), file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
