"""Docs that run: the Python examples of README.md and docs/*.md, and the README's main command.

Each file's ```python blocks run in order in one namespace, as a reader pasting them one after
another would, in a fresh working folder that holds a copy of ``data/`` (so the examples can read
``data/sample_feedback.csv``). A comment that is a Python expression after an expression
statement, on its last line or on the comment lines right below it, is the value the docs show:
it must be the value's repr. A block that cannot run here is marked on the line above its fence
with ``<!-- not run: why -->`` and reported as skipped with that reason. Shell blocks do not run,
except the README's main command, whose output is checked against the output shown under it.
"""

from __future__ import annotations

import ast
import io
import re
import shlex
import shutil
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from equalcare_nlp.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^\s*(`{3,})\s*([\w-]*)")
NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(.+?)\s*-->\s*$")
#: The timing in the summary ``equalcare score`` prints, which no two runs share.
TIMING = re.compile(r"in [\d.]+ s \(\d+ rows/s\)")


@dataclass(frozen=True)
class Block:
    """One fenced block of a markdown file: its language, code, first line and not-run reason."""

    path: Path
    line: int
    language: str
    code: str
    not_run: str | None

    @property
    def name(self) -> str:
        return f"{doc_name(self.path)}:{self.line}"


def doc_name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced block of ``path``, each with the reason of a not-run marker right above it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence[1]), len(lines))
        above = next((line for line in reversed(lines[:i]) if line.strip()), "")
        marker = NOT_RUN.match(above)
        code = "\n".join(lines[i + 1 : end])
        blocks.append(Block(path, i + 2, fence[2], code, marker[1] if marker else None))
        i = end + 1
    return blocks


def python_blocks(path: Path) -> list[Block]:
    return [block for block in fenced_blocks(path) if block.language in ("python", "py")]


RUN = {path: blocks for path in DOCS if (blocks := [b for b in python_blocks(path) if not b.not_run])}
NOT_RUN_BLOCKS = [block for path in DOCS for block in python_blocks(path) if block.not_run]


def shown_values(code: str) -> dict[int, str]:
    """The value shown for the statement ending on each line: the comment on that line, or the
    comment lines right below it, when it reads as a Python expression (a bare word is prose)."""
    comments = {
        token.start[0]: (token.string[1:].strip(), token.line.lstrip().startswith("#"))
        for token in tokenize.generate_tokens(io.StringIO(code).readline)
        if token.type == tokenize.COMMENT
    }
    shown = {}
    for line, (text, alone) in comments.items():
        below, n = [], line + 1
        while comments.get(n, ("", False))[1]:
            below.append(comments[n][0])
            n += 1
        for candidate in (None if alone else text, " ".join(below)):
            if candidate and _is_value(candidate):
                shown[line] = candidate
                break
    return shown


def _is_value(text: str) -> bool:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    return not isinstance(tree.body, ast.Name)


def run_block(block: Block, namespace: dict) -> None:
    """Run ``block`` statement by statement in ``namespace``; tracebacks name the markdown line."""
    filename = str(block.path)
    tree = ast.parse(block.code, filename)
    shown = {block.line - 1 + line: value for line, value in shown_values(block.code).items()}
    ast.increment_lineno(tree, block.line - 1)
    for statement in tree.body:
        if not isinstance(statement, ast.Expr):
            exec(compile(ast.Module([statement], type_ignores=[]), filename, "exec"), namespace)
            continue
        value = eval(compile(ast.Expression(statement.value), filename, "eval"), namespace)
        expected = shown.get(statement.end_lineno)
        if expected is not None:
            where = f"{doc_name(block.path)}:{statement.end_lineno}"
            assert " ".join(repr(value).split()) == " ".join(expected.split()), f"{where} shows {expected}"


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A fresh working folder with a copy of the repository's ``data/``."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("path", RUN, ids=[doc_name(p) for p in RUN])
def test_python_examples_run_and_show_their_values(path, workdir):
    namespace = {"__name__": "__main__"}  # as a script run from the working folder
    for block in RUN[path]:
        run_block(block, namespace)


@pytest.mark.parametrize("block", NOT_RUN_BLOCKS, ids=[b.name for b in NOT_RUN_BLOCKS])
def test_examples_marked_not_run(block):
    pytest.skip(f"{block.name} not run: {block.not_run}")


def test_every_not_run_marker_is_right_above_a_python_block():
    for path in DOCS:
        markers = sum(bool(NOT_RUN.match(line)) for line in path.read_text(encoding="utf-8").splitlines())
        assert markers == sum(block.not_run is not None for block in python_blocks(path)), doc_name(path)


def test_readme_main_command_prints_and_writes_what_the_readme_shows(workdir, capsys):
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "equalcare score data/sample_feedback.csv" in line)
    command = shlex.split(lines[at][lines[at].index("equalcare score") :])
    printed, written = [b for b in fenced_blocks(ROOT / "README.md") if b.line > at][:2]
    assert main(command[1:]) == 0
    assert TIMING.sub("in T", capsys.readouterr().err) == TIMING.sub("in T", printed.code + "\n")
    output = iter((workdir / command[command.index("-o") + 1]).read_text().splitlines())
    shown = [line for line in written.code.splitlines() if line != "..."]  # "...": rows left out
    missing = [line for line in shown if line not in output]  # each looked for after the one before
    assert not missing, f"README.md shows rows that the output does not have in that order: {missing}"
