"""The environment CA: created once with a private key only root can read, then reused as is."""

from __future__ import annotations

import datetime
import stat
from pathlib import Path

import pytest
from cryptography import x509

from qvctl.context import QvError
from qvctl.platform.pki import ensure_ca


def test_the_ca_is_created_with_a_0600_key(tmp_path: Path) -> None:
    cert, key = tmp_path / "pki" / "ca.crt", tmp_path / "pki" / "ca.key"
    made = ensure_ca(cert, key, "local")
    assert made.created
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    ca = x509.load_pem_x509_certificate(cert.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert "quantumvest local environment CA" in ca.subject.rfc4514_string()
    assert ca.not_valid_after_utc - ca.not_valid_before_utc > datetime.timedelta(days=3000)


def test_a_second_run_reuses_the_same_ca_byte_for_byte(tmp_path: Path) -> None:
    cert, key = tmp_path / "ca.crt", tmp_path / "ca.key"
    first = ensure_ca(cert, key, "local")
    before = (cert.read_bytes(), key.read_bytes())
    second = ensure_ca(cert, key, "local")
    assert not second.created and second.fingerprint == first.fingerprint
    assert (cert.read_bytes(), key.read_bytes()) == before


def test_a_loosened_key_mode_is_tightened_again(tmp_path: Path) -> None:
    cert, key = tmp_path / "ca.crt", tmp_path / "ca.key"
    ensure_ca(cert, key, "local")
    key.chmod(0o644)
    ensure_ca(cert, key, "local")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_ca_close_to_expiry_is_replaced(tmp_path: Path) -> None:
    cert, key = tmp_path / "ca.crt", tmp_path / "ca.key"
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3640)
    old = ensure_ca(cert, key, "local", now=past)
    renewed = ensure_ca(cert, key, "local")
    assert renewed.created and renewed.fingerprint != old.fingerprint


def test_a_key_that_does_not_match_the_certificate_is_refused(tmp_path: Path) -> None:
    ensure_ca(tmp_path / "a.crt", tmp_path / "a.key", "local")
    ensure_ca(tmp_path / "b.crt", tmp_path / "b.key", "local")
    with pytest.raises(QvError, match="does not belong to"):
        ensure_ca(tmp_path / "a.crt", tmp_path / "b.key", "local")
