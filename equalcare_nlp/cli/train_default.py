"""``equalcare train-default``: rebuild the shipped default model from GoEmotions, the domain corpus and
NHS phase 1."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train-default",
        help="retrain the default model (GoEmotions, domain corpus, NHS phase 1), tuned on dev",
    )
    parser.add_argument(
        "--source",
        help="folder with the official GoEmotions files, or a hub id "
        "(default: $EQUALCARE_DATA_DIR/goemotions if present, else the hub); NHS phase 1 is read from "
        "$EQUALCARE_DATA_DIR/nhs_phase1",
    )
    parser.add_argument("-o", "--output", required=True, help="model folder to write, e.g. models/default")
    parser.add_argument(
        "--rebuild-vectors",
        action="store_true",
        help="first rebuild the shipped word-vector table with all-MiniLM-L6-v2 (needs the 'vectors' extra)",
    )
    parser.add_argument(
        "--rebuild-records",
        action="store_true",
        help="first rebuild the shipped chunk-record table (spaCy's records of every chunk of the train "
        "splits, which then skip spaCy), e.g. after a spaCy upgrade",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.progress import Stages
    from ..model.persist import model_digest
    from ..training.default_model import STAGES, build_record_table, build_vector_table, train_default

    if args.rebuild_vectors:
        build_vector_table(source=args.source)
    if args.rebuild_records:
        build_record_table()
    with Stages(STAGES) as progress:
        train_default(source=args.source, output=args.output, log=progress.log, stage=progress.stage)
    print(f"model digest: {model_digest(args.output)}")
    return 0
