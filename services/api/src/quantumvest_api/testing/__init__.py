"""Helpers for tests and benchmarks: real PostgreSQL and Redis servers on a loopback address."""
