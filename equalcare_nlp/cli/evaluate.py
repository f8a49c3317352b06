"""``equalcare evaluate MODEL DATA``: score a saved model on labelled comments."""

from __future__ import annotations

import argparse
import json

from ..evaluation import evaluate, format_report
from ..labelled import read_labelled
from ..persist import load_model
from .train import add_data_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("evaluate", help="score a model on labelled comments")
    parser.add_argument("model", help="saved model folder ('default' for the shipped model)")
    add_data_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data = read_labelled(args.data, args.text_column, args.label_column, args.label_map)
    model = load_model(None if args.model == "default" else args.model)
    report = evaluate(model, data.texts, data.labels)
    report["data"] = {k: v for k, v in data.summary().items() if k != "conflicts"}
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
