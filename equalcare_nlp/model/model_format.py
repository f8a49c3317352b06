"""A fitted classifier as plain data: a JSON description and named numeric arrays, and back.

Nothing here can run code from a model file. The description names only types this module
knows (the two classifiers, the three feature transformers, the two linear estimators), and
every array is numeric or a UTF-8 byte string read with ``allow_pickle=False``; anything else is
refused with :class:`ModelFormatError`. Each fitted state is written exactly (float64 weights
stay float64), so a loaded model predicts what the saved one did.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from ..features.parts import LearnedRegisterGate, LexiconFeatures, RegisterGate, ngram_vectorizer, word_ngrams
from ..features.vectors import WordVectors
from ..nlp.preprocess import Preprocessor
from .adapted import AdaptedClassifier
from .classifier import FearFlowClassifier, block_kind
from .linear import NBLogisticRegression
from .text_classifier import LinearTextClassifier

_LINEAR = {"NBLogisticRegression": NBLogisticRegression, "LogisticRegression": LogisticRegression}


class ModelFormatError(ValueError):
    """A model description or its arrays are not a model this package wrote."""


class _Writer:
    """Collects arrays under generated keys, and each shared transformer once."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.dtypes: dict[str, str] = {}
        self.transformers: dict[str, dict[str, Any]] = {}
        self._seen: dict[int, str] = {}

    def array(self, value: np.ndarray) -> str:
        """Store an array under a new key; floats go in the smallest float type that holds them
        exactly (the word vectors are float16 values), their own type recorded to restore."""
        key = f"a{len(self.arrays)}"
        value = np.ascontiguousarray(value)
        if value.dtype.kind == "f":
            for smaller in (np.float16, np.float32):
                if np.dtype(smaller).itemsize < value.dtype.itemsize and np.array_equal(
                    value.astype(smaller).astype(value.dtype), value
                ):
                    self.dtypes[key] = value.dtype.str
                    value = value.astype(smaller)
                    break
        self.arrays[key] = value
        return key

    def json(self, value: Any) -> str:
        """Store a JSON-able value (vocabularies, lexicon terms) as UTF-8 bytes."""
        encoded = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return self.array(np.frombuffer(encoded, dtype=np.uint8))

    def transformer(self, transformer: Any) -> str:
        if id(transformer) not in self._seen:
            key = f"t{len(self.transformers)}"
            self._seen[id(transformer)] = key
            self.transformers[key] = _transformer_data(transformer, self)
        return self._seen[id(transformer)]


