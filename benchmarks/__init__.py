"""Benchmark harness: accuracy, calibration, transfer and speed of equalcare_nlp against peers.

Run ``python -m benchmarks`` (full run) or ``python -m benchmarks --quick`` (smoke run on small
slices) from the project root; results go to ``benchmarks/results/``.
"""
