"""Choices and defaults of the options the ``equalcare`` command offers, in a module that imports
nothing: building the argument parser (``equalcare --help``) reads them without loading the modules,
and their libraries, that act on them; those modules take them from here."""

from __future__ import annotations

#: Rows per chunk of batch scoring (one chunk is one worker's task).
DEFAULT_CHUNK_SIZE = 5_000
#: Share of the texts, most uncertain first, that the diverse picks of ``suggest`` are drawn from.
POOL_SHARE = 0.5
#: Trend periods of a report, with their pandas period codes.
PERIODS = {"month": "M", "quarter": "Q"}
#: Output formats of a report, by file extension.
REPORT_FORMATS = (".html", ".json", ".csv")
#: Adaptation methods of ``train`` with a base model (see :mod:`equalcare_nlp.training.adaptation`).
METHODS = ("offset", "refit")
