"""Every command that reads or writes a table is as safe as ``score``: hostile inputs keep every row in
order with its columns, no live formula is written, the input is never overwritten, and each failure is
one line with a chosen exit code (2 user error, 130/143 interrupted, 141 closed pipe, 1 a bug)."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import pytest

import equalcare_nlp as eq
from equalcare_nlp.cli import main
from equalcare_nlp.tables.writers import FORMULA_STARTS

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)",
    "@SUM(A1)",
    "-1+2",
]


def _csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    return text.getvalue().encode()


#: Hostile inputs: (file name, bytes). Ids carry leading zeros; each row's id says where it belongs.
INPUTS = {
    "ragged first row": (
        "ragged.csv",
        b"id,team,comment\n0012,ward a,Call 07700 900123, thanks for the care\n"
        b'0013,ward b,"DOB 01/02/1980 and the staff were kind"\n'
        b"0014,ward a,the rota came out two days before again\n",
    ),
    "ragged later row": (
        "later.csv",
        b"id,team,comment\n0012,ward a,the staff were kind and patient\n0013,ward b,short\n"
        b"0014,ward a,rota out late, again, and again\n0015\n",
    ),
    "formula cells": (
        "formulas.csv",
        _csv([["id", "team", "comment"]] + [[f"00{i}", f, f] for i, f in enumerate(FORMULAS)]),
    ),
    "latin-1 with NUL": (
        "latin1.csv",
        "id,team,comment\n0012,ward a,caf\xe9 staff were lovely\x00 really\n0013,ward b,so tired\n".encode(
            "latin-1"
        ),
    ),
}


@pytest.fixture(scope="module")
def model_dir(tiny_model_dir) -> str:
    """The tiny model's folder, as a command-line argument."""
    return str(tiny_model_dir)


def _ids(path: Path) -> list[str]:
    return [line.split(b",")[0].decode("latin-1") for line in path.read_bytes().splitlines()[1:]]


def _commands(model_dir: str, source: Path, out: Path) -> dict[str, list[str]]:
    """Each table-writing command reading ``source`` and writing ``out`` (its extension: the format)."""
    return {
        "score": ["score", str(source), "-o", str(out), "--text-column", "comment", "--model", model_dir,
                  "-q"],
        "redact": ["redact", str(source), "-o", str(out), "--text-column", "comment", "--names", "off"],
        "suggest": ["suggest", str(source), "-n", "100", "--text-column", "comment", "--model", model_dir,
                    "-o", str(out)],
    }  # fmt: skip


def _read(path: Path) -> list[list]:
    """The output's rows (header first) as cells, from CSV or XLSX; XLSX formula cells raise."""
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        rows = []
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), "a live formula in the XLSX output"
            rows.append(["" if cell.value is None else str(cell.value) for cell in row])
        return rows
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("command", ["score", "redact", "suggest"])
@pytest.mark.parametrize("kind", list(INPUTS))
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_hostile_inputs_keep_rows_and_columns_and_write_no_live_formula(
    model_dir, tmp_path, capsys, command, kind, suffix
):
    name, data = INPUTS[kind]
    source = tmp_path / name
    source.write_bytes(data)
    out = tmp_path / f"out{suffix}"
    assert main(_commands(model_dir, source, out)[command]) == 0, capsys.readouterr().err
    rows = _read(out)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["id", "team", "comment"]
    ids = _ids(source)
    if command == "suggest":  # a selection: in input order, every row with words to label
        worded = eq.tables.read_table(source)["comment"].str.strip().astype(bool).tolist()
        ids = [i for i, keep in zip(ids, worded, strict=True) if keep]
    assert [r[0] for r in body] == ids  # every row, in order, ids with their leading zeros
    for row in body:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or cell.lstrip("+-").replace(".", "").isdigit(), cell
    assert source.read_bytes() == data


