"""Trust store folders: ``cardkit trust import`` builds one, ``cardkit trust list`` describes it (9303-12 §5, §8).

``import_sources(store, paths)`` reads every source first (``cardkit.pki.sources``): one that is garbage
or cut is a ParseError naming the file, and nothing at all is written. Then it verifies as a terminal
would (a master list's signature and signer, a CRL against a CSCA of the store or of this import),
writes the new objects (content-addressed: certificates deduplicated by SHA-256) and replaces the index
atomically (``cardkit.pki.store_index``). Importing the same sources again changes nothing. A lock file
keeps two imports into one store from interleaving.

What a store keeps: CSCA certificates (self-signed and link) from certificates, bundles and verified
master lists; DS certificates from PKD LDIF (kept to verify an EF.SOD that does not carry its own);
CRLs that a CSCA of the store verifies. What it refuses is reported, never half-kept.
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..certificates import Certificate
from ..checks import Check, Status
from ..errors import InputError, ParseError, VerificationError
from .sources import MAX_TRUST_FILE, TrustSource, read_trust_source
from .store_index import INDEX, StoreIndex, is_store, read_index, write_index, write_object
from .trust import ListOutcome, TrustStore

__all__ = ["ImportReport", "import_sources", "StoreSummary", "summarise_store", "certificate_entry"]


@dataclass(frozen=True)
class ImportReport:
    """What one import did: per source, what it held and what became of it; the store's new totals."""

    store: str
    sources: tuple[dict[str, Any], ...]
    added_certificates: int
    added_crls: int
    total_certificates: int
    total_crls: int
    findings: tuple[Check, ...]
    lists: tuple[ListOutcome, ...]


def _foreign(folder: Path) -> bool:
    """True when ``folder`` holds anything but a store's own parts (an import cut short leaves only those)."""
    return any(not p.name.startswith(".") and p.name not in ("certs", "crls") for p in folder.iterdir())


def _read_sources(paths: Iterable[Path]) -> list[TrustSource]:
    out = []
    for p in paths:
        files = sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith(".")) if p.is_dir() else [p]
        for f in files:
            try:
                size = f.stat().st_size
                if size > MAX_TRUST_FILE:
                    raise ParseError(f"{size} bytes is too large for a trust file", source=str(f))
                data = f.read_bytes()
            except OSError as e:
                raise InputError(f"{f}: cannot read ({e.strerror or e})") from None
            out.append(read_trust_source(data, str(f)))
    return out


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def certificate_entry(cert: Certificate, role: str, sources: list[str]) -> dict[str, Any]:
    """The index entry of one certificate (JSON-safe)."""
    return {
        "fingerprint": cert.fingerprint, "role": role, "country": (cert.subject.country or "").upper() or None,
        "subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
        "serial": f"{cert.serial_number:X}", "not_before": _iso(cert.not_before), "not_after": _iso(cert.not_after),
        "key": cert.key_description, "signature_algorithm": cert.signature_algorithm_name,
        "findings": [str(f) for f in cert.findings], "sources": sorted(set(sources)),
    }


def _anchor_role(cert: Certificate) -> str:
    return "csca" if cert.is_self_issued else "link"


