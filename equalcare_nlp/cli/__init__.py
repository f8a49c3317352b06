"""The ``equalcare`` command: a thin layer over the Python API, one module per subcommand.

Each module in :data:`COMMANDS` defines ``add_parser(subparsers)``, which registers the
subcommand and sets ``func`` (a callable taking the parsed arguments and returning an exit
code) as its default. A module imports the modules its command runs inside ``run``, so building
the parser (``equalcare --help``) loads no library.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Sequence

from ..core.errors import MissingExtraError, ModelCompatibilityError, ModelIntegrityError

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


#: Errors that are the user's to fix (bad input, bad options, a model or folder they named): one line, exit 2.
USER_ERRORS = (
    ValueError,
    FileNotFoundError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
    ConnectionError,
    MissingExtraError,
    ModelIntegrityError,
    ModelCompatibilityError,
)


class Terminated(BaseException):
    """SIGTERM arrived (a scheduler, ``timeout`` or ``kill``): unwinds like Ctrl-C, cleaning up."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``equalcare`` console script.

    Exit codes: 0 done; 2 a user error, told in one line; 130 Ctrl-C and 143 SIGTERM (workers
    stopped, partial files removed, a previous output kept); 141 the reader of standard output
    went away (``| head``); 1 a bug, with its traceback and where to report it.
    """
    args = build_parser().parse_args(argv)
    previous = _on_sigterm(_terminate)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's own exit
        return code
    except BrokenPipeError:
        _discard_stdout()
        return 141
    except KeyboardInterrupt:
        print(f"equalcare {args.command}: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print(f"equalcare {args.command}: terminated", file=sys.stderr)
        return 143
    except USER_ERRORS as error:
        print(f"equalcare {args.command}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        print(
            f"equalcare {args.command}: this is a bug in equalcare_nlp, not a problem with your input; "
            "please report it to the maintainers with the traceback above (and, if you can, the command)",
            file=sys.stderr,
        )
        return 1
    finally:
        _on_sigterm(previous)


def console() -> None:
    """The ``equalcare`` console script: :func:`main`, then exit with its code.

    Everything a command opens is closed by the time :func:`main` returns (workers stopped, files
    renamed or removed, clusters closed), so the process flushes its output and ends at once rather
    than in the interpreter's teardown, where a process pool stopped mid-run can still wait or print
    a traceback (seen on Python 3.11 after Ctrl-C, SIGTERM or a closed pipe).
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):  # the reader went away, or already closed
            pass
    os._exit(code)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _terminate(signum, frame) -> None:
    raise Terminated


def _on_sigterm(handler):
    """Install ``handler`` for SIGTERM (main thread only) and return the previous one."""
    if handler is None or threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, handler)


def _discard_stdout() -> None:
    """Point standard output at /dev/null, so the interpreter's final flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
