"""X.509 certificates and names as cardkit reads them (RFC 5280 §4.1, §7.1; Doc 9303-12 §7.1).

The codec layer's view of a certificate: frozen, raw DER kept, every departure from the profile
kept as a finding. Verification (signatures, paths, trust) is ``cardkit.pki``'s job.
"""

from __future__ import annotations

from ._certificate import (
    MAX_CERTIFICATE,
    BasicConstraints,
    Certificate,
    Extension,
    Finding,
    Quirk,
    load_certificate,
)
from ._names import DistinguishedName, NameAttribute, read_name

__all__ = [
    "Certificate", "Finding", "Quirk", "BasicConstraints", "Extension", "load_certificate", "MAX_CERTIFICATE",
    "DistinguishedName", "NameAttribute", "read_name",
]