@pytest.mark.parametrize("command", ["score", "redact", "suggest"])
def test_no_command_overwrites_its_input(model_dir, tmp_path, capsys, command):
    name, data = INPUTS["ragged first row"]
    source = tmp_path / name
    source.write_bytes(data)
    assert main(_commands(model_dir, source, source)[command]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Refusing to overwrite the input file" in err
    assert source.read_bytes() == data


def test_report_summaries_guard_formulas_and_never_overwrite_the_scored_input(model_dir, tmp_path, capsys):
    name, data = INPUTS["formula cells"]
    source = tmp_path / name
    source.write_bytes(data)
    scored = tmp_path / "scored.csv"  # written without the guard, so the report meets the raw formulas
    score = ["score", str(source), "-o", str(scored), "--text-column", "comment", "--no-formula-guard", "-q"]
    assert main([*score, "--model", model_dir]) == 0
    summary = tmp_path / "summary.csv"
    argv = [
        "report",
        str(scored),
        "--group-by",
        "team",
        "--min-group-size",
        "1",
        "-o",
        str(tmp_path / "r.html"),
    ]
    assert main([*argv, "--csv", str(summary), "--json", str(tmp_path / "r.json")]) == 0
    groups = [row["group"] for row in csv.DictReader(open(summary, encoding="utf-8"))]
    assert {"'" + f for f in FORMULAS} <= set(groups)
    assert not [g for g in groups if g.startswith(FORMULA_STARTS)]
    before = scored.read_bytes()
    capsys.readouterr()
    assert main([*argv[:-1], str(scored)]) == 2  # -o the scored input itself
    assert "Refusing to overwrite the input file" in capsys.readouterr().err
    assert scored.read_bytes() == before


def test_train_reads_a_ragged_file_without_shifting_columns(tmp_path, capsys):
    labelled = tmp_path / "labelled.csv"
    examples = [
        ("fear", "exhausted and scared"),
        ("flow", "so kind, thank you"),
        ("neutral", "the form has pages"),
    ]
    rows = [f"00{i},{label},{text} {i}" for i, (label, text) in enumerate(examples * 3)]
    labelled.write_text("id,label,comment\n" + "\n".join(rows) + "\n")  # the unquoted comma makes rows ragged
    columns = ["--text-column", "comment", "--label-column", "label"]
    assert (
        main(["train", str(labelled), *columns, "--base", "none", "--cv", "0", "-o", str(tmp_path / "m")])
        == 0
    )
    assert "3 row(s) had the wrong number of cells" in capsys.readouterr().err
    with pytest.warns(eq.tables.TableWarning):
        data = eq.read_labelled(labelled, "comment", "label")
    assert "so kind, thank you 1" in data.texts and len(data.texts) == 9  # the comment whole, labels in place


def test_sigterm_stops_every_worker_and_keeps_the_previous_output(model_dir, tmp_path):
    source = tmp_path / "big.csv"
    lines = (
        f"{i},the rota came out late again and we are all so tired, number {i}\n" for i in range(300_000)
    )
    source.write_text("id,comment\n" + "".join(lines))
    out = tmp_path / "out.csv"
    out.write_text("the previous output\n")
    command = [sys.executable, "-m", "equalcare_nlp.cli", "score", str(source), "-o", str(out),
               "--text-column", "comment", "--model", model_dir, "--jobs", "2", "-q"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    workers = _wait_for_children(process.pid, 2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143 and "Traceback" not in err
    time.sleep(0.5)
    assert not [pid for pid in workers if _alive(pid)], "a worker process outlived the command"
    assert out.read_text() == "the previous output\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def _wait_for_children(pid: int, count: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{pid}/task/{pid}/children")
        if not children.exists():
            pytest.skip("needs Linux /proc to find the worker processes")
        found = [int(p) for p in children.read_text().split()]
        if len(found) >= count:
            time.sleep(1.0)  # let them start scoring
            return found
        time.sleep(0.1)
    raise AssertionError("the workers never started")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"  # a zombie is dead, only not yet reaped


def _run(
    *args: str, stdin=None, stdout=subprocess.PIPE, env=None, timeout=120
) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "equalcare_nlp.cli", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, env=env, timeout=timeout)  # fmt: skip


@pytest.mark.parametrize(
    "args",
    [["score", "{source}", "-o", "-", "-q", "--model", "{model}", "--text-column", "comment"],
     ["explain", "I am so tired of the rota", "--json", "--model", "{model}"],
     ["evaluate", "{model}", "{labelled}", "--text-column", "comment", "--label-column", "label"]],
    ids=["score", "explain", "evaluate"],
)  # fmt: skip
def test_a_closed_pipe_ends_quietly(model_dir, tmp_path, args):
    source = tmp_path / "in.csv"
    source.write_text("id,comment\n" + "".join(f"{i},tired of the rota {i}\n" for i in range(20_000)))
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("comment,label\nso tired,fear\nthank you,flow\n")
    read, write = os.pipe()
    os.close(read)  # the reader went away before anything was written, as `| head` does
    try:
        values = {"source": str(source), "model": model_dir, "labelled": str(labelled)}
        done = _run(*[a.format(**values) for a in args], stdout=write)
    finally:
        os.close(write)
    assert done.returncode in (0, 141) and done.stderr == "", done.stderr


def test_an_unwritable_output_folder_is_one_line(model_dir, tmp_path):
    try:  # root writes anywhere it may; /sys refuses even root
        os.unlink(tempfile.mkstemp(dir="/sys")[1])
        pytest.skip("needs a folder this user cannot write to")
    except OSError:
        pass
    source = tmp_path / "in.csv"
    source.write_text("id,comment\n1,so tired of the rota\n")
    done = _run("score", str(source), "-o", "/sys/out.csv", "--model", model_dir, "-q")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "equalcare score: error: Cannot write to /sys: Permission denied; choose a folder you can write to"
    )


