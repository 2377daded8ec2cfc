"""The trust store: CSCA certificates, master lists and CRLs, and DS path building (9303-12 §5, §8).

``TrustStore.load(paths, crls)`` reads files and walks directories: certificates (DER or PEM,
several per PEM file), master lists (their signature and signer are verified first: a list
that fails is refused whole, and the reason is kept), and CRLs (used only when a CSCA of the
store verifies them). Nothing that cannot be read stops the load; each problem becomes a
finding in ``findings``, the way an auditor wants to see it.

Path building: the DS certificate's issuer is looked up by name (and key identifier), its
signature checked, and link certificates followed up to a self-signed CSCA. The result for a
given DS certificate is cached (``path``), so a bulk audit verifies each DS certificate once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from ..checks import Check, Status
from ..errors import ParseError, VerificationError
from .algorithms import verify_certificate
from .cms_verify import is_self_signed, ski_of
from ..lds.sod import load_certificate_der
from .masterlist import parse_master_list, verify_master_list

__all__ = ["TrustStore", "CertPath", "RevocationStatus"]

_MAX_FILE = 64 << 20
_MAX_DEPTH = 5


@dataclass(frozen=True)
class CertPath:
    """The result of building a path for one DS certificate (cached per certificate)."""

    ok: bool
    reason: str
    issuer: x509.Certificate | None = None  # the certificate whose key signed the DS certificate
    anchor: x509.Certificate | None = None  # the self-signed CSCA at the top
    chain: tuple[x509.Certificate, ...] = ()  # DS first, anchor last
    no_anchor: bool = False  # no certificate of the store is named as the DS certificate's issuer


@dataclass(frozen=True)
class RevocationStatus:
    status: Status
    reason: str


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    try:
        return crl.is_signature_valid(issuer.public_key())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False


def _aki(cert: x509.Certificate) -> bytes | None:
    try:
        return cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except x509.ExtensionNotFound:
        return None


def _walk(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*") if q.is_file())
        else:
            yield p


@dataclass
class TrustStore:
    """Trusted CSCA certificates (self-signed and link), verified CRLs, and what went wrong loading them."""

    cscas: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    findings: list[Check] = field(default_factory=list)
    _by_subject: dict[bytes, list[x509.Certificate]] = field(default_factory=dict, repr=False)
    _crls_by_issuer: dict[bytes, list[x509.CertificateRevocationList]] = field(default_factory=dict, repr=False)
    _paths: dict[bytes, CertPath] = field(default_factory=dict, repr=False)
    _pending_crls: list[tuple[x509.CertificateRevocationList, str]] = field(default_factory=list, repr=False)
    _memo: dict[object, object] = field(default_factory=dict, repr=False)

    def memo(self, key: object, make: Callable[[], object]) -> object:
        """A value computed once per trust store state (Passive Authentication caches per-DS facts here)."""
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) > 100_000:
                self._memo.clear()
            value = self._memo[key] = make()
            return value

    @classmethod
    def load(cls, paths: Iterable[Path | str], crls: Iterable[Path | str] = ()) -> TrustStore:
        """Load CSCA certificates, master lists and CRLs from files and directories (walked)."""
        store = cls()
        for p in _walk(Path(x) for x in paths):
            store.add_file(p)
        for p in _walk(Path(x) for x in crls):
            store.add_file(p, expect="crl")
        store._settle_crls()
        return store

    # --- loading ---------------------------------------------------------------

    def add_file(self, path: Path, expect: str | None = None) -> None:
        """Add whatever ``path`` holds; a problem becomes a finding, never an exception."""
        try:
            size = path.stat().st_size
            if size > _MAX_FILE:
                raise ParseError(f"{size} bytes is too large for a trust file")
            data = path.read_bytes()
        except (OSError, ParseError) as e:
            self._finding(path, f"cannot read: {getattr(e, 'strerror', None) or e}")
            return
        self.add_bytes(data, str(path), expect=expect)

    def add_bytes(self, data: bytes, source: str = "<bytes>", expect: str | None = None) -> None:
        """Add a certificate, CRL or master list given as bytes (DER or PEM)."""
        stripped = data.lstrip()
        if stripped.startswith(b"-----BEGIN"):
            if b"X509 CRL" in stripped[:40]:
                return self._add_crl_pem(data, source)
            if expect == "crl":  # a certificate given as a CRL must not become a trust anchor
                return self._finding(source, "not a CRL (DER or PEM)")
            try:
                certs = [load_certificate_der(c.public_bytes(Encoding.DER)) for c in x509.load_pem_x509_certificates(data)]
            except (ValueError, ParseError, x509.InvalidVersion):
                return self._finding(source, "PEM file holds neither readable certificates nor a CRL")
            for c in certs:
                self.add_certificate(c, source)
            return
        if expect != "crl":
            try:
                return self.add_certificate(load_certificate_der(data), source)
            except ParseError:
                pass
        try:
            crl = x509.load_der_x509_crl(data)
            self._pending_crls.append((crl, source))
            return
        except ValueError:
            pass
        if expect == "crl":
            return self._finding(source, "not a CRL (DER or PEM)")
        try:
            ml = parse_master_list(data, source=source)
        except ParseError as e:
            return self._finding(source, f"not a certificate, CRL or master list ({e.message})")
        self.add_master_list(ml, source)

    def _add_crl_pem(self, data: bytes, source: str) -> None:
        try:
            self._pending_crls.append((x509.load_pem_x509_crl(data), source))
        except ValueError:
            self._finding(source, "malformed PEM CRL")

    def add_certificate(self, cert: x509.Certificate, source: str = "<certificate>") -> None:
        """Trust a CSCA (self-signed or link) certificate; a non-CA certificate is refused with a finding."""
        try:
            bc = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
            is_ca = bc.ca
        except (x509.ExtensionNotFound, ValueError):
            is_ca = False
        if not is_ca:
            return self._finding(source, f"{cert.subject.rfc4514_string()} is not a CA certificate; not trusted as CSCA")
        key = cert.subject.public_bytes()
        if any(c == cert for c in self._by_subject.get(key, ())):
            return
        self.cscas.append(cert)
        self._by_subject.setdefault(key, []).append(cert)
        self._paths.clear()
        self._memo.clear()

    def add_master_list(self, ml: object, source: str = "<master list>") -> None:
        """Trust the CSCAs of a master list whose signature and signer verify; else record why not."""
        anchors = list(self.cscas)
        try:
            issuer = verify_master_list(ml, anchors)  # type: ignore[arg-type]
        except VerificationError as e:
            n = len(ml.cscas)  # type: ignore[attr-defined]
            return self._finding(source, f"master list refused, its {n} CSCA certificates are not trusted: {e}",
                                 name="master list signature")
        for cert in ml.cscas:  # type: ignore[attr-defined]
            self.add_certificate(cert, source)
        self.findings.append(Check("master list", Status.PASSED, f"{source}: {len(ml.cscas)} CSCA certificates, "  # type: ignore[attr-defined]
                                   f"signed by a signer issued by {issuer.subject.rfc4514_string()}"))

    def _settle_crls(self) -> None:
        """Keep each pending CRL that a CSCA of the store verifies; record the others."""
        for crl, source in self._pending_crls:
            issuers = self._by_subject.get(crl.issuer.public_bytes(), [])
            if not any(_crl_signed_by(crl, c) for c in issuers):
                self._finding(source, f"CRL of {crl.issuer.rfc4514_string()}: no CSCA in the trust store signed it",
                              name="CRL signature")
                continue
            self.crls.append(crl)
            self._crls_by_issuer.setdefault(crl.issuer.public_bytes(), []).append(crl)
        self._pending_crls.clear()
        self._paths.clear()
        self._memo.clear()

    def add_crl(self, crl: x509.CertificateRevocationList, source: str = "<crl>") -> None:
        """Add one CRL (verified against the CSCAs now in the store)."""
        self._pending_crls.append((crl, source))
        self._settle_crls()

    def _finding(self, source: object, reason: str, *, name: str = "trust store input") -> None:
        self.findings.append(Check(name, Status.FAILED, f"{source}: {reason}"))

    # --- queries ---------------------------------------------------------------

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """Trusted certificates named as ``cert``'s issuer, those with the matching key identifier first."""
        cands = list(self._by_subject.get(cert.issuer.public_bytes(), ()))
        aki = _aki(cert)
        cands.sort(key=lambda c: (ski_of(c) != aki if aki else False, not is_self_signed(c)))
        return cands

    def path(self, ds: x509.Certificate, der: bytes | None = None) -> CertPath:
        """Build and verify the path DS -> (link ...) -> self-signed CSCA; cached per DS certificate."""
        key = der if der is not None else ds.public_bytes(Encoding.DER)  # the whole certificate, every byte
        hit = self._paths.get(key)
        if hit is None:
            hit = self._build(ds)
            self._paths[key] = hit
        return hit

    def _build(self, ds: x509.Certificate) -> CertPath:
        issuers = self.issuers_of(ds)
        if not issuers:
            return CertPath(False, f"no CSCA in the trust store is named {ds.issuer.rfc4514_string()}", no_anchor=True)
        last_error = ""
        for issuer in issuers:
            try:
                verify_certificate(ds, issuer)
            except VerificationError as e:
                last_error = str(e)
                continue
            chain = [ds, issuer]
            cur = issuer
            for _ in range(_MAX_DEPTH):
                if is_self_signed(cur):
                    return CertPath(True, f"issued by {issuer.subject.rfc4514_string()}", issuer, cur, tuple(chain))
                nxt = None
                for up in self.issuers_of(cur):
                    if up in chain:
                        continue
                    try:
                        verify_certificate(cur, up)
                        nxt = up
                        break
                    except VerificationError:
                        continue
                if nxt is None:
                    break
                chain.append(nxt)
                cur = nxt
            last_error = "link certificate chain does not reach a self-signed CSCA"
        return CertPath(False, f"no CSCA in the trust store verifies the DS certificate ({last_error})")

    def revocation(self, cert: x509.Certificate, at: dt.datetime | None = None) -> RevocationStatus:
        """Whether a CRL of the issuing CSCA lists ``cert``; SKIPPED when no CRL of that CSCA is loaded."""
        crls = self._crls_by_issuer.get(cert.issuer.public_bytes())
        if not crls:
            return RevocationStatus(Status.SKIPPED, f"no CRL from {cert.issuer.rfc4514_string()} in the trust store")
        now = at or dt.datetime.now(dt.timezone.utc)
        for crl in crls:
            entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if entry is not None:
                return RevocationStatus(Status.FAILED, f"revoked on {entry.revocation_date_utc:%Y-%m-%d} "
                                        f"(serial {cert.serial_number:X})")
        newest = max(crls, key=lambda c: c.last_update_utc)
        note = ""
        if newest.next_update_utc is not None and newest.next_update_utc < now:
            note = f"; the newest CRL expired on {newest.next_update_utc:%Y-%m-%d}"
        return RevocationStatus(Status.PASSED, f"not on the CRL of {newest.last_update_utc:%Y-%m-%d}{note}")
