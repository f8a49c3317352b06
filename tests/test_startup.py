"""A fast start: importing the package and asking the command line for help load no heavy library,
while every public name still resolves to what it did when the package imported everything, and
scoring loads a model folder once per process."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import equalcare_nlp as eq

#: Libraries a bare import and ``--help`` must not load (the issue names the first four).
HEAVY = ("datasets", "pandas", "dask", "matplotlib", "spacy", "sklearn")


def loaded_after(code: str, libraries: tuple[str, ...] = HEAVY) -> list[str]:
    """Those of ``libraries`` imported by a fresh interpreter that runs ``code``."""
    check = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {libraries!r} if m in sys.modules]))"
    tree = str(Path(eq.__file__).resolve().parents[1])  # the package under test, not another install
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tree, os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_heavy_library():
    assert loaded_after("import equalcare_nlp") == []


@pytest.mark.parametrize(
    ("module", "needless"),
    [
        ("equalcare_nlp.scoring.local", ("datasets", "dask", "matplotlib", "sklearn.cluster")),  # score
        ("equalcare_nlp.reports.html", ("datasets", "spacy", "sklearn")),  # report without terms
        (
            "equalcare_nlp.training.train",
            ("datasets", "dask", "matplotlib", "sklearn.cluster"),
        ),  # train (offset)
    ],
)
def test_a_command_imports_only_what_it_needs(module, needless):
    loaded = loaded_after(f"import {module}", needless)
    assert loaded == []


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


def test_scoring_loads_a_model_folder_once_per_process(monkeypatch, tmp_path):
    from equalcare_nlp.scoring import scorer

    loads = []
    monkeypatch.setattr(scorer, "load_model", lambda folder: loads.append(folder) or eq.load_model(folder))
    scorer._loaded_model.cache_clear()
    texts = ["Thank you all so much", "I am exhausted and nobody listens"]
    first = eq.score_texts(texts)
    pd.testing.assert_frame_equal(eq.score_texts(texts), first)
    assert loads == [None]

    folder = shutil.copytree(eq.default_model_path(), tmp_path / "model")
    pd.testing.assert_frame_equal(eq.score_texts(texts, model=folder), first)
    eq.score_texts(texts, model=str(folder))
    assert loads == [None, str(folder.resolve())]
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps({**manifest, "note": "changed"}))
    eq.score_texts(texts, model=folder)  # a new manifest digest: loaded (and verified) again
    assert len(loads) == 3
