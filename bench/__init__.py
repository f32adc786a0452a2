"""Benchmarks and the synthetic city they run on; results in docs/benchmarks.md."""
