"""ICAO PKD LDIF files: master lists, DS certificates and CRLs as base64 attributes (9303-12 §5.2; RFC 2849).

The PKD publishes its collections as LDIF (one entry per object, under o=ml, o=dsc, o=crl ...).
The LDIF syntax is read by the ``ldif`` library (RFC 2849; URL references are never fetched);
this module only sorts the entries' binary attributes:

    pkdMasterListContent / CscaMasterListData   a master list (CMS SignedData)
    userCertificate;binary / userCertificate    a certificate (a DS certificate, or a CSCA)
    certificateRevocationList;binary            a CRL
    pkdDscDeviationList / pkdDeviationList      a deviation list: noted, not used

An entry with none of these (the PKD's containers, a version line) is passed over. A file whose
LDIF or base64 does not decode is a ParseError naming it: nothing of it is used.
"""

from __future__ import annotations

import binascii
import io
from dataclasses import dataclass

from ..errors import ParseError

__all__ = ["LdifObject", "read_pkd_ldif", "looks_like_ldif", "MAX_LDIF_ENTRIES"]

MAX_LDIF_ENTRIES = 200_000  # the whole PKD DSC collection is a few tens of thousands of entries
_KINDS = {
    "pkdmasterlistcontent": "master list", "cscamasterlistdata": "master list",
    "usercertificate;binary": "certificate", "usercertificate": "certificate", "cacertificate;binary": "certificate",
    "certificaterevocationlist;binary": "crl", "certificaterevocationlist": "crl",
    "pkddscdeviationlist": "deviation list", "pkddeviationlist": "deviation list",
}


@dataclass(frozen=True)
class LdifObject:
    """One binary object of a PKD LDIF entry: its kind, the entry's dn, and the DER."""

    kind: str  # "master list" | "certificate" | "crl" | "deviation list"
    dn: str
    der: bytes


def looks_like_ldif(data: bytes) -> bool:
    """True when the text starts (after comments and blank lines) with an LDIF ``version:`` or ``dn:`` line."""
    for line in data[:4096].splitlines():
        line = line.strip()
        if not line or line.startswith(b"#"):
            continue
        return line.lower().startswith((b"dn:", b"version:"))
    return False


def read_pkd_ldif(data: bytes, source: str | None = None) -> list[LdifObject]:
    """The master lists, certificates, CRLs and deviation lists of a PKD LDIF file, in file order.

    Raises:
        ParseError: the LDIF or a base64 value does not decode (the file is cut, or not LDIF).
    """
    if not data.endswith(b"\n"):  # every LDIF line ends with one: a file without it was cut short
        raise ParseError("cut short: the last line has no line break", what="LDIF", source=source)
    # The ldif library pulls in urllib.request, http.client and ssl (about 16 ms): loaded here, by the
    # rare trust source that is LDIF, not by every verify that loads a trust store.
    import ldif

    parser = ldif.LDIFParser(io.BytesIO(data), encoding=None, strict=True, process_url_schemes=())
    out: list[LdifObject] = []
    try:
        for n, (dn, entry) in enumerate(parser.parse()):
            if n >= MAX_LDIF_ENTRIES:
                raise ParseError(f"more than {MAX_LDIF_ENTRIES} entries")
            for attr, values in entry.items():
                kind = _KINDS.get(attr.lower())
                if kind is None:
                    continue
                for value in values:
                    if not isinstance(value, bytes) or not value:
                        raise ParseError(f"entry {dn!r}: {attr} is not a base64 value", offset=parser.byte_counter)
                    out.append(LdifObject(kind, dn or "", value))
    except ParseError as e:
        raise e.within(what="LDIF", source=source)
    except (ValueError, binascii.Error, UnicodeDecodeError) as e:
        raise ParseError(f"not LDIF that can be read, near line {parser.line_counter} ({e})", what="LDIF",
                         source=source) from None
    if parser.records_read == 0:
        raise ParseError("no LDIF entry", what="LDIF", source=source)
    return out
