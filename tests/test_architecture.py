"""The package's layers: data flows text -> tokens -> features -> model -> scores -> files and
reports, so each subpackage imports only the layers below it (``docs/architecture.md``)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "equalcare_nlp"

#: What each subpackage may import from the package, besides itself; the command line sits on top.
LOWER = {
    "core": set(),
    "tables": {"core"},
    "privacy": {"core", "tables"},
    "nlp": {"core"},
    "features": {"core", "nlp"},
    "model": {"core", "nlp", "features"},
    "scoring": {"core", "tables", "privacy", "nlp", "features", "model"},
    "reports": {"core", "tables", "privacy", "nlp", "features", "model"},
    "training": {"core", "tables", "nlp", "features", "model"},
}


def _imported_layers(path: Path) -> set[str]:
    """The subpackages of equalcare_nlp a module imports anywhere in it (functions included)."""
    package = path.relative_to(PACKAGE.parent).parent.parts  # the package a relative import starts from
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [alias.name for alias in node.names]
            targets = [target + [name] for name in names] if len(target) == 1 else [target]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        else:
            continue
        found |= {t[1] for t in targets if len(t) > 1 and t[0] == "equalcare_nlp" and t[1] in LOWER}
    return found


@pytest.mark.parametrize("layer", sorted(LOWER))
def test_each_layer_imports_only_the_layers_below_it(layer):
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        higher = _imported_layers(path) - LOWER[layer] - {layer}
        assert not higher, f"{path.relative_to(PACKAGE)} imports {sorted(higher)}, above {layer}"


def test_every_subpackage_has_a_layer_and_says_what_it_holds():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} - {"cli"}
    assert folders == set(LOWER)
    for name in folders:
        assert ast.get_docstring(ast.parse((PACKAGE / name / "__init__.py").read_text(encoding="utf-8")))


def test_the_import_reader_sees_relative_absolute_and_function_level_imports():
    assert _imported_layers(PACKAGE / "scoring" / "local.py") >= {"core", "tables", "model"}
    assert "privacy" in _imported_layers(PACKAGE / "scoring" / "options.py")  # imported inside a method
    assert _imported_layers(PACKAGE / "__init__.py") >= {"scoring", "training", "reports"}
