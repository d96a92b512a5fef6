"""The command line ``python -m cnn101.experiments.replications NAME``.

Every argument is checked before anything is trained: a bad one gets one line
naming it and exit status 2, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from cnn101 import _validation as check
from cnn101._cli import Parser
from cnn101.experiments.replications.results import RESULTS_DIR, write_results
from cnn101.experiments.replications.running import COMMAND, REPLICATIONS, command_for, replicate

__all__ = ["main"]


def _parser() -> Parser:
    parser = Parser(
        prog=COMMAND,
        description="Re-run a paper's headline experiment on the digits and write a results file.",
    )
    parser.add_argument("name", choices=REPLICATIONS)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(10)), metavar="SEED")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes: checks the code path only"
    )
    parser.add_argument("--device", choices=check.DEVICES, default="auto")
    parser.add_argument(
        "--out", help="results file (default: tutorials/replications/NAME.json; none with --smoke)"
    )
    parser.add_argument("--no-cache", action="store_true", help="train again even if cached")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m cnn101.experiments.replications NAME [--seeds ...] [--smoke] [--device ...] [--out FILE]``.

    Trains with :func:`cnn101.experiments.replications.replicate`, writes the record
    with :func:`cnn101.experiments.replications.write_results` (to
    ``tutorials/replications/NAME.json`` unless ``--out`` says otherwise; nowhere for
    a ``--smoke`` run without ``--out``) and prints the verdict.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        0. Bad arguments (an unknown name or device, fewer than 2 distinct seeds, a
        seed outside [0, 2**32), an out path that is a folder or not writable) exit
        with status 2 and one line naming the argument, before any training.

    Examples
    --------
    >>> main(["kanazawa2014", "--seeds", "0", "1", "--smoke"])  # doctest: +SKIP
    >>> try:
    ...     main(["kanazawa2014", "--seeds", "0"])  # one seed gives no interval
    ... except SystemExit as stop:
    ...     print(stop.code)
    2
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        seeds = check.seeds(args.seeds, "--seeds")
    except ValueError as error:
        parser.error(str(error))
    if len(seeds) < 2:
        parser.error(f"--seeds needs at least 2 distinct non-negative integers, got {args.seeds}")
    out = args.out
    if out is None and not args.smoke:
        out = str(RESULTS_DIR / f"{args.name}.json")
    try:
        if out is not None:
            check.writable_file(out, "--out", make_folders=True)
        results = replicate(
            args.name, seeds, smoke=args.smoke, device=args.device, cache=not args.no_cache
        )
    except ValueError as error:  # e.g. --device gpu on a machine without one
        parser.exit(2, f"{COMMAND}: error: {error}\n")
    if out is not None:
        results["command"] = command_for(args.name, seeds, smoke=args.smoke)
        print(f"wrote {write_results(results, out)}")
    print(results["verdict"])
    return 0
