"""Redact personal details from comments before they are scored, stored or shared.

Found by rules (always on):

========================  ==============================================================
``[EMAIL]``               e-mail addresses
``[URL]``                 ``http(s)://`` and ``www.`` links, and bare domains on common
                          top-level domains (``nhs.uk/contact``, ``example.com``)
``[HANDLE]``              social-media handles such as ``@jo_smith`` (not inside e-mails)
``[DOB]``                 a date of birth: a date that follows a birth cue (see below)
``[NHS_NUMBER]``          ten digits, unspaced or spaced/hyphenated 3-3-4, that pass the
                          NHS modulus-11 check digit; other ten-digit numbers are kept
``[PHONE]``               UK numbers starting ``0`` (10 or 11 digits, spaces, hyphens and
                          brackets allowed) and international numbers starting ``+`` or
                          ``00`` (8 to 15 digits)
``[POSTCODE]``            UK postcodes (``SW1A 1AA``, ``m1 1ae``); lower-case ones must
                          not look like an ordinal (``b12 3rd`` is kept)
========================  ==============================================================

Date-of-birth rule: a date is redacted as ``[DOB]`` only when it comes right after a birth
cue (``DOB``, ``D.O.B.``, ``date of birth``, ``birth date``, ``birthday``, ``born``), optionally
separated by ``:``/``-`` and up to two of the words *is, was, on, in, the*. Dates are numeric
(``01/02/1980``, ``1-2-80``, ``1980-02-01``), written (``3 March 1975``, ``3rd of March 1975``,
``March 3, 1975``), month and year (``March 1975``) or, after ``born``, a bare year
(``born in 1975``). Other dates (``on 01/02/2024 the ward was short``) are kept: they are
rarely personal and often matter for the feedback.

Person names become ``[NAME]`` through the named-entity recogniser of a trained spaCy English
pipeline (``PERSON`` entities), used when one is installed (``en_core_web_sm``, ``_md``,
``_lg`` or ``_trf``; see :data:`NAME_PIPELINES`). Without one, names are NOT redacted: rules
cannot tell "Sam" the nurse from "calm" the word. The spaCy component ``equalcare_redact``
uses the entities of any recogniser earlier in its pipeline.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from ..core.components import REDACT

#: Placeholder of each kind of redaction.
PLACEHOLDERS = {
    "EMAIL": "[EMAIL]",
    "URL": "[URL]",
    "HANDLE": "[HANDLE]",
    "DOB": "[DOB]",
    "NHS_NUMBER": "[NHS_NUMBER]",
    "PHONE": "[PHONE]",
    "POSTCODE": "[POSTCODE]",
    "NAME": "[NAME]",
}
#: Trained spaCy English pipelines whose recogniser finds names, fastest first.
NAME_PIPELINES = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")
#: The spaCy ``doc.spans`` key under which ``equalcare_redact`` stores what it found.
SPANS_KEY = "redactions"

if not Doc.has_extension("ec_redacted"):
    Doc.set_extension("ec_redacted", default=None)


@dataclass(frozen=True, order=True)
class Redaction:
    """Characters ``start:end`` of a text are personal data of kind ``label`` (a key of PLACEHOLDERS)."""

    start: int
    end: int
    label: str


# -- rules -------------------------------------------------------------------------------------
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"  # 01/02/1980, 1.2.80
    rf"|{_YEAR}-\d{{1,2}}-\d{{1,2}}"  # 1980-02-01
    rf"|{_DAY}\s+(?:of\s+)?{_MONTHS},?\s+{_YEAR}"  # 3 March 1975, 3rd of March 1975
    rf"|{_MONTHS}\s+{_DAY},?\s+{_YEAR}"  # March 3, 1975
    rf"|{_MONTHS},?\s+{_YEAR})"  # March 1975
)
_DOB = re.compile(
    rf"\b(?:d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday|(?P<born>born))"
    rf"\s*[:\-–]?\s*(?:(?:is|was|on|in|the)\s+){{0,2}}"
    rf"(?P<date>{_DATE}|(?(born){_YEAR}|(?!)))(?!\w)",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_TLDS = r"(?:com|org|net|gov|edu|info|io|uk|ie)"
_URL = re.compile(
    rf"(?:\b(?:https?://|www\.)[^\s<>\"]+|\b[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.{_TLDS}\b(?:/[^\s<>\"]*)?)",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?)]}'\""
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z_][A-Za-z0-9_]{1,29}\b")
_NHS = re.compile(r"(?<![\d+])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\d])")
_UK_PHONE = re.compile(r"(?<![\w+])(?:\(0\d{1,4}\)|0\d{1,4})(?:[ -]?\d{2,4}){1,3}(?![\d])")
_INTL_PHONE = re.compile(r"(?<![\w+])(?:\+|\b00)\s?\d{1,3}(?:[ .-]?(?:\(\d{1,4}\)|\d{1,4})){2,6}(?![\d])")
_POSTCODE = re.compile(
    r"\b((?:[A-Z]{1,2}\d[A-Z\d]?|GIR)) ?(\d[ABD-HJLNP-UW-Z]{2})\b",
    re.IGNORECASE,
)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)")


def nhs_number_valid(digits: str) -> bool:
    """Whether ten digits pass the NHS modulus-11 check: weights 10..2 on the first nine digits,
    check digit ``11 - sum % 11`` (11 -> 0; 10 never valid)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _url_end(match: re.Match) -> int:
    return match.start() + len(match.group().rstrip(_URL_TRAILING))


