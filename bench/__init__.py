"""Benchmarks and the quality harness. Run: python -m bench speed | quality."""
