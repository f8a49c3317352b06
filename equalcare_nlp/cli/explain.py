"""``equalcare explain TEXT``: the label of one text and the terms that pushed it."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from .model_options import add_model_arguments, model_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("explain", help="show the label of a text and the terms behind it")
    parser.add_argument("text", help="the text to explain")
    add_model_arguments(parser)
    parser.add_argument("--top", type=int, default=10, help="number of terms to show (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.text.strip():
        raise ValueError(
            "the text is empty: there is nothing to explain (equalcare score flags such rows empty)"
        )
    explanation = model_from_args(args).explain(args.text, top=args.top)
    if args.json:
        print(
            json.dumps(
                {
                    "label": explanation.label,
                    "probabilities": explanation.probabilities,
                    "terms": explanation.terms,
                    "bias": explanation.bias,
                    "parts": [asdict(part) for part in explanation.parts],
                },
                indent=2,
            )
        )
        return 0
    probs = "  ".join(f"p_{k}={v:.2f}" for k, v in explanation.probabilities.items())
    print(f"{explanation.label}  ({probs})")
    for term, weight in explanation.terms:
        print(f"  {weight:+.3f}  {term}")
    if len(explanation.parts) > 1:
        print("parts:")
        for part in explanation.parts:
            scores = "  ".join(f"p_{k}={v:.2f}" for k, v in part.probabilities.items())
            print(f"  {part.label:<7}  ({scores})  {part.text}")
    return 0
