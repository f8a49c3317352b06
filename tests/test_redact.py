"""Redaction: each kind of personal detail, near-misses that must stay, the spaCy stage, tables and CLI."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
import spacy

from equalcare_nlp.cli import main
from equalcare_nlp.privacy.redaction import (
    NAME_PIPELINES,
    SPANS_KEY,
    name_recognizer,
    nhs_number_valid,
    redact,
    redact_frame,
)
from equalcare_nlp.tables import read_table, write_table


def one(text: str, **kwargs) -> str:
    return redact([text], names=kwargs.pop("names", None), **kwargs)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mail jo.smith+ward7@nhs.net today", "Mail [EMAIL] today"),
        ("Write to A.Patel@trust.example.co.uk.", "Write to [EMAIL]."),
        ("See https://example.org/rota?week=3.", "See [URL]."),
        ("Go to www.nhs.uk/conditions, then", "Go to [URL], then"),
        ("Bare domain intranet.trust.nhs.uk/forms works", "Bare domain [URL] works"),
        ("Ask @jo_smith about it", "Ask [HANDLE] about it"),
        ("Call 07700 900123 now", "Call [PHONE] now"),
        ("Call 07700900123 now", "Call [PHONE] now"),
        ("Ring (020) 7946 0958 or 0161 496 0000", "Ring [PHONE] or [PHONE]"),
        ("Abroad: +44 (0)20 7946 0958", "Abroad: [PHONE]"),
        ("Abroad: 0044 20 7946 0958", "Abroad: [PHONE]"),
        ("US office +1 415-555-0132.", "US office [PHONE]."),
        ("NHS no 943 476 5919 on file", "NHS no [NHS_NUMBER] on file"),
        ("NHS no 9434765919 on file", "NHS no [NHS_NUMBER] on file"),
        ("NHS no 943-476-5919 on file", "NHS no [NHS_NUMBER] on file"),
        ("Lives at SW1A 1AA, near", "Lives at [POSTCODE], near"),
        ("postcode m1 1ae please", "postcode [POSTCODE] please"),
        ("Leeds LS14AP office", "Leeds [POSTCODE] office"),
        ("DOB 01/02/1980 noted", "DOB [DOB] noted"),
        ("D.O.B.: 1.2.80", "D.O.B.: [DOB]"),
        ("She was born 3 March 1975 in Leeds", "She was born [DOB] in Leeds"),
        ("born on the 3rd of March 1975", "born on the [DOB]"),
        ("date of birth is March 3, 1975.", "date of birth is [DOB]."),
        ("born in 1975", "born in [DOB]"),
        ("birth date 1980-02-01", "birth date [DOB]"),
    ],
)
def test_each_kind_is_redacted(text: str, expected: str) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Reference 9434765918 fails the NHS check",  # ten digits, wrong check digit
        "Order 1234567890 arrived",  # ten digits, no leading 0: not a phone, fails the check
        "Spaced 943 476 5918 fails the check too",
        "Call 999 or 111, extension 4521",
        "On 01/02/2024 the ward was short staffed",  # a date, but not a date of birth
        "We were born to care, since 1975",
        "Meet @ 3pm, or @3pm",
        "The b12 3rd floor lift, i.e. the old one",
        "Twelve patients at 10.30, 2023 was hard",
        "Thank you all so much, I felt supported and calm today.",
    ],
)
def test_near_misses_and_clean_text_are_unchanged(text: str) -> None:
    assert one(text) == text


def test_nhs_check_digit() -> None:
    # 9*10+4*9+3*8+4*7+7*6+6*5+5*4+9*3+1*2 = 299; 299 % 11 = 2; 11 - 2 = 9.
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("943476591")
    # 1*10 + 1*2 = 12, remainder 1: check digit would be 10, which no NHS number can have.
    assert not any(nhs_number_valid(f"100000001{d}") for d in "0123456789")


def test_email_wins_over_handle_and_url_inside_it() -> None:
    assert one("x jo@nhs.net y") == "x [EMAIL] y"


def test_spacy_component_on_blank_pipeline() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("equalcare_redact")
    doc = nlp("Call 07700 900123 or mail jo@nhs.net")
    assert doc._.ec_redacted == "Call [PHONE] or mail [EMAIL]"
    assert [(s.text, s.label_) for s in doc.spans[SPANS_KEY]] == [
        ("07700 900123", "PHONE"),
        ("jo@nhs.net", "EMAIL"),
    ]


def person_pipeline() -> spacy.language.Language:
    """A recogniser that tags two known names as PERSON (stands in for a trained NER)."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Sam Jones"}, {"label": "PERSON", "pattern": "Priya"}])
    return nlp


