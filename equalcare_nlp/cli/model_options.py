"""The model options every command that takes a model shares: which folder, and the digest to pin."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..model.text_classifier import LinearTextClassifier

SHA256_HELP = (
    "refuse the model unless its model digest (printed by `equalcare train`, listed in its model card) "
    "is this SHA-256; use it for a model you got from someone else"
)


def add_model_arguments(parser: argparse.ArgumentParser, what: str = "") -> None:
    """``--model FOLDER`` and ``--sha256 DIGEST``."""
    parser.add_argument("--model", help=f"saved model folder{what} (default: the shipped model)")
    add_sha256_argument(parser)


def add_sha256_argument(parser: argparse.ArgumentParser, flag: str = "--sha256") -> None:
    """Only ``--sha256``, for commands that name their model another way."""
    parser.add_argument(flag, metavar="DIGEST", help=SHA256_HELP)


def model_folder(args: argparse.Namespace) -> str | None:
    """The folder ``args.model`` names; None (also for ``default``) is the shipped model."""
    return None if args.model in (None, "default") else args.model


def model_from_args(args: argparse.Namespace) -> LinearTextClassifier:
    """The model ``args.model`` names (None or ``default``: the shipped one), checked against ``--sha256``."""
    from ..model.persist import load_model

    return load_model(model_folder(args), sha256=args.sha256)
