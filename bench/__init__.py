"""Benchmarks: ``make bench`` (``bench/run.py``) compares PalmCity with a bare Sanic app."""
