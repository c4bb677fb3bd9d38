"""The edge's body limit and the API's largest valid request agree, in nginx and in the Ingress."""

from __future__ import annotations

import json
import re
from pathlib import Path

from quantumvest_api.schemas import MAX_PRICES_PER_REQUEST, PricesIn

from qvctl.kubernetes.ingress import ingress
from qvctl.spec import load_environment, spec_path

ROOT = Path(__file__).resolve().parents[2]
NGINX_TEMPLATE = ROOT / "ansible" / "roles" / "nginx" / "templates" / "nginx.conf.j2"
UNITS = {"k": 1024, "m": 1024 * 1024}


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([km]?)", size.lower()).groups()  # type: ignore[union-attr]
    return int(number) * UNITS.get(unit, 1)


def _largest_price_batch() -> bytes:
    """The longest symbol, a full date and the widest close NUMERIC(24, 8) allows, as many as allowed."""
    row = {"symbol": "A" * 16, "date": "2026-01-02", "close": "9" * 16 + "." + "9" * 8}
    body = json.dumps({"prices": [row] * MAX_PRICES_PER_REQUEST}, separators=(",", ":")).encode()
    PricesIn.model_validate_json(body[: body.index(b"}") + 1] + b"]}")  # one row of it is valid
    return body


def test_the_largest_valid_price_batch_passes_nginx_and_the_ingress() -> None:
    nginx = _bytes(re.search(r"client_max_body_size (\w+);", NGINX_TEMPLATE.read_text()).group(1))  # type: ignore[union-attr]
    limits = {"nginx": nginx}
    for name in ("dev", "staging", "prod"):
        annotations = ingress(load_environment(spec_path(ROOT, name), ROOT))["metadata"]["annotations"]
        limits[name] = _bytes(annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
    assert len(set(limits.values())) == 1, f"the edges disagree: {limits}"
    assert len(_largest_price_batch()) <= nginx, f"{len(_largest_price_batch())} bytes > {nginx}"

