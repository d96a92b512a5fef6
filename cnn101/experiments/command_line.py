"""The command line of the trained experiments, ``python -m cnn101.experiments``.

Runs the recipes of tutorials 2, 3 and 6 (:mod:`cnn101.experiments.recipes`) at
sizes the pages cannot afford: more seeds, more data. Examples::

    python -m cnn101.experiments shift --seeds 0 1 2 3 4 --n-train 4000
    python -m cnn101.experiments scale --seeds 0 1 2 3 4 --n-train 2000
    python -m cnn101.experiments scale --part channels --seeds 0 1 2 --n-train 3000
    python -m cnn101.experiments transfer --seeds 0 1 2 3 4 --n-train 3000 --n-test 1000
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

import numpy as np

from cnn101 import _validation as check
from cnn101._cli import Parser
from cnn101.experiments import (
    Recipe,
    Result,
    Summary,
    compare,
    estimate,
    paired_difference,
    run_many,
)
from cnn101.experiments.cache import usable_cache_dir
from cnn101.experiments.recipes import (
    PLAIN_FINE_TUNED,
    TARGET_CLASSES,
    TEST_SCALES,
    TEST_SHIFTS,
    Digits,
    digits,
    inserted_channels,
    scale_channel_recipes,
    shift_comparison,
    transfer_table,
    zoom_recipes,
)
from cnn101.experiments.recipes.transfer import transfer_pool, transfer_sizes

__all__ = ["main"]


def _table(results: dict[str, Result], metric: str, labels: Sequence[str] | None = None) -> str:
    lines = []
    for name, result in results.items():
        values = result.metrics[metric]
        if values.ndim == 1:
            lines.append(f"{name:28s} {result.summary(metric)}")
        else:
            cells = [
                f"{result.summary(metric, i).mean:.3f}±{result.summary(metric, i).std:.3f}"
                for i in range(values.shape[1])
            ]
            lines.append(f"{name:28s} " + "  ".join(cells))
    header = (
        ""
        if labels is None
        else f"{'':28s} " + "  ".join(f"{label:>11s}" for label in labels) + "\n"
    )
    return header + "\n".join(lines)


def _shift_report(arms: dict[tuple[str, bool], Recipe], seeds: tuple[int, ...], n_test: int) -> str:
    """Train tutorial 2's arms side by side; return their tables (95 % intervals)."""
    results = run_many({r.name: r for r in arms.values()}, seeds, side_by_side="all")
    trained = {key: results[r.name] for key, r in arms.items()}
    lines = [
        f"{len(seeds)} seeds {list(seeds)} x {n_test} test digits; 95 % intervals count both "
        "(seeds x test digits, crossed)"
    ]
    lines.append(f"{'':36s} {'consistency':>22s} {'accuracy':>22s}")
    for recipe, result in zip(arms.values(), trained.values(), strict=True):
        cells = [_with_interval(estimate(result, m)) for m in ("consistent", "correct")]
        lines.append(f"{recipe.name:36s} " + "  ".join(cells))
    lines.append("paired differences (consistency; accuracy), mean [95 % interval]")
    for a, b in SHIFT_DIFFERENCES:
        cells = []
        for metric in ("consistent", "correct"):
            mean, low, high = compare(trained[a], trained[b], metric)
            cells.append(f"{mean:+.3f} [{low:+.3f}, {high:+.3f}]")
        lines.append(f"{_arm_label(a):>22s} - {_arm_label(b):22s} " + "; ".join(cells))
    for key in (("aps", False), ("stride circular", False)):
        c = trained[key].summary("circular_consistency")
        change = trained[key].metrics["circular_logit_change"].max()
        lines.append(
            f"{arms[key].name}: consistency under circular shifts {c.mean:.4f} "
            f"(min {c.min:.4f}), largest relative logit change {change:.1e}"
        )
    lines.append("agreement with the unshifted class by test shift (pixels) " + str(TEST_SHIFTS))
    for recipe, result in zip(arms.values(), trained.values(), strict=True):
        lines.append(
            f"{recipe.name:36s} "
            + " ".join(f"{v:.3f}" for v in result.metrics["agreement_by_shift"].mean(axis=0))
        )
    return "\n".join(lines)


