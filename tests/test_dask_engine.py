"""The Dask engine scores like the local engine, on a 2-process LocalCluster, even when a worker dies."""

from __future__ import annotations

import dataclasses
import os
import pickle
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from tiny_set import FEAR_TEXTS, FLOW_TEXTS, NEUTRAL_TEXTS

from equalcare_nlp import ModelIntegrityError, load_model
from equalcare_nlp.cli import main
from equalcare_nlp.scoring.dask_engine import ModelPayload, read_dask, score_dask, score_files
from equalcare_nlp.scoring.local import score_file, score_frame
from equalcare_nlp.tables import TableWarning

NEEDS = "the dask engine needs the optional extra equalcare-nlp[dask]"
#: Awkward cells next to ordinary texts: each must come back with the local engine's status.
AWKWARD = ["", "   ", "5", "40%", "NA", '=HYPERLINK("x")', "scared " * 900, "Exhausted, call 07700 900123"]


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory) -> list[Path]:
    """Four small survey exports (one of them empty) with ids that are unique across files."""
    folder = tmp_path_factory.mktemp("survey")
    pool = FEAR_TEXTS + FLOW_TEXTS + NEUTRAL_TEXTS + AWKWARD
    paths = []
    for k, size in enumerate((40, 25, 0, 33)):
        comments = [pool[(7 * i + k) % len(pool)] for i in range(size)]
        frame = pd.DataFrame(
            {"id": [f"{k}-{i:03d}" for i in range(size)], "team": "Ward 7", "comment": comments}
        )
        paths.append(folder / f"export_{k}.csv")
        frame.to_csv(paths[-1], index=False)
    return paths


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("dask.dataframe", reason=NEEDS)
    distributed = pytest.importorskip("distributed", reason=NEEDS)
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as c,
        distributed.Client(c) as client,
    ):
        yield client


def local_engine(csv_files: list[Path], model_dir: Path, **options) -> pd.DataFrame:
    """What the local engine gives for each file (read as it reads CSV: text cells), concatenated."""
    frames = [pd.read_csv(path, dtype=str, keep_default_na=False) for path in csv_files]
    return pd.concat(
        [score_frame(f, "comment", model=model_dir, **options) for f in frames], ignore_index=True
    )


@pytest.mark.parametrize(
    ("options", "in_memory"),
    [({}, False), ({"explain": 2, "sentences": True, "redact": True, "names": None, "prefix": "eq_"}, True)],
)
def test_scores_equal_the_local_engine_row_for_row(cluster, csv_files, tiny_model_dir, options, in_memory):
    import dask.dataframe as dd

    ddf = read_dask([str(csv_files[0].parent / "export_*.csv")])
    # a fitted model is saved, then shipped
    model = load_model(tiny_model_dir) if in_memory else tiny_model_dir
    scored = score_dask(ddf, "comment", model=model, **options)
    assert isinstance(scored, dd.DataFrame) and scored.npartitions == len(csv_files)  # lazy, same partitions
    got = scored.compute().reset_index(drop=True)
    expected = local_engine(csv_files, tiny_model_dir, **options)
    assert list(got.columns) == list(expected.columns)  # original columns kept, score columns in order
    assert got["id"].tolist() == expected["id"].tolist()  # no row lost, duplicated or moved
    added = expected.columns[3:]
    assert (got[added].dtypes == expected[added].dtypes).all()
    pd.testing.assert_frame_equal(got[added], expected[added])  # labels, probabilities, statuses, extras
    assert set(expected[options.get("prefix", "") + "status"]) == {"ok", "empty", "not_text", "truncated"}
    if options.get("redact"):  # personal details were redacted on the workers, before scoring
        assert (
            not got["comment_redacted"].str.contains("07700").any()
            and got["comment"].str.contains("07700").any()
        )


def test_model_travels_once_and_each_worker_loads_it_once(cluster, csv_files, tiny_model_dir):
    payload = ModelPayload.read(tiny_model_dir)
    scored = score_dask(read_dask(sorted(map(str, csv_files))), "comment", model=tiny_model_dir)
    tasks = dict(scored.__dask_graph__())
    size = sum(len(data) for data in payload.files.values())
    holding = [key for key, task in tasks.items() if len(pickle.dumps(task)) > size]
    assert len(holding) == 1 and len(tasks) > scored.npartitions  # one key holds the bytes, tasks refer to it
    scored.compute()

    def cached() -> list[str]:
        from equalcare_nlp.scoring import dask_engine

        return sorted(dask_engine._MODELS)

    caches = cluster.run(cached).values()  # digests each worker process has loaded and kept
    assert payload.sha256 in set().union(*caches)


