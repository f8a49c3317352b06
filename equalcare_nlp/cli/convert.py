"""``equalcare convert OLD NEW --trust-pickle``: rewrite a format-1 (pickle) model as data only."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a model saved by an older version (a pickle) to the data-only format",
        description="Opening a format-1 model runs any code its pickle holds: convert only a model whose "
        "source you trust. The new folder loads without running anything.",
    )
    parser.add_argument("old", help="format-1 model folder (with model.joblib)")
    parser.add_argument("new", help="folder to write the converted model to")
    trust = "confirm that you trust the old model's source: its pickle is opened, which can run code"
    parser.add_argument("--trust-pickle", action="store_true", help=trust)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..model.persist import convert_model, model_digest

    folder = convert_model(args.old, args.new, trust_pickle=args.trust_pickle)
    print(f"converted {args.old} to {folder} (model digest {model_digest(folder)})")
    return 0
