"""``equalcare report SCORED --group-by COL -o report.html``: a group-level report of a scored table."""

from __future__ import annotations

import argparse
import sys

from ..core.choices import PERIODS, REPORT_FORMATS
from ..tables.formats import FORMATS
from .messages import reported_warnings
from .model_options import add_model_arguments, model_from_args


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="group-level HTML report (and JSON/CSV summaries) of a scored table, small groups hidden",
    )
    parser.add_argument(
        "scored", help=f"scored table ({', '.join(FORMATS)}) with label, p_* and status columns"
    )
    parser.add_argument(
        "--group-by", required=True, help="column naming the group (team, ward, service, ...)"
    )
    parser.add_argument("--time-column", help="date column; adds a trend by --period")
    parser.add_argument(
        "--period", choices=list(PERIODS), default="month", help="trend period (default month)"
    )
    parser.add_argument(
        "--min-group-size", type=int, default=5, help="hide groups and cells with fewer comments (default 5)"
    )
    parser.add_argument(
        "--text-column", help="text column (ideally redacted): lists the terms that set each group apart"
    )
    add_model_arguments(
        parser, " that scored the table, described in the report's footer, and that finds the terms"
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help=f"report file; its extension ({', '.join(REPORT_FORMATS)}) sets the format",
    )
    parser.add_argument("--json", help="also write the JSON summary here")
    parser.add_argument("--csv", help="also write the CSV summary here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..reports.html import write_report
    from ..reports.report import build_report
    from ..tables import check_not_input, read_table

    for path in (args.output, args.json, args.csv):  # before the work: an input is never overwritten
        if path:
            check_not_input(path, args.scored)
    with reported_warnings("report"):
        scored = read_table(args.scored)
    # A named model is verified (--sha256) even when no terms need it, since the footer describes it.
    model = model_from_args(args) if args.text_column or args.model else None
    report = build_report(
        scored,
        args.group_by,
        time_column=args.time_column,
        period=args.period,
        min_group_size=args.min_group_size,
        text_column=args.text_column,
        model=model,
        scored_by=args.model,
    )
    for path in (args.output, args.json, args.csv):
        if path:
            print(f"wrote {write_report(report, path, refuse=args.scored)}", file=sys.stderr)
    print(
        f"{report.overall.count} comments; {len(report.groups)} groups shown, "
        f"{report.suppressed_groups} hidden (min group size {report.min_group_size})",
        file=sys.stderr,
    )
    return 0
