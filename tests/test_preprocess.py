"""The spaCy preprocessing stage: tokens the model sees, negation scope, placeholders, edge inputs."""

import pytest
import spacy
from confection import ConfigValidationError

from equalcare_nlp import MAX_CHARS, Preprocessor, make_nlp
from equalcare_nlp.core.components import LEMMATIZER, NEGATION, NORMALIZE
from equalcare_nlp.nlp.preprocess import NEGATION_CONFIG, NORMALIZE_CONFIG, doc_tokens


@pytest.fixture(scope="module")
def pre():
    return Preprocessor()


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("I am not coping", ["i", "be", "not", "not_cope"]),
        ("No complaints at all", ["no", "not_complaint", "not_at", "not_all"]),
        ("I don't feel safe, but OK", ["i", "do", "not", "not_feel", "not_safe", "but", "okay"]),
        ("I CAN'T COPE", ["i", "can", "not", "not_cope"]),
    ],
)
def test_negation_scope_and_contractions(pre, text, tokens):
    assert pre(text) == tokens


def test_negation_scope_ends_at_clause_boundary(pre):
    tokens = pre("not coping and feel burnt out")
    assert "not_cope" in tokens and "burn" in tokens and "not_burn" not in tokens


def test_placeholders(pre):
    tokens = pre("[NAME] wrote to @bob at bob@x.org about http://x.org/a and 42 beds")
    for placeholder in ("<name>", "<user>", "<email>", "<url>", "<num>"):
        assert placeholder in tokens
    assert "bob@x.org" not in tokens


def test_elongation_and_emoji_kept(pre):
    tokens = pre("soooo tired 😡 :(")
    assert "<elong>" in tokens and "😡" in tokens and ":(" in tokens


def test_long_text_truncated(pre):
    tokens = pre("word " * (MAX_CHARS))
    assert len(tokens) <= MAX_CHARS // 5 + 1


def test_non_string_is_a_clear_error(pre):
    with pytest.raises(TypeError, match=r"texts\[1\] is NoneType"):
        pre.pipe(["fine", None])


def test_fast_path_equals_spacy_pipeline(pre):
    nlp = make_nlp()
    texts = ["I don't think they care. Soooo tired!!! [NAME]", "Nothing to improve, the staff were lovely"]
    assert pre.pipe(texts) == [doc_tokens(nlp(t)) for t in texts]


def test_spacy_pipeline_exposes_token_attributes():
    doc = make_nlp()("not coping")
    assert [t._.ec_negated for t in doc] == [False, True]
    assert doc[1]._.ec_norm == "cope"


@pytest.mark.parametrize(
    ("text", "opened"),
    [
        ("I used to love this job", "not_love"),
        ("It would have been nice to be told", "not_nice"),
        ("It should've been sorted weeks ago", "not_sort"),
        ("if only someone had listened", "not_listen"),
    ],
)
def test_counterfactual_scope_reads_like_negation_when_asked(text, opened):
    assert opened in Preprocessor(counterfactual_scope=True)(text)
    assert opened not in Preprocessor()(text)  # off by default: models saved before keep their tokens


def test_preprocessor_survives_a_full_cache():
    pre = Preprocessor(cache_size=5)
    assert pre.pipe(["a b c"]) == [["a", "b", "c"]]
    assert pre.pipe(["a x y z"]) == [["a", "x", "y", "z"]]  # "a" was cached before the cache was emptied


def test_stages_declare_what_they_assign_and_require():
    nlp = make_nlp()
    assert nlp.pipe_names == [LEMMATIZER, NORMALIZE, NEGATION]
    assert nlp.get_pipe_meta(LEMMATIZER).assigns == ["token.lemma"]
    assert nlp.get_pipe_meta(NORMALIZE).requires == ["token.lemma"]
    assert nlp.get_pipe_meta(NORMALIZE).assigns == ["doc._.ec_records", "token._.ec_norm", "token._.ec_flags"]
    assert nlp.get_pipe_meta(NEGATION).requires == ["doc._.ec_records"]
    assert nlp.get_pipe_meta(NEGATION).assigns == ["doc._.ec_negated", "token._.ec_negated"]
    assert not any(nlp.analyze_pipes(pretty=False)["problems"].values())  # each requirement met upstream


def test_stage_settings_are_their_config():
    nlp = make_nlp()
    for name, defaults in ((NORMALIZE, NORMALIZE_CONFIG), (NEGATION, NEGATION_CONFIG)):
        assert {k: v for k, v in nlp.config["components"][name].items() if k != "factory"} == defaults
    other = spacy.blank("en")
    other.add_pipe(NORMALIZE)
    other.add_pipe(NEGATION, config={"negators": ["scarcely"], "window": 1})
    doc = other("scarcely slept at all, not fine")
    assert [t._.ec_negated for t in doc] == [False, True, False, False, False, False, False]


@pytest.mark.parametrize(
    ("config", "error", "message"),
    [
        ({"window": "wide"}, ConfigValidationError, "window"),
        ({"window": -1}, ValueError, "window must be 0 or more"),
        ({"counterfactual_openers": [["used", "to", "be"]]}, ValueError, "pairs of norms"),
    ],
)
def test_bad_negation_settings_are_clear_errors(config, error, message):
    with pytest.raises(error, match=message):
        spacy.blank("en").add_pipe(NEGATION, config=config)


def test_pipeline_saves_and_loads_the_spacy_way(tmp_path):
    make_nlp(counterfactual_scope=True).to_disk(tmp_path)
    texts = ["I used to love this job [NAME]", "I CAN'T COPE, soooo tired"]
    loaded = [doc_tokens(doc) for doc in spacy.load(tmp_path).pipe(texts)]
    assert loaded == Preprocessor(counterfactual_scope=True).pipe(texts)
