"""Running a replication: its arms as recipes, trained over seeds, into one results record.

:func:`replicate` trains every arm of one replication with
:func:`cnn101.experiments.run_many` and returns the record that
:func:`cnn101.experiments.replications.write_results` writes: the paper's claim, our
numbers per seed, each arm's interval, the paired differences the verdict rests
on, the verdict sentence, the seeds, the command, the library versions, the
machine, the date and the digest of the code the numbers depend on
(:data:`DIGEST_FILES`).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import shlex
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from cnn101 import _validation as check
from cnn101 import experiments
from cnn101._tf import device_scope, tensorflow
from cnn101.experiments.evidence import ENGINE_FILES
from cnn101.experiments.replications import data, jansson2022, kanazawa2014, scoring, zhang2019
from cnn101.verdicts import code_digest

__all__ = [
    "DIGEST_FILES",
    "PAPERS",
    "REPLICATIONS",
    "SIZES",
    "command_for",
    "recipes",
    "replicate",
]

PAPER_MODULES: dict[str, ModuleType] = {m.NAME: m for m in (jansson2022, zhang2019, kanazawa2014)}
REPLICATIONS = tuple(PAPER_MODULES)
PAPERS: dict[str, dict[str, Any]] = {name: m.PAPER for name, m in PAPER_MODULES.items()}
# Sizes of a full run and of the smoke run the test suite makes.
SIZES: dict[str, dict[str, dict[str, int]]] = {name: m.SIZES for name, m in PAPER_MODULES.items()}
SCHEMA = 2  # 2: intervals over seeds x test digits, per-seed training sets
BATCH = 64
COMMAND = "python -m cnn101.experiments.replications"

# The files (relative to cnn101/) each replication's numbers depend on: the training
# engine (ENGINE_FILES, the one list of it, which the trained claims' records use too),
# the replication modules that make the numbers (its own, and the shared data, scoring
# and running), and the layers, networks and data it builds on. Input checks
# (_validation.py), the results files' reading and writing, the command line, plotting
# and the tutorials are left out, so that a change there does not make records stale.
_SHARED = tuple(f"experiments/replications/{name}.py" for name in ("data", "scoring", "running"))
DIGEST_FILES: dict[str, tuple[str, ...]] = {
    name: (
        f"experiments/replications/{name}.py",
        *ENGINE_FILES,
        *_SHARED,
        "datasets.py",
        "_tf.py",
        "layers/_base.py",
        *m.FILES,
    )
    for name, m in PAPER_MODULES.items()
}


def check_name(name: Any) -> str:
    """Return ``name`` as one of :data:`REPLICATIONS` (any case), else raise.

    A non-string is a ``TypeError``, an unknown name a ``ValueError``; both name
    ``name`` and list the replications.

    Examples
    --------
    >>> check_name("Zhang2019")
    'zhang2019'
    """
    return check.choice(name, "name", REPLICATIONS)


def command_for(
    name: str, seeds: Sequence[int], *, smoke: bool = False, out: str | None = None
) -> str:
    """Return the shell command that makes a results file for ``name``.

    Parameters
    ----------
    name : {"jansson2022", "zhang2019", "kanazawa2014"}
    seeds : sequence of int
        Distinct integers in [0, 2**32).
    smoke : bool, default False
    out : str, optional
        The results file, when not the default one.

    Returns
    -------
    str
        The command, quoted for a POSIX shell.

    Examples
    --------
    >>> command_for("zhang2019", (0, 1), smoke=True)
    'python -m cnn101.experiments.replications zhang2019 --seeds 0 1 --smoke'
    """
    name, seeds = check_name(name), check.seeds(seeds)
    smoke, out = check.flag(smoke, "smoke"), check.text(out, "out")
    parts = [*COMMAND.split(), name, "--seeds", *map(str, seeds)]
    if smoke:
        parts.append("--smoke")
    if out is not None:
        parts += ["--out", out]
    return shlex.join(parts)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for package in ("tensorflow", "keras", "numpy", "scikit-image"):
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "absent"
    return out


def _machine(device: str) -> dict[str, Any]:
    gpus = tensorflow().config.list_physical_devices("GPU")
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "device": device,
        "gpus": [g.name for g in gpus],
    }


def recipes(name: str, size: dict[str, int]) -> tuple[dict[str, experiments.Recipe], dict]:
    """Return the arms of one replication as recipes, and what the results file says of its test.

    Every seed draws its ``n_train`` training digits from the pool (the recipe's
    ``draw``, called with the seed's own generator: the arms of one seed get the
    same digits). The test digits are one shared set, drawn once.

    Parameters
    ----------
    name : {"jansson2022", "zhang2019", "kanazawa2014"}
    size : dict
        ``n_train``, ``n_test``, ``max_steps`` and ``patience``, as in :data:`SIZES`.

    Returns
    -------
    recipes : dict of str to cnn101.experiments.Recipe
        One per arm.
    info : dict
        The test's description (metric, test conditions, ``n_test``, ``n_pool``).
    """
    module = PAPER_MODULES[check_name(name)]
    x_pool, y_pool, x_test, y_test = data.digits(size["n_test"])
    builders, draws, evaluate, info = module.arms(size, x_test, y_test)
    common = {"max_steps": size["max_steps"], "patience": size["patience"], "batch_size": BATCH}
    params = {"replication": module.NAME, **size}
    out = {
        label: experiments.Recipe(
            f"{module.NAME}-{label}",
            build,
            x_pool,
            y_pool,
            evaluate,
            draw=draws[label],
            params={**params, "arm": label},
            **common,
        )
        for label, build in builders.items()
    }
    return out, {**info, "n_test": len(y_test), "n_pool": len(y_pool)}


def _arms(results: dict[str, experiments.Result], info: dict) -> dict[str, dict]:
    """Return each arm's per-seed values, intervals, stopping reasons, best steps and times."""
    metric, out = info["metric"], {}
    for label, result in results.items():
        arm = scoring.arm(result, metric)
        if "second_metric" in info:
            second = info["second_metric"]
            arm = {metric: arm, second: scoring.arm(result, second)}
        out[label] = {
            **arm,
            "stopped": list(result.stopped),
            "best_steps": [int(s) for s in result.best_steps],
            "seconds": [float(s) for s in result.seconds],
        }
    return out


