"""The routes the API serves, from its own OpenAPI document.

`quantumvest_api.app.create_app()` builds the FastAPI application; its `openapi()` lists every
declared route with its methods. It is built in a child interpreter whose import path starts at
the repository's `services/api/src`, so the document is that of the API beside the manifests
(not of whatever copy is installed), and the API's imports and logging stay out of qvctl.
Building the app opens no connection: the engine and the Redis client connect on first use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

from qvctl.contract.errors import ContractMissing

API_SOURCE = Path("services/api/src")
API_PACKAGE = API_SOURCE / "quantumvest_api"

_PRINT_OPENAPI = (
    "import json, sys\n"
    "from quantumvest_api.app import create_app\n"
    "sys.stdout.write('\\n' + json.dumps(create_app().openapi()) + '\\n')\n"
)
OPENAPI_TIMEOUT_SECONDS = 120


@cache
def openapi_document(root: Path) -> dict[str, Any]:
    """The API's OpenAPI document (one child interpreter per repository and process)."""
    if not (root / API_PACKAGE).is_dir():
        raise ContractMissing(f"{API_PACKAGE} is missing: cannot check that probe paths are served by the API")
    environ = {
        "PATH": os.environ.get("PATH", os.defpath),
        "PYTHONPATH": str(root / API_SOURCE),
        "PYTHONDONTWRITEBYTECODE": "1",
        # The required settings; nothing connects to them while the app is only built (the
        # issuer's keys are fetched on the first request that carries a token).
        "QV_DB_HOST": "openapi.invalid",
        "QV_AUTH_ISSUER": "https://openapi.invalid",
        "QV_AUTH_AUDIENCE": "openapi",
        "QV_AUTH_JWKS_URL": "https://openapi.invalid/jwks.json",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PRINT_OPENAPI],
            env=environ,
            capture_output=True,
            text=True,
            timeout=OPENAPI_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ContractMissing(f"building the API in {API_SOURCE} took over {OPENAPI_TIMEOUT_SECONDS} s") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise ContractMissing(f"cannot build the API's OpenAPI document from {API_SOURCE}: {reason}")
    try:
        document = json.loads(lines[-1])
    except json.JSONDecodeError:
        raise ContractMissing(f"the API in {API_SOURCE} printed no OpenAPI document") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise ContractMissing(f"the API's OpenAPI document (from {API_SOURCE}) has no `paths`")
    return document


def api_get_paths(root: Path) -> set[str]:
    """Every path the API answers GET on, as declared (templated paths keep their `{name}`)."""
    paths: dict[str, Any] = openapi_document(root)["paths"]
    return {path for path, operations in paths.items() if isinstance(operations, dict) and "get" in operations}
