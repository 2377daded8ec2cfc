"""A record becomes one card's content under a profile: its MRZ, who it belongs to, its face, fingers and CAN.

Made once per card at the edge (``prepare``) and passed on, never rebuilt on the way to the chip:
- ``mrz_for``: the record's MRZ in the profile's format (Doc 9303-4 TD3, 9303-5 TD1, 9303-6 TD2);
- ``person_key``: who the card belongs to, as the profile tells people apart (the issuance ledger's key);
- ``prepare``: the MRZ, the face read and parsed, DG3 from the fingerprints (each stored as given, WSQ
  or JPEG 2000, ISO/IEC 19794-4 at 500 ppi, one template a finger), the CAN, the record kind's data
  groups, the person key;
- ``chip_trust_points``: what a chip with Terminal Authentication is given to trust, checked once a batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .crypto.cvc import CvCertificate
from .crypto.cvc_validation import CvKey, CvRejected
from .errors import InputError
from .holder import CardContent, Face, Fingerprint, HolderRecord
from .lds import Dg3, FingerImage
from .lds.iso19794_4 import POSITIONS, compression_code
from .mrz import FILLER, Mrz
from .profiles import Profile

__all__ = ["mrz_for", "person_key", "prepare", "fingers_dg3", "chip_trust_points"]


def mrz_for(record: HolderRecord, profile: Profile) -> Mrz:
    """The record's MRZ in the profile's format (VN records give TD1; TD3 reuses its fields).

    A generic ICAO record names its own issuing state and document type (a German passport stays D<<
    under the generic TD3 profile); other records take the profile's.

    Raises:
        InputError: a field that does not fit the profile's format (a long document number in TD3 ...).
    """
    base = record.to_mrz()
    own = record.kind == "icao"
    state = base.issuing_state if own else profile.issuing_state
    code = base.document_code if own else profile.document_code
    if (profile.mrz_format == base.format and state == base.issuing_state
            and code in (base.document_code, base.document_code[:1])):
        return base
    args = dict(document_number=base.document_number, date_of_birth=base.date_of_birth, sex=base.sex,
                date_of_expiry=base.date_of_expiry, nationality=base.nationality,
                primary_identifier=base.primary_identifier, secondary_identifier=base.secondary_identifier,
                issuing_state=state, document_code=code)
    keep = base.optional_data if (base.format == profile.mrz_format or own) else ""
    try:
        if profile.mrz_format == "TD1":
            return Mrz.td1(**args, optional_data=keep)
        if profile.mrz_format == "TD2":
            return Mrz.td2(**args, optional_data=keep)
        return Mrz.td3(**args, optional_data=keep)
    except InputError as e:
        raise InputError(f"cannot make the {profile.mrz_format} MRZ: {e}") from None


def person_key(mrz: Mrz, national_id: str | None, profile: Profile) -> str:
    """Who a card belongs to, as the profile identifies people (``issuance.person_key``).

    "national_id": the issuing state and the record's national ID (VN: the 12-digit ID, since the MRZ
    number is only its last 9 digits); "document": issuing state and document number; "personal_number":
    issuing state and the MRZ personal number.

    Raises:
        InputError: the record lacks what the profile keys people by.
    """
    how = profile.issuance.person_key
    if how == "national_id":
        if not national_id:
            raise InputError("this profile tells people apart by their national ID number, and the record has none")
        return f"{mrz.issuing_state}-{national_id}"
    if how == "personal_number":
        number = mrz.optional_data.strip(FILLER)
        if not number:
            raise InputError("personal_number: required, this profile tells people apart by it")
        return f"{mrz.issuing_state}-{number}"
    return f"{mrz.issuing_state}-{mrz.document_number}"


def prepare(record: HolderRecord, profile: Profile, *, face: Face | None = None,
            fingers: Sequence[Fingerprint] | None = None) -> CardContent:
    """One card's content from a record: MRZ in the profile's format, the face read and parsed, DG3 from
    the fingerprints, the CAN, the record kind's data groups the profile lists, and the person key; made
    once per card.

    Args:
        face: the face already read (e.g. from the ledger); None: read the record's photo file.
        fingers: the fingerprints already read (e.g. from the ledger); None: read the record's finger
            image files (only when the profile writes DG3).
    Raises:
        InputError: the record cannot make a card under this profile (names the field).
    """
    mrz = mrz_for(record, profile)
    if face is None:
        if record.photo is None:
            raise InputError("photo: required (the record has no face image)")
        face = Face.read(record.photo)
    groups: dict[int, bytes] = {}
    prints: tuple[Fingerprint, ...] = ()
    if 3 in profile.data_groups:
        prints = tuple(fingers) if fingers is not None else tuple(
            Fingerprint.read(path, pos, what=f"{POSITIONS.get(pos, f'finger {pos}')} image")
            for pos, path in sorted(record.finger_images.items()))
        groups[3] = fingers_dg3(prints)
    wanted = [n for n in profile.data_groups if n not in (1, 2, 3, 14, 15)]
    extra = dict(record.extra_data_groups()) if wanted else {}
    missing = [n for n in wanted if n not in extra]
    if missing:
        raise InputError(f"the profile writes DG{missing[0]}, which a {record.kind} record cannot make")
    groups.update((n, extra[n]) for n in wanted)
    can = record.can if profile.pace is not None and "CAN" in profile.pace.passwords else None
    return CardContent(mrz=mrz, face=face, can=can, data_groups=groups,
                       person_key=person_key(mrz, record.national_id, profile), national_id=record.national_id,
                       fingers=prints)


def fingers_dg3(fingers: Sequence[Fingerprint]) -> bytes:
    """DG3 (Doc 9303-10 §4.7.3) holding each fingerprint as given, one template a finger, at 500 ppi.

    Raises:
        InputError: no fingerprint (the profile writes DG3 and the record gives none).
    """
    if not fingers:
        raise InputError("fingers: the profile writes DG3 (fingerprints) and the record gives no finger image")
    return Dg3.build([FingerImage(f.data, f.position, f.width, f.height, compression_code(f.image_type))
                      for f in fingers]).to_bytes()


def chip_trust_points(cvca: Sequence[CvCertificate], profile: Profile, today: dt.date) -> tuple[CvCertificate, ...]:
    """The CVCA certificates a chip with Terminal Authentication will trust (TR-03110-3 A.6.2.3): one or two
    (two during a CVCA key rollover), CVCA keys with their domain parameters, not expired.

    Raises:
        InputError: a CVCA given to a profile without TA, none or too many for one with it, or a certificate
            that cannot be a trust point (named, with what is wrong with it).
    """
    if profile.terminal_authentication is None:
        if cvca:
            raise InputError(f"{profile.source}: the profile has no Terminal Authentication; a CVCA has no use")
        return ()
    if not 1 <= len(cvca) <= 2:
        raise InputError(f"{profile.source}: Terminal Authentication needs the chip's CVCA trust point: give one "
                         f"or two CVCA certificates (cardkit personalise --cvca FILE), not {len(cvca)}")
    for cert in cvca:
        try:
            CvKey.trust_point(cert)
        except CvRejected as e:
            raise InputError(f"--cvca: {e}") from None
        if cert.expiration_date < today:
            raise InputError(f"--cvca: CVCA {cert.chr} expired on {cert.expiration_date}: a chip trusting it "
                             "could accept no DV certificate")
    return tuple(cvca)
