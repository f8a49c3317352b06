"""``python -m benchmarks [--quick]``: run the benchmark and write its results."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from equalcare_nlp.training.corpora import DATA_DIR_ENV

from .run import Settings, run_benchmark

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the benchmark, print where the results are."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run on small seeded slices (< 2 min)")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get(DATA_DIR_ENV),
        help=f"folder holding the corpora's folders (default: ${DATA_DIR_ENV})",
    )
    parser.add_argument(
        "--output", default=str(RESULTS_DIR), help="results folder (default: benchmarks/results)"
    )
    parser.add_argument("--n-boot", type=int, help="bootstrap resamples (default: 1000, quick 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of samples and resamples (default 0)")
    parser.add_argument("--no-minilm", action="store_true", help="skip the MiniLM baseline")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    args = parser.parse_args(argv)
    if not args.data_dir:
        print(f"python -m benchmarks: error: give --data-dir or set {DATA_DIR_ENV}", file=sys.stderr)
        return 2
    overrides = {"n_boot": args.n_boot} if args.n_boot else {}
    settings = Settings.make(
        Path(args.data_dir),
        Path(args.output),
        quick=args.quick,
        seed=args.seed,
        minilm=not args.no_minilm,
        plots=not args.no_plots,
        **overrides,
    )
    try:
        run_benchmark(settings, log=lambda message: print(message, flush=True))
    except (FileNotFoundError, ValueError) as error:
        print(f"python -m benchmarks: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