def _with_interval(interval: Any) -> str:
    mean, low, high = interval
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def _arm_label(key: tuple[str, bool]) -> str:
    return key[0] + (" + shifts" if key[1] else "")


# The comparisons tutorial 2 makes, as (arm, arm): each pair differs in one thing.
SHIFT_DIFFERENCES = (
    (("max", False), ("stride", False)),
    (("blur", False), ("max", False)),
    (("avg", False), ("max", False)),
    (("max", True), ("max", False)),
    (("max", True), ("blur", False)),
    (("blur", True), ("max", True)),
    (("max gap", False), ("max", False)),
    (("aps", False), ("stride circular", False)),
)


def _parser() -> Parser:
    parser = Parser(
        prog="python -m cnn101.experiments",
        description="Run the trained experiments of the tutorials over more seeds or more data.",
    )
    parser.add_argument("experiment", choices=["shift", "scale", "transfer"])
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="at least 2 (default: 0 1 2)"
    )
    parser.add_argument(
        "--n-train", type=int, default=600, help="training digits (default 600, at most 4000)"
    )
    parser.add_argument("--n-test", type=int, default=500, help="test digits (2 to 1000)")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[30, 300],
        help="transfer: labelled target digits per seed (default 30 300)",
    )
    parser.add_argument(
        "--part",
        choices=["all", "zoom", "channels"],
        default="all",
        help="scale: the zoom arms, the scale channels (with the plain arm they start from) "
        "or both (default all)",
    )
    return parser


