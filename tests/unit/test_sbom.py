"""`qvctl sbom`: the API image's CycloneDX SBOM lists every locked package with its version and file hashes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from qvctl.context import Context, QvError
from qvctl.exit_status import ExitStatus
from qvctl.supply.sbom import API_LOCK, write_sbom
from tests.conftest import ROOT
from tests.lock_support import read_lock


def _ctx() -> Context:
    return Context(root=ROOT, environ=dict(os.environ))


@pytest.fixture(scope="module")
def sbom(tmp_path_factory: pytest.TempPathFactory) -> dict:
    output = tmp_path_factory.mktemp("sbom") / "api.cdx.json"
    count = write_sbom(_ctx(), output)
    document = json.loads(output.read_text())
    assert count == len(document["components"])
    return document


def _listed(sbom: dict) -> dict[str, tuple[str, str, frozenset[str]]]:
    """name -> (version, purl, the SHA-256 hashes of its distribution files), as the SBOM says."""
    listed = {}
    for component in sbom["components"]:
        hashes = frozenset(
            h["content"]
            for ref in component.get("externalReferences", [])
            if ref["type"] == "distribution"
            for h in ref.get("hashes", [])
            if h["alg"] == "SHA-256"
        )
        listed[canonicalize_name(component["name"])] = (component["version"], component["purl"], hashes)
    return listed


def test_the_sbom_is_cyclonedx_for_the_api(sbom: dict) -> None:
    assert sbom["bomFormat"] == "CycloneDX"
    assert sbom["specVersion"] == "1.6"
    root = sbom["metadata"]["component"]
    assert (root["name"], root["type"]) == ("quantumvest-api", "application")


def test_every_locked_package_is_listed_with_its_version_and_hashes(sbom: dict) -> None:
    locked = read_lock(ROOT / API_LOCK)
    assert _listed(sbom) == {
        name: (entry.version, f"pkg:pypi/{name}@{entry.version}", entry.hashes) for name, entry in locked.items()
    }


def test_a_missing_lock_is_named(tmp_path: Path) -> None:
    with pytest.raises(QvError) as caught:
        write_sbom(_ctx(), tmp_path / "out.json", tmp_path / "nowhere.lock")
    assert caught.value.status == ExitStatus.INVALID_INPUT
    assert caught.value.message == f"{tmp_path / 'nowhere.lock'}: no such lock; `make lock` writes it"
