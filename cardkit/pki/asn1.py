"""ASN.1 types of the eMRTD PKI that asn1crypto does not define (9303-12 §7.1.1.3, §8).

Declared, not hand-parsed. The object identifiers live in ``cardkit.algorithms.IcaoOid``.
"""

from __future__ import annotations

from asn1crypto import cms, core, x509

from ..algorithms import IcaoOid
from ..lds.sod import register_oid

__all__ = ["DocumentTypeListSyntax", "CscaMasterList", "CertificateSet", "RawCertificateSet"]


class DocumentTypes(core.SetOf):
    _child_spec = core.PrintableString  # DocumentType ::= PrintableString (SIZE (1..2))


class DocumentTypeListSyntax(core.Sequence):
    """documentTypeList extension value: SEQUENCE { version (v0), docTypeList SET OF DocumentType }."""

    _fields = [("version", core.Integer), ("doc_type_list", DocumentTypes)]


class CertificateSet(core.SetOf):
    _child_spec = x509.Certificate


class RawCertificateSet(core.SetOf):
    """A SET OF Certificate read as SEQUENCEs only, so that each entry is read (and may fail) on its own."""

    _child_spec = core.Sequence


class CscaMasterList(core.Sequence):
    """CscaMasterList ::= SEQUENCE { version CscaMasterListVersion (v0), certList SET OF Certificate }."""

    _fields = [("version", core.Integer), ("cert_list", CertificateSet)]


register_oid(x509.KeyPurposeId, IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY, "icao_csca_master_list_signing")
register_oid(cms.ContentType, IcaoOid.CSCA_MASTER_LIST, "csca_master_list")