class _Reader:
    """Reads arrays and transformers by key, checking each is what the description says."""

    def __init__(self, transformers: dict[str, Any], arrays: dict[str, np.ndarray], dtypes: dict[str, str]):
        self.arrays = arrays
        self._specs = transformers
        self._dtypes = dtypes
        self._built: dict[str, Any] = {}

    def array(self, key: str, kind: str = "f") -> np.ndarray:
        if key not in self.arrays:
            raise ModelFormatError(f"the arrays file has no array {key!r}")
        value = self.arrays[key]
        if value.dtype.kind not in kind:
            raise ModelFormatError(f"array {key!r} has dtype {value.dtype}, expected kind {kind!r}")
        if key in self._dtypes:
            dtype = np.dtype(self._dtypes[key])
            if dtype.kind != "f":
                raise ModelFormatError(f"array {key!r} would be restored to {dtype}, not a float type")
            value = value.astype(dtype)
        return value

    def json(self, key: str) -> Any:
        try:
            return json.loads(self.array(key, "u").tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ModelFormatError(f"array {key!r} is not UTF-8 JSON: {error}") from error

    def transformer(self, key: str) -> Any:
        if key not in self._built:
            if key not in self._specs:
                raise ModelFormatError(f"the description has no transformer {key!r}")
            self._built[key] = _transformer_from(self._specs[key], self)
        return self._built[key]


def model_data(model: LinearTextClassifier) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``(description, arrays)`` of a fitted classifier: JSON-able data and named numpy arrays."""
    writer = _Writer()
    description = _classifier_data(model, writer)
    return {
        "classifier": description,
        "transformers": writer.transformers,
        "dtypes": writer.dtypes,
    }, writer.arrays


def model_from_data(description: dict[str, Any], arrays: dict[str, np.ndarray]) -> LinearTextClassifier:
    """The classifier :func:`model_data` described; :class:`ModelFormatError` for anything else."""
    try:
        reader = _Reader(description["transformers"], arrays, description.get("dtypes", {}))
        return _classifier_from(description["classifier"], reader)
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise ModelFormatError(f"not a model description this package wrote: {error!r}") from error


# -- classifiers ------------------------------------------------------------------------------
def _classifier_data(model: LinearTextClassifier, writer: _Writer) -> dict[str, Any]:
    classes = [str(c) for c in model.classes_]
    if isinstance(model, AdaptedClassifier):
        params = {k: _jsonable(v) for k, v in model.get_params(deep=False).items() if k != "base"}
        own = model.own_features_
        return {
            "type": "AdaptedClassifier",
            "params": params,
            "base": _classifier_data(model.base, writer),
            "classes": classes,
            "adapted_labels": [str(c) for c in model.adapted_labels_],
            "columns": model.columns_.tolist(),
            "own_features": None if own is None else _union_data(own, writer),
            "coef": writer.array(model.coef_),
            "intercept": writer.array(model.intercept_),
            "offset_scale": float(getattr(model, "offset_scale_", 1.0)),
            "n_features_out": int(model.n_features_out_),
        }
    if type(model) is not FearFlowClassifier:
        raise TypeError(
            f"cannot save a {type(model).__name__}: only the package's classifiers have a file format"
        )
    linear = model.linear_
    gate = getattr(model, "gate_", None)
    return {
        "type": "FearFlowClassifier",
        "params": {k: _jsonable(v) for k, v in model.get_params().items()},
        "classes": classes,
        "features": _union_data(model.features_, writer),
        "linear": {
            "type": type(linear).__name__,
            "params": {k: _jsonable(v) for k, v in linear.get_params().items()},
            "coef": writer.array(linear.coef_),
            "intercept": writer.array(linear.intercept_),
        },
        "inverse_temperature": float(model.inverse_temperature_),
        "n_features_out": int(model.n_features_out_),
        **_gate_data(gate, writer),
        "mixed_detector": None
        if getattr(model, "mixed_coef_", None) is None
        else {"coef": writer.array(model.mixed_coef_), "intercept": model.mixed_intercept_},
    }


def _gate_data(gate: RegisterGate | LearnedRegisterGate | None, writer: _Writer) -> dict[str, Any]:
    """A word gate as its sorted words; a learned gate as its words, their weights and its intercept."""
    if isinstance(gate, LearnedRegisterGate):
        learned = {"words": writer.json(gate.words_.tolist()), "coef": writer.array(gate.coef_)}
        return {"learned_gate": learned | {"intercept": gate.intercept_}}
    return {"register_gate": None if gate is None else writer.json(sorted(gate.words_))}


def _gate_from(model: FearFlowClassifier, data: dict[str, Any], reader: _Reader) -> None:
    model.gate_ = None
    if data.get("register_gate") is not None:
        model.gate_ = RegisterGate(weight=model.gate_weight)
        model.gate_.words_ = frozenset(str(w) for w in reader.json(data["register_gate"]))
    elif data.get("learned_gate") is not None:
        learned = data["learned_gate"]
        model.gate_ = LearnedRegisterGate(
            weight=model.gate_weight, threshold=model.gate_threshold, ngram_range=model.gate_ngram_range
        )
        model.gate_.words_ = np.array([str(w) for w in reader.json(learned["words"])], dtype=object)
        model.gate_.coef_ = reader.array(learned["coef"])
        model.gate_.intercept_ = float(learned["intercept"])
        if len(model.gate_.words_) != len(model.gate_.coef_):
            raise ModelFormatError("the learned register gate has a weight count unlike its word count")


def _classifier_from(data: dict[str, Any], reader: _Reader) -> LinearTextClassifier:
    kind = data["type"]
    classes = np.array(data["classes"], dtype=object)
    if kind == "AdaptedClassifier":
        base = _classifier_from(data["base"], reader)
        model = AdaptedClassifier(base, **_params(data["params"]))
        model.classes_ = classes
        model.adapted_labels_ = np.array(data["adapted_labels"], dtype=object)
        model.columns_ = np.array(data["columns"], dtype=np.int64)
        own = data["own_features"]
        model.own_features_ = None if own is None else _union_from(own, reader)
        model.coef_ = reader.array(data["coef"])
        model.intercept_ = reader.array(data["intercept"])
        model.offset_scale_ = float(data.get("offset_scale", 1.0))  # older files: fitted without the scale
        model.n_features_out_ = int(data["n_features_out"])
        return model
    if kind != "FearFlowClassifier":
        raise ModelFormatError(f"unknown classifier type {kind!r}")
    model = FearFlowClassifier(**_params(data["params"]))
    model.preprocessor_ = Preprocessor(
        max_chars=model.max_chars, counterfactual_scope=model.counterfactual_scope
    )
    model.features_ = _union_from(data["features"], reader)
    linear_data = data["linear"]
    if linear_data["type"] not in _LINEAR:
        raise ModelFormatError(f"unknown linear model type {linear_data['type']!r}")
    linear = _LINEAR[linear_data["type"]](**_params(linear_data["params"]))
    linear.coef_ = reader.array(linear_data["coef"])
    linear.intercept_ = reader.array(linear_data["intercept"])
    linear.classes_ = classes
    linear.n_features_in_ = linear.coef_.shape[1]
    model.linear_ = linear
    model.inverse_temperature_ = float(data["inverse_temperature"])
    _gate_from(model, data, reader)
    model.classes_ = classes
    model.n_features_out_ = int(data["n_features_out"])
    if model.n_features_out_ != linear.coef_.shape[1]:
        raise ModelFormatError(f"{model.n_features_out_} features but weights for {linear.coef_.shape[1]}")
    detector = data.get("mixed_detector")
    model.mixed_coef_ = None if detector is None else reader.array(detector["coef"])
    model.mixed_intercept_ = None if detector is None else float(detector["intercept"])
    if detector is not None and model.mixed_coef_.shape != (model.n_features_out_,):
        raise ModelFormatError(
            f"the mixed detector has {model.mixed_coef_.shape} weights for {model.n_features_out_} features"
        )
    return model


# -- feature transformers ---------------------------------------------------------------------
def _union_data(union: FeatureUnion, writer: _Writer) -> list[list[str]]:
    return [[name, writer.transformer(transformer)] for name, transformer in union.transformer_list]


def _union_from(data: list[list[str]], reader: _Reader) -> FeatureUnion:
    parts = []
    for name, key in data:
        block_kind(name)  # a known part name, or ModelFormatError below
        parts.append((str(name), reader.transformer(key)))
    return FeatureUnion(parts)


def _transformer_data(transformer: Any, writer: _Writer) -> dict[str, Any]:
    if isinstance(transformer, TfidfVectorizer):
        analyzer = transformer.analyzer
        if not (isinstance(analyzer, partial) and analyzer.func is word_ngrams):
            raise TypeError("only n-gram vectorizers made by features.ngram_vectorizer can be saved")
        vocabulary = sorted(transformer.vocabulary_, key=transformer.vocabulary_.__getitem__)
        return {
            "type": "ngrams",
            "ngram_range": list(analyzer.keywords["ngram_range"]),
            "min_df": transformer.min_df,
            "vocabulary": writer.json(vocabulary),
            "idf": writer.array(transformer.idf_),
        }
    if isinstance(transformer, LexiconFeatures):
        return {
            "type": "lexicon",
            "lexicons": list(transformer.lexicons),
            "weight": float(transformer.weight),
            "span": getattr(transformer, "span", "all"),  # older models had no span
            "terms": writer.json([[list(key), value] for key, value in transformer.lexicon_.items()]),
        }
    if isinstance(transformer, WordVectors):
        return {
            "type": "vectors",
            "table": None if transformer.table is None else str(transformer.table),
            "weight": float(transformer.weight),
            "negated": float(getattr(transformer, "negated", 1.0)),
            "words": writer.json([str(w) for w in transformer.words_]),
            "vectors": writer.array(transformer.vectors_),
        }
    raise TypeError(f"cannot save a {type(transformer).__name__} feature part")


def _transformer_from(data: dict[str, Any], reader: _Reader) -> Any:
    kind = data["type"]
    if kind == "ngrams":
        vectorizer = ngram_vectorizer(tuple(int(n) for n in data["ngram_range"]), int(data["min_df"]))
        vocabulary = reader.json(data["vocabulary"])
        if not all(isinstance(term, str) for term in vocabulary):
            raise ModelFormatError("an n-gram vocabulary holds something other than text")
        vectorizer.vocabulary_ = {term: i for i, term in enumerate(vocabulary)}
        vectorizer.idf_ = reader.array(data["idf"])
        if len(vectorizer.idf_) != len(vocabulary):
            raise ModelFormatError(f"{len(vocabulary)} n-grams but {len(vectorizer.idf_)} idf values")
        return vectorizer
    if kind == "lexicon":
        lexicon = LexiconFeatures(tuple(data["lexicons"]), float(data["weight"]), str(data["span"]))
        terms = {tuple(str(t) for t in key): float(value) for key, value in reader.json(data["terms"])}
        if not terms:
            raise ModelFormatError("a lexicon part has no terms")
        lexicon.lexicon_ = terms
        lexicon.max_term_len_ = max(len(key) for key in terms)
        return lexicon
    if kind == "vectors":
        vectors = WordVectors(data["table"], float(data["weight"]), float(data["negated"]))
        words = reader.json(data["words"])
        vectors.words_ = np.array([str(w) for w in words], dtype=str)
        vectors.vectors_ = reader.array(data["vectors"])
        if vectors.vectors_.ndim != 2 or len(vectors.vectors_) != len(words):
            raise ModelFormatError(f"{len(words)} words but vectors of shape {vectors.vectors_.shape}")
        vectors.vocabulary_ = {w: i for i, w in enumerate(words)}
        return vectors
    raise ModelFormatError(f"unknown feature part type {kind!r}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"tuple": list(value)}
    if value is None or isinstance(value, str | int | float | bool | list):
        return value
    if isinstance(value, dict):
        return {"dict": [[k, v] for k, v in value.items()]}
    raise TypeError(f"parameter value {value!r} cannot be saved as data")


def _params(data: dict[str, Any]) -> dict[str, Any]:
    return {str(k): _from_jsonable(v) for k, v in data.items()}


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"tuple"}:
            return tuple(value["tuple"])
        if set(value) == {"dict"}:
            return {k: v for k, v in value["dict"]}
        raise ModelFormatError(f"unknown parameter encoding {value!r}")
    return value
