"""The recorded runs behind the trained claims' verdicts: ten seeds or more, two data sizes.

``python -m cnn101.experiments.evidence NAME`` trains the arms one group of trained
claims compares (``"shift"``: every arm of tutorial 2, the four poolings, shifted
training for max and max-blur pooling, the global-average head, and APS against
stride 2 with circular padding; ``"scale"``: tutorial 3's zoom and natural sizes,
with the networks trained at 0.5x or at 2x only as references; ``"channels"``:
tutorial 3's scale channels, fine-tuned and inserted, with the plain network
fine-tuned the same way as their control; ``"transfer"``: tutorial 6's copied
filters, with the control that keeps the source's classes, and every arm of its
30-label table), over
:data:`SEEDS` (ten seeds that no page uses, so the record is a replication of
what the pages show), at the pages' data size and at five times it, and writes
``cnn101/evidence/NAME.json``: every comparison's interval over seeds and test
digits (:func:`cnn101.experiments.compare`), the smallest effect each could
detect, each arm's accuracy, whether every run stopped by patience, and the
convergence check: every run again with 5x the patience and 2x the budget, and how
far each difference moved. Where one moved by :data:`CONVERGENCE_TOLERANCE` or
more, the record's comparisons at that size come from the longer runs. The record carries its command, the digest of
the code it depends on (:data:`DIGEST_FILES`) and the library versions;
:func:`cnn101.verdicts.load` refuses it once that code changes.

The rules that turn these intervals into verdicts are declared with the claims
(:data:`cnn101.claims.CLAIMS`, :class:`cnn101.verdicts.Rule`), not here.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cnn101 import _validation as check
from cnn101._digest import package_versions
from cnn101.experiments import (
    Interval,
    Result,
    Summary,
    accuracy_interval,
    assert_converged,
    compare,
    difference,
    estimate,
    paired_difference,
    run,
    run_many,
)
from cnn101.experiments.recipes import (
    CHANNEL_SETS,
    PLAIN_FINE_TUNED,
    TEST_SCALES,
    TEST_SHIFTS,
    TRANSFER_ARMS,
    digits,
    inserted_channels,
    scale_channel_recipes,
    shift_comparison,
    transfer_recipes,
    transfer_source_recipe,
    zoom_recipes,
)
from cnn101.verdicts import EVIDENCE_DIR, MIN_SEEDS, code_digest

__all__ = [
    "CONVERGENCE_TOLERANCE",
    "DIGEST_FILES",
    "ENGINE_FILES",
    "NAMES",
    "SEEDS",
    "command_for",
    "main",
    "make",
]

NAMES = ("shift", "scale", "channels", "transfer")
SEEDS = tuple(range(10, 20))  # the pages use seeds 0-4: these are new draws
CONVERGENCE_TOLERANCE = 0.02  # a comparison moving more under 5x patience is not converged
SIZES = {  # training digits (the page's, and 5x), test digits
    "shift": ((600, 3000), 300),
    "scale": ((600, 3000), 500),
    "channels": ((600,), 500),  # fine-tuning at scale 1: the page's data size only
    "transfer": ((600, 3000), 1000),
}
LABELS = (30, 300)  # tutorial 6's labelled target sets, the task's premise

#: The training engine's files (relative to ``cnn101/``): every recorded run's numbers
#: depend on them, so they are in the digest of every record, here and in
#: :data:`cnn101.experiments.replications.DIGEST_FILES`.
ENGINE_FILES = tuple(
    f"experiments/{name}.py" for name in ("__init__", "cache", "records", "runner", "statistics")
)
_COMMON = (
    *ENGINE_FILES,
    "experiments/evidence.py",
    "experiments/recipes/__init__.py",
    "experiments/recipes/data.py",
    "models.py",
    "digits.py",
    "datasets.py",
    "_tf.py",
    "layers/_base.py",
    "layers/blur_pool.py",
)
DIGEST_FILES = {
    "shift": (
        *_COMMON,
        "experiments/recipes/shift.py",
        "invariance.py",
        "layers/polyphase.py",
    ),
    "scale": (*_COMMON, "experiments/recipes/scale.py", "layers/scale_channels.py"),
    "channels": (*_COMMON, "experiments/recipes/scale.py", "layers/scale_channels.py"),
    "transfer": (*_COMMON, "experiments/recipes/transfer.py"),
}
_VERSIONS = ("tensorflow", "keras", "numpy", "scipy", "scikit-image", "mlxtend")


def _longer(recipe: Any) -> Any:
    """Return the same recipe with 5x the patience and 2x the budget."""
    return dataclasses.replace(recipe, patience=5 * recipe.patience, max_steps=2 * recipe.max_steps)


# The arms of tutorial 2 (the keys of :func:`~cnn101.experiments.recipes.shift_comparison`)
# by the names the record gives them, and the differences its text states, each in
# consistency and in accuracy.
_SHIFT_ARMS = {
    "max": ("max", False),
    "avg": ("avg", False),
    "blur": ("blur", False),
    "stride": ("stride", False),
    "max + shifts": ("max", True),
    "blur + shifts": ("blur", True),
    "max gap": ("max gap", False),
    "aps": ("aps", False),
    "stride circular": ("stride circular", False),
}
_SHIFT_PAIRS = (
    ("max", "stride"),
    ("blur", "max"),
    ("avg", "max"),
    ("max + shifts", "max"),
    ("max + shifts", "blur"),
    ("blur + shifts", "max + shifts"),
    ("max gap", "max"),
    ("aps", "stride circular"),
)
_CIRCULAR = ("aps", "stride circular")  # the arms measured under circular shifts too
# Beyond the trained range (2 pixels): the differences in agreement tutorial 2 states.
_AGREEMENT_PAIRS = (("blur", "max"), ("blur + shifts", "max + shifts"), ("max gap", "max"))


def _over_seeds(values: Any, level: float = 0.95) -> Interval:
    """Return an interval over seeds only, for a metric with one number per seed.

    ``items`` is 1: the test digits' own sampling error is not in it (the metric
    keeps no score per test digit).
    """
    summary = Summary.of(values)
    low, high = summary.interval(level)
    return Interval(summary.mean, low, high, summary.sem, summary.n - 1, level, summary.n, 1)


def _agreement(results: dict[str, Result]) -> dict[str, Any]:
    """Agreement with the unshifted class by test shift: per arm, and the stated differences."""
    by_arm = {
        arm: {
            f"{k} px": _over_seeds(result.metrics["agreement_by_shift"][:, i]).to_json()
            for i, k in enumerate(TEST_SHIFTS)
        }
        for arm, result in results.items()
    }
    differences = {
        f"{a} - {b}, agreement at {k} px": _over_seeds(
            difference(results[a], results[b], "agreement_by_shift", i).values
        ).to_json()
        for a, b in _AGREEMENT_PAIRS
        for i, k in enumerate(TEST_SHIFTS)
        if k > 2
    }
    return {"arms": by_arm, "differences": differences}


def _comparisons_shift(n_train: int, n_test: int, seeds: Sequence[int], longer: bool) -> dict:
    every = shift_comparison(digits(n_train, n_test))
    arms = {name: every[key] for name, key in _SHIFT_ARMS.items()}
    if longer:
        arms = {k: _longer(r) for k, r in arms.items()}
    results = run_many(arms, seeds, side_by_side="all", verbose=False)
    metrics = ("consistent", "correct")
    out = {
        f"{a} - {b}, {m}": compare(results[a], results[b], m)
        for a, b in _SHIFT_PAIRS
        for m in metrics
    }
    out[f"{_CIRCULAR[0]} - {_CIRCULAR[1]}, circular_consistent"] = compare(
        results[_CIRCULAR[0]], results[_CIRCULAR[1]], "circular_consistent"
    )
    out |= {f"{k}, {m}": estimate(r, m) for k, r in results.items() for m in metrics}
    out |= {
        f"{k}, circular_consistent": estimate(results[k], "circular_consistent") for k in _CIRCULAR
    }
    return {"comparisons": out, "results": results, "agreement": _agreement(results)}


# The reference arms of zoom_recipes: trained at one scale only, by the scale.
_SPECIALISTS = {0.5: "only 0.5x", 2.0: "only 2x"}


def _comparisons_scale(n_train: int, n_test: int, seeds: Sequence[int], longer: bool) -> dict:
    arms = zoom_recipes(digits(n_train, n_test), references=True)
    if longer:
        arms = {k: _longer(r) for k, r in arms.items()}
    results = run_many(arms, seeds, side_by_side="all", verbose=False)
    at = {s: i for i, s in enumerate(TEST_SCALES)}
    out = {}
    for arm in ("zoom-augmented", "natural sizes"):
        for s in (0.5, 2.0):
            out[f"{arm} - plain at {s:g}x"] = compare(
                results[arm], results["plain"], "correct", at[s]
            )
            correct = results[arm].metrics["correct"]
            out[f"{arm} at {s:g}x - at 1x"] = paired_difference(
                correct[:, at[s]], correct[:, at[1.0]]
            )
    for s in (0.5, 2.0):  # redrawing the sizes at every epoch, the range held fixed
        out[f"zoom-augmented - natural sizes at {s:g}x"] = compare(
            results["zoom-augmented"], results["natural sizes"], "correct", at[s]
        )
    for s, specialist in _SPECIALISTS.items():  # what one scale alone reaches there
        for arm in ("plain", "zoom-augmented", "natural sizes"):
            out[f"{arm} - {specialist} at {s:g}x"] = compare(
                results[arm], results[specialist], "correct", at[s]
            )
        out[f"{specialist} at {s:g}x - plain at 1x"] = paired_difference(
            results[specialist].metrics["correct"][:, at[s]],
            results["plain"].metrics["correct"][:, at[1.0]],
        )
    for arm, result in results.items():
        for s in TEST_SCALES:
            out[f"{arm} at {s:g}x"] = estimate(result, "correct", at[s])
    return {"comparisons": out, "results": results}


# Tutorial 6's arms: the first convolution copied against training from scratch for every
# task, and every arm of TRANSFER_ARMS where the page states their table (30 labels, new
# classes: the 300-label table is trained on the page).
_FIRST_CONV = ("from scratch", "1 conv copied")
_EVERY_ARM = {(30, "new")}
_PROBES = ("probe: copied conv", "probe: random conv")


def _comparisons_transfer(n_train: int, n_test: int, seeds: Sequence[int], longer: bool) -> dict:
    data = digits(n_train, n_test)
    source_recipe = transfer_source_recipe(data)
    source = run(_longer(source_recipe) if longer else source_recipe, seeds, verbose=False)
    out, results = {}, {"source": source}
    for size in LABELS:
        for classes in ("new", "same"):  # "same": the control that keeps the classes
            arms = transfer_recipes(data, source, size, classes=classes)
            names = tuple(TRANSFER_ARMS) if (size, classes) in _EVERY_ARM else _FIRST_CONV
            arms = {k: arms[k] for k in names}
            if longer:
                arms = {k: _longer(r) for k, r in arms.items()}
            trained = run_many(arms, seeds, side_by_side="all", verbose=False)
            task = f"{size} labels" + (", same classes" if classes == "same" else "")
            for arm in names[1:]:
                out[f"{task}: {arm} - from scratch"] = compare(
                    trained[arm], trained["from scratch"]
                )
            if _PROBES[0] in trained:  # the copied filters against random ones, one step size
                out[f"{task}: {_PROBES[0]} - {_PROBES[1]}"] = compare(
                    trained[_PROBES[0]], trained[_PROBES[1]]
                )
            for arm, result in trained.items():
                out[f"{task}: {arm}"] = estimate(result)
                results[f"{task}: {arm}"] = result
    return {"comparisons": out, "results": results}


def _comparisons_channels(n_train: int, n_test: int, seeds: Sequence[int], longer: bool) -> dict:
    data = digits(n_train, n_test)
    plain_recipe = zoom_recipes(data, references=False)["plain"]
    plain = run(_longer(plain_recipe) if longer else plain_recipe, seeds, verbose=False)
    arms = scale_channel_recipes(data, plain)  # the three sets and the control
    if longer:
        arms = {k: _longer(r) for k, r in arms.items()}
    tuned = run_many(arms, seeds, side_by_side="all", verbose=False)
    inserted = inserted_channels(data, plain, wins=True)
    correct = {name: result.metrics["correct"] for name, result in tuned.items()}
    correct["plain"] = plain.metrics["correct"]
    correct |= {f"{name} inserted": m["correct"] for name, m in inserted.items()}
    at = {s: i for i, s in enumerate(TEST_SCALES)}
    pairs = [(name, PLAIN_FINE_TUNED) for name in CHANNEL_SETS]  # channels, fine-tuning fixed
    pairs += [(name, f"{name} inserted") for name in CHANNEL_SETS]  # the fine-tuning
    pairs += [(PLAIN_FINE_TUNED, "plain")]  # the fine-tuning without channels
    pairs += [(f"{name} inserted", "plain") for name in CHANNEL_SETS]  # inserted unchanged
    pairs += [("two-sided", "one-sided"), ("up-only", "one-sided"), ("two-sided", "up-only")]
    out = {
        f"{a} - {b} at {s:g}x": paired_difference(correct[a][:, at[s]], correct[b][:, at[s]])
        for a, b in pairs
        for s in (0.5, 1.0, 2.0)
    }
    for arm, values in correct.items():
        for s in TEST_SCALES:
            out[f"{arm} at {s:g}x"] = accuracy_interval(values[:, at[s]])
    shares = {  # per channel set: the mean share of pooled features of each channel, per scale
        **{
            k: r.metrics["channel_wins"].mean(axis=0) for k, r in tuned.items() if k in CHANNEL_SETS
        },
        **{f"{k} inserted": m["channel_wins"].mean(axis=0) for k, m in inserted.items()},
    }
    return {
        "comparisons": out,
        "results": {"plain": plain, **tuned},
        "shares": {k: v.round(4).tolist() for k, v in shares.items()},
    }


# What a runner returns beside its comparisons, and the record's key for it (per size).
_EXTRAS = {"shares": "channel_shares", "agreement": "agreement_by_shift"}

_RUNNERS: dict[str, Callable[..., dict]] = {
    "shift": _comparisons_shift,
    "scale": _comparisons_scale,
    "channels": _comparisons_channels,
    "transfer": _comparisons_transfer,
}


def _stopped(results: dict[str, Result]) -> bool:
    try:
        assert_converged(results)
    except AssertionError:
        return False
    return True


def command_for(name: str, seeds: Sequence[int]) -> str:
    """Return the command that makes the record ``name`` with ``seeds``.

    Examples
    --------
    >>> command_for("shift", range(10, 20))
    'python -m cnn101.experiments.evidence shift --seeds 10 11 12 13 14 15 16 17 18 19'
    """
    name, seeds = check.choice(name, "name", NAMES), check.seeds(seeds)
    return f"python -m cnn101.experiments.evidence {name} --seeds " + " ".join(map(str, seeds))


def make(name: str, seeds: Sequence[int] = SEEDS) -> dict[str, Any]:
    """Train the arms of record ``name`` and return the record (see the module docstring).

    Parameters
    ----------
    name : {"shift", "scale", "channels", "transfer"}
    seeds : sequence of int, default :data:`SEEDS`
        At least :data:`cnn101.verdicts.MIN_SEEDS` distinct seeds.

    Returns
    -------
    dict
        Keys ``name``, ``seeds``, ``sizes``, ``comparisons`` (``"<n> digits: <key>"``
        to an interval's JSON, :meth:`cnn101.experiments.Interval.to_json`),
        ``convergence`` (per difference: its mean with the recipes' budgets and with 5x
        the patience and 2x the budget, and how far it moved; per size, the setting
        the comparisons come from: ``"default"`` where no difference moved by
        :data:`CONVERGENCE_TOLERANCE` or more, else ``"longer"``),
        ``all_stopped_by_patience``, ``command``, ``code``, ``versions``, ``machine``,
        ``date``, ``minutes``; for ``"channels"`` also ``channel_shares`` (per size and
        channel set, per test scale, the mean share of pooled features each channel
        supplies, see :func:`cnn101.experiments.recipes.channel_wins`); for ``"shift"``
        also ``agreement_by_shift`` (per size: ``"arms"``, each arm's agreement with the
        unshifted class at each test shift, ``"0 px"`` to ``"6 px"``; ``"differences"``,
        the differences tutorial 2 states beyond the trained 2 pixels; intervals over
        the seeds only, ``items`` 1, since that metric has one number per seed).

    Examples
    --------
    Training takes minutes per record; the command line makes and writes it::

        python -m cnn101.experiments.evidence shift
    """
    name = check.choice(name, "name", NAMES)
    seeds = check.seeds(seeds)
    if len(seeds) < MIN_SEEDS:
        raise ValueError(
            f"`seeds` must hold at least {MIN_SEEDS} seeds: a verdict rests on them. "
            f"Received: seeds={list(seeds)}"
        )
    start = time.perf_counter()
    sizes, n_test = SIZES[name]
    comparisons, stopped, moved, settings, extras = {}, True, {}, {}, {}
    for n_train in sizes:
        default = _RUNNERS[name](n_train, n_test, seeds, longer=False)
        longer = _RUNNERS[name](n_train, n_test, seeds, longer=True)
        stopped &= _stopped(default["results"]) and _stopped(longer["results"])
        for key, value in default["comparisons"].items():
            if " - " in key:  # a difference the claims' rules read
                after = longer["comparisons"][key].mean
                moved[f"{n_train} digits: {key}"] = {
                    "default": value.mean,
                    "longer": after,
                    "moved": after - value.mean,
                }
        converged = all(
            abs(m["moved"]) < CONVERGENCE_TOLERANCE
            for key, m in moved.items()
            if key.startswith(f"{n_train} digits: ")
        )
        settings[str(n_train)] = "default" if converged else "longer"
        used = default if converged else longer
        comparisons |= {
            f"{n_train} digits: {k}": v.to_json() for k, v in used["comparisons"].items()
        }
        for part, key in _EXTRAS.items():
            if part in used:
                extras.setdefault(key, {})[str(n_train)] = used[part]
    return {
        "name": name,
        "seeds": list(seeds),
        "sizes": {"n_train": list(sizes), "n_test": n_test},
        "comparisons": comparisons,
        "convergence": {
            "longer": "5x the patience, 2x the budget",
            "tolerance": CONVERGENCE_TOLERANCE,
            "moved": moved,
            "setting_used": settings,
        },
        "all_stopped_by_patience": bool(stopped),
        "command": command_for(name, seeds),
        "code": {"files": list(DIGEST_FILES[name]), "digest": code_digest(DIGEST_FILES[name])},
        "versions": package_versions(_VERSIONS),
        "machine": {"processor": platform.machine(), "system": platform.system()},
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "minutes": round((time.perf_counter() - start) / 60, 2),
        **extras,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m cnn101.experiments.evidence NAME [--seeds ...] [--out FILE]``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (by default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 once the record is written; 2 for arguments argparse refuses.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()):
    ...     try:
    ...         main(["shift", "--seeds", "1", "2"])
    ...     except SystemExit as stop:
    ...         print(stop.code)
    2
    """
    parser = argparse.ArgumentParser(
        prog="python -m cnn101.experiments.evidence",
        description="Train the arms behind one group of trained claims over ten or more "
        "seeds and write their record (cnn101/evidence/NAME.json).",
    )
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), metavar="SEED")
    parser.add_argument("--out", default=None, help="default: cnn101/evidence/NAME.json")
    args = parser.parse_args(argv)
    if (
        len(args.seeds) < MIN_SEEDS
        or len(set(args.seeds)) != len(args.seeds)
        or min(args.seeds) < 0
    ):
        parser.error(
            f"--seeds needs at least {MIN_SEEDS} distinct non-negative integers, got {args.seeds}"
        )
    record = make(args.name, args.seeds)
    out = Path(args.out) if args.out else EVIDENCE_DIR / f"{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    for key, value in record["comparisons"].items():
        if " - " in key:
            print(f"{key}: {value['mean']:+.3f} ({value['low']:+.3f} to {value['high']:+.3f})")
    print(f"written to {out} ({record['minutes']} min)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
