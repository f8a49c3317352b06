"""Lazy package attributes (PEP 562): a package names what it exports and from which submodule, and each
is imported on first use, so importing the package (or running ``equalcare --help``) loads no library."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, Iterable[str]]
) -> tuple[Callable[[str], Any], Callable[[], list]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose ``exports`` map each submodule to the
    public names it defines; a name is imported once, then kept as an ordinary package attribute.

    A submodule's own name (``package.tables``) imports that submodule, as an eager package would
    have done already."""
    namespace = sys.modules[package].__dict__
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook PEP 562 names
        if name in where:
            value = getattr(importlib.import_module(f"{package}.{where[name]}"), name)
            namespace[name] = value
            return value
        if not name.startswith("_") and importlib.util.find_spec(f"{package}.{name}") is not None:
            return importlib.import_module(f"{package}.{name}")  # the import binds it in the namespace
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *where})

    return __getattr__, __dir__
