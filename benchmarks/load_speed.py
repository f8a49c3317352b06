"""How fast and how large a saved model is: the data-only format against the pickle it replaced.

In one run, rounds interleaved: ``load_model`` of a format-2 folder (digests checked, JSON and
``allow_pickle=False`` arrays read) against ``joblib.load`` of the same model pickled the way
format 1 saved it (``compress=3``, with format 1's digest check), both after the libraries are
imported. Also the bytes on disk of each. Writes benchmarks/results/load_speed.{json,md}.

    python benchmarks/load_speed.py [--model models/default] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def folder_bytes(folder: Path) -> int:
    """Bytes of the files a model needs (its model card left out)."""
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file() and f.suffix != ".md")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="format-2 model folder (default: the shipped model)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    import joblib

    from equalcare_nlp.model.persist import default_model_path, file_sha256, load_model

    folder = Path(args.model) if args.model else default_model_path()
    model = load_model(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        pickle_file = Path(tmp) / "model.joblib"
        joblib.dump(model, pickle_file, compress=3)
        digest = file_sha256(pickle_file)

        def load_pickle():
            assert file_sha256(pickle_file) == digest  # what format 1 checked before unpickling
            return joblib.load(pickle_file)

        data_only, pickled = [], []
        for _ in range(args.rounds):
            for times, load in ((data_only, lambda: load_model(args.model)), (pickled, load_pickle)):
                start = time.perf_counter()
                load()
                times.append(time.perf_counter() - start)
        pickle_bytes = pickle_file.stat().st_size
    result = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": str(folder),
        "rounds": args.rounds,
        "load_s": {"data_only": statistics.median(data_only), "pickle": statistics.median(pickled)},
        "all_rounds": {"data_only": data_only, "pickle": pickled},
        "bytes": {"data_only": folder_bytes(folder), "pickle": pickle_bytes},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    result["speed_ratio"] = result["load_s"]["pickle"] / result["load_s"]["data_only"]
    result["size_ratio"] = result["bytes"]["data_only"] / result["bytes"]["pickle"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load_speed.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "load_speed.md").write_text(markdown(result))
    print(markdown(result))
    return result


def markdown(result: dict) -> str:
    load, size = result["load_s"], result["bytes"]
    return f"""# Loading a saved model

Measured {result["measured"]} by `benchmarks/load_speed.py` ({result["model"]}), median of
{result["rounds"]} interleaved rounds in one process, libraries already imported, on a shared
{result["cpus"]}-core machine.

| format | load | size on disk |
|---|---:|---:|
| data only (format 2: JSON + `.npz`, digests checked) | {load["data_only"]:.3f} s | {size["data_only"]:,} B |
| joblib pickle (format 1, `compress=3`, digest) | {load["pickle"]:.3f} s | {size["pickle"]:,} B |

The data-only format loads **{result["speed_ratio"]:.2f}x** as fast as the pickle and takes
**{result["size_ratio"]:.2f}x** its size.
"""


if __name__ == "__main__":
    outcome = main()
    sys.exit(0 if outcome["speed_ratio"] >= 1 and outcome["size_ratio"] <= 1 else 1)
