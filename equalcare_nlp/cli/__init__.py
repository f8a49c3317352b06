"""The ``equalcare`` command: a thin layer over the Python API, one module per subcommand.

Each module in :data:`COMMANDS` defines ``add_parser(subparsers)``, which registers the
subcommand and sets ``func`` (a callable taking the parsed arguments and returning an exit
code) as its default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand modules, in the order ``equalcare --help`` lists them.
COMMANDS = (
    "score",
    "explain",
    "train",
    "evaluate",
    "suggest",
    "redact",
    "report",
    "train_default",
    "convert",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="equalcare",
        description="Tag feedback language as fear-state, flow-state or neutral, for group-level listening.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``equalcare`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, KeyError, FileNotFoundError, RuntimeError, PermissionError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"equalcare {args.command}: error: {message}", file=sys.stderr)
        return 2
