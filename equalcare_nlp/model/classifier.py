"""The fear/flow/neutral classifier: spaCy preprocessing -> features -> calibrated linear model."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from ..core.gc_pause import paused_gc
from ..core.labels import LABELS, MIXED
from ..features.compiled import CompiledLinear, CompiledUnion, compile_gate, gate_values
from ..features.parts import GatedPart, LearnedRegisterGate, RegisterGate, make_features
from ..nlp.preprocess import MAX_CHARS, Preprocessor
from ..nlp.token_batch import ChunkIds, TokenBatch
from .calibration import fit_inverse_temperature, out_of_fold_scores
from .linear import NBLogisticRegression
from .text_classifier import (
    Explanation,
    FeatureBlock,
    LinearTextClassifier,
    LinearView,
    Part,
    check_texts,
)

__all__ = ["Explanation", "FearFlowClassifier", "Part", "block_kind"]

#: Names of the gated (feedback-register) copies of the features start with this.
REGISTER_PREFIX = "feedback:"
#: The kind (:data:`~equalcare_nlp.model.text_classifier.KINDS`) of each part of the feature union.
_PART_KINDS = {"words": "ngram", "lexicon": "lexicon", "contrast": "lexicon", "vectors": "vectors"}


class FearFlowClassifier(LinearTextClassifier):
    """Classify texts as ``fear``, ``flow`` or ``neutral`` (scikit-learn estimator over raw texts).

    Parameters
    ----------
    ngram_range : word n-gram sizes over the preprocessed tokens.
    min_df : n-grams seen in fewer training texts are ignored.
    lexicon_weight : scale of the valence-lexicon features (0 turns them off); a larger
        scale means weaker regularisation of what carries across domains.
    vector_weight : scale of the distilled word-vector features (:mod:`equalcare_nlp.features.vectors`;
        0 turns them off).
    C : inverse regularisation strength of the logistic regression.
    nb_scaling : fit :class:`~equalcare_nlp.model.linear.NBLogisticRegression` (n-grams scaled by their
        naive Bayes log-count ratios, one-vs-rest) instead of a plain multinomial logistic regression.
    class_weight : passed to :class:`~sklearn.linear_model.LogisticRegression`.
    calibration_cv : folds for temperature-scaling calibration of the probabilities
        (``None`` keeps the raw logistic regression probabilities).
    max_chars : texts are truncated to this many characters.
    max_iter : solver iterations.
    counterfactual_scope : read "used to", "would have", "should have" and "if only"
        as opening a negation-like scope (codebook rule 6).
    contrast_weight : scale of the lexicon scores of the tokens after a contrast word ("but",
        "however", ...; 0 turns them off), so the writer's point can outweigh a courtesy.
    register_gate : add a gated copy of every feature, active for texts in the feedback register,
        so comments about work and services get weights of their own on top of the shared ones;
        still one linear model, explained exactly. ``True`` (or ``"words"``): texts that name a word
        of the register list (:class:`~equalcare_nlp.features.parts.RegisterGate`); ``"learned"``: texts a
        logistic regression over words (and pairs of words: ``gate_ngram_range``) reads as the register
        (:class:`~equalcare_nlp.features.parts.LearnedRegisterGate`), fitted on ``fit``'s ``register``.
    gate_weight : scale of the gated copy; above 1 its weights are held back less than the shared
        ones, so register texts lean more on weights of their own.
    gate_threshold : the learned gate opens where its probability of the register is above this.
    gate_ngram_range : what the learned gate reads: ``(1, 1)`` the words of a text, ``(1, 2)`` its
        pairs of adjacent words too ("on shift", "the ward"), which tell short comments from Reddit better.
    gated_parts : which parts of the feature union (``"words"``, ``"lexicon"``, ``"contrast"``,
        ``"vectors"``) get a gated copy; None: all of them. Leaving the lexicon scores and word
        vectors shared keeps what feeling words mean the same in every register.
    mixed_threshold : the probability at which a comment is predicted ``mixed``; None never predicts
        mixed. ``predict_proba`` keeps three columns.
    mixed_rule : how a comment is found mixed. ``"parts"``: one of its parts
        (:func:`~equalcare_nlp.nlp.sentences.split_sentences`) scores fear and another flow at
        ``mixed_threshold`` or more (codebook rule 9). ``"learned"``: a mixed detector, a balanced
        logistic regression over the same features, learnt at ``fit`` from the ``mixed`` labels
        (mixed against every other label), scores the whole comment at ``mixed_threshold`` or more.
    mixed_C : inverse regularisation strength of the learned mixed detector.
    """

    #: Defaults for models saved before the parameters existed.
    counterfactual_scope = False
    contrast_weight = 0.0
    register_gate = False
    gate_weight = 1.0
    gate_threshold = 0.5
    gate_ngram_range = (1, 1)
    gated_parts = None
    mixed_threshold = None
    mixed_rule = "parts"
    mixed_C = 10.0  # noqa: N815 - scikit-learn's name

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 2,
        lexicon_weight: float = 1.0,
        vector_weight: float = 1.0,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        nb_scaling: bool = True,
        class_weight: str | dict | None = "balanced",
        calibration_cv: int | None = 3,
        max_chars: int = MAX_CHARS,
        max_iter: int = 3000,
        counterfactual_scope: bool = False,
        contrast_weight: float = 0.0,
        register_gate: bool | str = False,
        gate_weight: float = 1.0,
        gate_threshold: float = 0.5,
        gate_ngram_range: tuple[int, int] = (1, 1),
        gated_parts: tuple[str, ...] | None = None,
        mixed_threshold: float | None = None,
        mixed_rule: str = "parts",
        mixed_C: float = 10.0,  # noqa: N803 - scikit-learn's name
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.lexicon_weight = lexicon_weight
        self.vector_weight = vector_weight
        self.C = C
        self.nb_scaling = nb_scaling
        self.class_weight = class_weight
        self.calibration_cv = calibration_cv
        self.max_chars = max_chars
        self.max_iter = max_iter
        self.counterfactual_scope = counterfactual_scope
        self.contrast_weight = contrast_weight
        self.register_gate = register_gate
        self.gate_weight = gate_weight
        self.gate_threshold = gate_threshold
        self.gate_ngram_range = gate_ngram_range
        self.gated_parts = gated_parts
        self.mixed_threshold = mixed_threshold
        self.mixed_rule = mixed_rule
        self.mixed_C = mixed_C

    # -- fitting ---------------------------------------------------------------------------
    def fit(
        self,
        X: Sequence[str],  # noqa: N803
        y: Sequence[str],
        sample_weight: Sequence[float] | None = None,
        register: Sequence[bool] | None = None,
        labels_mixed: Sequence[bool] | None = None,
    ):
        """Learn from texts ``X`` and labels ``y`` (each one of ``fear``, ``flow``, ``neutral`` or
        ``mixed``; mixed comments are left out of the three-label fit, as the codebook says, and
        teach the mixed detector of ``mixed_rule="learned"``).
        ``register`` (for ``register_gate="learned"``) says which texts are in the feedback register;
        ``labels_mixed`` which texts come from a source that labels mixed comments (the mixed
        detector learns from those only; default: all)."""
        X = check_texts(X)  # noqa: N806
        y = np.asarray(y, dtype=object)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} labels")
        gate = self._gate()
        if isinstance(gate, LearnedRegisterGate):
            if register is None:
                raise ValueError(
                    'register_gate="learned" needs fit(..., register=): which texts are feedback'
                )
            if len(register) != len(y):
                raise ValueError(f"X has {len(X)} texts but register has {len(register)} values")
        mixed_rows = self._mixed_rows(y, labels_mixed)
        mixed_texts = None if mixed_rows is None else [X[i] for i in mixed_rows[0]]
        if (y == MIXED).any():
            keep = np.flatnonzero(y != MIXED)
            X, y = [X[i] for i in keep], y[keep]  # noqa: N806
            sample_weight = None if sample_weight is None else np.asarray(sample_weight)[keep]
            register = None if register is None else np.asarray(register)[keep]
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"Unknown labels {unknown}; labels must be among {list(LABELS)}")
        if len(set(y)) < 2:
            raise ValueError(f"Need at least two distinct labels to fit, got {sorted(set(y))}")
        self.preprocessor_ = Preprocessor(
            max_chars=self.max_chars, counterfactual_scope=self.counterfactual_scope
        )
        self.features_ = make_features(
            self.ngram_range, self.min_df, self.lexicon_weight, self.vector_weight, self.contrast_weight
        )
        tokens = self.preprocessor_.pipe(X)
        features = self.features_.fit_transform(tokens)
        self._drop_stop_words()
        self._copied = None
        if gate is not None and self.gated_parts is not None:
            unknown = sorted(set(self.gated_parts) - {name for name, _ in self.features_.transformer_list})
            if unknown:
                raise ValueError(
                    f"gated_parts {unknown} are not parts of the features: {self.features_.transformer_list}"
                )
        self.gate_ = None if gate is None else gate.fit(tokens, register)
        features = self._with_gated(features, None if gate is None else self.gate_(tokens))
        linear = self._linear()
        folds = min(self.calibration_cv or 0, min(Counter(y).values()))
        if self.calibration_cv and folds < 2:
            warnings.warn(
                f"Too few examples of the rarest label ({folds}) for {self.calibration_cv}-fold "
                "calibration; probabilities are left uncalibrated",
                stacklevel=2,
            )
        self.inverse_temperature_ = 1.0
        if folds >= 2:
            scores = out_of_fold_scores(linear, features, y, folds, sample_weight)
            target = np.searchsorted(np.unique(y), y)
            self.inverse_temperature_ = fit_inverse_temperature(scores, target, sample_weight)
        self.linear_ = clone(linear).fit(features, y, sample_weight=sample_weight)
        self.classes_ = self.linear_.classes_
        self._view = self._compiled = self._outputs = None
        self.n_features_out_ = features.shape[1]
        self.mixed_coef_ = self.mixed_intercept_ = None
        if mixed_rows is not None:
            self._fit_mixed_detector(mixed_texts, mixed_rows[1])
        return self

    def _mixed_rows(self, y: np.ndarray, labels_mixed: Sequence[bool] | None) -> tuple | None:
        """For ``mixed_rule="learned"``: the indices of the texts the mixed detector learns from and
        whether each is mixed (None for the parts rule)."""
        if self.mixed_rule not in ("parts", "learned"):
            raise ValueError(f'mixed_rule must be "parts" or "learned", not {self.mixed_rule!r}')
        if self.mixed_rule == "parts":
            return None
        rows = np.arange(len(y))
        if labels_mixed is not None:
            if len(labels_mixed) != len(y):
                raise ValueError(f"y has {len(y)} labels but labels_mixed has {len(labels_mixed)} values")
            rows = np.flatnonzero(np.asarray(labels_mixed, dtype=bool))
        is_mixed = y[rows] == MIXED
        if is_mixed.all() or not is_mixed.any():
            raise ValueError(
                'mixed_rule="learned" needs mixed comments and others among the texts that labels_mixed marks'
            )
        return rows, is_mixed

    def _fit_mixed_detector(self, texts: list[str], is_mixed: np.ndarray) -> None:
        """The mixed detector: a balanced logistic regression, mixed against the rest, over the
        model's own features (gated copy included), so it is one more linear map of them."""
        features = self._features(self.preprocessor_.pipe(texts))
        detector = LogisticRegression(C=self.mixed_C, class_weight="balanced", max_iter=self.max_iter)
        detector.fit(features, is_mixed)
        self.mixed_coef_ = detector.coef_[0].copy()
        self.mixed_intercept_ = float(detector.intercept_[0])

    def _batch_mixed(self, batch: TokenBatch) -> np.ndarray | None:
        """The learned mixed detector's probability of each text of ``batch``; None for the parts rule."""
        if getattr(self, "mixed_coef_", None) is None:
            return None
        return self.batch_outputs(batch)[1]

    def batch_outputs(self, batch: TokenBatch) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`batch_scores` and the mixed detector's probabilities, from one pass over the features
        (part by part: :class:`~equalcare_nlp.features.compiled.CompiledLinear`)."""
        gate = getattr(self, "gate_", None)
        outputs = self.compile()._outputs.outputs(batch, None if gate is None else gate_values(gate, batch))
        classes = len(self.classes_)
        if outputs.shape[1] == classes:
            return outputs, None
        return outputs[:, :classes], expit(outputs[:, classes])

    def batch_scores(self, batch: TokenBatch) -> np.ndarray:
        """Calibrated log-odds of a token batch (:meth:`scores`, compiled)."""
        return self.batch_outputs(batch)[0]

    def _gate(self) -> RegisterGate | LearnedRegisterGate | None:
        if self.register_gate in (False, None):
            return None
        if self.register_gate in (True, "words"):
            return RegisterGate(weight=self.gate_weight)
        if self.register_gate == "learned":
            return LearnedRegisterGate(
                weight=self.gate_weight, threshold=self.gate_threshold, ngram_range=self.gate_ngram_range
            )
        raise ValueError(
            f'register_gate must be False, True, "words" or "learned", not {self.register_gate!r}'
        )

    def _linear(self) -> NBLogisticRegression | LogisticRegression:
        if not self.nb_scaling:
            return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter)
        ngrams = len(dict(self.features_.transformer_list)["words"].vocabulary_)  # the union's first part
        columns: int | tuple = ngrams
        copied = self._copied_blocks()
        # the n-grams, and their gated copy after all the shared columns
        if copied and copied[0].name == "words":
            width = feature_blocks(self.features_)[-1].stop
            columns = ((0, ngrams), (width, width + ngrams))
        return NBLogisticRegression(self.C, self.class_weight, nb_columns=columns, max_iter=self.max_iter)

    def _drop_stop_words(self) -> None:
        # TfidfVectorizer keeps every pruned n-gram in stop_words_, only for introspection;
        # it would hold far more memory than the model itself.
        words = dict(self.features_.transformer_list)["words"]
        words.stop_words_ = None

    # -- the linear-model interface ------------------------------------------------------
    def tokens(self, X: Iterable[str]) -> list[list[str]]:  # noqa: N803
        """The preprocessed tokens the model sees for each text."""
        check_is_fitted(self)
        return self.preprocessor_.pipe(check_texts(X))

    def token_batch(self, X: Iterable[str]) -> TokenBatch:  # noqa: N803
        """The preprocessed tokens of each text as ids, for the compiled path (equal to :meth:`tokens`)."""
        check_is_fitted(self)
        if getattr(self, "_chunk_ids", None) is None:
            pre = self.preprocessor_
            self._chunk_ids = ChunkIds(pre.records, pre.negation, pre.counterfactual_scope, pre.cache_size)
        return self._chunk_ids.batch(self.preprocessor_.prepare(check_texts(X)))

    def batch_features(self, batch: TokenBatch) -> sp.csr_matrix:
        """The linear view's columns of a token batch, compiled (reference: :meth:`LinearView.features`)."""
        gate = getattr(self, "gate_", None)
        values = None if gate is None else gate_values(gate, batch)
        return self._with_gated(self.compile()._compiled.transform(batch), values)

    def compile(self) -> FearFlowClassifier:
        """Build the compiled path's tables now, and the linear view and part-by-part weights it scores
        with (else the first prediction does), e.g. before timing."""
        check_is_fitted(self)
        if getattr(self, "_compiled", None) is None:
            with paused_gc():
                self._compiled = CompiledUnion(self.features_)
                if isinstance(getattr(self, "gate_", None), LearnedRegisterGate):
                    compile_gate(self.gate_)
                view = self.linear_view()
                weights, intercept = view.coef.T, view.intercept
                if getattr(self, "mixed_coef_", None) is not None:  # the detector: one more column
                    weights = np.column_stack([weights, self.mixed_coef_])
                    intercept = np.append(intercept, self.mixed_intercept_)
                blocks = feature_blocks(self.features_)
                copied = {b.name for b in self._copied_blocks()} if getattr(self, "gate_", None) else ()
                self._outputs = CompiledLinear(
                    self._compiled,
                    [b.stop - b.start for b in blocks],
                    np.ascontiguousarray(weights, dtype=np.float64),
                    intercept,
                    [i for i, b in enumerate(blocks) if b.name in copied],
                )
        return self

    def _features(self, tokens: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """The linear view's columns: the feature union's, then (with the gate) their gated copy."""
        gate = getattr(self, "gate_", None)
        return self._with_gated(self.features_.transform(tokens), None if gate is None else gate(tokens))

    def _with_gated(self, features, gate: np.ndarray | None) -> sp.csr_matrix:
        """``features``, then the copy of the :attr:`gated_parts`' columns scaled by the per-text
        ``gate`` values (none without a gate)."""
        features = sp.csr_matrix(features)
        if gate is None:
            return features
        copied = features
        if self.gated_parts is not None:
            ranges = self._copied_ranges()
            copied = sp.hstack([features[:, start:stop] for start, stop in ranges], format="csr")
        return sp.hstack([features, sp.diags(gate) @ copied], format="csr")

    def _copied_ranges(self) -> list[tuple[int, int]]:
        """The column ranges of :meth:`_copied_blocks`, found once."""
        if getattr(self, "_copied", None) is None:
            self._copied = [(b.start, b.stop) for b in self._copied_blocks()]
        return self._copied

    def _copied_blocks(self) -> tuple[FeatureBlock, ...]:
        """The shared blocks that have a gated copy (none without a gate), in column order."""
        if not self.register_gate:
            return ()
        parts = getattr(self, "gated_parts", None)
        return tuple(b for b in feature_blocks(self.features_) if parts is None or b.name in parts)

    def linear_view(self) -> LinearView:
        """The fitted weights over the feature union's parts, divided by the temperature."""
        check_is_fitted(self)
        if getattr(self, "_view", None) is None:
            beta = self.inverse_temperature_
            coef, intercept = self.linear_.coef_ * beta, self.linear_.intercept_ * beta
            if coef.shape[0] == 1:  # binary: the one row scores classes_[1] against classes_[0]
                coef = np.vstack([-coef[0] / 2, coef[0] / 2])
                intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
            blocks = feature_blocks(self.features_)
            if getattr(self, "gate_", None) is not None:
                start = blocks[-1].stop
                for b in self._copied_blocks():
                    stop = start + b.stop - b.start
                    gated = GatedPart(b.transformer, self.gate_)
                    blocks += (replace(b, transformer=gated, start=start, stop=stop, prefix=REGISTER_PREFIX),)
                    start = stop
            self._view = LinearView(self.classes_, blocks, coef, intercept, 1.0 / beta, self._features)
        return self._view

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for derived in ("_view", "_compiled", "_outputs", "_chunk_ids", "_copied"):  # rebuilt on first use
            state.pop(derived, None)
        return state


def block_kind(name: str) -> str:
    """The kind of a feature-union part by its name (``words``, ``lexicon``, ``contrast``, ``vectors``)."""
    if name not in _PART_KINDS:
        raise ValueError(f"unknown feature part {name!r}; known parts: {sorted(_PART_KINDS)}")
    return _PART_KINDS[name]


def feature_blocks(features, prefix: str = "", start: int = 0) -> tuple[FeatureBlock, ...]:
    """The blocks of a fitted feature union, in column order from ``start``."""
    blocks = []
    for name, transformer in features.transformer_list:
        width = len(transformer.get_feature_names_out())
        blocks.append(FeatureBlock(name, block_kind(name), transformer, start, start + width, prefix))
        start += width
    return tuple(blocks)