def test_names_from_a_recogniser_become_name_placeholders() -> None:
    texts = ["Sam Jones on 07700 900123 was kind", "Priya helped", "No names here"]
    assert redact(texts, names=person_pipeline()) == [
        "[NAME] on [PHONE] was kind",
        "[NAME] helped",
        "No names here",
    ]


def test_component_uses_entities_of_an_earlier_recogniser() -> None:
    nlp = person_pipeline()
    nlp.add_pipe("equalcare_redact")
    assert nlp("Thanks Priya!")._.ec_redacted == "Thanks [NAME]!"
    off = person_pipeline()
    off.add_pipe("equalcare_redact", config={"names": False})
    assert off("Thanks Priya!")._.ec_redacted == "Thanks Priya!"


def installed_name_pipeline() -> str | None:
    return next((p for p in NAME_PIPELINES if spacy.util.is_package(p)), None)


@pytest.mark.skipif(installed_name_pipeline() is None, reason="no trained spaCy English pipeline installed")
def test_trained_recogniser_redacts_names() -> None:
    assert "[NAME]" in redact(["Dr Sarah Thompson was wonderful to my mum."])[0]


@pytest.mark.skipif(
    installed_name_pipeline() is not None, reason="a trained spaCy English pipeline is installed"
)
def test_auto_without_trained_pipeline_warns_and_keeps_names() -> None:
    with pytest.warns(UserWarning, match="names are NOT redacted"):
        assert name_recognizer("auto") is None


def test_unknown_name_pipeline_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not installed"):
        name_recognizer("en_core_web_nonexistent")


def test_redact_frame_adds_a_column_and_keeps_the_original() -> None:
    frame = pd.DataFrame({"team": ["A", "B", "C"], "text": ["mail jo@nhs.net", None, "fine"]})
    out, summary = redact_frame(frame, "text", names=None)
    assert out["text"].tolist()[::2] == ["mail jo@nhs.net", "fine"]
    assert out["text_redacted"].tolist()[0] == "mail [EMAIL]"
    assert pd.isna(out["text_redacted"][1]) and out["text_redacted"][2] == "fine"
    assert summary.rows == 3 and summary.rows_changed == 1 and summary.counts["EMAIL"] == 1
    assert "text_redacted" not in frame.columns  # input untouched


def test_redact_frame_in_place_and_errors() -> None:
    frame = pd.DataFrame({"text": ["ring 07700 900123"], "text_redacted": ["x"]})
    out, _ = redact_frame(frame, "text", in_place=True, names=None)
    assert out["text"].tolist() == ["ring [PHONE]"] and out["text_redacted"].tolist() == ["x"]
    with pytest.raises(ValueError, match="already exists"):
        redact_frame(frame, "text", names=None)
    with pytest.raises(ValueError, match="text column 'body' not found"):
        redact_frame(frame, "body", names=None)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".jsonl"])
def test_cli_redact_round_trip(tmp_path, suffix: str, capsys) -> None:
    frame = pd.DataFrame({"id": ["007", "010"], "text": ["call 07700 900123", "all good"]})
    source = write_table(frame, tmp_path / f"in{suffix}")
    target = tmp_path / f"out{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the CLI reports missing names as a note, not a warning
        assert (
            main(["redact", str(source), "-o", str(target), "--text-column", "text", "--names", "off"]) == 0
        )
    out = read_table(target)
    assert out["id"].tolist() == ["007", "010"]  # leading zeros kept
    assert out["text"].tolist() == ["call 07700 900123", "all good"]
    assert out["text_redacted"].tolist() == ["call [PHONE]", "all good"]
    assert "1 of 2 rows changed" in capsys.readouterr().err


def test_cli_redact_in_place_and_bad_inputs(tmp_path, capsys) -> None:
    source = write_table(pd.DataFrame({"text": ["DOB 01/02/1980"]}), tmp_path / "in.csv")
    target = tmp_path / "out.csv"
    args = ["redact", str(source), "-o", str(target), "--text-column", "text", "--names", "off"]
    assert main([*args, "--redact-in-place"]) == 0
    assert read_table(target).columns.tolist() == ["text"] and read_table(target)["text"][0] == "DOB [DOB]"
    (tmp_path / "in.docx").write_bytes(b"PK")
    assert main(["redact", str(tmp_path / "in.docx"), "-o", str(target), "--text-column", "text"]) == 2
    assert "Cannot tell the format" in capsys.readouterr().err
    assert main(["redact", str(tmp_path / "missing.csv"), "-o", str(target), "--text-column", "text"]) == 2
    assert "No such input file" in capsys.readouterr().err