def import_sources(store: Path, paths: Iterable[Path | str]) -> ImportReport:
    """Import certificates, bundles, master lists, CRLs and PKD LDIF files into the trust store folder ``store``.

    Raises:
        ParseError: a source that is not a trust file, or is cut or broken (nothing is written).
        InputError: a source that cannot be read, or a ``store`` that exists and is not a trust store.
        VerificationError: a source refused whole (a master list whose signature or signer does not
            verify, a CRL no CSCA signed, a lone certificate that is no CSCA): nothing is written.
    """
    store = Path(store)
    if store.exists() and (not store.is_dir() or (not is_store(store) and _foreign(store))):
        raise InputError(f"{store} exists and is not a trust store (no {INDEX}); give a new or empty folder")
    sources = _read_sources(Path(p) for p in paths)  # all of them read before anything is written
    store.mkdir(parents=True, exist_ok=True)
    with open(store / ".lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        return _import_locked(store, sources)


def _import_locked(store: Path, sources: list[TrustSource]) -> ImportReport:
    old = read_index(store) if is_store(store) else StoreIndex()
    trust = TrustStore()
    if is_store(store):
        trust.add_store(store)
        trust.settle_crls()
    before = {c.raw for c in (*trust.cscas, *trust.dscs)}
    crls_before = {c.raw for c in trust.crl_objects}
    origin: dict[str, list[str]] = {str(e["fingerprint"]): list(e.get("sources", [])) for e in old.certificates}
    crl_origin: dict[str, list[str]] = {str(e["fingerprint"]): list(e.get("sources", [])) for e in old.crls}
    per_source = []
    for src in sources:
        n_findings = len(trust.findings)
        trust.add_source(src)
        name = Path(src.source).name
        kept = {c.raw for c in (*trust.cscas, *trust.dscs)}
        for c in (*src.certificates, *(c for ml in src.master_lists for c in ml.cscas)):
            if c.raw in kept and name not in origin.setdefault(c.fingerprint, []):
                origin[c.fingerprint].append(name)
        for crl in src.crls:
            crl_origin.setdefault(crl.fingerprint, []).append(name)
        per_source.append({"name": name, "sha256": src.sha256, "kind": src.kind,
                           "certificates": len(src.certificates) + sum(len(m.cscas) for m in src.master_lists),
                           "crls": len(src.crls), "skipped": [str(s) for s in src.skipped],
                           "findings": [c.reason for c in trust.findings[n_findings:] if c.status is not Status.PASSED]})
    trust.settle_crls()  # only CRLs a CSCA of the store (or of this import) verifies
    refused = [c.reason for c in trust.findings if c.status is Status.FAILED]
    if refused:
        raise VerificationError("nothing imported: " + "; ".join(refused[:5]) +
                                (f" (and {len(refused) - 5} more)" if len(refused) > 5 else ""))
    certs = [certificate_entry(c, _anchor_role(c), origin.get(c.fingerprint, [])) for c in trust.cscas]
    certs += [certificate_entry(c, "ds", origin.get(c.fingerprint, [])) for c in trust.dscs]
    for c in (*trust.cscas, *trust.dscs):
        write_object(store, "certificate", c.raw)
    crls = []
    for crl in trust.crl_objects:
        write_object(store, "crl", crl.raw)
        crls.append({"fingerprint": crl.fingerprint, "issuer": crl.crl.issuer.rfc4514_string(),
                     "this_update": _iso(crl.crl.last_update_utc), "next_update": _iso(crl.crl.next_update_utc),
                     "revoked": len(crl.crl), "sources": sorted(set(crl_origin.get(crl.fingerprint, [])))})
    seen = {str(s.get("sha256")) for s in old.sources}
    srcs = list(old.sources)
    for s in per_source:
        if s["sha256"] not in seen:
            seen.add(s["sha256"])
            srcs.append({k: s[k] for k in ("name", "sha256", "kind", "certificates", "crls")})
    index = StoreIndex(tuple(sorted(certs, key=lambda e: (str(e["country"]), str(e["role"]), str(e["fingerprint"])))),
                       tuple(sorted(crls, key=lambda e: str(e["fingerprint"]))), tuple(srcs))
    write_index(store, index)
    return ImportReport(str(store), tuple(per_source),
                        len({c.raw for c in (*trust.cscas, *trust.dscs)} - before),
                        len({c.raw for c in trust.crl_objects} - crls_before), len(certs), len(crls),
                        tuple(trust.findings), tuple(trust.lists))


@dataclass(frozen=True)
class StoreSummary:
    """Counts per country: roles, validity at a time, key and signature algorithms; CRLs."""

    store: str
    at: dt.datetime
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"store": self.store, "at": _iso(self.at), "countries": self.countries, "sources": list(self.sources)}


def summarise_store(store: Path, *, country: str | None = None, at: dt.datetime | None = None) -> StoreSummary:
    """Describe a trust store folder per country (optionally one country).

    Raises:
        ParseError: ``store`` is not a trust store folder, or its index cannot be read.
    """
    store = Path(store)
    if not is_store(store):
        raise ParseError(f"not a trust store (no {INDEX}); make one with cardkit trust import", source=str(store))
    index = read_index(store)
    now = at or dt.datetime.now(dt.timezone.utc)
    stamp = _iso(now) or ""
    out: dict[str, dict[str, Any]] = {}
    want = country.upper() if country else None
    for e in index.certificates:
        c = str(e.get("country") or "??")
        if want and c != want:
            continue
        d = out.setdefault(c, {"csca": 0, "link": 0, "ds": 0, "valid": 0, "expired": 0, "not_yet_valid": 0,
                               "keys": Counter(), "signature_algorithms": Counter(), "crls": 0})
        d[str(e.get("role", "csca"))] = d.get(str(e.get("role", "csca")), 0) + 1
        nb, na = str(e.get("not_before") or ""), str(e.get("not_after") or "")
        d["expired" if na and na < stamp else "not_yet_valid" if nb and nb > stamp else "valid"] += 1
        d["keys"][str(e.get("key"))] += 1
        d["signature_algorithms"][str(e.get("signature_algorithm"))] += 1
    for e in index.crls:
        issuer = str(e.get("issuer", ""))
        c = next((part[2:].upper() for part in issuer.split(",") if part.upper().startswith("C=")), "??")
        if want and c != want:
            continue
        out.setdefault(c, {"csca": 0, "link": 0, "ds": 0, "valid": 0, "expired": 0, "not_yet_valid": 0,
                           "keys": Counter(), "signature_algorithms": Counter(), "crls": 0})["crls"] += 1
    for d in out.values():
        d["keys"] = dict(sorted(d["keys"].items()))
        d["signature_algorithms"] = dict(sorted(d["signature_algorithms"].items()))
    return StoreSummary(str(store), now, dict(sorted(out.items())), index.sources)
