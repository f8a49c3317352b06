"""NB-weighted logistic regression: scaling folded into linear weights, one-vs-rest, binary case."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from equalcare_nlp.model.linear import NBLogisticRegression, fit_offset_softmax

RNG = np.random.default_rng(0)
Y = np.array(["fear", "flow", "neutral"])[RNG.integers(0, 3, 60)]
_DENSE = (RNG.random((60, 6)) > 0.6).astype(float)
_DENSE[:, 0], _DENSE[:, 1] = Y == "fear", Y == "flow"  # a telling feature for each of two classes
X = sp.csr_matrix(_DENSE)


def test_scores_are_linear_in_the_unscaled_features():
    model = NBLogisticRegression(C=1.0).fit(X, Y)
    assert model.coef_.shape == (3, 6) and model.classes_.tolist() == ["fear", "flow", "neutral"]
    np.testing.assert_allclose(model.decision_function(X), X @ model.coef_.T + model.intercept_)
    assert (model.predict(X) == Y).mean() > 0.9


def test_each_class_is_a_logistic_regression_on_ratio_scaled_features():
    model = NBLogisticRegression(C=1.0, alpha=1.0).fit(X, Y)
    present = (X > 0).toarray()
    positive = Y == "flow"
    p, q = present[positive].sum(0) + 1.0, present[~positive].sum(0) + 1.0
    scale = np.abs(np.log((p / p.sum()) / (q / q.sum())))
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(
        X @ sp.diags(scale), positive
    )
    np.testing.assert_allclose(model.coef_[1], reference.coef_[0] * scale, rtol=1e-4, atol=1e-6)


def test_columns_past_nb_columns_are_not_scaled():
    dense = sp.hstack([X, sp.csr_matrix(np.ones((60, 1)))]).tocsr()
    scaled = NBLogisticRegression(nb_columns=6).fit(dense, Y)
    assert scaled._scale(dense, Y == "fear", np.ones(60))[-1] == 1.0
    assert scaled._scale(dense, Y == "fear", np.ones(60))[0] > 1.0


def test_two_classes_give_one_row_like_scikit_learn():
    two = Y != "neutral"
    model = NBLogisticRegression().fit(X[two], Y[two])
    assert model.coef_.shape == (1, 6) and model.decision_function(X[two]).ndim == 1
    proba = model.predict_proba(X[two])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X[two]) == Y[two]).mean() > 0.9


def test_parameters_are_kept_and_one_class_is_refused():
    model = NBLogisticRegression(C=0.5, class_weight={"fear": 2.0, "flow": 1.0, "neutral": 1.0})
    assert clone(model).get_params()["class_weight"] == {"fear": 2.0, "flow": 1.0, "neutral": 1.0}
    assert model.fit(X, Y).coef_.shape == (3, 6)
    with pytest.raises(ValueError, match="two classes"):
        NBLogisticRegression().fit(X, ["fear"] * 60)


@pytest.mark.parametrize("true_scale", [0.5, 3.0])
def test_offset_regression_learns_how_sharp_the_labels_are_and_leaves_it_out(true_scale):
    rng = np.random.default_rng(1)
    offset = rng.normal(size=(6000, 2))
    margin = offset[:, 0] - offset[:, 1]
    target = (rng.random(6000) > 1 / (1 + np.exp(-true_scale * margin))).astype(int)  # drawn with the scale
    noise = sp.csr_matrix(rng.random((6000, 3)))  # nothing beyond the offset
    coef, intercept, scale = fit_offset_softmax(noise, offset, target, np.ones(6000), 1.0, True, 500, True)
    assert scale == pytest.approx(true_scale, rel=0.1)
    assert np.abs(noise @ coef.T + intercept).mean() < 0.15  # little left for the correction: noise
    # without the scale, a feature that carries the base's margin (as the lexicon and vectors that
    # made it do) is used to rescale the offset
    features = sp.hstack([sp.csr_matrix(margin[:, None]), noise]).tocsr()
    coef, intercept, scale = fit_offset_softmax(features, offset, target, np.ones(6000), 1.0, True, 500)
    assert scale == 1.0
    np.testing.assert_allclose(coef[0, 0] - coef[1, 0], true_scale - 1, atol=0.15)
