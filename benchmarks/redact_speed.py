"""Throughput of rule-based redaction (``equalcare_nlp.privacy.redaction.redact`` with ``names=None``).

Comments are synthetic (docs/example/make_example.py), a quarter of them with personal details
added. Writes benchmarks/results/redact_speed.json.

    python benchmarks/redact_speed.py
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "docs" / "example")]

from make_example import make_feedback  # noqa: E402

from equalcare_nlp.privacy.redaction import redact  # noqa: E402

DETAILS = [
    " Call me on 07700 900123.",
    " Patient NHS no 943 476 5919, DOB 01/02/1980.",
    " Email jo.smith@nhs.net or see www.example.org/help.",
    " I live near SW1A 1AA, ask @jo_smith.",
]


def main(copies: int = 60) -> dict:
    base = make_feedback()["comment"].tolist()
    texts = [t + (DETAILS[i % 4] if i % 4 == 0 else "") for i, t in enumerate(base * copies)]
    redact(texts[:100], names=None)  # warm up
    start = time.perf_counter()
    out = redact(texts, names=None)
    seconds = time.perf_counter() - start
    result = {
        "texts": len(texts),
        "seconds": round(seconds, 3),
        "texts_per_second": round(len(texts) / seconds),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "texts_changed": sum(a != b for a, b in zip(texts, out, strict=True)),
        "names": "off (rules only)",
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    path = ROOT / "benchmarks" / "results" / "redact_speed.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
