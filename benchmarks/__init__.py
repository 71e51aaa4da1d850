"""Benchmarks: `python -m benchmarks.ingest` (make bench-ingest)."""
