"""Releases of the API: what a version is, how it is judged, and the executors that move traffic to it."""