def replicate(
    name: str,
    seeds: Sequence[int] = tuple(range(10)),
    *,
    smoke: bool = False,
    device: str = "auto",
    verbose: bool = True,
    cache: bool = True,
) -> dict[str, Any]:
    """Train every arm of one replication over ``seeds``; return its results record.

    Parameters
    ----------
    name : {"jansson2022", "zhang2019", "kanazawa2014"}
        Any case; a non-string is a ``TypeError``, another name a ``ValueError``.
    seeds : sequence of int, default (0, 1, ..., 9)
        At least 2 distinct integers in [0, 2**32) (the intervals need them); the
        committed results files have 10. Each seed draws its own training set, initial
        weights, validation split and batch order.
    smoke : bool, default False
        Train the tiny :data:`SIZES` ``"smoke"`` setting (checks the code path only).
    device : {"auto", "cpu", "gpu"}, default "auto"
    verbose : bool, default True
        Print one line per run.
    cache : bool, default True
        Reuse runs cached by :func:`cnn101.experiments.run_many`.

    Returns
    -------
    dict
        JSON-serialisable: see :func:`cnn101.experiments.replications.write_results`.

    References
    ----------
    .. [1] Y. Jansson and T. Lindeberg, "Scale-invariant scale-channel networks: deep
       networks that generalise to previously unseen scales", Journal of Mathematical
       Imaging and Vision 64, 2022. arXiv:2106.06418
    .. [2] R. Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019.
       arXiv:1904.11486
    .. [3] A. Kanazawa, A. Sharma and D. Jacobs, "Locally scale-invariant convolutional
       neural networks", NIPS 2014 workshop. arXiv:1412.5104

    Examples
    --------
    A smoke run trains each arm for two steps (a few seconds, so not run here):

    >>> record = replicate("kanazawa2014", (0, 1), smoke=True, verbose=False)  # doctest: +SKIP
    >>> sorted(record["arms"]), record["smoke"]  # doctest: +SKIP
    (['ConvNet', 'SI-ConvNet'], True)

    Arguments are checked before anything is trained:

    >>> try:
    ...     replicate(3)
    ... except TypeError as error:
    ...     print(str(error).split(" (")[0])
    `name` must be a string, one of
    """
    name = check_name(name)
    seeds = check.seeds(seeds)
    if len(seeds) < 2:
        raise ValueError(
            f"`seeds` must hold at least 2 seeds (for intervals). Received: seeds={list(seeds)}"
        )
    smoke, verbose, cache = (
        check.flag(smoke, "smoke"),
        check.flag(verbose, "verbose"),
        check.flag(cache, "cache"),
    )
    scope = device_scope(device)
    arm_recipes, info = recipes(name, SIZES[name]["smoke" if smoke else "full"])
    started = datetime.datetime.now(datetime.UTC)
    # the digest is taken before training: an edit during the run makes the file stale
    code = {"files": [f"cnn101/{f}" for f in DIGEST_FILES[name]]}
    code["digest"] = code_digest(DIGEST_FILES[name])
    with scope:
        results = experiments.run_many(arm_recipes, seeds, cache=cache, verbose=verbose)
    record = _record(name, seeds, smoke, info, results)
    finished = datetime.datetime.now(datetime.UTC)
    return record | {
        "machine": _machine(device),
        "date": started.isoformat(timespec="seconds"),
        "minutes": round((finished - started).total_seconds() / 60, 2),
        "code": code,
    }


def _record(name: str, seeds: tuple, smoke: bool, info: dict, results: dict) -> dict[str, Any]:
    """Return the record's numbers and sentences, read from the trained arms."""
    module, size = PAPER_MODULES[name], SIZES[name]["smoke" if smoke else "full"]
    arms, differences = _arms(results, info), module.differences(results)
    return {
        "schema": SCHEMA,
        "replication": name,
        "paper": PAPERS[name],
        "smoke": smoke,
        "size": size,
        "batch_size": BATCH,
        "test": info,
        "differences_of_setting": [d.format(**size) for d in module.SETTING],
        "seeds": list(seeds),
        "arms": arms,
        "statistics": scoring.STATISTICS,
        "differences": differences,
        "verdict": module.verdict(differences, arms),
        "all_stopped_by_patience": all(
            s == "patience" for r in results.values() for s in r.stopped
        ),
        "command": command_for(name, seeds, smoke=smoke),
        "versions": _versions(),
    }
