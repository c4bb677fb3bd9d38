"""Kubernetes manifests rendered from the environment specs, and the checks that keep them honest.

There is no Kubernetes API server on the development machines: this layer is verified by
rendering, schema validation, policy (Checkov) and cross-layer checks, never by applying.
"""
