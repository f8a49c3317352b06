"""``equalcare suggest UNLABELLED -n N``: the comments worth labelling next, as a CSV."""

from __future__ import annotations

import argparse
import sys

from ..core.choices import POOL_SHARE
from .messages import reported_warnings
from .model_options import add_model_arguments, model_from_args

#: Columns added to the suggested rows; the input must not have them already.
ADDED = ("row", "model_guess", "confidence", "label")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "suggest", help="pick the unlabelled comments that would help the model most"
    )
    parser.add_argument("data", help="unlabelled data file (.csv, .tsv, .xlsx, .jsonl, .parquet)")
    parser.add_argument(
        "--text-column", help="column holding the comments (default: the one free-text column)"
    )
    parser.add_argument("-n", type=int, default=100, help="how many comments to suggest (default 100)")
    add_model_arguments(parser)
    parser.add_argument(
        "--labels",
        help="comma-separated labels you will label with, e.g. fear,flow: uncertainty between these "
        "(default: all the model's labels)",
    )
    parser.add_argument(
        "--pool-share",
        type=float,
        default=POOL_SHARE,
        help=f"share of the texts, most uncertain first, to pick varied ones from (default {POOL_SHARE})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the clustering (default 0)")
    parser.add_argument(
        "-o",
        "--output",
        help="CSV of the suggested rows with their columns, to label (default: standard output)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..scoring.local import resolve_text_column
    from ..tables import STDIO, check_not_input, column, read_table, write_table
    from ..training.active import suggest

    if args.output:
        check_not_input(args.output, args.data)  # before any work: an input is never overwritten
    model = model_from_args(args)
    with reported_warnings("suggest"):
        table = read_table(args.data)
        name = str(table.columns[resolve_text_column(table, args.text_column)])
    clash = sorted(set(ADDED) & {str(c) for c in table.columns})
    if clash:
        raise ValueError(f"{args.data} already has columns {clash}; rename them before suggesting")
    texts = column(table, name, args.data)
    labels = [label.strip() for label in args.labels.split(",")] if args.labels else None
    picked = suggest(model, texts, args.n, labels=labels, pool_share=args.pool_share, seed=args.seed)
    picked = sorted(picked, key=lambda s: s.index)  # in the input's order, with its columns
    rows = table.iloc[[s.index for s in picked]].reset_index(drop=True)
    added = pd.DataFrame(
        {
            "row": [s.index + 1 for s in picked],
            "model_guess": [s.guess for s in picked],
            "confidence": [round(s.confidence, 3) for s in picked],
            "label": [""] * len(picked),
        }
    )
    write_table(pd.concat([rows, added], axis=1), args.output or STDIO, refuse=args.data)
    if args.output:
        print(f"wrote {len(picked)} comments to label to {args.output}", file=sys.stderr)
    return 0
