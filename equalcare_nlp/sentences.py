"""Split a comment into the parts that can carry different states.

"The team is wonderful but the targets are crushing us" is both flow and fear, so long comments
are scored part by part: sentences (ended by ``.``, ``!``, ``?``, ``…``, ``;`` or a line break),
and within a sentence the clauses either side of a contrastive "but" / "however".
"""

from __future__ import annotations

import re

_SPLIT = re.compile(
    r"(?<=[.!?…])\s+"  # after sentence-final punctuation
    r"|[;\n\r]+\s*"  # semicolons and line breaks
    r"|,?\s+(?=(?:but|however)\b)",  # before a contrastive conjunction
    re.IGNORECASE,
)
_HAS_WORD = re.compile(r"\w")


def split_sentences(text: str) -> list[str]:
    """The non-empty sentences and contrastive clauses of ``text``, in order (at least one)."""
    parts = [part.strip() for part in _SPLIT.split(text)]
    parts = [part for part in parts if _HAS_WORD.search(part)]
    return parts or [text]
