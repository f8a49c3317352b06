"""The ``equalcare score`` command: files and standard streams, messages, exit codes."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pandas as pd
import pytest
from tiny_set import FEAR_TEXTS, FLOW_TEXTS

from equalcare_nlp.cli import main
from equalcare_nlp.scoring.columns import SCORE_COLUMNS

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample_feedback.csv"


@pytest.fixture(scope="module")
def model_dir(tiny_model_dir) -> str:
    """The tiny model's folder, as a command-line argument."""
    return str(tiny_model_dir)


@pytest.fixture
def survey(tmp_path):
    path = tmp_path / "survey.csv"
    pd.DataFrame({"team": ["A", "B", "C"], "comment": [FEAR_TEXTS[0], "", FLOW_TEXTS[0]]}).to_csv(
        path, index=False
    )
    return path


def test_scores_a_file_and_summarises_on_stderr(model_dir, survey, tmp_path, capsys):
    output = tmp_path / "out.csv"
    assert main(["score", str(survey), "-o", str(output), "--model", model_dir, "--jobs", "2"]) == 0
    err = capsys.readouterr().err
    assert "note: Scoring column 'comment', the only one that looks like free text" in err
    summary = "fear 1, flow 1, neutral 0, mixed 0; flagged: empty 1 -> "
    assert "3 rows in " in err and summary + str(output) in err
    out = pd.read_csv(output, dtype=str, keep_default_na=False)
    assert list(out.columns) == ["team", "comment", *SCORE_COLUMNS]
    assert out["label"].tolist() == ["fear", "", "flow"] and out["status"].tolist() == ["ok", "empty", "ok"]


def test_default_output_sits_beside_the_input(model_dir, survey, capsys):
    assert main(["score", str(survey), "--model", model_dir, "--text-column", "comment", "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert len(pd.read_csv(survey.with_name("survey.scored.csv"))) == 3


def test_stdin_to_stdout(model_dir, survey, monkeypatch, capsysbinary):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(survey.read_bytes())))
    assert main(["score", "-", "-o", "-", "--model", model_dir, "--text-column", "comment", "-q"]) == 0
    captured = capsysbinary.readouterr()
    out = pd.read_csv(io.BytesIO(captured.out), dtype=str, keep_default_na=False)
    assert out["team"].tolist() == ["A", "B", "C"] and out["status"].tolist() == ["ok", "empty", "ok"]


def test_jsonl_on_stdout_with_explanations(model_dir, survey, capsysbinary):
    args = ["score", str(survey), "-o", "-", "--output-format", "jsonl", "--model", model_dir]
    assert main([*args, "--text-column", "comment", "--explain", "2", "--sentences", "-q"]) == 0
    out = pd.read_json(io.BytesIO(capsysbinary.readouterr().out), lines=True)
    assert {"top_terms", "n_sentences", "share_fear", "share_flow"} <= set(out.columns)
    assert out["top_terms"].iloc[0].count(";") == 1


def test_errors_are_clear_and_exit_2(model_dir, survey, tmp_path, capsys):
    model = ["--model", model_dir]
    assert main(["score", str(survey), *model, "--text-column", "nope"]) == 2
    message = "equalcare score: error: No column 'nope'; the columns are ['team', 'comment']"
    assert message in capsys.readouterr().err
    assert main(["score", str(tmp_path / "missing.csv"), *model]) == 2
    assert "No such input file" in capsys.readouterr().err
    assert main(["score", str(survey), "-o", str(survey), *model, "--text-column", "comment"]) == 2
    assert "Refusing to overwrite the input file" in capsys.readouterr().err
    assert main(["score", str(survey), "-o", str(tmp_path / "out.docx"), *model]) == 2
    assert "Cannot tell the format" in capsys.readouterr().err


def test_no_formula_guard_option(model_dir, tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"code": ["=1+2"], "comment": [FEAR_TEXTS[0]]}).to_csv(source, index=False)
    common = ["score", str(source), "--model", model_dir, "-q", "-o"]
    assert main([*common, str(tmp_path / "a.csv")]) == 0
    assert main([*common, str(tmp_path / "b.csv"), "--no-formula-guard"]) == 0
    assert pd.read_csv(tmp_path / "a.csv")["code"].tolist() == ["'=1+2"]
    assert pd.read_csv(tmp_path / "b.csv")["code"].tolist() == ["=1+2"]


@pytest.mark.slow
def test_shipped_model_scores_the_sample_file(tmp_path, capsys):
    output = tmp_path / "sample.scored.csv"
    assert main(["score", str(SAMPLE), "-o", str(output)]) == 0
    out = pd.read_csv(output, keep_default_na=False, dtype=str)
    original = pd.read_csv(SAMPLE, keep_default_na=False, dtype=str)
    pd.testing.assert_frame_equal(out[list(original.columns)], original)
    assert out["status"].tolist().count("ok") == 10
    labels = dict(zip(out["comment"], out["label"], strict=True))
    assert labels["Thank you to the night nurses for being so kind to my dad."] == "flow"
    assert labels["Appointment moved from Tuesday to Thursday."] == "neutral"
    assert "12 rows in" in capsys.readouterr().err


def test_redact_option_adds_the_redacted_column(model_dir, tmp_path, capsys):
    source = tmp_path / "personal.csv"
    pd.DataFrame({"comment": ["Call 07700 900123, " + FEAR_TEXTS[1], FLOW_TEXTS[1]]}).to_csv(
        source, index=False
    )
    out = tmp_path / "scored.csv"
    assert (
        main(["score", str(source), "-o", str(out), "--model", model_dir, "--redact", "--names", "off"]) == 0
    )
    scored = pd.read_csv(out)
    assert scored["comment_redacted"].tolist() == ["Call [PHONE], " + FEAR_TEXTS[1], FLOW_TEXTS[1]]
    assert scored["comment"].iloc[0].startswith("Call 07700 900123")
