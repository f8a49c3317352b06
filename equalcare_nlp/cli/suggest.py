"""``equalcare suggest UNLABELLED -n N``: the comments worth labelling next, as a CSV."""

from __future__ import annotations

import argparse
import csv
import sys

from ..active import suggest
from ..persist import load_model
from ..tables import column, read_table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "suggest", help="pick the unlabelled comments that would help the model most"
    )
    parser.add_argument("data", help="unlabelled data file (.csv, .tsv, .xlsx, .jsonl, .parquet)")
    parser.add_argument("--text-column", default="text", help="column holding the comments (default: text)")
    parser.add_argument("-n", type=int, default=100, help="how many comments to suggest (default 100)")
    parser.add_argument("--model", help="saved model folder (default: the shipped model)")
    parser.add_argument(
        "--diversity", type=float, default=0.3, help="0 = most uncertain only, 1 = most varied"
    )
    parser.add_argument("-o", "--output", help="CSV to write (default: standard output)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    texts = column(read_table(args.data), args.text_column, args.data)
    picked = suggest(load_model(args.model), texts, args.n, diversity=args.diversity)
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
