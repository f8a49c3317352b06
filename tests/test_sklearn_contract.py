"""The scikit-learn contract: clone, cross-validation, grid search and pipelines work with both
classifiers, and the NB-weighted logistic regression passes scikit-learn's estimator checks."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import check_estimator
from tiny_set import LABELS, TEXTS

from equalcare_nlp import AdaptedClassifier, FearFlowClassifier
from equalcare_nlp.model.linear import NBLogisticRegression

#: Checks NBLogisticRegression is known to fail, each with its reason.
EXPECTED_FAILED_CHECKS = {
    "check_non_transformer_estimators_n_iter": (
        "columns present in every row have a naive Bayes ratio of 0, so on the check's dense data "
        "every column is scaled to zero and L-BFGS truthfully reports 0 iterations"
    ),
}


def test_nb_logistic_regression_passes_the_estimator_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(
            NBLogisticRegression(), expected_failed_checks=EXPECTED_FAILED_CHECKS, on_fail=None
        )
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert not failed


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(tiny_model):
    copy = clone(FearFlowClassifier(C=0.5, ngram_range=(1, 3), min_df=1))
    assert copy.get_params()["C"] == 0.5 and copy.get_params()["ngram_range"] == (1, 3)
    assert not hasattr(clone(tiny_model), "classes_")
    adapted = AdaptedClassifier(tiny_model, C=3.0)
    copied = clone(adapted)
    assert copied.base is tiny_model and copied.C == 3.0  # the frozen base is shared, not refitted


def test_cross_val_score_and_grid_search_with_the_classifier():
    texts, labels = TEXTS * 2, LABELS * 2
    scores = cross_val_score(FearFlowClassifier(min_df=1, calibration_cv=2), texts, labels, cv=2)
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))
    search = GridSearchCV(FearFlowClassifier(min_df=1, calibration_cv=None), {"C": [0.5, 2.0]}, cv=2)
    search.fit(texts, labels)
    assert search.best_params_["C"] in (0.5, 2.0)
    assert search.predict(["thank you, wonderful team"]).tolist() == ["flow"]


def test_cross_val_score_with_the_adapted_classifier(tiny_model):
    texts = ["the rota came out late", "rota out two days before", "the rota was fair", "lovely rota"] * 2
    labels = ["fear", "fear", "flow", "flow"] * 2
    scores = cross_val_score(AdaptedClassifier(tiny_model), texts, labels, cv=2)
    assert scores.shape == (2,)


def test_pipelines_compose_with_the_classifiers(tiny_model):
    lower = FunctionTransformer(lambda texts: [t.lower() for t in texts])
    pipeline = make_pipeline(lower, FearFlowClassifier(min_df=1, calibration_cv=None)).fit(TEXTS, LABELS)
    assert pipeline.predict(["I AM EXHAUSTED AND SCARED"]).tolist() == ["fear"]
    adapted = Pipeline([("lower", lower), ("model", AdaptedClassifier(tiny_model))])
    adapted.fit(["rota late again", "rota fair"], ["fear", "flow"])
    assert adapted.predict_proba(["rota late"]).shape == (1, 3)


@pytest.mark.parametrize("call", ["predict", "predict_proba", "decision_function", "tokens", "parts"])
def test_a_bare_string_is_a_type_error_for_both_classifiers(tiny_model, call):
    adapted = AdaptedClassifier(tiny_model).fit(["rota late again", "rota fair"], ["fear", "flow"])
    for model in (tiny_model, adapted):
        with pytest.raises(TypeError, match="single string"):
            getattr(model, call)("I am tired")


def test_a_bare_string_is_a_type_error_for_score_texts():
    from equalcare_nlp import score_texts

    with pytest.raises(TypeError, match="single string"):
        score_texts("hello there")
