"""The environment's certificate authority: created once by `qvctl up`, reused afterwards.

Ansible issues every server certificate from it (community.crypto, ownca), and clients trust
exactly this CA (`curl --cacert .qv/<env>/pki/ca.crt`). Reusing it across runs is what makes
a second `up` change nothing; `down --keep-data` keeps it so kept data stays trusted.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from qvctl.context import QvError
from qvctl.exit_status import ExitStatus

VALIDITY_DAYS = 3650
RENEW_BEFORE_DAYS = 30


@dataclass(frozen=True)
class CaResult:
    created: bool
    subject: str
    not_after: datetime.datetime
    fingerprint: str


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)  # an existing file keeps its old mode with O_CREAT


def _usable(cert_path: Path, key_path: Path, now: datetime.datetime) -> x509.Certificate | None:
    """The existing CA if its key matches its certificate and it is not about to expire."""
    if not (cert_path.is_file() and key_path.is_file()):
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, TypeError) as err:
        raise QvError(f"the environment CA in {cert_path.parent} is unreadable ({err}); "
                      "remove that folder to create a new one", ExitStatus.INVALID_INPUT) from None
    if cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise QvError(f"{key_path} does not belong to {cert_path}; remove {cert_path.parent} to create a new CA",
                      ExitStatus.INVALID_INPUT)
    if cert.not_valid_after_utc - now < datetime.timedelta(days=RENEW_BEFORE_DAYS):
        return None
    return cert


def ensure_ca(cert_path: Path, key_path: Path, env: str, project: str = "quantumvest",
              now: datetime.datetime | None = None) -> CaResult:
    """Create the CA unless a valid one exists. Key mode 0600; the certificate stays world-readable
    because services running as their own users (postgres, www-data) read it to verify peers."""
    now = now or datetime.datetime.now(datetime.UTC)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    existing = _usable(cert_path, key_path, now)
    if existing is not None:
        if key_path.stat().st_mode & 0o077:
            os.chmod(key_path, 0o600)
        return CaResult(False, existing.subject.rfc4514_string(), existing.not_valid_after_utc,
                        existing.fingerprint(hashes.SHA256()).hex())
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, project),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{project} {env} environment CA"),
    ])
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(cert_path, 0o644)
    return CaResult(True, cert.subject.rfc4514_string(), cert.not_valid_after_utc,
                    cert.fingerprint(hashes.SHA256()).hex())


def _load_ca(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise QvError(f"{key_path} is not the EC key qvctl makes", ExitStatus.INVALID_INPUT)
    return cert, key


def _leaf_usable(cert_path: Path, ca: x509.Certificate, names: list[str], now: datetime.datetime) -> bool:
    if not cert_path.is_file():
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    listed = [*sans.get_values_for_type(x509.DNSName),
              *(str(ip) for ip in sans.get_values_for_type(x509.IPAddress))]
    return (cert.issuer == ca.subject and sorted(listed) == sorted(names)
            and cert.not_valid_after_utc - now > datetime.timedelta(days=RENEW_BEFORE_DAYS))


def ensure_leaf(cert_path: Path, key_path: Path, ca_cert: Path, ca_key: Path, common_name: str,
                names: list[str], now: datetime.datetime | None = None) -> bool:
    """A certificate of the environment CA for qvctl's own use: the emulator's TLS front
    (server) and qvctl's client certificate for etcd's and pgBackRest's mutual TLS (client).
    Reissued when missing, for other names, from another CA or near expiry; True if (re)issued."""
    import ipaddress

    now = now or datetime.datetime.now(datetime.UTC)
    ca, signer = _load_ca(ca_cert, ca_key)
    if _leaf_usable(cert_path, ca, names, now) and key_path.is_file():
        return False
    key = ec.generate_private_key(ec.SECP256R1())
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(entries), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH,
                                              x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(signer, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.chmod(cert_path, 0o644)
    return True
