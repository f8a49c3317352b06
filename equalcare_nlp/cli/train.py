"""``equalcare train DATA``: train or adapt a model on your own labelled comments."""

from __future__ import annotations

import argparse
import json

from ..core.choices import METHODS
from .messages import reported_warnings
from .model_options import add_sha256_argument


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The labelled-data options shared by ``train`` and ``evaluate``."""
    parser.add_argument("data", help="labelled data file (.csv, .tsv, .xlsx, .jsonl, .parquet)")
    parser.add_argument("--text-column", required=True, help="column holding the comments")
    parser.add_argument("--label-column", required=True, help="column holding the labels")
    parser.add_argument(
        "--label-map",
        help="map your labels onto fear/flow/neutral: a JSON/YAML file or inline 'stressed=fear,thanks=flow' "
        "(map to none to leave rows out)",
    )


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train or adapt a model on your own labelled comments")
    add_data_arguments(parser)
    parser.add_argument(
        "--base",
        default="default",
        help="'default' adapts the shipped model (default), 'none' trains from scratch, or a model folder",
    )
    add_sha256_argument(parser)
    parser.add_argument(
        "--method",
        choices=METHODS,
        default="offset",
        help="adaptation method (offset: a learnt correction of the base model, seconds; refit: the base "
        "refitted on its own training corpus plus your data, minutes, needs EQUALCARE_DATA_DIR)",
    )
    parser.add_argument("--cv", type=int, default=5, help="cross-validation folds (0 to skip; default 5)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the cross-validation folds")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("-o", "--output", required=True, help="model folder to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.progress import Stages
    from ..model.persist import model_digest
    from ..training.labelled_data import read_labelled
    from ..training.train import format_training_report, stages, train_and_save

    with reported_warnings("train"):
        data = read_labelled(args.data, args.text_column, args.label_column, args.label_map)
    with Stages(stages(args.cv)) as progress:
        _, report = train_and_save(
            data,
            args.output,
            args.base,
            base_sha256=args.sha256,
            method=args.method,
            cv=args.cv,
            seed=args.seed,
            stage=progress.stage,
        )
    report["model_digest"] = model_digest(args.output)
    print(json.dumps(report, indent=2) if args.json else format_training_report(report))
    if not args.json:
        print(f"saved to {args.output} (model card: {args.output}/MODEL_CARD.md)")
        print(f"model digest: {report['model_digest']} (pin it with --sha256 when you share the model)")
    return 0
