"""CSCA Master Lists: CMS SignedData over CscaMasterList (9303-12 §8).

A master list carries CSCA certificates (self-signed and link), is signed by a Master List
signer whose certificate (EKU id-icao-cscaMasterListSigningKey, 2.23.136.1.1.3) is issued by
the publishing state's CSCA. Building one is ``cardkit.pki.sod_builder.build_master_list`` (a verifying
terminal never loads the signing side); parsing keeps the raw bytes and raises
only ParseError; ``verify_master_list`` checks the signature and the signer's certificate and
returns the reason when it fails, so the trust store can refuse the list and say why.

Published lists carry certificates no strict reader accepts (NULL parameters in ECDSA identifiers,
non-positive serials, explicit curves, CA=false with a pathLen): each is read as written
(``cardkit.certificates``). One whose structure cannot be read at all is skipped, and named in
``skipped`` (its index in certList, its subject where readable, the reason): one bad certificate
never drops the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509

from ..algorithms import ID_SIGNED_DATA, IcaoOid
from ..certificates import Certificate, load_certificate
from ..errors import ParseError, VerificationError
from ..lds.sod import MAX_SOD_SIZE, SignerInfoData, parse_signer_info
from .algorithms import public_key_of, verify_certificate
from .asn1 import CscaMasterList, RawCertificateSet
from .cms_verify import check_signed_attributes, find_signer_certificate, verify_signer_info

__all__ = ["MasterList", "Skipped", "parse_master_list", "verify_master_list",
           "MAX_MASTER_LIST_SIZE", "MAX_LIST_CERTIFICATES"]

MAX_MASTER_LIST_SIZE = 64 * MAX_SOD_SIZE  # the ICAO master list is a few MB
MAX_LIST_CERTIFICATES = 20_000  # a few thousand CSCAs exist in the world


@dataclass(frozen=True)
class Skipped:
    """An entry of a trust list that could not be read: where it is, whose it is (when readable), and why."""

    where: str  # "certList[22]", an LDIF entry's dn, "PEM block 4" ...
    subject: str | None
    reason: str

    def __str__(self) -> str:
        who = f" ({self.subject})" if self.subject else ""
        return f"{self.where}{who}: {self.reason}"


def _subject_of(der: bytes) -> str | None:
    """The subject of a certificate that cannot be read whole, when at least the name can be."""
    try:
        return str(asn1_x509.Certificate.load(der)["tbs_certificate"]["subject"].human_friendly)
    except Exception:  # noqa: BLE001 - a best effort for the message only
        return None


def read_certificates(ders: list[bytes], label: str, source: str | None) -> tuple[tuple[Certificate, ...], tuple[Skipped, ...]]:
    """Each DER read as written; the unreadable ones are skipped, named by ``label[index]``."""
    good: list[Certificate] = []
    bad: list[Skipped] = []
    for i, der in enumerate(ders):
        try:
            good.append(load_certificate(der, source=source))
        except ParseError as e:
            bad.append(Skipped(f"{label}[{i}]", _subject_of(der), e.message))
    return tuple(good), tuple(bad)


@dataclass(frozen=True)
class MasterList:
    """A parsed master list: its CSCA certificates, signer certificates and the SignerInfo."""

    raw: bytes = field(repr=False)
    econtent_type: str
    econtent: bytes = field(repr=False)
    version: int
    cscas: tuple[Certificate, ...] = field(repr=False)
    certificates: tuple[Certificate, ...] = field(repr=False)  # SignedData.certificates (the ML signer)
    signer_infos: tuple[SignerInfoData, ...] = field(repr=False)
    skipped: tuple[Skipped, ...] = ()  # certificates of certList (or SignedData) that could not be read


def parse_master_list(data: bytes, *, source: str | None = None) -> MasterList:
    """Parse a master list (DER ContentInfo); ParseError naming what is wrong."""
    try:
        if len(data) > MAX_MASTER_LIST_SIZE:
            raise ParseError(f"{len(data)} bytes, more than {MAX_MASTER_LIST_SIZE}")
        ci = cms.ContentInfo.load(bytes(data), strict=True)
        if ci["content_type"].dotted != ID_SIGNED_DATA:
            raise ParseError("not a CMS SignedData")
        sd = ci["content"]
        eci = sd["encap_content_info"]
        econtent_type = eci["content_type"].dotted
        if econtent_type != IcaoOid.CSCA_MASTER_LIST:
            raise ParseError(f"eContentType {econtent_type} is not id-icao-cscaMasterList")
        econtent = eci["content"].native
        if not isinstance(econtent, bytes):
            raise ParseError("eContent is not an OCTET STRING")
        ml = CscaMasterList.load(econtent, strict=True)
        entries = RawCertificateSet.load(ml["cert_list"].dump(), strict=True)
        if len(entries) > MAX_LIST_CERTIFICATES:
            raise ParseError(f"more than {MAX_LIST_CERTIFICATES} certificates")
        cscas, skipped = read_certificates([c.dump() for c in entries], "certList", source)
        certs: tuple[Certificate, ...] = ()
        if not isinstance(sd["certificates"], core.Void):
            certs, bad = read_certificates([c.chosen.dump() for c in sd["certificates"] if c.name == "certificate"],
                                           "SignedData.certificates", source)
            skipped += bad
        infos = tuple(parse_signer_info(si) for si in sd["signer_infos"])
        if not infos:
            raise ParseError("no SignerInfo")
        return MasterList(bytes(data), econtent_type, econtent, ml["version"].native, cscas, certs, infos, skipped)
    except ParseError as e:
        raise e.within(what="master list", source=source)
    except RecursionError:
        raise ParseError("nesting too deep", what="master list", source=source) from None
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as e:
        raise ParseError(f"malformed: {e}", what="master list", source=source) from None


def verify_master_list(ml: MasterList, anchors: Sequence[Certificate] = ()) -> Certificate:
    """Verify the master list's signature and its signer certificate; return the CSCA that issued the signer.

    The signer's issuer is looked up among ``anchors`` first, then among the CSCAs of the list itself
    (a state's master list carries its own CSCA).

    Raises:
        VerificationError: with the reason (no signer certificate, bad signature, wrong EKU, unknown issuer).
    """
    if len(ml.signer_infos) != 1:
        raise VerificationError(f"{len(ml.signer_infos)} SignerInfos, expected 1")
    si = ml.signer_infos[0]
    match = find_signer_certificate(si, ml.certificates)
    if match is None:
        raise VerificationError("no certificate in the master list matches its SignerInfo")
    signer_cert = match.certificate
    check_signed_attributes(si, ml.econtent_type, ml.econtent)
    verify_signer_info(si, public_key_of(signer_cert))
    eku = signer_cert.extended_key_usage
    if eku is None:
        raise VerificationError("the signer certificate has no extended key usage (2.23.136.1.1.3 required)")
    if IcaoOid.CSCA_MASTER_LIST_SIGNING_KEY not in eku:
        raise VerificationError("the signer certificate lacks the Master List signer EKU (2.23.136.1.1.3)")
    for issuer in [*anchors, *ml.cscas]:
        if not issuer.subject.matches(signer_cert.issuer):
            continue
        try:
            verify_certificate(signer_cert, issuer)
        except VerificationError:
            continue
        return issuer
    raise VerificationError("no known CSCA issued the master list signer certificate")
