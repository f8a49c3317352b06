"""``equalcare evaluate MODEL DATA``: score a saved model on labelled comments."""

from __future__ import annotations

import argparse
import json

from .messages import reported_warnings
from .model_options import add_sha256_argument, model_from_args
from .train import add_data_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score a model on labelled comments")
    parser.add_argument("model", help="saved model folder ('default' for the shipped model)")
    add_data_arguments(parser)
    add_sha256_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..training.evaluation import evaluate, format_report
    from ..training.labelled_data import read_labelled

    with reported_warnings("evaluate"):
        data = read_labelled(args.data, args.text_column, args.label_column, args.label_map)
    model = model_from_args(args)
    report = evaluate(model, data.texts, data.labels)
    report["data"] = {k: v for k, v in data.summary().items() if k != "conflicts"}
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
