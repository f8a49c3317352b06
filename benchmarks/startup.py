"""How long a command takes from a fresh process: ``import equalcare_nlp``, ``equalcare --help`` and
``equalcare score`` of a 10-row CSV.

Each run is a new process of the ``equalcare`` console script (``python -c`` for the import), wall
time from start to exit; each figure is the median of ``--rounds`` runs, every setup and command
interleaved in each round. One untimed run per command first warms the disk cache and, under
``-X importtime``, lists the heavy libraries that command imports. A setup is a checkout (this one,
and with ``--baseline TREE`` another, e.g. main), put first on ``PYTHONPATH``, run by an interpreter
(this one, and with ``--python NAME=PY`` another environment's, e.g. a plain ``pip install .`` without
the extras: spaCy's thinc imports torch whenever torch is installed). Writes
benchmarks/results/startup.{json,md}.

    python benchmarks/startup.py [--rounds 5] [--baseline ../main] [--python plain=/path/to/venv/bin/python]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SAMPLE = ROOT / "data" / "sample_feedback.csv"
#: The acceptance limits of issue 15, in seconds of wall time.
LIMITS = {"help": 0.5, "score": 1.5}
#: Libraries whose import a start-up can do without, reported per command when imported.
HEAVY = ("spacy", "torch", "sklearn", "scipy", "pandas", "pyarrow", "openpyxl", "datasets", "dask",
         "distributed", "matplotlib")  # fmt: skip


@dataclass(frozen=True)
class Setup:
    """A checkout run by an interpreter: the environment that imports ``equalcare_nlp`` from ``tree``."""

    name: str
    tree: Path
    python: Path
    env: dict

    @classmethod
    def make(cls, name: str, tree: Path, python: Path) -> Setup:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(tree), *filter(None, [os.environ.get("PYTHONPATH")])])
        setup = cls(name, tree, python, env)
        found = setup.output("import equalcare_nlp; print(equalcare_nlp.__file__)")
        if Path(found).resolve().parent.parent != tree.resolve():
            raise SystemExit(f"{python}: equalcare_nlp resolves to {found}, not to {tree}")
        return setup

    def output(self, code: str) -> str:
        """What ``python -c code`` prints in this setup."""
        return run([str(self.python), "-c", code], self.env, capture_output=True, text=True).stdout.strip()

    def commands(self, folder: Path) -> dict[str, list[str]]:
        """What each measurement runs, with the 10-row CSV in ``folder`` (written there if missing)."""
        script = self.python.parent / "equalcare"
        if not script.is_file():
            raise SystemExit(f"no `equalcare` console script beside {self.python}: pip install the package")
        equalcare = [str(self.python), str(script)]
        source = ten_row_csv(folder)
        return {
            "import": [str(self.python), "-c", "import equalcare_nlp"],
            "help": [*equalcare, "--help"],
            "score": [*equalcare, "score", str(source), "-o", str(folder / f"scored_{self.name}.csv")],
        }


def ten_row_csv(folder: Path) -> Path:
    """The first 10 rows of the sample survey export (an empty and a number cell among them)."""
    path = folder / "ten_rows.csv"
    if not path.exists():
        with SAMPLE.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[:11]
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    return path


def commit(tree: Path) -> str | None:
    """The commit checked out in ``tree`` (with ``+`` when it has changes), or None outside git."""
    git = ["git", "-C", str(tree)]
    try:
        head = run([*git, "rev-parse", "--short", "HEAD"], dict(os.environ), capture_output=True, text=True)
        changes = run([*git, "status", "--porcelain", "--untracked-files=no"], dict(os.environ),
                      capture_output=True, text=True)  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("+" if changes.stdout.strip() else "")


def run(command: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    """``command`` run to success outside any checkout (``python -c`` puts its folder first on the path)."""
    return subprocess.run(command, env=env, cwd=tempfile.gettempdir(), check=True, **kwargs)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds from starting ``command`` to its exit, and the CPU seconds (user + system) it used: on a
    busy machine the wall time waits for other jobs, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    run(command, env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def heavy_imports(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """The :data:`HEAVY` libraries ``command`` imports, each with the seconds its modules took to import
    (their own time, so a library imported by another one is counted apart from it)."""
    traced = [command[0], "-X", "importtime", *command[1:]]
    stderr = run(traced, env, capture_output=True, text=True).stderr
    found: dict[str, float] = {}
    for line in stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line, or the command's own output
        library = fields[2].strip().split(".")[0]
        if library in HEAVY:
            found[library] = found.get(library, 0.0) + int(fields[0]) / 1e6
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--baseline", help="another checkout of the project to time in the same run")
    parser.add_argument(
        "--python", action="append", default=[], metavar="NAME=PY", help="another environment's interpreter"
    )
    args = parser.parse_args(argv)

    trees = {"this": ROOT, **({"baseline": Path(args.baseline).resolve()} if args.baseline else {})}
    pythons = {
        "": Path(sys.executable),
        **{name: Path(py) for name, py in (a.split("=", 1) for a in args.python)},
    }
    setups = [
        Setup.make(f"{tree_name}, {env_name}" if env_name else tree_name, tree, python)
        for env_name, python in pythons.items()
        for tree_name, tree in trees.items()
    ]
    with tempfile.TemporaryDirectory() as tmp:
        runs = {setup.name: setup.commands(Path(tmp)) for setup in setups}
        imports = {
            s.name: {cmd: heavy_imports(line, s.env) for cmd, line in runs[s.name].items()} for s in setups
        }
        times: dict[str, dict[str, list[float]]] = {s.name: {cmd: [] for cmd in runs[s.name]} for s in setups}
        cpu: dict[str, dict[str, list[float]]] = {s.name: {cmd: [] for cmd in runs[s.name]} for s in setups}
        for _ in range(args.rounds):
            for setup in setups:
                for cmd, line in runs[setup.name].items():
                    wall, used = timed(line, setup.env)
                    times[setup.name][cmd].append(wall)
                    cpu[setup.name][cmd].append(used)
        shown = {cmd: shown_command(line, tmp) for cmd, line in runs[setups[0].name].items()}
    medians = {
        name: {cmd: statistics.median(t) for cmd, t in by_cmd.items()} for name, by_cmd in times.items()
    }
    torch = "import importlib.util as u; print(u.find_spec('torch') is not None)"
    result = {
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "setups": {
            s.name: {
                "tree": str(s.tree),
                "commit": commit(s.tree),
                "python": str(s.python),
                "torch_installed": s.output(torch) == "True",
            }
            for s in setups
        },
        "commands": shown,
        "rounds": args.rounds,
        "limits_s": LIMITS,
        "median_s": medians,
        "median_cpu_s": {
            name: {c: statistics.median(t) for c, t in by_cmd.items()} for name, by_cmd in cpu.items()
        },
        "within_limits": {
            name: all(m[cmd] <= limit for cmd, limit in LIMITS.items()) for name, m in medians.items()
        },
        "all_rounds_s": times,
        "all_rounds_cpu_s": cpu,
        "heavy_imports_s": imports,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "startup.md").write_text(markdown(result))
    print(markdown(result))
    return result


def shown_command(command: list[str], folder: str) -> str:
    """``command`` as a user would type it: the console script by name, files by name."""
    words = [Path(part).name if part.startswith((folder, "/")) else part for part in command]
    return " ".join(words[1:] if words[1] == "equalcare" else ["python", *words[1:]])


def _where(setup: dict) -> str:
    commit = f" (commit {setup['commit']})" if setup["commit"] else ""
    return f"`{setup['tree']}`{commit} run by `{setup['python']}`"


def markdown(result: dict) -> str:
    setups, medians = result["setups"], result["median_s"]
    header = " | ".join(f"{name}{' (torch)' if s['torch_installed'] else ''}" for name, s in setups.items())
    rows = []
    for cmd, line in result["commands"].items():
        cells = " | ".join(
            f"{medians[name][cmd]:.2f} s ({result['median_cpu_s'][name][cmd]:.2f})" for name in setups
        )
        limit = f"<= {result['limits_s'][cmd]} s" if cmd in result["limits_s"] else "-"
        rows.append(f"| `{line}` | {cells} | {limit} |")
    verdicts = " | ".join("yes" if result["within_limits"][name] else "**no**" for name in setups)
    where = "\n".join(f"- {name}: {_where(s)}" for name, s in setups.items())
    heavy = []
    for name in setups:
        for cmd, found in result["heavy_imports_s"][name].items():
            listed = ", ".join(
                f"{lib} {s:.2f} s" for lib, s in sorted(found.items(), key=lambda x: -x[1]) if s >= 0.005
            )
            heavy.append(f"| {name} | {cmd} | {listed or 'none'} |")
    load = ", ".join(f"{x:.1f}" for x in result["load_average"])
    return f"""# Start-up time

Measured {result["measured"]} by `benchmarks/startup.py` on a shared {result["cpus"]}-core machine
(load average {load} at the end): wall time of a fresh process, in brackets the CPU seconds it used,
median of {result["rounds"]} interleaved rounds. Setups ("(torch)": torch is installed there, and
spaCy's thinc imports it with spaCy):

{where}

| command | {header} | limit |
|---|{"---:|" * len(setups)}---|
{chr(10).join(rows)}
| within the limits | {verdicts} | |

Heavy libraries each command imports, with the time their own modules took (one `-X importtime` run):

| setup | command | imported |
|---|---|---|
{chr(10).join(heavy)}
"""


if __name__ == "__main__":
    outcome = main()
    sys.exit(0 if outcome["within_limits"]["this"] else 1)
