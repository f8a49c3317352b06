"""``equalcare suggest UNLABELLED -n N``: the comments worth labelling next, as a CSV."""

from __future__ import annotations

import argparse
import csv
import sys

from ..active import POOL_SHARE, suggest
from ..tables import column, read_table
from .model_options import add_model_arguments, model_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "suggest", help="pick the unlabelled comments that would help the model most"
    )
    parser.add_argument("data", help="unlabelled data file (.csv, .tsv, .xlsx, .jsonl, .parquet)")
    parser.add_argument("--text-column", default="text", help="column holding the comments (default: text)")
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
    parser.add_argument("-o", "--output", help="CSV to write (default: standard output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    texts = column(read_table(args.data), args.text_column, args.data)
    labels = [label.strip() for label in args.labels.split(",")] if args.labels else None
    picked = suggest(
        model_from_args(args), texts, args.n, labels=labels, pool_share=args.pool_share, seed=args.seed
    )
    handle = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    try:
        writer = csv.writer(handle)
        writer.writerow(["row", "text", "model_guess", "confidence", "label"])
        for s in picked:
            writer.writerow([s.index + 1, s.text, s.guess, f"{s.confidence:.3f}", ""])
    finally:
        if args.output:
            handle.close()
    if args.output:
        print(f"wrote {len(picked)} comments to label to {args.output}", file=sys.stderr)
    return 0
