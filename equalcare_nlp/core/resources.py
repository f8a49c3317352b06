"""Locate files shipped with the package (label maps, the default model).

A wheel carries them inside the package (``equalcare_nlp/data``, ``equalcare_nlp/models``);
a source checkout keeps them at the project root (``data/``, ``models/``). Both are searched
so the same code works installed and in development.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # equalcare_nlp/


def resource_path(*parts: str) -> Path:
    """Return the path of a shipped resource such as ``("data", "label_maps", "goemotions.json")``."""
    candidates = (_PACKAGE_DIR.joinpath(*parts), _PACKAGE_DIR.parent.joinpath(*parts))
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"Shipped resource {'/'.join(parts)!r} not found; looked in " + ", ".join(str(c) for c in candidates)
    )
