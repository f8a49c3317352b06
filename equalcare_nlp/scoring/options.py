"""The one options object of scoring: every setting of ``equalcare score``, :func:`~.local.score_file`,
:func:`~.local.score_frame`, :func:`~.local.score_texts` and the Dask engine, with its one default.

It imports nothing heavy, so the command's argument parser takes its defaults from here.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..core.choices import DEFAULT_CHUNK_SIZE


@dataclass(frozen=True)
class ScoreOptions:
    """How rows are scored and what is added to them.

    explain : add the ``explain`` strongest terms of each row (``top_terms``); 0 adds none.
    sentences : add per-sentence shares of fear and flow (``n_sentences``, ``share_fear``, ``share_flow``).
    redact : replace personal details with placeholders before scoring; the redacted text goes to a new
        column ``<text column>_redacted``, or replaces the text with ``redact_in_place`` (which implies
        ``redact``).
    names : with ``redact``, the spaCy pipeline that finds person names (see
        :func:`~equalcare_nlp.privacy.redaction.name_recognizer`): ``"auto"``, a package name, or None
        (``"off"``) for none.
    jobs : worker processes; 0 (or None) is one per available core. Results never depend on it.
    chunk_size : rows per chunk, one worker's task. Results never depend on it.
    prefix : put before the name of every added column.
    """

    explain: int = 0
    sentences: bool = False
    redact: bool = False
    redact_in_place: bool = False
    names: str | None = "auto"
    jobs: int | None = 0
    chunk_size: int = DEFAULT_CHUNK_SIZE
    prefix: str = ""

    def __post_init__(self) -> None:
        if self.jobs is None:  # as 0: one per core
            object.__setattr__(self, "jobs", 0)
        if self.explain < 0:
            raise ValueError(f"explain must be 0 or more terms, got {self.explain}")
        if self.jobs < 0:
            raise ValueError(f"jobs must be positive (or 0 for all cores), got {self.jobs}")
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {self.chunk_size}")
        if self.redact_in_place:
            object.__setattr__(self, "redact", True)
        if self.names == "off":
            object.__setattr__(self, "names", None)

    @classmethod
    def of(cls, options: ScoreOptions | None, settings: Mapping[str, Any], caller: str) -> ScoreOptions:
        """``options`` (None: the defaults) with ``settings`` given by keyword to ``caller`` on top;
        a keyword that is not an option is a ``TypeError``, as for any function."""
        unknown = sorted(set(settings) - {field.name for field in dataclasses.fields(cls)})
        if unknown:
            raise TypeError(f"{caller}() got an unexpected keyword argument {unknown[0]!r}")
        return dataclasses.replace(options or cls(), **settings)

    @property
    def workers(self) -> int:
        """The number of worker processes ``jobs`` asks for."""
        if self.jobs:
            return self.jobs
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1

    def check(self) -> None:
        """Fail before any work on what only a library can check: a names pipeline that is not installed
        (and warn when ``"auto"`` finds none)."""
        if self.redact:
            from ..privacy.redaction import name_recognizer

            name_recognizer(self.names)
