"""The one error a contract reader raises."""

from __future__ import annotations


class ContractMissing(Exception):
    """The other layer has not published what a check reads; the message says what is missing."""
