"""Errors that tell a user what to do, shared by the modules that raise them and the CLI that reports them."""

from __future__ import annotations


class ModelIntegrityError(RuntimeError):
    """A model folder does not match its digests (changed after saving, or not what you expect)."""


class ModelCompatibilityError(RuntimeError):
    """A model folder is in a format this package does not load."""


class MissingExtraError(ImportError):
    """An optional extra is not installed; the message names the ``pip install`` that fixes it."""


def missing_extra(what: str, extra: str, error: ImportError) -> MissingExtraError:
    """The error for ``what`` needing ``pip install 'equalcare-nlp[extra]'``."""
    return MissingExtraError(
        f"{what} needs the optional extra: pip install 'equalcare-nlp[{extra}]' ({error})"
    )
