"""The classifier: fit/predict/predict_proba on small data, explain, validation errors."""

import numpy as np
import pytest
from tiny_set import LABELS, TEXTS

from equalcare_nlp import FearFlowClassifier


def test_fit_predict(tiny_model):
    assert list(tiny_model.classes_) == ["fear", "flow", "neutral"]
    assert tiny_model.predict(["thank you, wonderful team", "I am exhausted"]).tolist() == ["flow", "fear"]


def test_probabilities_sum_to_one(tiny_model):
    proba = tiny_model.predict_proba(TEXTS)
    assert proba.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (tiny_model.predict(TEXTS) == tiny_model.classes_[proba.argmax(axis=1)]).all()


def test_explain_is_exact(tiny_model):
    text = "I am exhausted but thank you"
    explanation = tiny_model.explain(text, top=10_000)
    logits = tiny_model.decision_function([text])[0]
    k = list(tiny_model.classes_).index(explanation.label)
    assert explanation.label == tiny_model.predict([text])[0]
    total = explanation.bias + sum(w for _, w in explanation.terms)
    assert total == pytest.approx(logits[k] - logits.mean(), abs=1e-4)
    assert explanation.probabilities[explanation.label] == pytest.approx(
        tiny_model.predict_proba([text])[0][k]
    )


def test_unknown_labels_are_a_clear_error():
    with pytest.raises(ValueError, match="Unknown labels"):
        FearFlowClassifier().fit(["a", "b"], ["fear", "happy"])


def test_params_stored_unmodified():
    params = FearFlowClassifier(C=0.5, ngram_range=(1, 3)).get_params()
    assert params["C"] == 0.5 and params["ngram_range"] == (1, 3)


def test_a_comment_with_a_clear_fear_part_and_a_clear_flow_part_is_mixed(tiny_model):
    texts = ["thank you so much, the team is wonderful. I am exhausted and scared", "I dread every shift"]
    assert "mixed" not in tiny_model.predict(texts).tolist()  # no threshold: never mixed
    mixed = FearFlowClassifier(min_df=1, calibration_cv=2, mixed_threshold=0.4).fit(TEXTS, LABELS)
    assert mixed.predict(texts).tolist() == ["mixed", "fear"]
    assert mixed.mixed(texts).tolist() == [True, False]
    assert mixed.predict_proba(texts).shape == (2, 3)  # probabilities keep the three labels
    parts = mixed.parts(texts)[0]
    assert [p.label for p in parts] == ["flow", "flow", "fear"]
    assert parts[2].text == "I am exhausted and scared" and parts[2].probabilities["fear"] >= 0.4
    explanation = mixed.explain(texts[0])
    assert explanation.label == "mixed" and [p.label for p in explanation.parts] == ["flow", "flow", "fear"]


def test_mixed_labels_are_left_out_of_the_three_label_fit(tiny_model):
    texts, labels = [*TEXTS, "lovely team, awful rota"], [*LABELS, "mixed"]
    fitted = FearFlowClassifier(min_df=1, calibration_cv=None).fit(texts, labels)  # the tiny model's settings
    assert list(fitted.classes_) == ["fear", "flow", "neutral"]
    np.testing.assert_allclose(fitted.predict_proba(TEXTS), tiny_model.predict_proba(TEXTS))


def test_a_bare_string_is_an_error_not_one_text_per_character(tiny_model):
    for call in (tiny_model.predict, tiny_model.parts, tiny_model.mixed):
        with pytest.raises(TypeError, match="single string"):
            call("I am tired")
    with pytest.raises(TypeError, match="single string"):
        FearFlowClassifier().fit("some text", ["fear"])


def test_register_gate_opens_for_comments_about_work_and_services():
    from equalcare_nlp.features.parts import RegisterGate
    from equalcare_nlp.nlp.preprocess import Preprocessor

    gate = RegisterGate().fit()
    tokens = Preprocessor().pipe(["The nurses were lovely", "my cat is lovely", "not enough staff again"])
    assert gate(tokens).tolist() == [1.0, 0.0, 1.0]  # lemmas match ("nurses"), negated words too


#: Comments in the feedback register (survey answers about work and services) and ones that are not.
REGISTER = [
    "short staffed on every shift and the rota comes out late",
    "the ward team were kind to my dad",
    "our manager listens and the team covers for each other",
    "appointment cancelled twice, nobody rang back",
    "handover was rushed again, not enough staff",
    "reception staff were rude when I rang about my appointment",
]
ELSEWHERE = [
    "lol this game is so good",
    "my cat knocked the plant over again",
    "that movie was terrible, what a waste",
    "haha I love this subreddit",
    "the game last night was insane",
    "this song is on repeat, love it",
]


