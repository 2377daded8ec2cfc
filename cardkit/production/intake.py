"""Loading a batch into the ledger: each record validated, keyed and registered once.

For every record of a batch file: a bad record is kept as rejected with every reason; a good one is
prepared for the profile (MRZ, face, person key: ``cardkit.personalise.prepare``), checked against
the others of the batch (one card per person per batch) and registered as a request keyed by
(batch, line, content), so loading the same file again changes nothing and a re-run never makes a
second reissue from the same line. The record's fields, photo and fingerprints go into the ledger with
it (the fingerprints, as stored, inside the record's JSON under ``_fingers``): stations sharing a batch
read them from there, and personal data stays in the database.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import InputError, RecordError
from ..holder import CardContent, Face, Fingerprint, HolderRecord
from ..personalise import prepare
from ..profiles import Profile
from .icao_record import IcaoRecord
from ._values import PATH_COLUMNS
from .ledger import IssueRequest, IssueRow, Ledger, request_key
from .records import RecordResult
from .vn_record import CitizenRecord

__all__ = ["LoadSummary", "load_batch", "record_from_stored", "content_of"]


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What loading a batch did: rows by outcome, and the rejections (line, reasons)."""

    batch: str
    records: int
    pending: int
    rejected: int
    already: int  # rows the ledger had for these requests (issued, in progress, or rejected before)
    rejects: tuple[tuple[int, tuple[str, ...]], ...] = field(default=(), repr=False)
    rows: tuple[IssueRow, ...] = field(default=(), repr=False)


_FINGERS = "_fingers"  # no record has a field of this name


def _store(record: HolderRecord, fingers: Sequence[Fingerprint] = ()) -> str:
    fields: dict[str, object] = dict(record.content_fields())
    for name in PATH_COLUMNS:  # the images' bytes are stored; their paths mean nothing to another station
        fields.pop(name, None)
    if fingers:
        fields[_FINGERS] = [{"position": f.position, "image": base64.b64encode(f.data).decode("ascii")}
                            for f in fingers]
    return json.dumps(fields, ensure_ascii=False, sort_keys=True)


def _from_stored(kind: str | None, text: str | None) -> tuple[HolderRecord, tuple[Fingerprint, ...]]:
    try:
        fields = json.loads(text or "")
        stored = fields.pop(_FINGERS, [])
        fingers = tuple(Fingerprint.from_bytes(base64.b64decode(f["image"], validate=True), int(f["position"]),
                                               what=f"stored finger {i + 1}")
                        for i, f in enumerate(stored))
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        raise InputError("the ledger row holds no readable record") from None
    if kind == "vn-citizen":
        return CitizenRecord(**fields), fingers
    if kind == "icao":
        return IcaoRecord(**fields), fingers
    raise InputError(f"the ledger row holds a record of unknown kind {kind!r}")


def record_from_stored(kind: str | None, text: str | None) -> HolderRecord:
    """The record a ledger row was registered with. Raises InputError for an unknown kind or bad JSON."""
    return _from_stored(kind, text)[0]


def content_of(ledger: Ledger, row: IssueRow, profile: Profile) -> CardContent:
    """The card content of a registered row: its stored record, photo and fingerprints, prepared once."""
    kind, text, photo = ledger.stored_record(row.id)
    if photo is None:
        raise InputError("the ledger row holds no photo")
    record, fingers = _from_stored(kind, text)
    return prepare(record, profile, face=Face.from_bytes(photo), fingers=fingers)


def load_batch(ledger: Ledger, items: Iterable[RecordResult], *, profile: Profile, batch: str,
               source: str = "") -> LoadSummary:
    """Register every record of a batch (module header). Raises LedgerError for a batch of another profile."""
    results = list(items)
    ledger.add_batch(batch, profile.name, source or batch, len(results))
    seen: dict[str, int] = {}
    counts = {"pending": 0, "rejected": 0, "already": 0}
    rejects: list[tuple[int, tuple[str, ...]]] = []
    rows: list[IssueRow] = []
    for item in results:
        record, error, line = item.record, item.error, item.line
        if error is not None or record is None:
            reasons = error.reasons if isinstance(error, RecordError) else (str(error or "no record"),)
            key = request_key(batch, line, "invalid\x1f" + "\x1f".join(reasons))
            rows.append(ledger.reject_invalid(batch, line, key, "; ".join(reasons)))
            counts["rejected"] += 1
            rejects.append((line, tuple(reasons)))
            continue
        text = _store(record)
        key = request_key(batch, line, text)
        try:
            content = prepare(record, profile)
        except InputError as e:
            rows.append(ledger.reject_invalid(batch, line, key, str(e), "invalid for profile", record.capture_device))
            counts["rejected"] += 1
            rejects.append((line, (str(e),)))
            continue
        if content.person_key in seen:
            why = f"the same person as line {seen[content.person_key]} of this batch"
            rows.append(ledger.reject_invalid(batch, line, key, why, "duplicate in batch", record.capture_device))
            counts["rejected"] += 1
            rejects.append((line, (why,)))
            continue
        seen[content.person_key] = line
        existing = ledger.by_request(key)
        state_before = existing.state if existing is not None else None
        mrz = content.mrz
        row = ledger.register(IssueRequest(
            request_key=key, batch=batch, line=line, kind=record.kind, record=_store(record, content.fingers),
            photo=content.face.data,
            person_key=content.person_key, document_number=mrz.document_number,
            document_key=f"{mrz.issuing_state}-{mrz.document_number}",
            unique_document=profile.issuance.unique_document_number, issue_reason=record.issue_reason,
            capture_device=record.capture_device))
        rows.append(row)
        if state_before is not None and not (state_before == "rejected" and row.state == "pending"):
            counts["already"] += 1
        elif row.state == "rejected":
            counts["rejected"] += 1
            rejects.append((line, (row.reason or "rejected",)))
        else:
            counts["pending"] += 1
    return LoadSummary(batch, len(results), counts["pending"], counts["rejected"], counts["already"],
                       tuple(rejects), tuple(rows))
