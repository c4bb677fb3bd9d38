"""Filter `qv_certificate_status`: is a certificate on this machine still what we would issue?

Locally every host is the controller, so a certificate can be checked where Ansible runs,
without a module on the host: it exists with its key (owned as wanted, key mode 0600), the key
matches it, the environment CA signed it, it names exactly the wanted subjectAltNames. Then it
is `current` (valid beyond the renewal margin: the role skips making a key, a request and a
signature, three module runs per certificate on every run) or `renew` (the role signs it again,
forced). Anything else is `issue`: community.crypto makes what is missing or wrong.
"""

from __future__ import annotations

import datetime
import ipaddress

DOCUMENTATION = """
    name: qv_certificate_current
    short_description: whether a certificate on the controller is current
    positional: _input, key, ca, sans, owner, days
    options:
      _input: {description: path of the certificate, type: path, required: true}
      key: {description: path of its private key, type: path, required: true}
      ca: {description: path of the CA certificate that must have signed it, type: path, required: true}
      sans: {description: 'subjectAltNames as community.crypto writes them (IP:..., DNS:...)', type: list,
             required: true}
      owner: {description: the user that must own the key, type: str, required: true}
      days: {description: renewal margin in days, type: int, default: 30}
"""


def _names(sans: list[str]) -> set[str]:
    names = set()
    for entry in sans:
        kind, _, value = str(entry).partition(":")
        names.add(f"{kind.upper()}:{ipaddress.ip_address(value) if kind.upper() == 'IP' else value}")
    return names


def qv_certificate_status(cert: str, key: str, ca: str, sans: list[str], owner: str, days: int = 30) -> str:
    import os
    import pwd

    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization

    try:
        info = os.stat(key)
        if pwd.getpwuid(info.st_uid).pw_name != owner or info.st_mode & 0o777 != 0o600:
            return "issue"
        with open(cert, "rb") as handle:
            certificate = x509.load_pem_x509_certificate(handle.read())
        with open(key, "rb") as handle:
            private = serialization.load_pem_private_key(handle.read(), password=None)
        with open(ca, "rb") as handle:
            authority = x509.load_pem_x509_certificate(handle.read())
        listed = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, KeyError, ValueError, TypeError, x509.ExtensionNotFound):
        return "issue"
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    same_key = certificate.public_key().public_bytes(serialization.Encoding.DER, public) == \
        private.public_key().public_bytes(serialization.Encoding.DER, public)
    found = {f"DNS:{n}" for n in listed.get_values_for_type(x509.DNSName)} | \
        {f"IP:{n}" for n in listed.get_values_for_type(x509.IPAddress)}
    try:
        certificate.verify_directly_issued_by(authority)
    except (InvalidSignature, ValueError, TypeError):
        return "issue"
    if not same_key or found != _names(sans):
        return "issue"
    margin = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)
    return "current" if certificate.not_valid_after_utc > margin else "renew"


class FilterModule:
    def filters(self) -> dict[str, object]:
        return {"qv_certificate_status": qv_certificate_status}