def test_learned_register_gate_reads_the_register_from_its_words():
    from equalcare_nlp.features.parts import LearnedRegisterGate
    from equalcare_nlp.nlp.preprocess import Preprocessor

    tokens = Preprocessor().pipe(REGISTER + ELSEWHERE)
    gate = LearnedRegisterGate(weight=2.0, min_df=1).fit(tokens, [True] * 6 + [False] * 6)
    probe = Preprocessor().pipe(["not enough staff on the ward again", "this game is so good lol"])
    assert gate(probe).tolist() == [2.0, 0.0]  # the gate's weight where it opens
    strict = LearnedRegisterGate(threshold=0.999, min_df=1).fit(tokens, [True] * 6 + [False] * 6)
    assert strict(probe).tolist() == [0.0, 0.0]  # a higher threshold opens for fewer texts
    with pytest.raises(ValueError, match="between 0 and 1"):
        LearnedRegisterGate(threshold=1.0).fit(tokens, [True] * 6 + [False] * 6)
    with pytest.raises(ValueError, match="both in and out"):
        LearnedRegisterGate().fit(tokens, [True] * 12)


def test_learned_gate_reads_what_a_text_is_about_not_that_it_reports_a_feeling():
    from equalcare_nlp.features.parts import LearnedRegisterGate
    from equalcare_nlp.nlp.preprocess import Preprocessor

    felt = ["I feel nobody on the ward listens", "I feel the rota is unfair", "we feel valued by the manager"]
    tokens = Preprocessor().pipe(REGISTER + felt + ELSEWHERE)
    register = [True] * (len(REGISTER) + len(felt)) + [False] * len(ELSEWHERE)
    gate = LearnedRegisterGate(min_df=1).fit(tokens, register)
    assert "feel" not in gate.words_ and "ward" in gate.words_
    reading = LearnedRegisterGate(min_df=1, ignored=()).fit(tokens, register)
    assert reading.coef_[reading.words_.tolist().index("feel")] > 0  # read, "feel" pulls towards the register


MIXED_TEXTS = [
    "the team is wonderful but I am exhausted",
    "lovely colleagues, impossible targets",
    "grateful for my manager though the rota is crushing us",
    "kind nurses but the wait was frightening",
    "I love the job but I dread every shift",
    "great support from the ward, angry about the cancelled appointment",
]


def test_learned_mixed_detector_reads_mixed_comments_and_saves_exactly(tmp_path):
    import equalcare_nlp as eq

    texts, labels = TEXTS + MIXED_TEXTS, LABELS + ["mixed"] * len(MIXED_TEXTS)
    params = {"min_df": 1, "calibration_cv": 2, "mixed_rule": "learned", "mixed_threshold": 0.5}
    with pytest.raises(ValueError, match="needs mixed comments"):
        FearFlowClassifier(**params).fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match='"parts" or "learned"'):
        FearFlowClassifier(**params | {"mixed_rule": "clauses"}).fit(texts, labels)
    model = FearFlowClassifier(**params).fit(texts, labels)
    # the three-label fit is the same with or without the detector: mixed comments teach only it
    plain = FearFlowClassifier(**params | {"mixed_rule": "parts"}).fit(texts, labels)
    np.testing.assert_allclose(model.predict_proba(TEXTS), plain.predict_proba(TEXTS), atol=1e-12)
    probe = ["the team is lovely but the targets are crushing us", "I dread every shift", "thank you so much"]
    assert model.predict(probe).tolist() == ["mixed", "fear", "flow"]
    proba, mixed = model.predict_proba_mixed(probe)
    np.testing.assert_array_equal(proba, model.predict_proba(probe))
    assert mixed.tolist() == model.mixed(probe).tolist() == [True, False, False]
    # the detector is linear over the model's own features: the reference path gives the same score
    view = model.linear_view()
    features = view.features(model.tokens(probe)).astype(np.float64)  # float32 features, float64 sums
    reference = 1 / (1 + np.exp(-(features @ model.mixed_coef_ + model.mixed_intercept_)))
    np.testing.assert_allclose(model._batch_mixed(model.token_batch(probe)), reference, atol=1e-12)
    assert model.explain(probe[0]).label == "mixed"
    # labels_mixed: only the marked texts teach the detector
    marked = [False] * len(TEXTS) + [True] * len(MIXED_TEXTS)
    with pytest.raises(ValueError, match="needs mixed comments and others"):
        FearFlowClassifier(**params).fit(texts, labels, labels_mixed=marked)
    eq.save_model(model, tmp_path)
    loaded = eq.load_model(tmp_path)
    np.testing.assert_allclose(loaded.mixed_coef_, model.mixed_coef_, atol=0)
    assert loaded.predict(probe).tolist() == model.predict(probe).tolist()


