"""The trust store: CSCA certificates, master lists, CRLs and PKD DS certificates, and DS path building (9303-12 §5, §8).

``TrustStore.load(paths, crls)`` reads files, walks directories and opens trust store folders (those
``cardkit trust import`` writes, recognised by their index): certificates (DER or PEM, many per PEM
file), master lists (their signature and signer are verified first: a list that fails is refused
whole, and the reason is kept), PKD LDIF files, and CRLs (used only when a CSCA of the store verifies
them). Nothing that cannot be read stops the load; each problem is a finding in ``findings``: FAILED
for a file that gave nothing, WARNING for an entry skipped inside a file that gave the rest.

Certificates are cardkit's own view (``cardkit.certificates``), so CSCAs that ``cryptography`` refuses
(NULL ECDSA parameters, non-positive serials, explicit curves) are anchors like any other.

Path building: the DS certificate's issuer is looked up by name (RFC 5280 §7.1 matching, key
identifier first), its signature checked, and link certificates followed up to a self-signed CSCA.
The path of a DS certificate is cached (``path``), so a bulk audit verifies each DS certificate once.
Revocation is cached per certificate too, but whether the newest CRL has expired is judged at the
time each call asks about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from ..certificates import Certificate, load_certificate, read_name
from ..checks import Check, Status
from ..errors import ParseError, VerificationError
from .algorithms import verify_certificate
from .masterlist import MasterList, verify_master_list
from .sources import Crl, TrustSource, load_crl, read_trust_source
from .store_index import is_store, read_index, read_object

__all__ = ["TrustStore", "CertPath", "RevocationStatus", "ListOutcome", "as_certificate"]

_MAX_DEPTH = 5
_MAX_FILE = 256 << 20


def as_certificate(cert: Certificate | x509.Certificate) -> Certificate:
    """cardkit's view of a certificate given either way (the builders of ``cardkit.pki.certs`` make ``cryptography`` ones)."""
    if isinstance(cert, Certificate):
        return cert
    return load_certificate(cert.public_bytes(Encoding.DER))


@dataclass(frozen=True)
class CertPath:
    """The result of building a path for one DS certificate (cached per certificate)."""

    ok: bool
    reason: str
    issuer: Certificate | None = None  # the certificate whose key signed the DS certificate
    anchor: Certificate | None = None  # the self-signed CSCA at the top
    chain: tuple[Certificate, ...] = ()  # DS first, anchor last
    no_anchor: bool = False  # the store holds no CSCA (name and key) for this issuer: unknown, not forged


@dataclass(frozen=True)
class RevocationStatus:
    status: Status
    reason: str


@dataclass(frozen=True)
class ListOutcome:
    """What became of one master list: whether its signature and signer verified, and what it gave."""

    source: str
    verified: bool
    reason: str  # the signer's issuer when verified, else why the list was refused
    certificates: int  # CSCA certificates read from certList
    skipped: tuple[str, ...]  # certList entries that could not be read, each named


def _walk(paths: Iterable[Path]) -> Iterator[tuple[str, Path]]:
    """("store", dir) for trust store folders, ("file", path) for everything else (directories walked)."""
    for p in paths:
        p = Path(p)
        if is_store(p):
            yield "store", p
        elif p.is_dir():
            try:
                children = sorted(p.iterdir())
            except OSError:
                yield "file", p  # reported by add_file
                continue
            yield from _walk(c for c in children if not c.name.startswith("."))
        else:
            yield "file", p


