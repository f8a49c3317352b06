"""Batch scoring of texts, DataFrames and files: every row kept, in order, flagged if not scorable."""

from __future__ import annotations

import codecs
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny_set import FEAR_TEXTS, FLOW_TEXTS, NEUTRAL_TEXTS

import equalcare_nlp as eq
from equalcare_nlp.core.progress import Progress
from equalcare_nlp.nlp.sentences import split_sentences
from equalcare_nlp.scoring import columns, scorer, workers
from equalcare_nlp.scoring.columns import SCORE_COLUMNS, text_status
from equalcare_nlp.scoring.local import score_file, score_frame, score_texts
from equalcare_nlp.tables import TableWarning, guard_formulas
from equalcare_nlp.tables.readers import sniff_delimiter

PROBS = ["p_fear", "p_flow", "p_neutral"]
COMMENTS = [FEAR_TEXTS[0], FLOW_TEXTS[0], NEUTRAL_TEXTS[0], FEAR_TEXTS[1], FLOW_TEXTS[1]]


def feedback_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["007", "NA", "3", "TRUE", "-2"],
            "team": ["Ward 7", "A&E", "ICU", "Maternity", "Pharmacy"],
            "comment": COMMENTS,
        },
        dtype=object,
    )


def read_back(path: Path) -> pd.DataFrame:
    """A written output read with every cell as text (missing cells empty)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# -- texts and frames -------------------------------------------------------------------------
def test_scores_match_the_model_and_flags_unscorable_rows(tiny_model):
    texts = [FEAR_TEXTS[0], "", "   ", None, np.nan, 42, "12,5", "-3.5 %", FLOW_TEXTS[2], ":)"]
    out = score_texts(texts, model=tiny_model)
    assert out["status"].tolist() == [
        "ok", "empty", "empty", "empty", "empty", "not_text", "not_text", "not_text", "ok", "ok"
    ]  # fmt: skip
    scored = out["status"] == "ok"
    ok_texts = [t for t, s in zip(texts, scored, strict=True) if s]
    np.testing.assert_allclose(out.loc[scored, PROBS].to_numpy(), tiny_model.predict_proba(ok_texts))
    assert out.loc[scored, "label"].tolist() == tiny_model.predict(ok_texts).tolist()
    assert out.loc[~scored, "label"].isna().all() and out.loc[~scored, PROBS].isna().all().all()
    assert out["text"].tolist()[:3] == texts[:3]


def test_long_texts_are_scored_and_flagged_truncated(tiny_model):
    long_text = "I am exhausted " * (tiny_model.max_chars // 10)
    out = score_texts([long_text, FLOW_TEXTS[0]], model=tiny_model)
    assert out["status"].tolist() == ["truncated", "ok"]
    assert out.loc[0, "label"] == tiny_model.predict([long_text])[0]


def test_nul_bytes_in_a_text_are_scored_as_spaces(tiny_model):
    out = score_texts(["I am exhausted\x00and scared"], model=tiny_model)
    assert out.loc[0, "status"] == "ok"
    np.testing.assert_allclose(out.loc[[0], PROBS], tiny_model.predict_proba(["I am exhausted and scared"]))


def test_results_do_not_depend_on_jobs_or_chunk_size(tiny_model):
    texts = (COMMENTS + ["", None, "again " + FEAR_TEXTS[3], 7] + NEUTRAL_TEXTS) * 3
    reference = score_texts(texts, model=tiny_model, jobs=1, chunk_size=1000, explain=3, sentences=True)
    for jobs, chunk_size in ((1, 1), (2, 4), (2, 7)):
        other = score_texts(
            texts, model=tiny_model, jobs=jobs, chunk_size=chunk_size, explain=3, sentences=True
        )
        pd.testing.assert_frame_equal(other, reference)


def test_input_of_one_chunk_is_scored_without_starting_workers(tiny_model, monkeypatch):
    texts = COMMENTS * 2
    reference = score_texts(texts, model=tiny_model, jobs=1)

    def no_pool(*args, **kwargs):
        raise AssertionError("a worker pool was started for one chunk")

    monkeypatch.setattr(workers, "ProcessPoolExecutor", no_pool)
    pd.testing.assert_frame_equal(score_texts(texts, model=tiny_model, jobs=2), reference)
    with pytest.raises(AssertionError, match="worker pool"):  # two chunks still go to the workers
        score_texts(texts, model=tiny_model, jobs=2, chunk_size=len(texts) - 1)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(
        st.one_of(st.text(max_size=40), st.sampled_from(COMMENTS), st.none(), st.integers()), max_size=30
    ),
    chunk_size=st.integers(1, 12),
)
def test_every_row_comes_back_once_in_order(tiny_model, values, chunk_size):
    frame = pd.DataFrame({"row": range(len(values)), "comment": pd.Series(values, dtype=object)})
    out = score_frame(frame, "comment", model=tiny_model, chunk_size=chunk_size)
    assert len(out) == len(values)
    assert out["row"].tolist() == list(range(len(values)))
    assert out["comment"].tolist() == frame["comment"].tolist()
    assert set(out["status"]) <= set(columns.STATUSES)
    assert (out["label"].notna() == out["status"].isin(["ok", "truncated"])).all()


def test_score_frame_keeps_the_input_untouched(tiny_model):
    frame = feedback_frame().set_axis([10, 11, 12, 13, 14])
    before = frame.copy()
    out = score_frame(frame, "comment", model=tiny_model)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(out[list(frame.columns)], frame)
    assert list(out.columns) == [*frame.columns, *SCORE_COLUMNS]


def test_existing_score_columns_need_a_prefix(tiny_model):
    frame = feedback_frame().assign(label="x")
    with pytest.raises(ValueError, match=r"already has columns \['label'\].*--prefix"):
        score_frame(frame, "comment", model=tiny_model)
    out = score_frame(frame, "comment", model=tiny_model, prefix="eq_")
    assert out["label"].eq("x").all() and out["eq_label"].notna().all()


def test_the_text_column_is_found_when_only_one_looks_like_free_text(tiny_model):
    with pytest.warns(TableWarning, match="'comment'"):
        out = score_frame(feedback_frame(), model=tiny_model)
    assert out["status"].eq("ok").all()
    two_texts = feedback_frame().assign(other=COMMENTS[::-1])
    with pytest.raises(ValueError, match=r"\['comment', 'other'\] all look.*columns: \['id', 'team'"):
        score_frame(two_texts, model=tiny_model)
    with pytest.raises(ValueError, match=r"No column 'text'; the columns are \['id', 'team', 'comment'\]"):
        score_frame(feedback_frame(), "text", model=tiny_model)


def test_sentence_shares_and_explanations(tiny_model):
    assert split_sentences("The team is wonderful but the targets are crushing us. Thanks!") == [
        "The team is wonderful",
        "but the targets are crushing us.",
        "Thanks!",
    ]
    text = "The nurses were kind and caring. I am exhausted and scared every shift"
    out = score_texts([text, ""], model=tiny_model, explain=2, sentences=True)
    assert out.loc[0, "n_sentences"] == 2
    assert (out.loc[0, "share_fear"], out.loc[0, "share_flow"]) == (0.5, 0.5)
    assert pd.isna(out.loc[1, "n_sentences"]) and pd.isna(out.loc[1, "top_terms"])
    terms = out.loc[0, "top_terms"].split("; ")
    assert len(terms) == 2 and terms[0].rsplit(" ", 1)[1][0] in "+-"


# -- files: formats ---------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".parquet", ".jsonl"])
def test_each_input_format_keeps_columns_and_rows(tiny_model, tmp_path, suffix):
    frame = feedback_frame()
    source = tmp_path / f"in{suffix}"
    {
        ".csv": lambda: frame.to_csv(source, index=False),
        ".tsv": lambda: frame.to_csv(source, index=False, sep="\t"),
        ".xlsx": lambda: frame.to_excel(source, index=False),
        ".parquet": lambda: frame.to_parquet(source, index=False),
        ".jsonl": lambda: frame.to_json(source, orient="records", lines=True),
    }[suffix]()
    summary = score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    out = read_back(tmp_path / "out.csv")
    assert summary.rows == 5 and summary.statuses == {"ok": 5}
    assert out[["id", "team", "comment"]].to_numpy().tolist() == frame.to_numpy().tolist()[:4] + [
        ["-2", "Pharmacy", COMMENTS[4]]
    ]
    assert out["label"].tolist() == tiny_model.predict(COMMENTS).tolist()


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".xlsx", ".parquet", ".jsonl"])
def test_each_output_format_holds_the_scores(tiny_model, tmp_path, suffix):
    source = tmp_path / "in.csv"
    feedback_frame().assign(comment=[*COMMENTS[:3], "", COMMENTS[4]]).to_csv(source, index=False)
    output = tmp_path / f"out{suffix}"
    score_file(source, output, text_column="comment", model=tiny_model, jobs=1)
    text = {"dtype": {"id": str}, "keep_default_na": False, "na_values": [""]}
    out = {
        ".csv": lambda: pd.read_csv(output, **text),
        ".tsv": lambda: pd.read_csv(output, sep="\t", **text),
        ".xlsx": lambda: pd.read_excel(output, **text),
        ".parquet": lambda: pd.read_parquet(output),
        ".jsonl": lambda: pd.read_json(output, lines=True, dtype={"id": str}),
    }[suffix]()
    assert out["id"].tolist() == ["007", "NA", "3", "TRUE", "-2"]
    assert out["status"].tolist() == ["ok", "ok", "ok", "empty", "ok"]
    assert (
        out["label"].iloc[[0, 1, 2, 4]].tolist() == tiny_model.predict([*COMMENTS[:3], COMMENTS[4]]).tolist()
    )
    assert pd.isna(out["label"].iloc[3]) and pd.isna(out["p_fear"].iloc[3])
    expected = tiny_model.predict_proba(COMMENTS[:1])[0]
    np.testing.assert_allclose(out.loc[0, PROBS].astype(float), expected, atol=1e-6)


def test_xlsx_sheet_choice(tiny_model, tmp_path):
    source = tmp_path / "in.xlsx"
    with pd.ExcelWriter(source) as writer:
        pd.DataFrame({"x": [1]}).to_excel(writer, sheet_name="notes", index=False)
        feedback_frame().to_excel(writer, sheet_name="survey", index=False)
    for sheet in ("survey", 1, "1"):
        summary = score_file(source, tmp_path / "o.csv", text_column="comment", model=tiny_model, sheet=sheet)
        assert summary.rows == 5
    with pytest.raises(ValueError, match=r"no sheet 'other'; its sheets are \['notes', 'survey'\]"):
        score_file(source, tmp_path / "o.csv", text_column="comment", model=tiny_model, sheet="other", jobs=1)


def test_non_text_cells_of_typed_formats_are_flagged(tiny_model, tmp_path):
    source = tmp_path / "in.jsonl"
    records = [{"c": COMMENTS[0]}, {"c": 3.5}, {"c": None}, {"other": 1}, {"c": ["a", "list"]}, {"c": True}]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    score_file(source, tmp_path / "out.jsonl", text_column="c", model=tiny_model, jobs=1)
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["status"] for r in out] == ["ok", "not_text", "empty", "empty", "not_text", "not_text"]
    assert out[4]["c"] == ["a", "list"] and out[3]["other"] == 1 and out[0]["other"] is None


# -- files: encodings and awkward CSV ---------------------------------------------------------
CAFE = "The café staff were kind and caring — thank you"


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
        lambda s: s.encode("utf-16"),  # with its BOM
        lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom"],
)
def test_unicode_encodings(tiny_model, tmp_path, encode):
    source = tmp_path / "in.csv"
    source.write_bytes(encode(f"team,comment\r\nWard 7,{CAFE}\r\nICU,{FEAR_TEXTS[0]}\r\n"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning
        score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    out = read_back(tmp_path / "out.csv")
    assert out.columns[0] == "team" and out["comment"].tolist() == [CAFE, FEAR_TEXTS[0]]


def test_cp1252_fallback_warns_and_reads_the_text(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(f"team,comment\nWard 7,{CAFE}\n".encode("cp1252"))
    with pytest.warns(TableWarning, match=r"not valid UTF-8 \(first bad byte on line 2\).*cp1252"):
        score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    assert read_back(tmp_path / "out.csv")["comment"].tolist() == [CAFE]


def test_undecodable_bytes_are_an_error_naming_the_line(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_bytes(b"team,comment\nA,fine\nB,also fine\nC,bad \x81\x8d byte\n")
    with pytest.raises(ValueError, match=r"in.csv, line 4: cannot decode"):
        score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    assert not (tmp_path / "out.csv").exists()


def test_awkward_csv_rows_are_kept_and_flagged(tiny_model, tmp_path):
    huge = "I am exhausted " * 20_000  # 300,000 characters: above the csv module's default limit
    source = tmp_path / "in.csv"
    source.write_text(
        "id,team,comment\n"
        f'1,Ward 7,"{FLOW_TEXTS[0]}\nsecond line, with a comma"\n'
        "2,ICU\n"  # short row
        f"3,A&E,{FEAR_TEXTS[0]}, really, every day\n"  # long row: unquoted commas in the last column
        f'4,Maternity,"{huge}"\n'
        "5,Pharmacy,nul\x00byte here in the text\n"
        "\n"  # blank line
        "7,Outpatients,the last row has no newline",
        encoding="utf-8",
    )
    score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    out = read_back(tmp_path / "out.csv")
    assert out["id"].tolist() == ["1", "2", "3", "4", "5", "", "7"]
    assert out["comment"].tolist() == [
        f"{FLOW_TEXTS[0]}\nsecond line, with a comma",
        "",
        f"{FEAR_TEXTS[0]}, really, every day",
        huge,
        "nul\x00byte here in the text",
        "",
        "the last row has no newline",
    ]
    assert out["status"].tolist() == ["ok", "empty", "ragged", "truncated", "ok", "empty", "ok"]


def test_unreadable_csv_is_an_error_naming_the_line(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('team,comment\nA,fine\nB,"quoted"then text\n')
    with pytest.raises(ValueError, match=r"in.csv, line 3: unreadable CSV"):
        score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    source.write_text('team,comment\nA,fine\nB,"never closed\nC,more\n')
    with pytest.raises(ValueError, match=r"in.csv, line 3: unreadable CSV: unexpected end of data"):
        score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("a,b;c", ","), ("a;b;c", ";"), ("a\tb", "\t"), ("a|b", "|"), ('"x,y";z', ";"), ("comment", "\x1f")],
)
def test_delimiter_sniffing(header, delimiter):
    assert sniff_delimiter(header + "\n") == delimiter


def test_single_column_file_with_commas_in_text(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("comment\nthe staff, the food, the beds\nthank you\n")
    score_file(source, tmp_path / "out.csv", model=tiny_model, jobs=1, text_column="comment")
    out = read_back(tmp_path / "out.csv")
    assert out["comment"].tolist() == ["the staff, the food, the beds", "thank you"]
    assert out["status"].tolist() == ["ok", "ok"]


def test_header_only_file_gives_header_only_output(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("team,comment\n")
    summary = score_file(source, tmp_path / "out.csv", text_column="comment", model=tiny_model, jobs=1)
    assert summary.rows == 0
    assert (tmp_path / "out.csv").read_text() == "team,comment," + ",".join(SCORE_COLUMNS) + "\n"


# -- files: output safety ---------------------------------------------------------------------
def test_a_failed_run_leaves_no_partial_output(tiny_model, tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": COMMENTS * 4}).to_csv(source, index=False)
    output = tmp_path / "out.csv"
    output.write_text("previous results\n")
    calls = []

    def fail_on_third_chunk(self, texts):
        calls.append(len(texts))
        if len(calls) == 3:
            raise RuntimeError("worker died")
        return original(self, texts)

    original = scorer.ChunkScorer.__call__
    monkeypatch.setattr(scorer.ChunkScorer, "__call__", fail_on_third_chunk)
    with pytest.raises(RuntimeError, match="worker died"):
        score_file(source, output, text_column="comment", model=tiny_model, jobs=1, chunk_size=5)
    assert output.read_text() == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_refuses_to_overwrite_the_input(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"comment": COMMENTS}).to_csv(source, index=False)
    before = source.read_bytes()
    with pytest.raises(ValueError, match="Refusing to overwrite the input file"):
        score_file(source, tmp_path / "." / "in.csv", text_column="comment", model=tiny_model, jobs=1)
    assert source.read_bytes() == before


def test_formula_cells_are_neutralised_unless_asked(tiny_model, tmp_path):
    source = tmp_path / "in.csv"
    cells = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "-3", "+44", "fine"]
    pd.DataFrame({"code": cells, "comment": COMMENTS[:1] * len(cells)}).to_csv(source, index=False)
    for suffix in (".csv", ".xlsx"):
        score_file(source, tmp_path / f"out{suffix}", text_column="comment", model=tiny_model, jobs=1)
    expected = ["'" + c for c in cells[:4]] + cells[4:]
    assert read_back(tmp_path / "out.csv")["code"].tolist() == expected
    assert pd.read_excel(tmp_path / "out.xlsx", dtype=str)["code"].tolist() == expected
    score_file(
        source, tmp_path / "raw.csv", text_column="comment", model=tiny_model, jobs=1, guard_formulas=False
    )
    assert read_back(tmp_path / "raw.csv")["code"].tolist() == cells
    score_file(source, tmp_path / "out.jsonl", text_column="comment", model=tiny_model, jobs=1)
    assert pd.read_json(tmp_path / "out.jsonl", lines=True)["code"].tolist() == cells


def test_guard_leaves_non_text_columns_alone():
    frame = pd.DataFrame({"n": [-1.5, 2.0], "s": pd.Series(["=1+1", None], dtype=object)})
    guarded = guard_formulas(frame)
    assert guarded["n"].tolist() == [-1.5, 2.0] and guarded["s"].tolist() == ["'=1+1", None]
    assert frame["s"].tolist() == ["=1+1", None]


def test_text_status_rules():
    assert [text_status(v) for v in ("hi", " ", None, float("nan"), 3, "1,234.5", "50%", "3 beds")] == [
        None, "empty", "empty", "empty", "not_text", "not_text", "not_text", None
    ]  # fmt: skip


def test_progress_line_shows_rows_rate_and_eta():
    progress = Progress(lambda: 0.25)
    progress.rows = 5000
    assert progress.line(10.0) == "[######..................]  25%  5,000 rows  500 rows/s  ETA 0:30"
    assert Progress().line(2.0).startswith("0 rows  0 rows/s")


# -- redaction before scoring -----------------------------------------------------------------
PERSONAL = "Ring me on 07700 900123 or jo.bloggs@nhs.net, " + FEAR_TEXTS[0]


def test_redact_scores_the_redacted_text_into_a_new_column(tiny_model):
    frame = pd.DataFrame({"comment": [PERSONAL, 9434765919, None, FLOW_TEXTS[0]], "id": [1, 2, 3, 4]})
    out = score_frame(frame, "comment", model=tiny_model, redact=True, names=None)
    assert list(out.columns[:3]) == ["comment", "id", "comment_redacted"]
    pd.testing.assert_series_equal(out["comment"], frame["comment"])  # the original is kept
    assert out["comment_redacted"].tolist()[:2] == [
        "Ring me on [PHONE] or [EMAIL], " + FEAR_TEXTS[0],
        "[NHS_NUMBER]",  # a number cell is not scored but is still redacted
    ]
    assert out["comment_redacted"].iloc[3] == FLOW_TEXTS[0] and pd.isna(out["comment_redacted"].iloc[2])
    expected = tiny_model.predict_proba([out["comment_redacted"].iloc[0]])[0]
    got = out.loc[0, PROBS].to_numpy(dtype=float)
    np.testing.assert_allclose(got, expected[[list(tiny_model.classes_).index(p[2:]) for p in PROBS]])
    assert out["status"].tolist() == ["ok", "not_text", "empty", "ok"]


def test_redact_in_place_and_in_workers_gives_the_same_rows(tiny_model):
    frame = pd.DataFrame({"comment": [PERSONAL, FLOW_TEXTS[1], "see https://x.org/a", ""] * 3})
    one = score_frame(frame, "comment", model=tiny_model, redact=True, redact_in_place=True, names=None)
    two = score_frame(frame, "comment", model=tiny_model, redact=True, redact_in_place=True, names=None,
                      jobs=2, chunk_size=5)  # fmt: skip
    pd.testing.assert_frame_equal(one, two)
    assert list(one.columns) == ["comment", *SCORE_COLUMNS]
    assert one["comment"].iloc[2] == "see [URL]"


def test_redact_refuses_an_existing_redacted_column_and_a_missing_pipeline(tiny_model):
    frame = pd.DataFrame({"comment": [PERSONAL], "comment_redacted": ["x"]})
    with pytest.raises(ValueError, match="comment_redacted"):
        score_frame(frame, "comment", model=tiny_model, redact=True, names=None)
    with pytest.raises(ValueError, match="not installed"):
        score_frame(frame, "comment", model=tiny_model, redact=True, names="en_no_such_pipeline")


def test_one_options_object_with_the_commands_defaults(tiny_model):
    from equalcare_nlp.cli import build_parser
    from equalcare_nlp.cli.score import score_options

    args = build_parser().parse_args(["score", "in.csv"])
    assert score_options(args) == eq.ScoreOptions()  # the command's defaults are the API's
    args = build_parser().parse_args(
        ["score", "in.csv", "--redact-in-place", "--names", "off", "--jobs", "2"]
    )
    assert score_options(args) == eq.ScoreOptions(redact=True, redact_in_place=True, names=None, jobs=2)
    options = eq.ScoreOptions(explain=2, prefix="eq_")
    by_object = score_texts(COMMENTS, model=tiny_model, options=options)
    assert by_object.equals(score_texts(COMMENTS, model=tiny_model, explain=2, prefix="eq_"))
    assert by_object.equals(
        score_texts(COMMENTS, model=tiny_model, options=eq.ScoreOptions(prefix="eq_"), explain=2)
    )
    assert "eq_top_terms" in by_object.columns


@pytest.mark.parametrize(
    ("given", "error", "message"),
    [
        ({"explain": -1}, ValueError, "explain must be 0 or more"),
        ({"jobs": -2}, ValueError, "jobs must be positive"),
        ({"chunk_size": 0}, ValueError, "chunk_size must be at least 1"),
        ({"explian": 3}, TypeError, "unexpected keyword argument 'explian'"),
    ],
)
def test_bad_options_fail_before_any_work(tiny_model, given, error, message):
    with pytest.raises(error, match=message):
        score_texts(COMMENTS, model=tiny_model, **given)
