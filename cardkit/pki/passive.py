"""Passive Authentication (9303-11 §5.1, 9303-12 §5, RFC 5652 §5.6).

Each step is a ``Check`` in the result, in this order:

  SOD parse -> SOD structure (SignedData v3, one SignerInfo) -> eContent type (2.23.136.1.1.1;
  id-data and the legacy LDS OIDs accepted with a WARNING) -> signed attributes (contentType,
  messageDigest, strict) -> DS certificate (the one the SignerInfo names, carried in the SOD,
  else a PKD DS certificate of the trust store; names compared as RFC 5280 §7.1 says, a reordered
  issuer or a serial-only match with one certificate is a WARNING) -> SOD signature (algorithm
  from the SignerInfo, PSS parameters checked) -> certificate path (to a trusted CSCA, through
  link certificates) -> DS validity (at signing time when known, and at ``at``) -> CSCA validity
  -> DS key usage -> revocation -> country (DS = CSCA = issuing state) -> hash algorithm (a
  SHA-1 document is a WARNING) -> one check per data group (present and listed: hash compared;
  listed but not given: SKIPPED with the reason; given but not listed: FAILED).

``verify_card_security`` runs the same CMS, signer and chain steps over EF.CardSecurity (PACE-CAM).

A step that cannot run because an earlier one failed is SKIPPED with that reason. The result
``passed`` is True only when no step FAILED and the signature, path and hashes all PASSED; a
WARNING never fails it. ``anchor_found`` is False when the trust store holds no CSCA for the
document's issuer at all (an unknown issuer, which is not the same as a forgery).

Caching: facts that depend only on the DS certificate and the store (its path, key, names) are
kept in the trust store's memo, keyed by the certificate's DER; everything that depends on the
time (validity, the CRL's freshness) is judged at ``at`` on every call.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from ..algorithms import ID_SECURITY_OBJECT, oid_name
from ..certificates import Certificate, DistinguishedName
from ..checks import Check, Status
from ..errors import ParseError, VerificationError
from ..lds.card_security import CardSecurity
from ..lds.sod import LDS_SECURITY_OBJECT_OIDS, SignerInfoData, Sod, signed_data_parts
from .algorithms import public_key_of
from .cms_verify import SignerMatch, check_signed_attributes, find_signer_certificate, verify_signer_info
from .countries import alpha2
from .trust import TrustStore

__all__ = ["PassiveAuthResult", "passive_authentication", "verify_card_security", "check_signed_file",
           "REQUIRED_STEPS"]

REQUIRED_STEPS = ("SOD signature", "certificate path")


@dataclass(frozen=True)
class PassiveAuthResult:
    """The outcome of Passive Authentication: every step, and what was verified with what."""

    checks: tuple[Check, ...]
    ds_certificate: Certificate | None = None
    csca: Certificate | None = None
    hash_algorithm: str | None = None
    signature_algorithm: str | None = None
    required_steps: tuple[str, ...] = REQUIRED_STEPS  # EF.CardSecurity: its own signature step
    needs_hashes: bool = True  # EF.SOD: at least one DG hash must match; EF.CardSecurity hashes nothing
    anchor_found: bool | None = None  # False: no CSCA in the store for this issuer; None: not looked up

    @property
    def passed(self) -> bool:
        """True when no step failed, the signature and path verified and (EF.SOD) at least one DG hash matched."""
        if any(c.status is Status.FAILED for c in self.checks):
            return False
        names = {c.name for c in self.checks if c.status is Status.PASSED}
        return all(n in names for n in self.required_steps) and (not self.needs_hashes or any(
            c.name.endswith(" hash") and c.status is Status.PASSED for c in self.checks
        ))

    @property
    def signed_and_anchored(self) -> bool:
        """True when no step failed and the signature and path verified, whatever the data group hashes say.

        What a bare EF.SOD (no data groups given) can prove: it was signed by a DS certificate that
        chains to a trusted CSCA.
        """
        names = {c.name for c in self.checks if c.status is Status.PASSED}
        return not self.failures and all(n in names for n in self.required_steps)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is Status.FAILED)

    def to_dict(self) -> dict[str, object]:
        ds = self.ds_certificate
        return {
            "passed": self.passed,
            "hash_algorithm": self.hash_algorithm,
            "signature_algorithm": self.signature_algorithm,
            "ds_certificate": _cert_summary(ds) if ds is not None else None,
            "csca": _cert_summary(self.csca) if self.csca is not None else None,
            "anchor_found": self.anchor_found,
            "checks": [c.to_dict() for c in self.checks],
        }


def _key_or_error(cert: Certificate) -> object:
    try:
        return public_key_of(cert)
    except VerificationError as e:
        return e  # cached like a key, so a bad DS key is diagnosed once


def _cert_summary(cert: Certificate) -> dict[str, object]:
    return {"subject": cert.subject.rfc4514_string(), "serial": f"{cert.serial_number:X}",
            "issuer": cert.issuer.rfc4514_string()}


def _country(name: DistinguishedName) -> str | None:
    country = name.country
    return country.upper() if country else None


def _validity(not_before: dt.datetime, not_after: dt.datetime, at: dt.datetime) -> str | None:
    """Why a certificate valid from ``not_before`` to ``not_after`` is not valid ``at``, or None."""
    if at < not_before:
        return f"not yet valid at {at:%Y-%m-%d %H:%M}Z (from {not_before:%Y-%m-%d})"
    if at > not_after:
        return f"expired at {at:%Y-%m-%d %H:%M}Z (valid until {not_after:%Y-%m-%d})"
    return None


def _skip_rest(checks: list[Check], names: tuple[str, ...], reason: str) -> None:
    checks.extend(Check(n, Status.SKIPPED, reason) for n in names)


_AFTER_SIGNATURE = ("certificate path", "DS validity", "CSCA validity", "DS key usage", "revocation", "country")


def passive_authentication(
    sod: Sod | bytes,
    data_groups: dict[int, bytes],
    trust: TrustStore,
    *,
    issuing_state: str | None = None,
    at: dt.datetime | None = None,
) -> PassiveAuthResult:
    """Run Passive Authentication over EF.SOD and the data groups read (DG number -> file bytes).

    Args:
        sod: EF.SOD bytes or a parsed ``Sod``.
        data_groups: the complete DG files as read; each is hashed and compared with EF.SOD.
        trust: the CSCA certificates, master lists and CRLs to trust.
        issuing_state: the document's issuing state (MRZ, alpha-3 or alpha-2) for the country check.
        at: the time to check validity at (default: now, UTC).
    Returns:
        PassiveAuthResult; this function never raises for bad input, every fault is a FAILED check.
    """
    now = at or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)  # a naive time is taken as UTC, as certificates state theirs
    checks: list[Check] = []
    if not isinstance(sod, Sod):
        try:
            sod = Sod.from_bytes(sod)
        except ParseError as e:
            checks.append(Check("SOD parse", Status.FAILED, f"EF.SOD cannot be parsed: {e}"))
            _skip_rest(checks, ("SOD signature", *_AFTER_SIGNATURE), "EF.SOD could not be parsed")
            return PassiveAuthResult(tuple(checks))
    checks.append(Check("SOD parse", Status.PASSED, f"LDSSecurityObject v{sod.version}, {sod.hash_algorithm}, "
                        f"{len(sod.dg_hashes)} data groups"))
    ds, csca, sig_name, anchor = _signed_data_checks(checks, sod, trust, now, issuing_state, "SOD",
                                                     LDS_SECURITY_OBJECT_OIDS)
    _hash_algorithm_check(checks, sod.hash_algorithm, sod.signer_info.digest_algorithm)
    _dg_checks(checks, sod, data_groups)
    return PassiveAuthResult(tuple(checks), ds, csca, sod.hash_algorithm, sig_name, anchor_found=anchor)


def verify_card_security(
    card_security: CardSecurity | bytes,
    trust: TrustStore,
    *,
    issuing_state: str | None = None,
    at: dt.datetime | None = None,
) -> PassiveAuthResult:
    """Passive Authentication of EF.CardSecurity (Doc 9303-11 §9.2.12): the same CMS, signer and chain checks as EF.SOD.

    Check names use "CardSecurity" where EF.SOD's say "SOD"; eContentType must be id-SecurityObject
    (0.4.0.127.0.7.3.2.1); there are no data group hashes. Never raises for bad input.
    """
    now = at or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    checks: list[Check] = []
    required = ("CardSecurity signature", "certificate path")
    if not isinstance(card_security, CardSecurity):
        try:
            card_security = CardSecurity.from_bytes(card_security)
        except ParseError as e:
            checks.append(Check("CardSecurity parse", Status.FAILED, f"EF.CardSecurity cannot be parsed: {e}"))
            _skip_rest(checks, ("CardSecurity signature", *_AFTER_SIGNATURE), "EF.CardSecurity could not be parsed")
            return PassiveAuthResult(tuple(checks), required_steps=required, needs_hashes=False)
    checks.append(Check("CardSecurity parse", Status.PASSED, f"{len(card_security.infos)} SecurityInfos"))
    ds, csca, sig_name, anchor = _signed_data_checks(checks, card_security, trust, now, issuing_state,
                                                     "CardSecurity", (ID_SECURITY_OBJECT,))
    return PassiveAuthResult(tuple(checks), ds, csca, None, sig_name, required_steps=required, needs_hashes=False,
                             anchor_found=anchor)


def _signed_data_checks(checks: list[Check], sod: Sod | CardSecurity, trust: TrustStore, now: dt.datetime,
                        issuing_state: str | None, label: str, econtent_types: tuple[str, ...],
                        ) -> tuple[Certificate | None, Certificate | None, str | None, bool | None]:
    """The CMS part of PA shared by EF.SOD and EF.CardSecurity: structure, content type, attributes, signer, chain."""
    problems = []
    if sod.signed_data_version != 3:
        problems.append(f"SignedData version {sod.signed_data_version}, 9303 requires 3")
    if len(sod.signer_infos) != 1:
        problems.append(f"{len(sod.signer_infos)} SignerInfos, 9303 requires exactly 1")
    want_version = 1 if sod.signer_info.sid_kind == "issuer_serial" else 3
    if sod.signer_info.version != want_version:
        problems.append(f"SignerInfo version {sod.signer_info.version} with a {sod.signer_info.sid_kind} signer "
                        f"identifier, RFC 5652 §5.3 requires {want_version}")
    if sod.signer_info.digest_algorithm not in sod.digest_algorithms:
        problems.append(f"SignerInfo digest {sod.signer_info.digest_algorithm} is not among SignedData.digestAlgorithms "
                        f"({', '.join(sod.digest_algorithms) or 'none'}) (RFC 5652 §5.1)")
    checks.append(Check(f"{label} structure", Status.FAILED if problems else Status.PASSED,
                        "; ".join(problems) or "SignedData v3, one SignerInfo"))
    want = econtent_types[0]
    if sod.econtent_type == want:
        checks.append(Check("eContent type", Status.PASSED, sod.econtent_type))
    elif sod.econtent_type in econtent_types:
        checks.append(Check("eContent type", Status.WARNING,
                            f"eContentType {sod.econtent_type} ({oid_name(sod.econtent_type)}) accepted; "
                            f"Doc 9303-10 §4.6.2 names {oid_name(want)} ({want})"))
    else:
        checks.append(Check("eContent type", Status.FAILED,
                            f"eContentType {sod.econtent_type} is not {oid_name(want)} ({want})"))
    si = sod.signer_info
    try:
        check_signed_attributes(si, sod.econtent_type, sod.econtent)
        checks.append(Check("signed attributes", Status.PASSED, f"contentType and messageDigest ({si.digest_algorithm}) match"))
    except VerificationError as e:
        checks.append(Check("signed attributes", Status.FAILED, str(e)))

    where = "EF.SOD" if label == "SOD" else f"EF.{label}"
    match, from_store = _signer_certificate(si, sod, trust)
    sig_name = None
    csca = None
    anchor = None
    if match is None:
        why = (f"{where} carries no certificate and the trust store has no DS certificate it names"
               if not sod.certificate_ders else
               f"no certificate in {where} is the one the SignerInfo names "
               f"({'issuer and serial' if si.sid_kind == 'issuer_serial' else 'subject key identifier'})")
        checks.append(Check("DS certificate", Status.FAILED, why))
        _skip_rest(checks, (f"{label} signature", *_AFTER_SIGNATURE), "no DS certificate")
    else:
        ds = match.certificate
        # Cache keys are the DS certificate's exact DER, every byte: a different certificate with
        # the same name or serial is a miss, and is judged on its own.
        facts: _DsFacts = trust.memo(("pa-ds", ds.raw), lambda: _ds_facts(ds, trust))  # type: ignore[assignment]
        checks.append(_ds_check(facts.ds_check, match, from_store, where))
        anchor = not facts.no_anchor
        try:
            if isinstance(facts.key, VerificationError):
                raise facts.key
            sig_name, _ = verify_signer_info(si, facts.key)
            checks.append(Check(f"{label} signature", Status.PASSED, f"{sig_name} with the DS key"))
        except VerificationError as e:
            checks.append(Check(f"{label} signature", Status.FAILED, str(e)))
        csca = _certificate_checks(checks, ds, facts, si.signing_time, trust, now, issuing_state)
    return match.certificate if match else None, csca, sig_name, anchor


def _signer_certificate(si: SignerInfoData, sod: Sod | CardSecurity, trust: TrustStore) -> tuple[SignerMatch | None, bool]:
    """(the certificate the SignerInfo names, whether it came from the trust store's PKD DS certificates).

    The SOD's own certificates first (9303-10 §4.6.2.3); only a SOD that carries none is matched
    against the trust store's DS certificates, exactly (issuer and serial, or key identifier).
    """
    carried = sod.certificates
    if carried:
        return find_signer_certificate(si, carried), False
    match = find_signer_certificate(si, trust.dscs)
    if match is not None and match.note is not None:
        return None, True  # with nothing carried, only an exact match names a certificate
    return match, match is not None


def _ds_check(base: Check, match: SignerMatch, from_store: bool, where: str) -> Check:
    """The DS certificate step: PASSED, or WARNING when it was found by a fallback or outside the SOD."""
    notes = []
    if match.note:
        notes.append(match.note)
    if from_store:
        notes.append(f"{where} carries no certificate; the DS certificate is the trust store's (PKD)")
    if not notes:
        return base
    return Check(base.name, Status.WARNING, f"{base.reason} ({'; '.join(notes)})", base.details)


@dataclass(frozen=True)
class _DsFacts:
    """What does not change between documents signed by one DS certificate (computed once per store)."""

    ds_check: Check
    key: object  # the DS public key, or the VerificationError saying why it cannot be used
    ds_not_before: dt.datetime
    ds_not_after: dt.datetime
    path_ok: bool
    path_check: Check
    no_anchor: bool
    csca: Certificate | None
    validity_ok: Check
    csca_ok: Check | None
    csca_not_before: dt.datetime | None
    csca_not_after: dt.datetime | None
    key_usage: Check
    ds_country: str | None
    csca_country: str | None


def _ds_facts(ds: Certificate, trust: TrustStore) -> _DsFacts:
    """What does not depend on the document or the time: path, key, key usage, names (memoised per DER)."""
    path = trust.path(ds)
    if path.ok:
        chain = " -> ".join(c.subject.rfc4514_string() for c in path.chain[1:])
        linked = path.anchor is not None and not path.anchor.is_self_issued
        path_check = Check("certificate path", Status.PASSED,
                           f"DS -> {chain}" + (" (anchored at a CSCA link certificate of the trust store)" if linked else ""),
                           {"length": len(path.chain)})
    else:
        path_check = Check("certificate path", Status.FAILED, f"unknown CSCA: {path.reason}",
                           {"issuer": ds.issuer.rfc4514_string(), "anchor_found": not path.no_anchor})
    ku = ds.key_usage
    if ku is None:
        key_usage = Check("DS key usage", Status.FAILED, "the DS certificate has no key usage extension")
    else:
        ok = "digital_signature" in ku and "key_cert_sign" not in ku
        key_usage = Check("DS key usage", Status.PASSED if ok else Status.FAILED,
                          "digitalSignature" if ok else "the DS certificate's key usage does not allow signing documents")
    csca = path.issuer
    return _DsFacts(
        ds_check=Check("DS certificate", Status.PASSED, ds.subject.rfc4514_string(), {"serial": f"{ds.serial_number:X}"}),
        key=_key_or_error(ds),
        ds_not_before=ds.not_before,
        ds_not_after=ds.not_after,
        path_ok=path.ok,
        path_check=path_check,
        no_anchor=path.no_anchor,
        csca=csca,
        validity_ok=Check("DS validity", Status.PASSED, f"valid {ds.not_before:%Y-%m-%d} to {ds.not_after:%Y-%m-%d}"),
        csca_ok=None if csca is None else Check("CSCA validity", Status.PASSED, f"valid until {csca.not_after:%Y-%m-%d}"),
        csca_not_before=None if csca is None else csca.not_before,
        csca_not_after=None if csca is None else csca.not_after,
        key_usage=key_usage,
        ds_country=_country(ds.subject),
        csca_country=_country(csca.subject) if csca is not None else None,
    )


def _certificate_checks(
    checks: list[Check], ds: Certificate, facts: _DsFacts, signing_time: dt.datetime | None,
    trust: TrustStore, now: dt.datetime, issuing_state: str | None,
) -> Certificate | None:
    checks.append(facts.path_check)
    problems = []
    if signing_time is not None:
        st = signing_time if signing_time.tzinfo else signing_time.replace(tzinfo=dt.timezone.utc)
        bad = _validity(facts.ds_not_before, facts.ds_not_after, st)
        if bad:
            problems.append(f"at signing time: {bad}")
    bad = _validity(facts.ds_not_before, facts.ds_not_after, now)
    if bad:
        problems.append(bad)
    checks.append(Check("DS validity", Status.FAILED, "; ".join(problems)) if problems else facts.validity_ok)
    csca = facts.csca
    if csca is None:
        checks.append(Check("CSCA validity", Status.SKIPPED, "no CSCA"))
    else:
        bad = _validity(facts.csca_not_before, facts.csca_not_after, now)  # type: ignore[arg-type]
        checks.append(Check("CSCA validity", Status.FAILED, bad) if bad else facts.csca_ok)  # type: ignore[arg-type]
    checks.append(facts.key_usage)
    if facts.path_ok:
        rev = trust.revocation(ds, now)  # judged at ``now``: the CRL's freshness depends on it
        checks.append(Check("revocation", rev.status, rev.reason))
    else:
        checks.append(Check("revocation", Status.SKIPPED, "no trusted CSCA"))
    checks.append(trust.memo(("pa-country", id(facts), issuing_state), lambda: _country_check(facts, issuing_state)))  # type: ignore[arg-type]
    return csca


def _country_check(facts: _DsFacts, issuing_state: str | None) -> Check:
    ds_c, ca_c = facts.ds_country, facts.csca_country
    doc_c = alpha2(issuing_state) if issuing_state else None
    problems = []
    if ds_c is None:
        problems.append("the DS certificate names no country")
    if facts.csca is not None and ds_c != ca_c:
        problems.append(f"DS country {ds_c} differs from CSCA country {ca_c}")
    if issuing_state is not None and doc_c is None:
        problems.append(f"issuing state {issuing_state!r} is not a known country code")
    elif doc_c is not None and doc_c != ds_c:
        problems.append(f"DS country {ds_c} differs from the document's issuing state {issuing_state}")
    reason = "; ".join(problems) or f"{ds_c}" + (f" = {issuing_state}" if issuing_state else " (issuing state not given)")
    return Check("country", Status.FAILED if problems else Status.PASSED, reason)


def _hash_algorithm_check(checks: list[Check], hash_algorithm: str, digest_algorithm: str) -> None:
    """SHA-1 documents verify, with a WARNING: 9303-12 §4.4 no longer allows SHA-1 for new ones."""
    weak = [h for h in dict.fromkeys((hash_algorithm, digest_algorithm)) if h == "sha1"]
    if weak:
        checks.append(Check("hash algorithm", Status.WARNING,
                            "SHA-1 (an old document's; Doc 9303-12 §4.4 no longer allows it for new ones)"))
    else:
        checks.append(Check("hash algorithm", Status.PASSED, hash_algorithm))


# The hashes of 9303-12 §4.4 by their own constructors: a third cheaper per data group than ``hashlib.new``.
_CONSTRUCTORS: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha1": hashlib.sha1, "sha224": hashlib.sha224, "sha256": hashlib.sha256, "sha384": hashlib.sha384,
    "sha512": hashlib.sha512}


@functools.lru_cache(maxsize=32)
def _hash_constructor(name: str) -> Callable[[bytes], hashlib._Hash]:
    """``hashlib.new(name, data)`` as one call; ValueError or TypeError, as ``hashlib.new`` raises, for an unknown name."""
    hashlib.new(name)
    return _CONSTRUCTORS.get(name) or functools.partial(hashlib.new, name)


def _dg_checks(checks: list[Check], sod: Sod, data_groups: dict[int, bytes]) -> None:
    h = sod.hash_algorithm
    try:
        new = _hash_constructor(h)
    except (ValueError, TypeError):
        checks.append(Check("data group hashes", Status.FAILED, f"unsupported hash algorithm {h}"))
        return
    for n in sorted(set(sod.dg_hashes) | set(data_groups)):
        name = f"DG{n} hash"
        if n not in sod.dg_hashes:
            checks.append(Check(name, Status.FAILED, f"DG{n} is present but not listed in EF.SOD"))
        elif n not in data_groups:
            checks.append(Check(name, Status.SKIPPED, f"DG{n} is listed in EF.SOD but was not read"))
        elif hmac.compare_digest(new(data_groups[n]).digest(), sod.dg_hashes[n]):
            checks.append(Check(name, Status.PASSED, f"{h} matches"))
        else:
            checks.append(Check(name, Status.FAILED, f"DG{n} does not match its {h} hash in EF.SOD (changed)"))


def check_signed_file(data: bytes, trust: TrustStore, *, at: dt.datetime | None = None
                      ) -> tuple[str, PassiveAuthResult]:
    """("EF.SOD" or "EF.CardSecurity", its Passive Authentication) for a bare signed file, told apart by content.

    EF.SOD is tag 77 (or a bare ContentInfo of an LDSSecurityObject); EF.CardSecurity is a ContentInfo
    whose eContentType is id-SecurityObject. No data groups are given: an EF.SOD's hashes are not compared.

    Raises:
        ParseError: the bytes are neither.
    """
    data = bytes(data)
    if data[:1] == b"\x30":
        try:
            econtent_type = signed_data_parts(data)[0]
        except ParseError as e:
            raise e.within(what="EF.SOD or EF.CardSecurity")
        except (ValueError, TypeError, KeyError) as e:
            raise ParseError(f"not a CMS SignedData ({e})", what="EF.SOD or EF.CardSecurity") from None
        if econtent_type == ID_SECURITY_OBJECT:
            CardSecurity.from_bytes(data)  # a ParseError here names what is wrong
            return "EF.CardSecurity", verify_card_security(data, trust, at=at)
    Sod.from_bytes(data)
    return "EF.SOD", passive_authentication(data, {}, trust, at=at)