def _emails(text: str) -> Iterator[Redaction]:
    for m in _EMAIL.finditer(text):
        yield Redaction(m.start(), m.end(), "EMAIL")


def _urls(text: str) -> Iterator[Redaction]:
    for m in _URL.finditer(text):
        yield Redaction(m.start(), _url_end(m), "URL")


def _handles(text: str) -> Iterator[Redaction]:
    for m in _HANDLE.finditer(text):
        yield Redaction(m.start(), m.end(), "HANDLE")


def _dobs(text: str) -> Iterator[Redaction]:
    for m in _DOB.finditer(text):
        yield Redaction(m.start("date"), m.end("date"), "DOB")


def _nhs_numbers(text: str) -> Iterator[Redaction]:
    for m in _NHS.finditer(text):
        if nhs_number_valid(m.group(1) + m.group(3) + m.group(4)):
            yield Redaction(m.start(), m.end(), "NHS_NUMBER")


def _phones(text: str) -> Iterator[Redaction]:
    for m in _UK_PHONE.finditer(text):
        digits = _digits(m.group())
        if len(digits) in (10, 11) and digits[1] != "0":
            yield Redaction(m.start(), m.end(), "PHONE")
    for m in _INTL_PHONE.finditer(text):
        digits = _digits(m.group())
        if 8 <= len(digits.removeprefix("00")) <= 15:
            yield Redaction(m.start(), m.end(), "PHONE")


def _postcodes(text: str) -> Iterator[Redaction]:
    for m in _POSTCODE.finditer(text):
        inward = m.group(2)
        if m.group().isupper() or not _ORDINAL.fullmatch(inward.lower()):
            yield Redaction(m.start(), m.end(), "POSTCODE")


#: Rule finders in priority order: where two overlap equally, the earlier wins.
RULES: tuple[Callable[[str], Iterable[Redaction]], ...] = (
    _emails,
    _urls,
    _handles,
    _dobs,
    _nhs_numbers,
    _phones,
    _postcodes,
)
_PRIORITY = {label: i for i, label in enumerate(PLACEHOLDERS)}
# Cheap pre-check: text without a digit, "@", "." or "/" has nothing the rules can find.
_MAYBE = re.compile(r"[\d@./]")


def find_redactions(text: str, names: Iterable[tuple[int, int]] = ()) -> list[Redaction]:
    """Non-overlapping redactions in ``text``, in order: rule matches plus ``names`` (character
    spans of person names, e.g. from a recogniser). Overlaps keep the longest, then the rule first
    in :data:`PLACEHOLDERS`."""
    found = [Redaction(start, end, "NAME") for start, end in names]
    if _MAYBE.search(text):
        found.extend(r for rule in RULES for r in rule(text))
    found.sort(key=lambda r: (r.start, -(r.end - r.start), _PRIORITY[r.label]))
    kept: list[Redaction] = []
    for r in found:
        if kept and r.start < kept[-1].end:
            continue
        kept.append(r)
    return kept


def apply_redactions(text: str, redactions: Sequence[Redaction]) -> str:
    """``text`` with each redaction replaced by its placeholder (redactions sorted, non-overlapping)."""
    parts, position = [], 0
    for r in redactions:
        parts.append(text[position : r.start])
        parts.append(PLACEHOLDERS[r.label])
        position = r.end
    parts.append(text[position:])
    return "".join(parts)


# -- names ------------------------------------------------------------------------------------
@cache
def _load_pipeline(package: str) -> Language:
    keep = {"tok2vec", "transformer", "ner"}
    nlp = spacy.load(package)
    for name in list(nlp.pipe_names):
        if name not in keep:
            nlp.remove_pipe(name)
    return nlp


def name_recognizer(names: str | Language | None = "auto") -> Language | None:
    """The spaCy pipeline that finds person names, or None when names are not redacted.

    ``"auto"``: the first installed pipeline of :data:`NAME_PIPELINES` (None, with a warning,
    when none is installed); a package name: that pipeline (error if missing); a ``Language``:
    used as is (it must set ``doc.ents``); None: no name redaction.
    """
    if names is None or isinstance(names, Language):
        return names
    if names == "auto":
        for package in NAME_PIPELINES:
            if spacy.util.is_package(package):
                return _load_pipeline(package)
        warnings.warn(
            "No trained spaCy English pipeline is installed, so person names are NOT redacted; install "
            "one (e.g. en_core_web_sm) to redact names",
            stacklevel=2,
        )
        return None
    if not spacy.util.is_package(names):
        raise ValueError(f"spaCy pipeline {names!r} is not installed; it is needed to redact names")
    return _load_pipeline(names)


