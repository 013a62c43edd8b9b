"""Benchmark of the portal served the production way (``make bench``; see bench/run.py)."""
