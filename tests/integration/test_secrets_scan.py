"""detect-secrets over every tracked file finds nothing that the reviewed baseline does not hold.

No server, but a scan of the whole repository (seconds, not milliseconds): the same check as
`qvctl validate`'s "secrets scan (detect-secrets)".
"""

from __future__ import annotations

import pytest

from qvctl.policies.secrets import scan_repository
from tests.conftest import ROOT


@pytest.mark.slow  # many seconds of tool time: make test runs it, make test-fast does not
def test_the_repository_holds_no_secret_outside_the_reviewed_baseline() -> None:
    found = scan_repository(ROOT)
    assert [str(v) for v in found.violations] == []
    assert sum(found.judged.values()) > 0, "the baseline lists reviewed findings: an empty one was never reviewed"