def _person_spans(doc: Doc) -> list[tuple[int, int]]:
    return [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ == "PERSON"]


def iter_redactions(
    texts: Iterable[str], names: str | Language | None = "auto", batch_size: int = 256
) -> Iterator[list[Redaction]]:
    """The redactions of each text, in order (see :func:`find_redactions`, :func:`name_recognizer`)."""
    nlp = name_recognizer(names)
    if nlp is None:
        for text in texts:
            yield find_redactions(text)
        return
    texts = list(texts)
    for text, doc in zip(texts, nlp.pipe(texts, batch_size=batch_size), strict=True):
        yield find_redactions(text, _person_spans(doc))


def redact(texts: Iterable[str], names: str | Language | None = "auto", batch_size: int = 256) -> list[str]:
    """Each text with personal details replaced by typed placeholders such as ``[EMAIL]``."""
    texts = list(texts)
    return [
        apply_redactions(text, found)
        for text, found in zip(texts, iter_redactions(texts, names, batch_size), strict=True)
    ]


# -- spaCy component ---------------------------------------------------------------------------
# Entities are read when an earlier recogniser set them, not required: rules alone redact the rest.
@Language.factory(
    REDACT, default_config={"names": True}, assigns=["doc.spans", "doc._.ec_redacted"], requires=[]
)
def make_redact_component(nlp: Language, name: str, names: bool) -> Callable[[Doc], Doc]:
    """spaCy stage: ``doc.spans["redactions"]`` (labelled spans) and ``doc._.ec_redacted`` (the text with
    placeholders). With ``names``, PERSON entities from an earlier recogniser are redacted too."""

    def redact_doc(doc: Doc) -> Doc:
        found = find_redactions(doc.text, _person_spans(doc) if names else ())
        spans = (doc.char_span(r.start, r.end, label=r.label, alignment_mode="expand") for r in found)
        doc.spans[SPANS_KEY] = [span for span in spans if span is not None]
        doc._.ec_redacted = apply_redactions(doc.text, found)
        return doc

    return redact_doc


# -- tables ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RedactionSummary:
    """What :func:`redact_frame` did: rows read, rows changed and redactions per kind."""

    rows: int
    rows_changed: int
    counts: dict[str, int]
    column: str
    names_redacted: bool


REDACTED_SUFFIX = "_redacted"


def redacted_name(column: object, suffix: str = REDACTED_SUFFIX) -> str:
    """The column that holds ``column``'s redacted text when redaction is not in place."""
    return f"{column}{suffix}"


def with_redacted(
    frame: pd.DataFrame,
    position: int,
    values: Sequence[object],
    *,
    in_place: bool,
    suffix: str = REDACTED_SUFFIX,
) -> pd.DataFrame:
    """A copy of ``frame`` with the redacted ``values`` of its column at ``position``: in that column
    (``in_place``) or in a new last column named by :func:`redacted_name`."""
    out = frame.copy()
    series = pd.Series(values, index=frame.index, dtype=object)
    if in_place:
        out.isetitem(position, series)
    else:
        out[redacted_name(frame.columns[position], suffix)] = series
    return out


def redact_frame(
    frame: pd.DataFrame,
    column: str,
    *,
    in_place: bool = False,
    suffix: str = "_redacted",
    names: str | Language | None = "auto",
) -> tuple[pd.DataFrame, RedactionSummary]:
    """A copy of ``frame`` with ``column`` redacted into a new column ``<column><suffix>``, or into
    ``column`` itself when ``in_place``. Missing cells stay missing; other values are read as text."""
    if column not in frame.columns:
        raise ValueError(f"text column {column!r} not found; columns are {list(frame.columns)}")
    target = column if in_place else redacted_name(column, suffix)
    if not in_place and target in frame.columns:
        raise ValueError(f"column {target!r} already exists; rename it or use in-place redaction")
    nlp = name_recognizer(names)
    values = frame[column]
    present = values.notna()
    texts = values[present].astype(str).tolist()
    counts = dict.fromkeys(PLACEHOLDERS, 0)
    redacted, changed = [], 0
    for text, found in zip(texts, iter_redactions(texts, nlp), strict=True):
        for r in found:
            counts[r.label] += 1
        changed += bool(found)
        redacted.append(apply_redactions(text, found))
    new_values = values.astype(object).to_numpy(copy=True)
    new_values[present.to_numpy()] = redacted
    out = with_redacted(
        frame, list(frame.columns).index(column), new_values, in_place=in_place, suffix=suffix
    )
    summary = RedactionSummary(len(frame), changed, counts, target, nlp is not None)
    return out, summary