@dataclass
class TrustStore:
    """Trusted CSCA certificates (self-signed and link), verified CRLs, PKD DS certificates, and what went wrong."""

    cscas: list[Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    dscs: list[Certificate] = field(default_factory=list)  # DS certificates from the PKD (not anchors)
    findings: list[Check] = field(default_factory=list)
    lists: list[ListOutcome] = field(default_factory=list)
    _by_subject: dict[object, list[Certificate]] = field(default_factory=dict, repr=False)
    _known: set[bytes] = field(default_factory=set, repr=False)
    _crl_objects: list[Crl] = field(default_factory=list, repr=False)
    _crls_by_issuer: dict[object, list[x509.CertificateRevocationList]] = field(default_factory=dict, repr=False)
    _paths: dict[bytes, CertPath] = field(default_factory=dict, repr=False)
    _pending_crls: list[tuple[Crl, str]] = field(default_factory=list, repr=False)
    _memo: dict[object, object] = field(default_factory=dict, repr=False)

    def memo(self, key: object, make: Callable[[], object]) -> object:
        """A value computed once per trust store state (Passive Authentication caches per-DS facts here).

        The key must hold everything the value depends on besides the store itself.
        """
        try:
            return self._memo[key]
        except KeyError:
            if len(self._memo) > 100_000:
                self._memo.clear()
            value = self._memo[key] = make()
            return value

    def _changed(self) -> None:
        self._paths.clear()
        self._memo.clear()

    @classmethod
    def load(cls, paths: Iterable[Path | str], crls: Iterable[Path | str] = ()) -> TrustStore:
        """Load CSCA certificates, master lists, LDIF, CRLs and trust store folders from files and directories."""
        store = cls()
        for kind, p in _walk(Path(x) for x in paths):
            if kind == "store":
                store.add_store(p)
            else:
                store.add_file(p)
        for _, p in _walk(Path(x) for x in crls):
            store.add_file(p, expect="crl")
        store.settle_crls()
        return store

    # --- loading ---------------------------------------------------------------

    def add_file(self, path: Path, expect: str | None = None) -> None:
        """Add whatever ``path`` holds; a problem becomes a finding, never an exception."""
        try:
            size = path.stat().st_size
            if size > _MAX_FILE:
                raise ParseError(f"{size} bytes is too large for a trust file")
            data = path.read_bytes()
        except OSError as e:
            return self._finding(path, f"cannot read: {e.strerror or e}")
        except ParseError as e:
            return self._finding(path, f"cannot read: {e.message}")
        self.add_bytes(data, str(path), expect=expect)

    def add_bytes(self, data: bytes, source: str = "<bytes>", expect: str | None = None) -> None:
        """Add a certificate, bundle, master list, LDIF or CRL given as bytes (DER, PEM or LDIF)."""
        try:
            src = read_trust_source(data, source)
        except ParseError as e:
            return self._finding(source, e.message)
        if expect == "crl" and (src.certificates or src.master_lists):
            return self._finding(source, "not a CRL (DER or PEM)")  # a certificate given as a CRL is no anchor
        self.add_source(src)

    def add_source(self, src: TrustSource) -> None:
        """Add what one file held: its certificates, master lists and CRLs; skipped entries become warnings."""
        for s in src.skipped:
            self.findings.append(Check("trust store input", Status.WARNING, f"{src.source}: skipped {s}"))
        for note in src.notes:
            self.findings.append(Check("trust store input", Status.WARNING, f"{src.source}: {note}"))
        many = len(src.certificates) > 1 or src.kind in ("PEM bundle", "LDIF")
        for cert in src.certificates:
            if src.kind == "LDIF" and not cert.is_ca and not cert.is_self_issued:
                self.add_document_signer(cert)
            else:
                self.add_certificate(cert, src.source, in_list=many)
        for ml in src.master_lists:
            self.add_master_list(ml, src.source)
        for crl in src.crls:
            self._pending_crls.append((crl, src.source))

    def add_store(self, folder: Path) -> None:
        """Add a trust store folder written by ``cardkit trust import`` (its index names every object)."""
        try:
            index = read_index(folder)
        except ParseError as e:
            return self._finding(e.source or folder, e.message)
        for entry in index.certificates:
            try:
                fp = str(entry.get("fingerprint", ""))
                cert = load_certificate(read_object(folder, "certificate", fp), source=f"{folder}/{fp}")
            except ParseError as e:
                self._finding(e.source or folder, e.message)
                continue
            if entry.get("role") == "ds":
                self.add_document_signer(cert)
            else:
                self.add_certificate(cert, str(folder))
        for entry in index.crls:
            try:
                fp = str(entry.get("fingerprint", ""))
                self._pending_crls.append((load_crl(read_object(folder, "crl", fp), f"{folder}/{fp}"), str(folder)))
            except ParseError as e:
                self._finding(e.source or folder, e.message)

    def add_certificate(self, cert: Certificate | x509.Certificate, source: str = "<certificate>", *,
                        in_list: bool = False, vouched: bool = False) -> None:
        """Trust a CSCA (self-signed or link) certificate; a certificate that is no CSCA is refused with a finding.

        Some published CSCAs lack basicConstraints cA=TRUE (or say cA=false with a pathLen). They are
        trusted, with a warning, when a verified master list names them (``vouched``) or when their key
        usage says keyCertSign (or, self-signed, they have none); any other non-CA certificate is refused: a
        FAILED finding for a file that held only it, a WARNING (skipped) inside a bundle (``in_list``).
        """
        try:
            cert = as_certificate(cert)
        except ParseError as e:
            return self._finding(source, e.message)
        who = cert.subject.rfc4514_string()
        if not cert.is_ca:
            signs = "key_cert_sign" in (cert.key_usage or ()) or (cert.key_usage is None and cert.is_self_issued)
            if vouched or signs:
                why = "named by a verified master list" if vouched else "its key usage allows signing certificates"
                self.findings.append(Check("trust store input", Status.WARNING, f"{source}: {who} is not marked as a "
                                           f"CA (basicConstraints); trusted as CSCA: {why}"))
            elif in_list:
                self.findings.append(Check("trust store input", Status.WARNING,
                                           f"{source}: skipped {who}: not a CA certificate; not trusted as CSCA"))
                return None
            else:
                return self._finding(source, f"{who} is not a CA certificate; not trusted as CSCA")
        if cert.raw in self._known:
            return
        self._known.add(cert.raw)
        self.cscas.append(cert)
        self._by_subject.setdefault(cert.subject.key, []).append(cert)
        self._changed()

    def add_document_signer(self, cert: Certificate) -> None:
        """Keep a DS certificate from the PKD, for an EF.SOD that does not carry its own (not an anchor)."""
        if cert.raw not in self._known:
            self._known.add(cert.raw)
            self.dscs.append(cert)
            self._changed()

    def add_master_list(self, ml: MasterList, source: str = "<master list>") -> None:
        """Trust the CSCAs of a master list whose signature and signer verify; else record why not."""
        skipped = tuple(str(s) for s in ml.skipped)
        anchors = list(self.cscas)
        try:
            issuer = verify_master_list(ml, anchors)
        except VerificationError as e:
            self.lists.append(ListOutcome(source, False, str(e), len(ml.cscas), skipped))
            return self._finding(source, f"master list refused, its {len(ml.cscas)} CSCA certificates are not "
                                 f"trusted: {e}", name="master list signature")
        for cert in ml.cscas:
            self.add_certificate(cert, source, in_list=True, vouched=True)
        who = issuer.subject.rfc4514_string()
        tail = f"; {len(skipped)} unreadable certificates skipped" if skipped else ""
        if any(a is issuer for a in anchors):
            reason = f"signature verified, its signer issued by {who}, a CSCA trusted before this list"
            self.findings.append(Check("master list", Status.PASSED, f"{source}: {len(ml.cscas)} CSCA certificates, "
                                       f"{reason}{tail}"))
        else:
            # Any list can carry the CSCA that signs it: the signature then proves the list whole, not who made it.
            reason = (f"signature verified, its signer issued by {who}, a CSCA the list itself carries (SHA-256 "
                      f"{issuer.fingerprint}): compare that fingerprint with the publisher's, or import the "
                      f"publisher's CSCA first")
            self.findings.append(Check("master list", Status.WARNING, f"{source}: {len(ml.cscas)} CSCA certificates, "
                                       f"{reason}{tail}"))
        self.lists.append(ListOutcome(source, True, reason, len(ml.cscas), skipped))

    def settle_crls(self) -> None:
        """Keep each pending CRL that a CSCA of the store verifies; record the others."""
        for crl, source in self._pending_crls:
            issuers = self._by_subject.get(_name_key(crl.crl.issuer), [])
            if not any(_crl_signed_by(crl.crl, c) for c in issuers):
                self._finding(source, f"CRL of {crl.crl.issuer.rfc4514_string()}: no CSCA in the trust store signed it",
                              name="CRL signature")
                continue
            if any(c.raw == crl.raw for c in self._crl_objects):
                continue
            self._crl_objects.append(crl)
            self.crls.append(crl.crl)
            self._crls_by_issuer.setdefault(_name_key(crl.crl.issuer), []).append(crl.crl)
        self._pending_crls.clear()
        self._changed()

    def add_crl(self, crl: x509.CertificateRevocationList | Crl, source: str = "<crl>") -> None:
        """Add one CRL (verified against the CSCAs now in the store)."""
        if isinstance(crl, x509.CertificateRevocationList):
            crl = Crl(crl.public_bytes(Encoding.DER), crl)
        self._pending_crls.append((crl, source))
        self.settle_crls()

    @property
    def crl_objects(self) -> tuple[Crl, ...]:
        """The verified CRLs with their raw bytes."""
        return tuple(self._crl_objects)

    def _finding(self, source: object, reason: str, *, name: str = "trust store input") -> None:
        self.findings.append(Check(name, Status.FAILED, f"{source}: {reason}"))

    # --- queries ---------------------------------------------------------------

    def issuers_of(self, cert: Certificate) -> list[Certificate]:
        """Trusted certificates named as ``cert``'s issuer, those with the matching key identifier first."""
        cands = list(self._by_subject.get(cert.issuer.key, ()))
        aki = cert.authority_key_identifier
        cands.sort(key=lambda c: (c.subject_key_identifier != aki if aki else False, not c.is_self_issued))
        return cands

    def path(self, ds: Certificate | x509.Certificate, der: bytes | None = None) -> CertPath:
        """Build and verify the path DS -> (link ...) -> self-signed CSCA; cached per DS certificate (its DER)."""
        view = as_certificate(ds)
        key = der if der is not None else view.raw
        hit = self._paths.get(key)
        if hit is None:
            hit = self._build(view)
            self._paths[key] = hit
        return hit

    def _build(self, ds: Certificate) -> CertPath:
        issuers = self.issuers_of(ds)
        name = ds.issuer.rfc4514_string()
        if not issuers:
            return CertPath(False, f"no CSCA in the trust store is named {name}", no_anchor=True)
        aki = ds.authority_key_identifier
        if aki is not None and all(c.subject_key_identifier not in (None, aki) for c in issuers):
            return CertPath(False, f"no CSCA in the trust store named {name} has the key {aki.hex().upper()} "
                            "that signed the DS certificate", no_anchor=True)
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
                if cur.is_self_issued:
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
            # Every certificate of the store is trusted as given (a CSCA link certificate carries a
            # CSCA key the state vouches for, 9303-12 §5.1.1): a path may end at one.
            return CertPath(True, f"issued by {issuer.subject.rfc4514_string()}; anchored at a CSCA link "
                            "certificate of the trust store (its self-signed CSCA is not there)", issuer, cur,
                            tuple(chain))
        return CertPath(False, f"no CSCA in the trust store verifies the DS certificate ({last_error})")

    def revocation(self, cert: Certificate | x509.Certificate, at: dt.datetime | None = None) -> RevocationStatus:
        """Whether a CRL of the issuing CSCA lists ``cert``; SKIPPED when no CRL of that CSCA is loaded.

        Whether the certificate is listed is cached; whether the newest CRL has expired is judged ``at``.
        """
        view = as_certificate(cert)
        crls = self._crls_by_issuer.get(view.issuer.key)
        if not crls:
            return RevocationStatus(Status.SKIPPED, f"no CRL from {view.issuer.rfc4514_string()} in the trust store")
        listed, newest = self.memo(("revocation", view.raw), lambda: _listed(view, crls))  # type: ignore[misc]
        if listed is not None:
            return RevocationStatus(Status.FAILED, f"revoked on {listed:%Y-%m-%d} (serial {view.serial_number:X})")
        now = at or dt.datetime.now(dt.timezone.utc)
        note = ""
        if newest.next_update_utc is not None and newest.next_update_utc < now:
            note = f"; the newest CRL expired on {newest.next_update_utc:%Y-%m-%d}"
        return RevocationStatus(Status.PASSED, f"not on the CRL of {newest.last_update_utc:%Y-%m-%d}{note}")


def _listed(cert: Certificate, crls: list[x509.CertificateRevocationList]) -> tuple[dt.datetime | None,
                                                                                     x509.CertificateRevocationList]:
    """(revocation date or None, the newest CRL) for ``cert`` among its issuer's CRLs."""
    revoked = None
    for crl in crls:
        entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
        if entry is not None:
            revoked = entry.revocation_date_utc
            break
    return revoked, max(crls, key=lambda c: c.last_update_utc)


def _name_key(name: x509.Name) -> object:
    """The RFC 5280 §7.1 comparison key of a ``cryptography`` Name (a CRL's issuer), as certificates have it."""
    try:
        return read_name(asn1_x509.Name.load(name.public_bytes())).key
    except (ParseError, ValueError, TypeError):
        return name.public_bytes()


def _crl_signed_by(crl: x509.CertificateRevocationList, issuer: Certificate) -> bool:
    key = issuer.crypto_public_key
    if key is None:
        return False
    try:
        return crl.is_signature_valid(key)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
