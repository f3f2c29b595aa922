"""Benchmarks behind ``kiosk bench``: one module each, each with ``register(subparsers)``."""
