"""``equalcare score INPUT [-o OUTPUT]``: score every row of a CSV/TSV, Excel, Parquet or JSON Lines file."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..core.labels import PROBA_COLUMNS
from ..scoring.options import ScoreOptions
from ..tables.formats import FORMATS
from .messages import reported_warnings
from .model_options import add_model_arguments, model_folder, model_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    defaults = ScoreOptions()
    parser = subparsers.add_parser(
        "score",
        help="score every row of a table file (CSV, TSV, XLSX, Parquet, JSON Lines)",
        description=f"Add label, {', '.join(PROBA_COLUMNS)} and status to every row of INPUT, in order. "
        "Rows that cannot be scored are flagged in status, never dropped.",
    )
    parser.add_argument("input", help="input file, or - for standard input (CSV unless --input-format)")
    parser.add_argument(
        "-o", "--output", help="output file, or - for standard output (default: INPUT.scored.EXT beside it)"
    )
    parser.add_argument("--text-column", help="column holding the text (default: the one free-text column)")
    add_model_arguments(parser)
    parser.add_argument("--delimiter", help="CSV/TSV delimiter (default: sniffed from the header line)")
    parser.add_argument("--sheet", help="worksheet of an .xlsx input: name or 0-based index (default: first)")
    parser.add_argument("--input-format", choices=FORMATS, help="default: from the extension")
    parser.add_argument("--output-format", choices=FORMATS, help="default: from the extension")
    parser.add_argument(
        "--explain", type=int, default=defaults.explain, metavar="N", help="add the top N terms of each row"
    )
    parser.add_argument(
        "--sentences", action="store_true", help="add per-sentence shares of fear and flow (n_sentences, ...)"
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="replace e-mails, phone and NHS numbers, postcodes, URLs, handles, dates of birth (and names) "
        "with placeholders before scoring; the redacted text goes to a new column <text-column>_redacted",
    )
    parser.add_argument(
        "--redact-in-place", action="store_true", help="with --redact: replace the text column itself"
    )
    parser.add_argument(
        "--names",
        default=defaults.names,
        help="with --redact: spaCy pipeline that finds person names: 'auto' (an installed en_core_web_* "
        "pipeline), a package name, or 'off' (default: auto)",
    )
    parser.add_argument(
        "--jobs", type=int, default=defaults.jobs, help="worker processes (default 0: one per core)"
    )
    parser.add_argument("--chunk-size", type=int, default=defaults.chunk_size, help="rows per chunk")
    parser.add_argument(
        "--no-formula-guard",
        dest="guard_formulas",
        action="store_false",
        help="keep cells starting with = + - @ as they are in CSV/XLSX output (default: prefix them with ')",
    )
    parser.add_argument("--prefix", default=defaults.prefix, help="prefix for the added column names")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: this machine (default); dask: a Dask cluster (needs equalcare-nlp[dask]): INPUT may be "
        "a glob such as 'data/*.csv', -o is a folder of part files, --jobs sizes the local cluster",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler, e.g. tcp://host:8786 (default: start a local cluster)",
    )
    parser.set_defaults(func=run)


#: Arguments about the files, passed to either engine under the same name; the scoring ones are
#: the fields of :class:`ScoreOptions`, whose defaults the parser shows.
_FILE_ARGUMENTS = ("text_column", "input_format", "output_format", "delimiter", "guard_formulas")


def score_options(args: argparse.Namespace) -> ScoreOptions:
    """The scoring options the command line gives (argument names are the fields' names)."""
    return ScoreOptions(
        **{field.name: getattr(args, field.name) for field in dataclasses.fields(ScoreOptions)}
    )


def run(args: argparse.Namespace) -> int:
    with reported_warnings("score", quiet=args.quiet):
        files = {name: getattr(args, name) for name in _FILE_ARGUMENTS}
        options = score_options(args)
        if args.engine == "dask":
            summary = _score_on_dask(args, files, options)
        elif args.scheduler:
            raise ValueError("--scheduler needs --engine dask")
        else:
            from ..scoring.local import score_file

            summary = score_file(
                args.input,
                args.output,
                **files,
                model=model_from_args(args),
                sheet=args.sheet,
                progress=False if args.quiet else None,
                options=options,
            )
    if not args.quiet:
        print(f"equalcare score: {summary}", file=sys.stderr)
    return 0


def _score_on_dask(args: argparse.Namespace, files: dict, options: ScoreOptions):
    from ..scoring.dask_engine import score_files  # Dask is an optional extra: imported only when asked for

    if args.output is None or args.sheet is not None:
        raise ValueError("--engine dask needs -o OUTPUT_FOLDER and reads CSV, TSV or Parquet (no --sheet)")
    return score_files(
        args.input,
        args.output,
        **files,
        model=model_folder(args),
        sha256=args.sha256,
        scheduler=args.scheduler,
        options=options,
    )
