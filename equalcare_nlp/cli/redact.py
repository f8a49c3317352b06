"""``equalcare redact INPUT -o OUTPUT --text-column C``: copy a table with personal details redacted."""

from __future__ import annotations

import argparse
import sys
import warnings

from ..tables.formats import FORMATS
from .messages import reported_warnings


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "redact",
        help="replace e-mails, phone and NHS numbers, postcodes, URLs, handles, dates of birth (and names) "
        "with placeholders",
    )
    parser.add_argument("input", help=f"table of comments ({', '.join(FORMATS)})")
    parser.add_argument("-o", "--output", required=True, help="table to write (format by extension)")
    parser.add_argument("--text-column", required=True, help="column holding the free text")
    parser.add_argument(
        "--redact-in-place",
        action="store_true",
        help="replace the text column itself (default: add a column <text-column>_redacted)",
    )
    parser.add_argument(
        "--names",
        default="auto",
        help="spaCy pipeline that finds person names: 'auto' (an installed en_core_web_* pipeline), "
        "a package name, or 'off' (default: auto)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..privacy.redact_files import redact_file
    from ..privacy.redaction import name_recognizer

    with warnings.catch_warnings():  # the note below says it for the command line
        warnings.simplefilter("ignore")
        nlp = name_recognizer(None if args.names == "off" else args.names)
    with reported_warnings("redact"):
        summary = redact_file(
            args.input, args.output, args.text_column, in_place=args.redact_in_place, names=nlp
        )
    found = ", ".join(f"{label} {n}" for label, n in summary.counts.items() if n) or "nothing"
    print(
        f"{args.output}: {summary.rows_changed} of {summary.rows} rows changed in column "
        f"{summary.column!r} ({found})",
        file=sys.stderr,
    )
    if not summary.names_redacted:
        print(
            "note: person names were NOT redacted (no trained spaCy English pipeline used)", file=sys.stderr
        )
    return 0