def test_an_unreachable_scheduler_is_one_line(model_dir, tmp_path):
    pytest.importorskip("distributed")
    source = tmp_path / "in.csv"
    source.write_text("id,comment\n1,so tired of the rota\n")
    env = os.environ | {"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"}
    done = _run("score", str(source), "-o", str(tmp_path / "out"), "--engine", "dask", "--scheduler",
                "tcp://127.0.0.1:9", "--model", model_dir, "-q", env=env)  # fmt: skip
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:9" in done.stderr


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("equalcare_nlp.cli.explain.run", interrupted)
    assert main(["explain", "hello"]) == 130
    assert capsys.readouterr().err == "equalcare explain: interrupted\n"


def test_a_bug_is_exit_1_with_its_traceback_not_a_user_error(monkeypatch, capsys):
    def buggy(args):
        return {}["missing"]

    monkeypatch.setattr("equalcare_nlp.cli.explain.run", buggy)
    assert main(["explain", "hello"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "KeyError" in err and "this is a bug in equalcare_nlp" in err


# -- small traps ------------------------------------------------------------------------------
def test_a_folder_as_input_says_so(tmp_path, capsys):
    assert main(["score", str(tmp_path), "-o", str(tmp_path / "out.csv")]) == 2
    assert "is a folder, not a table file" in capsys.readouterr().err


def test_a_numeric_text_column_is_warned_about(model_dir, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("id,comment\n1,so tired of the rota\n2,thank you all\n")
    assert (
        main(
            ["score", str(source), "-o", str(tmp_path / "o.csv"), "--text-column", "id", "--model", model_dir]
        )
        == 0
    )
    assert "Column 'id' holds no text in any row" in capsys.readouterr().err


def test_duplicate_text_columns_are_named(model_dir, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("comment,comment\nthe staff were kind to us all,the wait was far too long today\n")
    assert main(["score", str(source), "-o", str(tmp_path / "o.csv"), "--model", model_dir]) == 2
    assert "Several columns are named 'comment'" in capsys.readouterr().err


def test_suggest_finds_the_text_column_like_score(model_dir, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("id,comment\n1,so tired of the rota again today\n2,thank you all for the lovely care\n")
    assert main(["suggest", str(source), "-n", "2", "--model", model_dir, "-o", str(tmp_path / "s.csv")]) == 0
    assert "note: Scoring column 'comment'" in capsys.readouterr().err


def test_explain_of_an_empty_text_is_an_error_like_scores_empty_flag(capsys):
    assert main(["explain", "  "]) == 2
    assert "the text is empty" in capsys.readouterr().err


def test_quiet_silences_the_column_note_but_not_warnings(model_dir, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text(
        "id,comment\n1,so tired of the rota again today\n2,thank you all for the lovely care, truly\n"
    )
    assert main(["score", str(source), "-o", str(tmp_path / "o.csv"), "--model", model_dir, "-q"]) == 0
    assert capsys.readouterr().err == ""