def test_learned_gate_model_needs_the_register_and_saves_exactly(tmp_path):
    import equalcare_nlp as eq

    texts = TEXTS + REGISTER + ELSEWHERE
    labels = LABELS + [
        "fear",
        "flow",
        "flow",
        "fear",
        "fear",
        "fear",
        "flow",
        "flow",
        "fear",
        "flow",
        "neutral",
        "flow",
    ]
    register = [False] * len(TEXTS) + [True] * 6 + [False] * 6
    model = FearFlowClassifier(min_df=1, calibration_cv=2, register_gate="learned", gate_weight=2.0)
    with pytest.raises(ValueError, match="register="):
        model.fit(texts, labels)
    with pytest.raises(ValueError, match="register has 3 values"):
        model.fit(texts, labels, register=[True] * 3)
    model.fit(texts, labels, register=register)
    probe = ["rota out two days before, short staffed again", "this game is so good lol", "thank you"]
    view = model.linear_view()
    rows = view.features(model.tokens(probe))
    gated = np.array([n.startswith("feedback:") for n in view.names])
    assert rows[0][:, gated].nnz > 0 and rows[1][:, gated].nnz == 0
    eq.save_model(model, tmp_path)
    loaded = eq.load_model(tmp_path)
    assert loaded.gate_weight == 2.0
    np.testing.assert_allclose(loaded.predict_proba(probe), model.predict_proba(probe), atol=1e-12)
    only = FearFlowClassifier(**model.get_params() | {"gated_parts": ("words",), "gate_threshold": 0.8})
    only.fit(texts, labels, register=register)
    names = only.linear_view().names
    gated = [n.removeprefix("feedback:") for n in names if n.startswith("feedback:")]
    assert gated and all(not n.startswith(("lexicon:", "~")) for n in gated)  # n-grams only
    view = only.linear_view()
    rows = view.features(only.tokens(probe))
    np.testing.assert_allclose(rows @ view.coef.T + view.intercept, only.decision_function(probe), atol=1e-12)
    eq.save_model(only, tmp_path / "only")
    np.testing.assert_allclose(
        eq.load_model(tmp_path / "only").predict_proba(probe), only.predict_proba(probe), atol=1e-12
    )
    pairs = FearFlowClassifier(**model.get_params() | {"gate_ngram_range": (1, 2)})
    pairs.fit(texts, labels, register=register)
    assert pairs.gate_.ngram_range == (1, 2)  # (what it reads of a text: tests/test_compiled.py)
    eq.save_model(pairs, tmp_path / "pairs")
    loaded = eq.load_model(tmp_path / "pairs")
    assert loaded.gate_.ngram_range == (1, 2)
    np.testing.assert_array_equal(loaded.gate_(loaded.tokens(probe)), pairs.gate_(pairs.tokens(probe)))
    np.testing.assert_allclose(loaded.predict_proba(probe), pairs.predict_proba(probe), atol=1e-12)
    with pytest.raises(ValueError, match=r"ngram_range must be \(1, 1\) or \(1, 2\)"):
        FearFlowClassifier(**model.get_params() | {"gate_ngram_range": (2, 3)}).fit(
            texts, labels, register=register
        )
    with pytest.raises(ValueError, match="not parts of the features"):
        FearFlowClassifier(register_gate=True, gated_parts=("nope",)).fit(texts, labels)
    with pytest.raises(ValueError, match="register_gate must be"):
        FearFlowClassifier(register_gate="maybe").fit(texts, labels)


def test_register_gated_model_is_one_exact_linear_map(tmp_path):
    import equalcare_nlp as eq

    texts = TEXTS + ["the manager set impossible targets", "thank you to the nurses on the ward"]
    labels = LABELS + ["fear", "flow"]
    model = FearFlowClassifier(min_df=1, calibration_cv=2, register_gate=True).fit(texts, labels)
    view = model.linear_view()
    probe = ["the ward manager only cares about targets", "I am exhausted and scared", "thank you"]
    rows = view.features(model.tokens(probe))
    np.testing.assert_allclose(
        rows @ view.coef.T + view.intercept, model.decision_function(probe), atol=1e-12
    )
    gated = np.array([n.startswith("feedback:") for n in view.names])
    assert gated.sum() == len(view.names) // 2
    assert rows[1][:, gated].nnz == 0 and rows[0][:, gated].nnz > 0  # only the register comment is gated
    explanation = model.explain(probe[0], top=10_000)
    scores = model.decision_function(probe[:1])[0]
    k = list(model.classes_).index(explanation.label)
    assert np.isclose(sum(w for _, w in explanation.terms) + explanation.bias, scores[k] - scores.mean())
    eq.save_model(model, tmp_path)
    np.testing.assert_allclose(
        eq.load_model(tmp_path).predict_proba(probe), model.predict_proba(probe), atol=1e-12
    )