def test_model_digest_is_checked_before_and_on_the_workers(csv_files, tiny_model_dir):
    pytest.importorskip("dask.dataframe", reason=NEEDS)
    with pytest.raises(ModelIntegrityError, match="the sha256 you gave"):
        score_dask(read_dask(str(csv_files[0])), "comment", model=tiny_model_dir, sha256="0" * 64)
    payload = ModelPayload.read(tiny_model_dir)
    arrays = payload.files["arrays.npz"]
    files = payload.files | {"arrays.npz": arrays[:-1] + bytes([arrays[-1] ^ 1])}
    tampered = dataclasses.replace(payload, files=files)
    with pytest.raises(ModelIntegrityError):
        tampered.load()  # what a worker does with bytes that changed on the way


def test_score_files_writes_parts_equal_to_the_local_engine(cluster, csv_files, tiny_model_dir, tmp_path):
    glob = str(csv_files[0].parent / "export_*.csv")
    with pytest.warns(TableWarning, match="'comment', the only one that looks like free text"):
        summary = score_files(
            glob,
            tmp_path / "out",
            model=tiny_model_dir,
            output_format="parquet",
            scheduler=cluster.scheduler.address,
        )
    parts = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in parts] == [f"part-{i:05d}.parquet" for i in range(len(csv_files))]
    got = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    local = []
    for path in csv_files:  # the local engine's own end-to-end path, file by file
        score_file(
            path, tmp_path / f"{path.stem}.parquet", text_column="comment", model=tiny_model_dir, jobs=1
        )
        local.append(pd.read_parquet(tmp_path / f"{path.stem}.parquet"))
    expected = pd.concat(local, ignore_index=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert summary.rows == len(expected) and summary.labels == expected["label"].value_counts().to_dict()
    assert not list(tmp_path.glob("out.partial-*"))  # the temporary folder was renamed into place


def test_large_csv_with_multi_line_comments_is_read_whole_not_cut(cluster, tiny_model_dir, tmp_path):
    multi = 'Exhausted again, shift {}.\nThank you, "team", for covering.'
    comments = [multi.format(i) if i % 3 == 0 else f"rota {i}" for i in range(120)]
    split, whole = tmp_path / "one_line.csv", tmp_path / "multi_line.csv"
    pd.DataFrame({"id": range(120), "comment": [c.replace("\n", " ") for c in comments]}).to_csv(
        split, index=False
    )
    pd.DataFrame({"id": range(120), "comment": comments}).to_csv(whole, index=False)
    with pytest.warns(TableWarning, match="line breaks and are read whole") as caught:
        ddf = read_dask([split, whole], blocksize=1000)
    assert str(whole) in str(caught[0].message) and str(split) not in str(caught[0].message)
    assert ddf.npartitions > 2  # the one-line file is still split into blocks
    with pytest.warns(TableWarning, match="line breaks"):
        summary = score_files([split, whole], tmp_path / "out", text_column="comment", model=tiny_model_dir,
                              blocksize=1000, scheduler=cluster.scheduler.address)  # fmt: skip
    got = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted((tmp_path / "out").iterdir())]
    )
    local = [score_frame(pd.read_csv(p, dtype=str, keep_default_na=False), "comment", model=tiny_model_dir)
             for p in (split, whole)]  # fmt: skip
    expected = pd.concat(local)
    assert summary.rows == 240 and got["comment"].tolist() == expected["comment"].tolist()
    assert got["label"].tolist() == expected["label"].tolist()