def _arguments(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Digits]:
    """Parse and check every argument and the cache folder; return them and the digits.

    Everything a run would refuse later (after training for minutes) is refused here,
    in one line with exit status 2.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        seeds = check.seeds(args.seeds, "--seeds")
        for seed in seeds:
            check.seed(seed, "--seeds")
    except ValueError:
        parser.error(
            "argument --seeds: must be distinct integers in [0, 2**32). "
            f"Received: {' '.join(map(str, args.seeds))}"
        )
    if len(seeds) < 2:
        parser.error(
            f"argument --seeds: needs at least 2 seeds for the 95 % intervals. Received: {seeds[0]}"
        )
    if not 10 <= args.n_train <= 4000:
        parser.error(f"argument --n-train: must be between 10 and 4000. Received: {args.n_train}")
    if not 2 <= args.n_test <= 1000:
        parser.error(f"argument --n-test: must be between 2 and 1000. Received: {args.n_test}")
    data = digits(args.n_train, args.n_test)
    if args.experiment == "transfer":
        pool = len(transfer_pool(data)[0])  # each seed draws size + size // 2 digits from it
        sizes = transfer_sizes(pool)
        wrong = [n for n in args.sizes if n not in sizes]
        if wrong:
            parser.error(
                f"argument --sizes: must be between 2 and {sizes.stop - 1} (the pool holds {pool} "
                f"digits 5-9 for training and validation). Received: {' '.join(map(str, wrong))}"
            )
        tested = int(np.isin(data.y_test, TARGET_CLASSES).sum())
        if tested < 2:
            parser.error(
                f"argument --n-test: the first {args.n_test} test digits hold {tested} of digits "
                "5-9 (the target's test set); at least 2 are needed: raise --n-test"
            )
    try:
        usable_cache_dir()  # refused before anything trains
    except ValueError as error:
        parser.error(str(error))
    return args, data


def main(argv: Sequence[str] | None = None) -> int:
    """Run the experiments of tutorial 2 (``shift``), 3 (``scale``) or 6 (``transfer``).

    For ``transfer``, ``--n-train`` is the number of training digits the source
    network's digits 0-4 are taken from; ``--sizes`` the labelled sets of the target.
    Every argument, and the cache folder (:func:`cnn101.experiments.cache_dir`), is
    checked before anything trains: a bad one gets one line and exit status 2.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``python -m cnn101.experiments`` (by default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 after printing the tables; a refused argument or cache
        folder exits with status 2 (``SystemExit``) before anything trains.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     try:
    ...         main(["scale", "--n-train", "0"])
    ...     except SystemExit as stop:
    ...         print(stop.code)
    2
    """
    args, data = _arguments(argv)
    seeds = tuple(args.seeds)
    if args.experiment == "shift":
        print(_shift_report(shift_comparison(data), seeds, args.n_test))
    elif args.experiment == "transfer":
        print(transfer_table(data, seeds, args.sizes))
    else:
        _scale_report(data, seeds, args.part)
    return 0


def _scale_report(data: Digits, seeds: tuple[int, ...], part: str) -> None:
    """Train tutorial 3's arms (``part``: all, zoom or channels); print their tables."""
    labels = [f"scale {s:g}" for s in TEST_SCALES]
    arms = zoom_recipes(data, references=part != "channels")
    if part == "channels":  # the channels start from the plain arm: train it alone
        arms = {"plain": arms["plain"]}
    zoom = run_many(arms, seeds, side_by_side="all")
    print("\naccuracy by test scale\n" + _table(zoom, "accuracy", labels))

    def gaps(a: str, b: str, a_values: Any, b_values: Any) -> None:
        # a - b at every test scale, with its 95 % interval (seeds x test digits, crossed).
        cells = []
        for i, s in enumerate(TEST_SCALES):
            mean, low, high = paired_difference(a_values[:, i], b_values[:, i])
            cells.append(f"{s:g}x {mean:+.3f} [{low:+.3f}, {high:+.3f}]")
        print(f"{a} - {b}: " + "  ".join(cells))

    if part != "channels":
        pairs = [
            ("zoom-augmented", "plain"),
            ("natural sizes", "plain"),
            ("zoom-augmented", "natural sizes"),
            ("only 0.5x", "zoom-augmented"),
            ("only 2x", "zoom-augmented"),
        ]
        for a, b in pairs:
            gaps(a, b, zoom[a].metrics["correct"], zoom[b].metrics["correct"])
    if part == "zoom":
        return
    channels = run_many(scale_channel_recipes(data, zoom["plain"]), seeds, side_by_side="all")
    print(
        "\nscale channels, fine-tuned, accuracy by test scale\n"
        + _table(channels, "accuracy", labels)
    )
    inserted = inserted_channels(data, zoom["plain"])
    print("scale channels, plain weights inserted (no fine-tuning)")
    for name, metrics in inserted.items():
        cells = [Summary.of(metrics["accuracy"][:, i]) for i in range(len(TEST_SCALES))]
        print(f"{name:28s} " + "  ".join(f"{c.mean:.3f}±{c.std:.3f}" for c in cells))
    tuned = {name: result.metrics["correct"] for name, result in channels.items()}
    for a, b in [("two-sided", "one-sided"), ("up-only", "one-sided"), ("two-sided", "up-only")]:
        gaps(a, b, tuned[a], tuned[b])
    for name in inserted:
        gaps(f"{name} fine-tuned", "inserted", tuned[name], inserted[name]["correct"])
    for name in inserted:  # the channels, with the fine-tuning held fixed
        gaps(name, PLAIN_FINE_TUNED, tuned[name], tuned[PLAIN_FINE_TUNED])
    gaps(PLAIN_FINE_TUNED, "plain", tuned[PLAIN_FINE_TUNED], zoom["plain"].metrics["correct"])
    gaps(
        "two-sided inserted",
        "plain",
        inserted["two-sided"]["correct"],
        zoom["plain"].metrics["correct"],
    )
    print("share of pooled features by channel at test scale 2 (fine-tuned)")
    for name, result in channels.items():
        if name == PLAIN_FINE_TUNED:  # the control: no channels
            continue
        wins = result.metrics["channel_wins"].mean(axis=0)[TEST_SCALES.index(2.0)]
        scales = result.recipe.params["channels"]
        print(
            f"{name:28s} " + "  ".join(f"{c:g}: {w:.2f}" for c, w in zip(scales, wins, strict=True))
        )
