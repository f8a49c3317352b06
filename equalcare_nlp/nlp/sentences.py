"""Split a comment into the parts that can carry different states.

"The team is wonderful but the targets are crushing us" is both flow and fear, so comments are
scored part by part as well as whole: sentences (ended by ``.``, ``!``, ``?``, ``…``, ``;`` or a
line break), items of a list (after a comma or a dash: "great team, awful pay"), and the clauses
either side of a contrast word (codebook rule 2: "but", "however", "though", "although", "yet",
"except", "whereas", "apart from", "shame").
"""

from __future__ import annotations

import re

#: Words that open a new part of a comment (codebook rule 2).
CONTRAST_OPENERS = ("but", "however", "though", "although", "yet", "except", "whereas", "apart from", "shame")
_SPLIT = re.compile(
    r"(?<=[.!?…])\s+"  # after sentence-final punctuation
    r"|[;\n\r]+\s*"  # semicolons and line breaks
    r"|\s+[-–—]+\s+|,\s+"  # dashes and commas between list items or clauses
    rf"|\s+(?=(?:{'|'.join(CONTRAST_OPENERS)})\b)",  # before a contrast word
    re.IGNORECASE,
)
_HAS_WORD = re.compile(r"\w")


def split_sentences(text: str) -> list[str]:
    """The non-empty sentences and contrastive clauses of ``text``, in order (at least one)."""
    parts = [part.strip() for part in _SPLIT.split(text)]
    parts = [part for part in parts if _HAS_WORD.search(part)]
    return parts or [text]
