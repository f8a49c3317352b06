"""The benchmark harness end to end: on tiny fake corpora, and ``--quick`` on the real ones."""

from __future__ import annotations

import json

import pytest

from benchmarks.__main__ import main
from benchmarks.evalsets import EVAL_SPECS
from benchmarks.run import Settings, run_benchmark

EVAL_NAMES = {spec.name for spec in EVAL_SPECS}


def check_outputs(output, report) -> None:
    """Every promised file exists and holds the run's numbers."""
    (json_file,) = output.glob("*.json")
    assert json.loads(json_file.read_text())["results"].keys() == report["results"].keys()
    markdown = json_file.with_suffix(".md").read_text()
    assert not (output / "latest.md").exists()  # quick runs never replace the README's table
    assert "| **ours, shipped default** | shipped |" in markdown
    assert "## Staff and service-user language: the frozen domain test" in markdown
    assert "## NHS patient feedback across trusts" in markdown
    assert "## Transfer matrix" in markdown
    for path in report["plots"].values():
        with open(path, "rb") as handle:
            assert handle.read(8) == b"\x89PNG\r\n\x1a\n"
    assert {"cpu_count", "load_average_start", "load_average_end"} <= report["machine"].keys()
    assert report["versions"]["scikit-learn"]


@pytest.mark.slow
def test_harness_on_tiny_fake_corpora(fake_data_dir, tmp_path):
    settings = Settings.make(fake_data_dir, tmp_path, quick=True, n_boot=20, minilm=False)
    report = run_benchmark(settings, log=lambda message: None)
    assert set(report["eval_sets"]) == EVAL_NAMES
    assert set(report["results"]["default"]) == EVAL_NAMES
    trained = {f"{kind}@{c}" for kind in ("majority", "tfidf_lr", "ours") for c in ("goemotions", "carer")}
    assert trained <= report["systems"].keys()
    assert "majority@carer" not in {k for k, v in report["results"].items() if "goemotions" in v}
    assert report["results"]["ours@carer"]["emobank"]["spearman"]["value"] is not None
    assert report["comparisons"]["default_vs_vader"]["isear"]["verdict"] in {"better", "tied", "worse"}
    assert "MiniLM baseline skipped: turned off (--no-minilm)" in report["notes"]
    # NHS across trusts: trained without a trust, scored on that trust only; the mean over A and C.
    assert set(report["results"]["tfidf_lr@nhs_without_a"]) == {"nhs_trust_a"}
    assert set(report["results"]["majority@nhs_without_b"]) == {"nhs_trust_b"}
    assert report["nhs_cross_trust"]["default"]["mean_a_c"]["value"] is not None
    trusts = {"nhs_trust_a", "nhs_trust_b", "nhs_trust_c"}
    assert report["nhs_cross_trust"]["ours"].keys() == trusts | {"mean_a_c"}
    # The frozen domain test: single-tone accuracy, staff and service users apart, mixed found.
    domain = report["results"]["default"]["domain"]
    assert domain["n_mixed"] > 0 and domain["all"]["n_single_tone"] + domain["n_mixed"] == domain["n"]
    assert {"staff", "service_user"} <= domain.keys()
    assert domain["all"]["mixed_found"]["value"] > 0  # the default's own labels: it reports mixed
    assert report["results"]["vader"]["domain"]["all"]["mixed_found"]["value"] == 0.0  # VADER cannot
    assert report["speed"]["default"]["texts_per_s"] > 0
    check_outputs(tmp_path, report)


@pytest.mark.slow
def test_quick_run_on_the_real_corpora(real_data_dir, tmp_path):
    assert main(["--quick", "--data-dir", str(real_data_dir), "--output", str(tmp_path)]) == 0
    (json_file,) = tmp_path.glob("*-quick.json")
    report = json.loads(json_file.read_text())
    assert report["quick"] and set(report["eval_sets"]) == EVAL_NAMES
    results = report["results"]
    for name in ("goemotions", "carer", "tweeteval", "isear"):
        corpus = report["eval_sets"][name]["corpus"]
        assert (
            results["default"][name]["macro_f1"]["value"]
            > results[f"majority@{corpus}"][name]["macro_f1"]["value"]
        )
    assert results["default"]["emobank"]["spearman"]["value"] > 0.2
    check_outputs(tmp_path, {**report, "plots": report["plots"]})


def test_missing_data_dir_is_a_clear_error(monkeypatch, capsys):
    monkeypatch.delenv("EQUALCARE_DATA_DIR", raising=False)
    assert main(["--quick"]) == 2
    assert "give --data-dir or set EQUALCARE_DATA_DIR" in capsys.readouterr().err


def test_data_dir_without_corpora_is_a_clear_error(tmp_path, capsys):
    assert main(["--quick", "--data-dir", str(tmp_path), "--output", str(tmp_path / "out")]) == 2
    assert "No corpus found under" in capsys.readouterr().err
