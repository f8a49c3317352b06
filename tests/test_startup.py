"""A fast start: importing the package and asking the command line for help load no heavy library,
while every public name still resolves to what it did when the package imported everything."""

from __future__ import annotations

import doctest
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import equalcare_nlp as eq

#: Libraries a bare import and ``--help`` must not load (the issue names the first four).
HEAVY = ("datasets", "pandas", "dask", "matplotlib", "spacy", "sklearn")


def loaded_after(code: str) -> list[str]:
    """The :data:`HEAVY` libraries imported by a fresh interpreter that runs ``code``."""
    check = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    tree = str(Path(eq.__file__).resolve().parents[1])  # the package under test, not another install
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tree, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_library():
    assert loaded_after("import equalcare_nlp") == []


def test_help_of_every_command_loads_no_heavy_library():
    code = """
import argparse, contextlib, io
from equalcare_nlp.cli import build_parser
parser = build_parser()
commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
for args in ([], *([name] for name in commands)):
    with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
        parser.parse_args([*args, "--help"])
    assert "usage: equalcare" in out.getvalue(), args
assert len(commands) == 9, commands
"""
    assert loaded_after(code) == []


def test_every_public_name_resolves_to_its_definition():
    for module, names in eq._EXPORTS.items():
        defined_in = importlib.import_module(f"equalcare_nlp.{module}")
        for name in names:
            assert getattr(eq, name) is getattr(defined_in, name), name
    assert set(eq.__all__) <= set(dir(eq))
    star: dict = {}
    exec("from equalcare_nlp import *", star)
    assert set(eq.__all__) <= set(star)
    assert eq.tables.FORMATS == ("csv", "tsv", "xlsx", "parquet", "jsonl")  # submodules load on access too


def test_no_public_name_is_hidden_by_a_submodule():
    submodules = {module.name for module in pkgutil.iter_modules(eq.__path__)}
    assert not submodules & set(eq.__all__)
    for name in submodules:  # importing a submodule binds its name on the package
        importlib.import_module(f"equalcare_nlp.{name}")
    for name in eq.__all__:
        assert not isinstance(getattr(eq, name), ModuleType), name


def test_package_docstring_example_runs():
    failures, tried = doctest.testmod(eq)
    assert tried and not failures
