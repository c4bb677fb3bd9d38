"""qvctl: drives, verifies and operates the QuantumVest infrastructure."""

__version__ = "0.1.0"
