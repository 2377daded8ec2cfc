"""Trust inputs as read from files: certificates, PEM/DER bundles, master lists, CRLs, PKD LDIF (9303-12 §5, §8).

``read_trust_source(data, source)`` decides what a file is by its content and returns a
``TrustSource``: the certificates, master lists and CRLs in it, and every entry that could not be
read (``skipped``: where, whose, why). A file that is none of these, or whose container is cut or
broken (a PEM armour, an LDIF, a master list's CMS), is a ParseError naming the file: whoever
imports it gets nothing half-read. One unreadable certificate inside a readable container is
skipped and named, never the reason to drop the rest.

Nothing here decides what to trust: master list signatures, CRL signatures and which
certificates are anchors are the trust store's job (``cardkit.pki.trust``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import cms, parser, pem
from cryptography import x509

from ..algorithms import ID_SIGNED_DATA, IcaoOid
from ..certificates import Certificate, load_certificate
from ..errors import ParseError
from .asn1 import CscaMasterList
from .masterlist import MasterList, Skipped, parse_master_list, read_certificates
from .pkd_ldif import looks_like_ldif, read_pkd_ldif

__all__ = ["TrustSource", "Crl", "read_trust_source", "read_certificate_file", "load_crl", "MAX_TRUST_FILE"]

MAX_TRUST_FILE = 256 << 20  # the PKD's DSC LDIF is some tens of MB


@dataclass(frozen=True)
class Crl:
    """A CRL as read (``raw`` kept), with the ``cryptography`` object used to query it."""

    raw: bytes
    crl: x509.CertificateRevocationList

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class TrustSource:
    """What one file holds."""

    source: str
    kind: str  # "certificate", "PEM bundle", "master list", "CRL", "LDIF"
    sha256: str
    certificates: tuple[Certificate, ...] = ()
    master_lists: tuple[MasterList, ...] = ()
    crls: tuple[Crl, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()


def load_crl(der: bytes, source: str | None = None) -> Crl:
    """A DER CRL (RFC 5280 §5); ParseError when it cannot be read."""
    try:
        crl = x509.load_der_x509_crl(der)
        crl.issuer, crl.last_update_utc, crl.next_update_utc  # noqa: B018 - decode now, not on first use
        return Crl(bytes(der), crl)
    except ValueError as e:
        raise ParseError(f"not a CRL that can be read ({e})", what="CRL", source=source) from None


def _elements(data: bytes, limit: int = 8) -> list[tuple[int, int, bytes]]:
    """(class, tag, contents) of the first ``limit`` TLVs in ``data`` (X.690 §8.1)."""
    out = []
    pos = 0
    while pos < len(data) and len(out) < limit:
        size = parser.peek(data[pos:])
        class_, _, tag, _, contents, _ = parser.parse(data[pos:pos + size])
        out.append((class_, tag, contents))
        pos += size
    return out


def _der_kind(data: bytes) -> str:
    """"certificate", "crl", "cms" or "master list content" by the outer DER structure; "" when none fits.

    Certificate (RFC 5280 §4.1) and CertificateList (§5.1) are both SEQUENCE { tbs, algorithm, signature }:
    a TBSCertificate starts with [0] version or has its validity SEQUENCE fourth; a TBSCertList has a time there.
    """
    try:
        class_, _, tag, _, contents, _ = parser.parse(data, strict=True)
        if (class_, tag) != (0, 16):
            return ""
        outer = _elements(contents)
        if not outer:
            return ""
        first = outer[0]
        if first[:2] == (0, 6):
            return "cms"
        if first[:2] == (0, 2) and len(outer) == 2:  # CscaMasterList { version, certList }
            return "master list content"
        if first[:2] == (0, 16) and len(outer) == 3:
            tbs = _elements(first[2])
            if tbs[0][:2] == (2, 0) or (len(tbs) > 3 and tbs[3][:2] == (0, 16)):
                return "certificate"
            return "crl"
    except (ValueError, TypeError, IndexError):
        pass
    return ""


def _from_cms(data: bytes, source: str) -> TrustSource:
    try:
        ci = cms.ContentInfo.load(data)
        ctype = ci["content_type"].dotted
        etype = ci["content"]["encap_content_info"]["content_type"].dotted if ctype == ID_SIGNED_DATA else None
    except (ValueError, TypeError, KeyError) as e:
        raise ParseError(f"a CMS structure that cannot be read ({e})", source=source) from None
    if etype == IcaoOid.DEVIATION_LIST:
        raise ParseError("a Deviation List (9303-12 §9), not a CSCA master list or certificate; it names no trust "
                         "anchor", source=source)
    if etype != IcaoOid.CSCA_MASTER_LIST:
        raise ParseError(f"a CMS {ctype if etype is None else 'SignedData of ' + etype}, not a CSCA master list",
                         source=source)
    ml = parse_master_list(data, source=source)
    return TrustSource(source, "master list", hashlib.sha256(data).hexdigest(), master_lists=(ml,), skipped=ml.skipped)


def _from_pem(data: bytes, source: str) -> TrustSource:
    ders: list[bytes] = []
    crls: list[Crl] = []
    skipped: list[Skipped] = []
    try:
        blocks = list(pem.unarmor(data, multiple=True))
    except ValueError as e:
        raise ParseError(f"PEM armour cannot be read ({e})", source=source) from None
    for i, (kind, _, der) in enumerate(blocks):
        if kind in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
            ders.append(der)
        elif kind == "X509 CRL":
            try:
                crls.append(load_crl(der, source))
            except ParseError as e:
                skipped.append(Skipped(f"PEM block {i}", None, e.message))
        else:
            skipped.append(Skipped(f"PEM block {i}", None, f"a {kind}, not a certificate or CRL"))
    if not ders and not crls:
        raise ParseError("PEM file holds no certificate or CRL", source=source)
    certs, bad = read_certificates(ders, "certificate", source)
    kind = "PEM bundle" if len(blocks) > 1 else "certificate" if ders else "CRL"
    return TrustSource(source, kind, hashlib.sha256(data).hexdigest(),
                       certificates=certs, crls=tuple(crls), skipped=(*bad, *skipped))


def _from_ldif(data: bytes, source: str) -> TrustSource:
    certs: list[Certificate] = []
    lists: list[MasterList] = []
    crls: list[Crl] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    for obj in read_pkd_ldif(data, source):
        try:
            if obj.kind == "certificate":
                certs.append(load_certificate(obj.der, source=source))
            elif obj.kind == "master list":
                ml = parse_master_list(obj.der, source=source)
                lists.append(ml)
                skipped.extend(Skipped(f"{obj.dn}: {s.where}", s.subject, s.reason) for s in ml.skipped)
            elif obj.kind == "crl":
                crls.append(load_crl(obj.der, source))
            else:
                notes.append(f"{obj.dn}: a deviation list, not used")
        except ParseError as e:
            skipped.append(Skipped(obj.dn, None, f"{obj.kind}: {e.message}"))
    return TrustSource(source, "LDIF", hashlib.sha256(data).hexdigest(), tuple(certs), tuple(lists), tuple(crls),
                       tuple(skipped), tuple(notes))


def read_trust_source(data: bytes, source: str) -> TrustSource:
    """What a trust file holds, decided by its content (DER, PEM or LDIF).

    Raises:
        ParseError: naming ``source``: not a certificate, bundle, master list, CRL or PKD LDIF, or one that
            is cut or broken; also a bare (unsigned) CscaMasterList and a Deviation List, which name no anchor.
    """
    data = bytes(data)
    if len(data) > MAX_TRUST_FILE:
        raise ParseError(f"{len(data)} bytes is too large for a trust file", source=source)
    if not data.strip():
        raise ParseError("empty file", source=source)
    if data.lstrip().startswith(b"-----BEGIN"):
        return _from_pem(data, source)
    if looks_like_ldif(data):
        return _from_ldif(data, source)
    kind = _der_kind(data)
    digest = hashlib.sha256(data).hexdigest()
    if kind == "cms":
        return _from_cms(data, source)
    if kind == "certificate":
        return TrustSource(source, "certificate", digest, certificates=(load_certificate(data, source=source),))
    if kind == "crl":
        return TrustSource(source, "CRL", digest, crls=(load_crl(data, source),))
    if kind == "master list content":
        try:
            CscaMasterList.load(data, strict=True)["cert_list"]  # noqa: B018
        except (ValueError, TypeError) as e:
            raise ParseError(f"not a certificate, CRL, master list or PKD LDIF ({e})", source=source) from None
        raise ParseError("a bare CscaMasterList without its CMS signature: nothing vouches for it "
                         "(9303-12 §8 master lists are signed)", source=source)
    raise ParseError("not a certificate, CRL, master list or PKD LDIF (DER or PEM)", source=source)


def read_certificate_file(path: Path) -> Certificate:
    """The one certificate in a DER or PEM file, read as written.

    Raises:
        ParseError: naming the file: it cannot be read, holds no certificate, or more than one.
    """
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ParseError(f"cannot read ({e.strerror or e})", source=str(path)) from None
    if len(data) > MAX_TRUST_FILE:
        raise ParseError(f"{len(data)} bytes is too large", source=str(path))
    if data.lstrip().startswith(b"-----BEGIN"):
        try:
            blocks = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind.endswith("CERTIFICATE")]
        except ValueError as e:
            raise ParseError(f"PEM armour cannot be read ({e})", source=str(path)) from None
        if len(blocks) != 1:
            raise ParseError(f"holds {len(blocks)} certificates, expected one", source=str(path))
        data = blocks[0]
    if _der_kind(data) != "certificate":
        raise ParseError("is not an X.509 certificate (DER or PEM)", source=str(path))
    return load_certificate(data, source=str(path))
