"""Group-level report: Wilson intervals, small-number suppression, trends, terms, and nothing per comment."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from equalcare_nlp import FearFlowClassifier, model_digest, read_manifest, save_model
from equalcare_nlp.cli import main
from equalcare_nlp.core.labels import CODEBOOK_LABELS, PROBA_COLUMNS, proba_column
from equalcare_nlp.model.persist import DEFAULT_MODEL_SHA256, default_model_path
from equalcare_nlp.privacy.suppression import suppress
from equalcare_nlp.reports.charts import BAR_ORDER, COLOURS, NAMES
from equalcare_nlp.reports.html import CHIP_COLOURS, render_html, write_report
from equalcare_nlp.reports.report import build_report, summary_rows
from equalcare_nlp.reports.statistics import STATES, wilson_interval
from equalcare_nlp.tables import write_table
from equalcare_nlp.training.adaptation import adapt
from equalcare_nlp.training.labelled_data import read_labelled
from equalcare_nlp.training.train import train_and_save

FEAR_TEXTS = [
    "I am exhausted and the rota is a nightmare",
    "so stressed and scared, the rota is unsafe",
    "angry and burnt out, nobody listens",
    "terrified about the rota again",
    "the rota makes me anxious and exhausted",
    "I dread every shift, so stressed",
]
FLOW_TEXTS = [
    "thank you team, so grateful and calm",
    "lovely kind colleagues, grateful every day",
    "proud of the team, thank you",
    "such caring support, thank you so much",
    "calm shift and kind people, grateful",
    "curious about the new training, lovely",
]
NEUTRAL_TEXTS = [
    "the meeting is on monday",
    "please update the form",
    "the office moved floors",
    "see the intranet",
]


@pytest.fixture(scope="module")
def model() -> FearFlowClassifier:
    texts = FEAR_TEXTS + FLOW_TEXTS + NEUTRAL_TEXTS + ["zanzibarquux was a disaster and I am scared"]
    labels = ["fear"] * 6 + ["flow"] * 6 + ["neutral"] * 4 + ["fear"]
    return FearFlowClassifier(min_df=1, calibration_cv=None).fit(texts, labels)


def scored(groups: dict[str, list[str]], **extra: list) -> pd.DataFrame:
    """A scored table: one row per label, grouped; probabilities follow the label."""
    rows = []
    for group, labels in groups.items():
        for i, label in enumerate(labels):
            p = {"fear": 0.1, "flow": 0.1, "neutral": 0.1} | {label: 0.8}
            rows.append(
                {"team": group, "label": label, "status": "ok", "text": f"{group} comment {i}"}
                | {proba_column(k): v for k, v in p.items()}
            )
    frame = pd.DataFrame(rows)
    for column, values in extra.items():
        frame[column] = values
    return frame


# -- Wilson intervals ---------------------------------------------------------------------------
def test_wilson_interval_hand_computed() -> None:
    # 3 of 10, z = 1.96: centre (0.3 + 0.19207) / 1.38415 = 0.35556,
    # half-width 1.41602 * sqrt(0.021 + 0.0096) = 0.24772.
    interval = wilson_interval(3, 10)
    assert interval.share == 0.3
    assert interval.low == pytest.approx(0.10779, abs=1e-4)
    assert interval.high == pytest.approx(0.60322, abs=1e-4)
    # 0 of 5: the interval runs from 0 to z^2 / (n + z^2) = 3.8415 / 8.8415 = 0.43448.
    zero = wilson_interval(0, 5)
    assert zero.low == pytest.approx(0.0, abs=1e-12) and zero.high == pytest.approx(0.43448, abs=1e-4)
    # 20 of 20 mirrors it: from 20 / (20 + 3.8415) = 0.83887 to 1.
    full = wilson_interval(20, 20)
    assert full.low == pytest.approx(0.83887, abs=1e-4) and full.high == pytest.approx(1.0)


def test_wilson_interval_rejects_bad_counts() -> None:
    with pytest.raises(ValueError, match="n must be positive"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(6, 5)


# -- suppression ----------------------------------------------------------------------------------
def test_small_groups_are_suppressed() -> None:
    counts = {"a": 30, "b": 3, "c": 2, "d": 40}
    assert suppress(counts, [list(counts)], 5) == {"b", "c"}  # together 5: neither can be worked out


def test_lone_suppressed_group_takes_the_next_smallest_with_it() -> None:
    counts = {"a": 30, "b": 3, "c": 12, "d": 40}
    # With only b hidden, b = total - (a + c + d); hiding c (next smallest) prevents that.
    assert suppress(counts, [list(counts)], 5) == {"b", "c"}


def test_hidden_groups_summing_below_minimum_take_another() -> None:
    counts = {"a": 30, "b": 1, "c": 2, "d": 9, "e": 40}
    assert suppress(counts, [list(counts)], 5) == {"b", "c", "d"}


def test_nothing_suppressed_when_all_groups_are_large() -> None:
    counts = {"a": 5, "b": 6}
    assert suppress(counts, [list(counts)], 5) == set()


def test_suppression_along_rows_and_columns() -> None:
    # Two periods x two groups; period and group totals are published.
    counts = {("p1", "a"): 2, ("p1", "b"): 10, ("p2", "a"): 9, ("p2", "b"): 11}
    rows = [[("p1", "a"), ("p1", "b")], [("p2", "a"), ("p2", "b")]]
    columns = [[("p1", "a"), ("p2", "a")], [("p1", "b"), ("p2", "b")]]
    # (p1, a) is small; its row and column each need a second hidden cell, and those in turn theirs.
    assert suppress(counts, rows + columns, 5) == set(counts)


# -- the report -------------------------------------------------------------------------------------
def test_report_suppresses_small_and_complementary_groups() -> None:
    frame = scored({"Alpha": ["fear"] * 10 + ["flow"] * 10, "Bravo": ["flow"] * 7, "Charlie": ["fear"] * 3})
    report = build_report(frame, "team", min_group_size=5)
    assert [g.name for g in report.groups] == ["Alpha"]
    assert report.suppressed_groups == 2 and report.suppressed_comments == 10
    assert report.overall.count == 30  # hidden groups still count overall
    alpha = report.groups[0].summary
    assert alpha.count == 20 and alpha.shares["fear"].share == 0.5
    assert alpha.shares["fear"].low == pytest.approx(wilson_interval(10, 20).low)
    page = render_html(report)
    assert "Bravo" not in page and "Charlie" not in page
    assert {r for r in summary_rows(report)["group"]} == {"(all groups)", "Alpha"}


def test_unscored_rows_are_counted_separately() -> None:
    frame = scored({"Alpha": ["fear"] * 6 + ["flow"] * 4})
    frame.loc[[0, 1, 2], "status"] = ["empty", "error", "truncated"]
    frame.loc[[0, 1], "label"] = ""
    report = build_report(frame, "team")
    assert report.overall.count == 8
    assert report.excluded == {"empty": 1, "error": 1}
    assert report.overall.shares["fear"].share == pytest.approx(4 / 8)


def test_bad_scored_tables_are_clear_errors() -> None:
    frame = scored({"Alpha": ["fear"] * 6})
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['p_flow'\]"):
        build_report(frame.drop(columns="p_flow"), "team")
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['ward'\]"):
        build_report(frame, "ward")
    frame.loc[0, "label"] = "joy"
    with pytest.raises(ValueError, match="'joy'"):
        build_report(frame, "team")


def test_trend_hides_small_cells_and_their_complements() -> None:
    months = ["2024-01-15"] * 10 + ["2024-02-10"] * 2 + ["2024-03-03"] * 10  # Alpha: 10, 2, 10
    months += ["2024-01-20"] * 8 + ["2024-02-20"] * 8 + ["2024-03-20"] * 8  # Bravo: 8, 8, 8
    frame = scored({"Alpha": ["fear"] * 22, "Bravo": ["flow"] * 24}, date=months)
    report = build_report(frame, "team", time_column="date", period="month")
    assert report.periods == ["2024-01", "2024-02", "2024-03"]
    alpha, bravo = report.groups
    assert alpha.trend["2024-02"] is None  # 2 comments
    # Alpha's total (22) is published, so another Alpha month is hidden; February's total (10) is
    # published, so Bravo's February is hidden too.
    assert sum(s is None for s in alpha.trend.values()) == 2
    assert bravo.trend["2024-02"] is None
    assert all(s is not None for s in report.overall_trend.values())
    shown = [s.count for g in report.groups for s in g.trend.values() if s is not None]
    assert min(shown) >= 5


def test_quarters_and_undated_rows() -> None:
    frame = scored({"Alpha": ["fear"] * 12}, date=["2024-01-05"] * 6 + ["2024-05-05"] * 5 + ["not a date"])
    report = build_report(frame, "team", time_column="date", period="quarter")
    assert report.periods == ["2024-Q1", "2024-Q2"]
    assert report.undated is None  # one undated comment is itself too few to publish


def test_terms_need_enough_comments_and_never_quote_one(model) -> None:
    texts = FEAR_TEXTS[:5] + FLOW_TEXTS[:5] + ["zanzibarquux was a disaster and I am scared"]
    frame = pd.DataFrame({"team": "Alpha", "text": texts, "status": "ok"})
    frame["label"] = model.predict(texts)
    frame[list(PROBA_COLUMNS)] = model.predict_proba(texts)
    frame = pd.concat([frame, scored({"Bravo": ["neutral"] * 6})], ignore_index=True)
    report = build_report(frame, "team", text_column="text", model=model, min_group_size=3)
    alpha = next(g for g in report.groups if g.name == "Alpha")
    fear_terms = {t.term: t.comments for t in alpha.terms["fear"]}
    assert "rota" in fear_terms and fear_terms["rota"] >= 3
    assert all(n >= 3 for n in fear_terms.values())
    assert "zanzibarquux" not in fear_terms  # the model knows it, but only one comment uses it
    assert "thank" in {t.term for t in alpha.terms["flow"]}
    page = render_html(report)
    assert "zanzibarquux" not in page
    assert "$" not in page  # every placeholder of the templates filled
    for text in texts:
        assert text not in page


def test_adapted_model_terms_are_plain_words_listed_once(model) -> None:
    adapted = adapt(model, FEAR_TEXTS + FLOW_TEXTS, ["fear"] * 6 + ["flow"] * 6)
    texts = FEAR_TEXTS + FLOW_TEXTS
    frame = pd.DataFrame({"team": "Alpha", "text": texts, "status": "ok", "label": adapted.predict(texts)})
    frame[list(PROBA_COLUMNS)] = adapted.predict_proba(texts)
    frame = pd.concat([frame, scored({"Bravo": ["neutral"] * 6})], ignore_index=True)
    report = build_report(frame, "team", text_column="text", model=adapted, min_group_size=3)
    alpha = next(g for g in report.groups if g.name == "Alpha")
    terms = [t.term for label in ("fear", "flow") for t in alpha.terms[label]]
    assert "rota" in terms and "thank" in terms  # in both the base and the correction's vocabulary
    assert len(terms) == len(set(terms))
    assert not [t for t in terms if ":" in t]  # no "adapted:", "vectors:" or "lexicon:" features


def test_no_comment_text_in_any_output(tmp_path, model) -> None:
    secret = [f"Quintessential marmalade complaint number {i} from the rota" for i in range(12)]
    frame = pd.DataFrame({"team": ["Alpha"] * 6 + ["Bravo"] * 6, "text": secret, "status": "ok"})
    frame["label"] = model.predict(secret)
    frame[list(PROBA_COLUMNS)] = model.predict_proba(secret)
    report = build_report(frame, "team", text_column="text", model=model)
    for suffix in (".html", ".json", ".csv"):
        content = write_report(report, tmp_path / f"report{suffix}").read_text(encoding="utf-8")
        assert "marmalade" not in content.lower() and "quintessential" not in content.lower()


def test_html_is_self_contained_and_escaped() -> None:
    frame = scored({"<script>alert('x')</script>": ["fear"] * 6, "Ward & Co": ["flow"] * 6})
    page = render_html(build_report(frame, "team"))
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page and "Ward &amp; Co" in page
    for external in ("http://", "https://", "src=", "@import", "url("):
        assert external not in page
    assert page.count("<svg") >= 3 and 'name="viewport"' in page
    for words in ("How to read this", "Must not be used for", "Known limits", "English only", "Retraining"):
        assert words in page


def test_every_label_has_its_colour_name_and_bar_and_each_state_its_chips() -> None:
    assert set(COLOURS) == set(NAMES) == set(CODEBOOK_LABELS)
    assert sorted(BAR_ORDER) == sorted(CODEBOOK_LABELS)
    assert set(CHIP_COLOURS) == set(STATES)
    page = render_html(build_report(scored({"Alpha": ["fear"] * 6}), "team"))
    for label in STATES:  # the chips' classes are the labels' names
        assert f".chip.{label}{{border-color:{CHIP_COLOURS[label][0]}" in page


def test_json_and_csv_summaries(tmp_path) -> None:
    frame = scored({"Alpha": ["fear"] * 3 + ["flow"] * 3, "Bravo": ["neutral"] * 6})
    report = build_report(frame, "team")
    data = json.loads(write_report(report, tmp_path / "r.json").read_text())
    assert [g["name"] for g in data["groups"]] == ["Alpha", "Bravo"]
    assert data["groups"][0]["summary"]["shares"]["fear"]["share"] == 0.5
    table = pd.read_csv(write_report(report, tmp_path / "r.csv"))
    assert table.loc[table["group"] == "Bravo", "neutral_share"].item() == 1.0
    with pytest.raises(ValueError, match="must end in one of"):
        write_report(report, tmp_path / "r.pdf")


def test_cli_report(tmp_path, model, capsys) -> None:
    groups = {"Alpha": ["fear"] * 8, "Bravo": ["flow"] * 9, "Charlie": ["fear"] * 12, "Tiny": ["fear"] * 2}
    frame = scored(groups, date=["2024-01-02", "2024-04-03"] * 15 + ["2024-02-02"])
    source = write_table(frame, tmp_path / "scored.csv")
    out = tmp_path / "out" / "report.html"
    args = ["report", str(source), "--group-by", "team", "--time-column", "date", "--period", "quarter"]
    assert (
        main([*args, "-o", str(out), "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "r.csv")])
        == 0
    )
    page = out.read_text()
    # Tiny is too small; Alpha, the next smallest, is hidden so Tiny cannot be worked out from the total.
    assert "Tiny" not in page and "Alpha" not in page and "Bravo" in page and "2024-Q2" in page
    assert "$" not in page
    assert (tmp_path / "r.json").exists() and (tmp_path / "r.csv").exists()
    assert "2 groups shown, 2 hidden" in capsys.readouterr().err
    assert "not told which model scored its comments" in page  # no --model: nothing is guessed
    assert json.loads((tmp_path / "r.json").read_text())["scored_by"] is None
    assert main([*args, "--min-group-size", "0", "-o", str(out)]) == 2
    assert "min_group_size must be at least 1" in capsys.readouterr().err


# -- the model that scored the table ---------------------------------------------------------------------
def known_limits(page: str) -> str:
    """The footer's paragraphs on the model's limits."""
    return page.split("<h2>Known limits</h2>")[1].split("<h2>")[0]


def test_footer_describes_the_model_train_saved_and_names_no_folder(tmp_path) -> None:
    texts, labels = FEAR_TEXTS + FLOW_TEXTS + NEUTRAL_TEXTS, ["fear"] * 6 + ["flow"] * 6 + ["neutral"] * 4
    labelled = write_table(
        pd.DataFrame({"text": texts, "label": labels}), tmp_path / "jo-smith" / "labels.csv"
    )
    folder = tmp_path / "trained"
    train_and_save(read_labelled(labelled, "text", "label"), folder, base="none", cv=0)
    limits = known_limits(
        render_html(build_report(scored({"Alpha": ["fear"] * 6}), "team", scored_by=folder))
    )
    assert f"the model with digest <code>{model_digest(folder)[:16]}</code>, trained on:" in limits
    assert "<li>16 examples of labels.csv</li>" in limits and "jo-smith" not in limits
    assert "GoEmotions" not in limits and "Reddit" not in limits


def test_footer_describes_an_adapted_model_and_one_without_a_training_record(tmp_path, model) -> None:
    adapted, bare = tmp_path / "adapted", tmp_path / "bare"
    record = {"corpus": "C:\\Users\\jo\\labels.xlsx", "n_examples": 40, "method": "offset"}
    save_model(model, adapted, training=record | {"base_sha256": DEFAULT_MODEL_SHA256})
    save_model(model, bare)
    frame = scored({"Alpha": ["fear"] * 6})
    limits = known_limits(render_html(build_report(frame, "team", scored_by=adapted)))
    assert f"adapted (offset) from the model with digest <code>{DEFAULT_MODEL_SHA256[:16]}</code>" in limits
    assert "<li>40 examples of labels.xlsx</li>" in limits and "Users" not in limits
    limits = known_limits(render_html(build_report(frame, "team", scored_by=bare)))
    assert f"<code>{model_digest(bare)[:16]}</code>; its manifest has no training record" in limits


def test_cli_report_footer_describes_the_shipped_model_from_its_manifest(tmp_path, capsys) -> None:
    source = write_table(scored({"Alpha": ["fear"] * 6}), tmp_path / "scored.csv")
    out, summary = tmp_path / "report.html", tmp_path / "report.json"
    args = ["report", str(source), "--group-by", "team", "--model", "default", "-o", str(out)]
    assert main([*args, "--json", str(summary)]) == 0
    limits = known_limits(out.read_text(encoding="utf-8"))
    training = read_manifest(default_model_path())["training"]
    assert f"<code>{DEFAULT_MODEL_SHA256[:16]}</code>, trained on:" in limits
    for entry in [training, *training["extra"]]:
        assert f"<li>{entry['n_examples']:,} examples of {entry['corpus']}</li>" in limits
    assert json.loads(summary.read_text())["scored_by"]["digest"] == DEFAULT_MODEL_SHA256
    capsys.readouterr()
    assert main([*args, "--sha256", "0" * 64]) == 2  # a named model is checked even without terms
    assert "refusing to load it" in capsys.readouterr().err


def test_mixed_comments_get_their_own_share_interval_and_chart():
    labels = ["fear"] * 4 + ["mixed"] * 3 + ["flow"] * 3 + ["neutral"] * 2
    frame = pd.DataFrame(
        {
            "team": ["A"] * 6 + ["B"] * 6,
            "label": labels,
            "p_fear": 0.3,
            "p_flow": 0.3,
            "p_neutral": 0.4,
            "status": "ok",
        }
    )
    report = build_report(frame, "team", min_group_size=5)
    mixed = report.overall.shares["mixed"]
    assert mixed.share == pytest.approx(3 / 12) and mixed.low < mixed.share < mixed.high
    shares = {g.name: g.summary.shares["mixed"].share for g in report.groups}
    assert shares == pytest.approx({"A": 2 / 6, "B": 1 / 6})
    table = summary_rows(report)
    assert table.loc[table["scope"] == "group", "mixed_share"].tolist() == pytest.approx([2 / 6, 1 / 6])
    html = render_html(report)
    assert "Mixed share, with 95% interval" in html and "#7c3aed" in html
    with pytest.raises(ValueError, match="outside"):
        build_report(frame.assign(label=["unsure"] * 12), "team")


def test_mixed_comments_are_charted_in_the_trend_and_counted_in_suppression():
    # Alpha 10 (6 mixed), Bravo 6 (all mixed), Tiny 2 (mixed); Jan and Feb 9 each.
    labels = ["mixed"] * 6 + ["fear"] * 4 + ["mixed"] * 6 + ["mixed"] * 2
    frame = scored({"Alpha": labels[:10], "Bravo": labels[10:16], "Tiny": labels[16:]})
    frame["date"] = ["2024-01-03", "2024-02-03"] * 9
    report = build_report(frame, "team", time_column="date", min_group_size=5)
    # Tiny's 2 are too few and Bravo, the next smallest, is hidden with it: mixed comments count as any.
    assert [g.name for g in report.groups] == ["Alpha"] and report.suppressed_comments == 8
    assert report.overall_trend["2024-01"].shares["mixed"].share == pytest.approx(7 / 9)
    page = render_html(report)
    trend = page.split("<h2>Trend by month</h2>")[1].split("</section>")[0]
    assert f'fill="none" stroke="{COLOURS["mixed"]}"' in trend  # its line
    assert f"{NAMES['mixed']}</span></div>" in trend  # in the trend's legend
    assert "fear-state, flow-state and mixed comments" in trend
    assert "mixed overall" in page and "were tagged <b>mixed</b>" in page
    assert "Bravo" not in page and "Tiny" not in page
    # A model that never tags mixed keeps its page as before: no mixed line, panel or note.
    frame = scored({"Alpha": ["fear", "flow"] * 5}, date=["2024-01-03"] * 10)
    three = render_html(build_report(frame, "team", time_column="date"))
    assert f'stroke="{COLOURS["mixed"]}"' not in three and "Mixed share" not in three
    assert "mixed overall" not in three and "were tagged <b>mixed</b>" not in three