def test_cli_dask_engine_writes_the_local_engines_csv(cluster, csv_files, tiny_model_dir, tmp_path, capsys):
    glob = str(csv_files[0].parent / "export_*.csv")
    args = ["score", glob, "-o", str(tmp_path / "out"), "--engine", "dask", "--text-column", "comment"]
    assert main([*args, "--model", str(tiny_model_dir), "--scheduler", cluster.scheduler.address]) == 0
    assert "rows in" in capsys.readouterr().err
    dask_lines = [p.read_text().splitlines() for p in sorted((tmp_path / "out").iterdir())]
    local_lines = []
    for path in csv_files:
        score_file(path, tmp_path / path.name, text_column="comment", model=tiny_model_dir, jobs=1)
        local_lines.append((tmp_path / path.name).read_text().splitlines())
    assert dask_lines == local_lines  # byte for byte: six-decimal probabilities, formula guard, header
    assert main([*args, "--model", str(tiny_model_dir)]) == 2  # the output folder now exists: refused
    assert "not an empty folder" in capsys.readouterr().err


def _die_once(part: pd.DataFrame, marker: str, victim: int, partition_info=None) -> pd.DataFrame:
    """Kill this worker process the first time partition ``victim`` runs (the marker file says so)."""
    if partition_info is not None and partition_info["number"] == victim and not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return part


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(cluster, csv_files, tiny_model_dir, tmp_path):
    ddf = read_dask([str(p) for p in csv_files * 2])  # 8 partitions, so work is under way on both workers
    marker = tmp_path / "killed"
    doomed = ddf.map_partitions(_die_once, str(marker), 5, meta=ddf._meta)
    pids_before = set(cluster.run(os.getpid).values())
    got = score_dask(doomed, "comment", model=tiny_model_dir).compute().reset_index(drop=True)
    assert marker.exists()  # a worker really died ...
    assert set(cluster.run(os.getpid).values()) != pids_before  # ... and the nanny replaced it
    expected = local_engine(csv_files * 2, tiny_model_dir)
    assert got["id"].tolist() == expected["id"].tolist()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_errors_are_clear(csv_files, tiny_model_dir, tmp_path):
    pytest.importorskip("dask.dataframe", reason=NEEDS)
    with pytest.raises(FileNotFoundError, match="No input files match"):
        read_dask(str(tmp_path / "nothing_*.csv"))
    with pytest.raises(ValueError, match="reads one of"):
        read_dask([str(csv_files[0]), str(tmp_path / "x.xlsx")])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("precious")
    with pytest.raises(ValueError, match="not an empty folder"):
        score_files(str(csv_files[0]), tmp_path / "full", text_column="comment", model=tiny_model_dir)
    assert (tmp_path / "full" / "keep.txt").read_text() == "precious"
    with pytest.raises(ValueError, match="No column 'remarks'"):
        score_dask(read_dask(str(csv_files[0])), "remarks", model=tiny_model_dir)


def test_a_row_with_too_many_cells_is_a_clear_error(cluster, tiny_model_dir, tmp_path):
    (tmp_path / "bad.csv").write_text("id,comment\n1,fine\n2,too,many\n")
    with pytest.raises(ValueError, match="more cells than the header; the local engine"):
        score_files(tmp_path / "bad.csv", tmp_path / "out", text_column="comment", model=tiny_model_dir,
                    scheduler=cluster.scheduler.address)  # fmt: skip
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("out.partial-*"))
    (tmp_path / "first.csv").write_text("team,comment\nA,hello there,extra\nB,fine\n")
    with pytest.raises(ValueError, match="more cells than the header"):  # pandas would shift the columns
        score_files(tmp_path / "first.csv", tmp_path / "out", text_column="comment", model=tiny_model_dir,
                    scheduler=cluster.scheduler.address)  # fmt: skip
    good = "".join(f"{i},comment number {i}\n" for i in range(200))  # the bad row is in a later block
    (tmp_path / "late.csv").write_text(f"id,comment\n{good}201,too,many\n")
    with pytest.raises(ValueError, match="start of a 500 block"):
        score_files(tmp_path / "late.csv", tmp_path / "out", text_column="comment", model=tiny_model_dir,
                    blocksize=500, scheduler=cluster.scheduler.address)  # fmt: skip
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob("out.partial-*"))


def test_without_the_extra_the_error_says_what_to_install(csv_files, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    assert main(["score", str(csv_files[0]), "-o", "out", "--engine", "dask"]) == 2
    assert "pip install 'equalcare-nlp[dask]'" in capsys.readouterr().err


def test_the_core_package_does_not_import_dask():
    code = (
        "import sys, equalcare_nlp, equalcare_nlp.cli.score, equalcare_nlp.scoring.dask_engine\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
