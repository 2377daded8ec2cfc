"""Personalisation: record + profile + Document Signer -> files -> perso commands -> lock -> read-back.

How one card is made (Doc 9303-10, 9303-11; the chip's commands in simulators/PERSO.md):

1. ``build_card``: the MRZ and data groups from the holder's prepared content (``prepare``: DG3
   from the record's fingers as given, WSQ or JPEG 2000), fresh Active Authentication and Chip
   Authentication key pairs for this chip, DG14/DG15/EF.CardAccess from the profile, EF.COM, and
   EF.SOD signed by the DS (the only call to the signer). A profile with Terminal Authentication
   needs the CVCA certificate(s) the chip will trust (``chip_trust_points``).
2. ``plan_perso``: the perso commands of the JMRTD passport applet as a pure list of
   ``CommandApdu`` (sans-I/O, testable without a chip): SELECT the application, per file CREATE
   FILE, SELECT and UPDATE BINARY in the largest blocks the profile's chip allows, PUT DATA for
   the MRZ key seed, the CAN, the AA and CA private keys, the TA current date (00 67) and CVCA
   trust points (01 64, 02 64: the certificate bodies, chained when longer than a short APDU),
   then lock (DE AD).
3. ``write_card``: send the plan through ``Session.transmit``; any status word but 9000 stops.
4. ``personalise_card``: 1-3, then power the card again and read it as a border terminal would
   (PACE or BAC, every file, PA, CA, AA) with ``cardkit.inspect.inspect``; only a GENUINE verdict
   on files equal to those written makes the card issued (``personalise_readback``). A card written
   with DG3/DG4 must prove they are behind Extended Access Control: the chip must refuse the first of
   them asked without Terminal Authentication, else ``BiometricsUnprotectedError``; with an inspection
   system's credentials (``terminal``) they must then read back as written after TA.

Secrets. The chip's private keys exist on the host only as cryptography key objects (until
garbage-collected; OpenSSL clears private bignums when it frees them) and as their PKCS#8
serialisation inside ``bytearray`` command buffers, which ``CardBuild.wipe`` overwrites with
zeros once sent. Python cannot promise more: ``CommandApdu.to_bytes`` and the transport make
immutable ``bytes`` copies that live until the allocator reuses them, and pyscard copies into a
list of ints. Nothing secret is ever logged, written to disk (except into the chip itself, which
for the simulator is its 0600 image), put in an exception or shown by ``repr``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from . import tlv
from .algorithms import ID_TA, DomainParameters, IcaoOid, KeyAgreement
from .card import Session, Transport
from .crypto.cvc import CvCertificate, encode_date
from .errors import InputError, KeyStoreError, ProfileError, StatusWordError
from .holder import CardContent, HolderRecord, face_size
from .inspect import InspectionReport
from .iso7816 import CommandApdu
from .lds import (ActiveAuthenticationInfo, CardAccess, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, Com,
                  Dg1, Dg2, Dg14, Dg15, PaceInfo, SecurityInfo, TerminalAuthenticationInfo)
from .lds.files import MRTD_AID, by_name
from .mrz import FILLER, Mrz
from .personalise_content import chip_trust_points, mrz_for, person_key, prepare
from .personalise_link import extended_length_supported_by
from .personalise_readback import BiometricsUnprotectedError, card_access_key, verify_written
from .pki.signers import Signer
from .pki.sod_builder import build_sod
from .pki.terminal import TerminalCredentials
from .pki.trust import TrustStore
from .profiles import Profile

__all__ = [
    "CardBuild",
    "PersoResult",
    "SignerFailure",
    "BiometricsUnprotectedError",
    "prepare",
    "person_key",
    "mrz_for",
    "preflight",
    "build_card",
    "plan_perso",
    "minimum_apdus",
    "write_card",
    "read_back",
    "card_access_key",
    "personalise_card",
    "check_signer",
    "chip_trust_points",
    "face_size",
]

_PACE_REF_CAN = 0x02
_JMRTD_MAX_FILE = 0x7FFF  # the applet's file sizes and offsets are Java shorts
_SHORT = 255
_PUT_CVCA, _PUT_DATE = 0x64, 0x67  # JMRTD CVCERTIFICATE_TAG (P1 01/02) and the applet fork's CURRENT_DATE_TAG
# Files in the order they are written: EF.CardAccess first (MF), EF.SOD last, so a card pulled
# half-way never holds a SOD for files it lacks.
_ORDER = ("EF.CardAccess", "EF.COM")


class SignerFailure(KeyStoreError):
    """The Document Signer (key file or HSM) failed: the batch must stop, not reject the record."""


@dataclass(frozen=True, slots=True)
class PersoResult:
    """A personalised, locked and verified card (what the ledger records as issued)."""

    document_number: str = field(repr=False)  # part of the MRZ key: kept out of reprs
    sod: bytes = field(repr=False)
    ds_certificate_der: bytes = field(repr=False)
    ds_subject: str = field(repr=False)
    apdus_written: int
    apdus_read_back: int
    verdict: str
    report: InspectionReport | None = field(repr=False, default=None)
    timings: dict[str, float] = field(default_factory=dict)


class CardBuild:
    """Everything one chip receives. Holds secrets: ``repr`` is redacted; call ``wipe`` when done."""

    def __init__(self, *, document_number: str, person_id: str, mrz: Mrz, files: dict[str, bytes],
                 ds_certificate: x509.Certificate, mrz_information: str, can: str | None,
                 timings: dict[str, float], cvca: tuple[CvCertificate, ...] = (),
                 perso_date: dt.date | None = None) -> None:
        self.document_number = document_number
        self.person_id = person_id
        self.mrz = mrz
        self.files = files  # name -> bytes, in writing order
        self.ds_certificate = ds_certificate
        self.timings = timings
        self.cvca = cvca  # the TA trust points the chip receives (public certificates)
        self.perso_date = perso_date or dt.date.today()  # the chip's first current date for TA
        self._mrz_information = mrz_information
        self._can = can
        self._secret_buffers: list[bytearray] = []  # PKCS#8 keys, CAN: overwritten by wipe()
        self._keys: dict[str, Any] = {}  # "aa" / "ca" -> cryptography private key (dropped by wipe())
        self._was_wiped = False

    @property
    def sod(self) -> bytes:
        return self.files["EF.SOD"]

    @property
    def mrz_information(self) -> str:
        return self._mrz_information

    @property
    def can(self) -> str | None:
        return self._can

    def secret_buffer(self, data: bytes) -> bytearray:
        """A mutable copy of secret bytes that ``wipe`` will overwrite."""
        buf = bytearray(data)
        self._secret_buffers.append(buf)
        return buf

    def wipe(self) -> None:
        """Overwrite every secret buffer with zeros and drop the private key objects."""
        for buf in self._secret_buffers:
            buf[:] = bytes(len(buf))
        self._keys.clear()
        self._was_wiped = True

    @property
    def wiped(self) -> bool:
        return self._was_wiped and not self._keys and all(not any(b) for b in self._secret_buffers)

    def __repr__(self) -> str:
        return f"CardBuild(files={list(self.files)}, <secrets redacted>)"


# --- 1. building the files ----------------------------------------------------------------


def _new_keys(profile: Profile) -> tuple[rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None,
                                         ec.EllipticCurvePrivateKey | None]:
    """Fresh (AA, CA) private keys for one chip, as the profile asks; None where not used."""
    aa = ca = None
    spec = profile.active_authentication
    if spec is not None:
        if spec.key == "rsa":
            aa = rsa.generate_private_key(public_exponent=65537, key_size=spec.rsa_bits)
        else:
            aa = ec.generate_private_key(_curve(spec.parameters, "active_authentication.curve"))
    cspec = profile.chip_authentication
    if cspec is not None:
        if cspec.key_agreement is not KeyAgreement.ECDH:
            raise ProfileError(f"{profile.source}: chip_authentication.curve: DH chip keys are not supported by "
                               "the personaliser yet; use an EC curve")
        ca = ec.generate_private_key(_curve(cspec.parameters, "chip_authentication.curve"))
    return aa, ca


def _curve(params: DomainParameters | None, key: str) -> ec.EllipticCurve:
    if params is None or params.crypto_curve is None:
        name = params.name if params is not None else None
        raise ProfileError(f"{key}: curve {name!r} is not one the personaliser makes keys on")
    return params.crypto_curve()


def _spki(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _pkcs8(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _security_infos(profile: Profile, ca_key: ec.EllipticCurvePrivateKey | None,
                    aa_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | None
                    ) -> tuple[list[SecurityInfo], list[SecurityInfo]]:
    """(EF.CardAccess infos, DG14 infos) for the profile (Doc 9303-11 §9.2)."""
    access: list[SecurityInfo] = []
    dg14: list[SecurityInfo] = []
    ta = profile.terminal_authentication
    if ta is not None:
        # one TerminalAuthenticationInfo, the same wherever it is announced (TR-03110-3 A.1.2); DG14
        # repeating EF.CardAccess (Doc 9303-11 §9.2) is what protects it, and the profile checks that
        ta_info = TerminalAuthenticationInfo(protocol=ID_TA, version=ta.version)
        if ta.in_card_access:
            access.append(ta_info)
        if ta.in_dg14:
            dg14.append(ta_info)
    cspec = profile.chip_authentication
    if cspec is not None:
        ca_info = ChipAuthenticationInfo(protocol=cspec.protocol_oid, version=1, key_id=cspec.key_id)
        dg14 += [ChipAuthenticationPublicKeyInfo(protocol=cspec.public_key_oid, public_key_info=_spki(ca_key),
                                                 key_id=cspec.key_id), ca_info]
        if cspec.in_card_access:
            access.append(ca_info)
    if profile.pace is not None:
        # one PACEInfo with its standardized parameterId; EF.CardAccess and DG14 both carry it
        pace = PaceInfo(protocol=profile.pace.protocol_oid, version=profile.pace.version,
                        parameter_id=profile.pace.parameter_id)
        access.append(pace)
        dg14.append(pace)
    aspec = profile.active_authentication
    if aspec is not None and aspec.signature_algorithm_oid is not None:
        dg14.append(ActiveAuthenticationInfo(protocol=IcaoOid.AA_PROTOCOL, version=1,
                                             signature_algorithm=aspec.signature_algorithm_oid))
    return access, dg14


class _GuardedSigner:
    """Wraps the DS signer so that any failure of it (HSM down, token removed) is a SignerFailure."""

    def __init__(self, signer: Signer) -> None:
        self._signer = signer
        self.certificate = signer.certificate
        self.signature_algorithm = signer.signature_algorithm
        self.seconds = 0.0

    def sign(self, data: bytes) -> bytes:
        t = time.perf_counter()
        try:
            return self._signer.sign(data)
        except Exception as e:  # an HSM raises its own types; never let one pass for a record problem
            raise SignerFailure(f"document signer failed: {type(e).__name__}: {e}") from None
        finally:
            self.seconds += time.perf_counter() - t

    def __getattr__(self, name: str) -> Any:
        return getattr(self._signer, name)


def preflight(profile: Profile) -> None:
    """Refuse, before the first card, a profile whose keys cannot reach a chip as configured.

    The secret PUT DATA commands have a fixed size per key type (an RSA-2048 AA half is 262 bytes): when
    one exceeds a short APDU and the profile does not allow extended length, every card would be
    refused, each costing a blank card; this says so once instead.

    Raises:
        ProfileError: naming the key and the setting that would have to change.
    """
    if profile.chip.extended_length:
        return
    aa, ca = _new_keys(profile)
    sizes: list[tuple[str, int]] = []
    if isinstance(aa, rsa.RSAPrivateKey):
        n = (aa.key_size + 7) // 8
        sizes.append(("active_authentication", 2 + len(tlv.encode(0x04, b"\x00" * n))))
    elif aa is not None:
        sizes.append(("active_authentication", len(tlv.encode(0x68, tlv.encode(0x04, _pkcs8(aa))))))
    if ca is not None:
        sizes.append(("chip_authentication", len(tlv.encode(0x6A, tlv.encode(0x04, _pkcs8(ca)))) + 4))
    for key, size in sizes:
        if size > _SHORT:
            raise ProfileError(f"{profile.source}: {key}: the chip's key goes in a PUT DATA of {size} bytes, more than "
                               "a short APDU holds; set chip.extended_length = true (for cards that take it) or "
                               "use a smaller key")


def check_signer(signer: Signer, profile: Profile) -> None:
    """Refuse a DS whose signature algorithm the profile does not accept.

    Raises:
        ProfileError: the signer's algorithm is not in ``sod.signature_algorithms``.
    """
    alg = signer.signature_algorithm
    accepted = {a.lower() for a in profile.sod.signature_algorithms}
    if alg.lower() not in accepted:
        raise ProfileError(f"{profile.source}: sod.signature_algorithms: the Document Signer signs with {alg}, "
                           f"the profile accepts {', '.join(profile.sod.signature_algorithms)}")


def build_card(record: HolderRecord | CardContent, profile: Profile, signer: Signer, *,
               cvca: Sequence[CvCertificate] = (), today: dt.date | None = None) -> CardBuild:
    """Build every file of one chip and sign its EF.SOD (Doc 9303-10 §4).

    ``record`` is best given as the ``CardContent`` that ``prepare`` made once; a bare record is prepared here.

    Args:
        cvca: the CVCA certificate(s) the chip trusts for Terminal Authentication (required when the
            profile enables TA; one, or two during a CVCA key rollover).
        today: the date of personalisation: the chip's first current date (default: the system date).
    Raises:
        InputError: the record cannot make a valid card (bad face or finger image, MRZ field, a file the
            chip cannot hold), or the CVCA is missing, not a CVCA or expired.
        SignerFailure: the Document Signer failed (the caller must stop the batch).
    """
    t0 = time.perf_counter()
    today = today or dt.date.today()
    trust_points = chip_trust_points(cvca, profile, today)
    content = record if isinstance(record, CardContent) else prepare(record, profile)
    mrz = content.mrz
    dgs: dict[int, bytes] = {1: Dg1.build(mrz).to_bytes()}
    face = content.face
    dgs[2] = Dg2.build(face.data, face.image_type, face.width, face.height).to_bytes()
    dgs.update(content.data_groups)
    t_keys = time.perf_counter()
    aa_key, ca_key = _new_keys(profile)
    t_keys = time.perf_counter() - t_keys
    access_infos, dg14_infos = _security_infos(profile, ca_key, aa_key)
    if 14 in profile.data_groups:
        dgs[14] = Dg14.build(dg14_infos).to_bytes()
    if 15 in profile.data_groups:
        dgs[15] = Dg15.build(_spki(aa_key)).to_bytes()
    missing = [n for n in profile.data_groups if n not in dgs]
    if missing:
        raise ProfileError(f"{profile.source}: lds.data_groups: cardkit cannot build DG{missing[0]} from a record")
    dgs = {n: dgs[n] for n in profile.data_groups}
    if profile.chip.command_set == "jmrtd":
        big = [(n, len(v)) for n, v in dgs.items() if len(v) > _JMRTD_MAX_FILE]
        if big:
            raise InputError(f"DG{big[0][0]} is {big[0][1]} bytes; the JMRTD applet's files hold at most "
                             f"{_JMRTD_MAX_FILE} (a smaller photo is needed)")
    files: dict[str, bytes] = {}
    if access_infos:
        files["EF.CardAccess"] = CardAccess.build(access_infos).to_bytes()
    files["EF.COM"] = Com.build(profile.data_groups, profile.lds_version, profile.unicode_version).to_bytes()
    files.update({f"DG{n}": v for n, v in dgs.items()})
    t_build = time.perf_counter() - t0 - t_keys
    guarded = _GuardedSigner(signer)
    t1 = time.perf_counter()
    files["EF.SOD"] = build_sod(
        dgs, guarded, hash_algorithm=profile.sod.hash, version=profile.sod.version,
        lds_version=profile.lds_version if profile.sod.version == 1 else None,
        unicode_version=profile.unicode_version if profile.sod.version == 1 else None,
        signer_id=profile.sod.signer_id)
    t_sod = time.perf_counter() - t1
    build = CardBuild(document_number=mrz.document_number, person_id=content.person_key,
                      mrz=mrz, files=files, ds_certificate=signer.certificate, mrz_information=mrz.mrz_information,
                      can=content.can, timings={"build": t_build, "keys": t_keys, "sod": t_sod, "sign": guarded.seconds},
                      cvca=trust_points, perso_date=today)
    build._keys = {k: v for k, v in (("aa", aa_key), ("ca", ca_key)) if v is not None}
    return build


# --- 2. the perso commands ------------------------------------------------------------------


def _update_binary(fid: int, data: bytes, block: int, extended: bool) -> Iterable[CommandApdu]:
    """UPDATE BINARY in ``block``-byte pieces: D6 with the offset in P1-P2 up to 32 767, D7 beyond."""
    off = 0
    while off < len(data):
        if off <= 0x7FFF:
            chunk = data[off : off + block]
            yield CommandApdu(0x00, 0xD6, off >> 8, off & 0xFF, chunk, extended=extended and len(chunk) > 255)
        else:
            # odd INS: 54 {offset} 53 {data}; the DO overhead comes out of the block
            o = off.to_bytes(3, "big").lstrip(b"\x00") or b"\x00"
            room = block - 2 - len(o) - 1 - len(tlv.encode_length(block))
            if room < 1:
                raise ProfileError(f"chip.write_block_size {block} leaves no room for data in an odd-INS "
                                   f"UPDATE BINARY (offset {off} needs DO54/DO53)")
            chunk = data[off : off + room]
            body = tlv.encode(0x54, o) + tlv.encode(0x53, chunk)
            yield CommandApdu(0x00, 0xD7, 0x00, 0x00, body, extended=len(body) > 255)
        off += len(chunk)


def plan_perso(build: CardBuild, profile: Profile, *, extended: bool | None = None) -> list[CommandApdu]:
    """The perso commands for one chip, in order (simulators/PERSO.md, the JMRTD applet's set).

    Per file: CREATE FILE, then SELECT it (the applet's CREATE makes nothing current), then UPDATE
    BINARY. The MRZ key's document number is padded with '<' to 9 characters (9303-11 §4.3.2: the
    applet derives the BAC key from the number exactly as sent). An RSA AA key goes as PUT DATA 60/61
    in the applet's form ``60 00 {04 L n}``; EC AA keys (68), CA keys (6A) and the CAN (65) are
    cardkit's extensions, which only a ``cardkit`` command-set profile asks for.

    Args:
        extended: whether the card takes extended-length APDUs (``personalise_link``); None: the
            profile's ``chip.extended_length`` decides alone (planning without a card).
    Secret-bearing commands (PUT DATA 60/61/62/65/68/6A) carry ``bytearray`` data owned by ``build``;
    ``build.wipe()`` overwrites them.

    Raises:
        ProfileError: a command would need extended length that the card or profile does not allow.
    """
    if build.wiped:
        raise InputError("this card build was wiped after use: build it again")
    if profile.chip.command_set not in ("jmrtd", "cardkit"):  # the validator refuses others; keep the guard local
        raise ProfileError(f"{profile.source}: chip.command_set: {profile.chip.command_set!r} has no planner")
    ext = profile.chip.extended_length and (extended if extended is not None else True)
    block = profile.chip.write_block_size if ext else min(profile.chip.write_block_size, _SHORT)
    cmds = [CommandApdu(0x00, 0xA4, 0x04, 0x0C, MRTD_AID)]
    for name, data in build.files.items():
        fid = by_name(name).fid
        if len(data) > 0xFFFF:
            raise InputError(f"{name} is {len(data)} bytes; CREATE FILE allows at most 65535")
        cmds.append(CommandApdu(0x00, 0xE0, 0x00, 0x00, b"\x63\x04" + len(data).to_bytes(2, "big")
                                + fid.to_bytes(2, "big")))
        cmds.append(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")))
        cmds.extend(_update_binary(fid, data, block, ext))
    m = build.mrz
    mrz_do = tlv.encode(0x62, tlv.encode(0x04, m.document_number.ljust(9, FILLER).encode("ascii"))
                        + tlv.encode(0x04, m.date_of_birth.encode("ascii"))
                        + tlv.encode(0x04, m.date_of_expiry.encode("ascii")))
    cmds.append(CommandApdu(0x00, 0xDA, 0x00, 0x62, build.secret_buffer(mrz_do)))
    if build.can is not None:
        can_do = tlv.encode(0x65, tlv.encode(0x66, bytes([_PACE_REF_CAN]) + build.can.encode("ascii")))
        cmds.append(CommandApdu(0x00, 0xDA, 0x00, 0x65, build.secret_buffer(can_do)))
    aa = build._keys.get("aa")
    if isinstance(aa, rsa.RSAPrivateKey):
        nums = aa.private_numbers()
        size = (aa.key_size + 7) // 8
        for tag, value in ((0x60, nums.public_numbers.n), (0x61, nums.d)):
            # the applet skips the outer value (length 00) and reads the 04 object after it
            half = bytes([tag, 0x00]) + tlv.encode(0x04, value.to_bytes(size, "big"))
            cmds.append(_secret_command(build, tag, half, ext))
    elif aa is not None:
        cmds.append(_secret_put(build, 0x68, tlv.encode(0x04, _pkcs8(aa)), ext))
    ca = build._keys.get("ca")
    if ca is not None:
        kid = profile.chip_authentication.key_id if profile.chip_authentication else None
        body = (tlv.encode(0x02, _int_bytes(kid)) if kid is not None else b"") + tlv.encode(0x04, _pkcs8(ca))
        cmds.append(_secret_put(build, 0x6A, body, ext))
    if build.cvca:
        # the chip's current date first, so a trust point cannot leave it at the CVCA's effective date
        cmds.append(CommandApdu(0x00, 0xDA, 0x00, _PUT_DATE, encode_date(build.perso_date)))
        for slot, cert in enumerate(build.cvca, 1):
            cmds.extend(_chained(CommandApdu(0x00, 0xDA, slot, _PUT_CVCA, cert.body.raw), ext))
    cmds.append(CommandApdu(0x00, 0xDA, 0xDE, 0xAD))
    return cmds


def _chained(cmd: CommandApdu, extended: bool) -> list[CommandApdu]:
    """One command, or ISO/IEC 7816-4 command chaining (CLA 10 on all parts but the last) when its data
    does not fit a short APDU and the chip takes no extended length (simulators/PERSO.md)."""
    if extended or len(cmd.data) <= _SHORT:
        return [cmd]
    parts = [cmd.data[i : i + _SHORT] for i in range(0, len(cmd.data), _SHORT)]
    return [CommandApdu(cmd.cla | (0x10 if i < len(parts) - 1 else 0), cmd.ins, cmd.p1, cmd.p2, part)
            for i, part in enumerate(parts)]


def _int_bytes(n: int) -> bytes:
    return n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big")


def _secret_put(build: CardBuild, tag: int, inner: bytes, extended: bool) -> CommandApdu:
    return _secret_command(build, tag, tlv.encode(tag, inner), extended)


def _secret_command(build: CardBuild, tag: int, data: bytes, extended: bool) -> CommandApdu:
    if len(data) > _SHORT and not extended:
        raise ProfileError(f"PUT DATA {tag:02X} needs {len(data)} bytes, more than a short APDU holds: the key needs "
                           "a card with extended length and chip.extended_length = true")
    return CommandApdu(0x00, 0xDA, 0x00, tag, build.secret_buffer(data), extended=len(data) > _SHORT)


def minimum_apdus(build: CardBuild, profile: Profile, *, extended: bool | None = None) -> int:
    """The fewest perso commands the chip's limits allow: SELECT of the application; per file one CREATE,
    one SELECT (the JMRTD applet's CREATE makes nothing current) and ceil(size / largest data field)
    writes; the PUT DATAs, a CVCA in as few parts as fit; the lock. The largest data field is 65535 bytes
    with extended length (the profile allows it and, when ``extended`` is given, the card takes it), 255
    without; ``plan_perso`` with the profile's ``write_block_size`` at that largest field reaches it."""
    ext = profile.chip.extended_length and (extended if extended is not None else True)
    largest = 0xFFFF if ext else _SHORT
    aa_puts = 2 if isinstance(build._keys.get("aa"), rsa.RSAPrivateKey) else int("aa" in build._keys)
    ta_puts = 1 + sum(-(-len(c.body.raw) // largest) for c in build.cvca) if build.cvca else 0
    puts = 1 + (build.can is not None) + aa_puts + int("ca" in build._keys) + ta_puts + 1
    return 1 + sum(2 + -(-len(d) // largest) for d in build.files.values()) + puts


# --- 3 and 4. writing, locking, reading back ---------------------------------------------------


def write_card(session: Session, commands: list[CommandApdu], *,
               on_first_write: Callable[[], None] | None = None) -> int:
    """Send the perso commands; the first one is preceded by ``on_first_write`` (the ledger's commit).

    Raises:
        StatusWordError: the chip refused a command (named by its INS and file).
        TransportError: the card left the reader (CardRemovedError) or the reader failed.
    """
    current = "application"
    for i, cmd in enumerate(commands):
        if i == 0 and on_first_write is not None:
            on_first_write()
        if cmd.ins == 0xE0:
            current = f"file {cmd.data[4:6].hex().upper()}"
        step = f"perso APDU {i + 1} ({_INS_NAMES.get(cmd.ins, f'INS {cmd.ins:02X}')} {current})"
        resp = session.transmit(cmd, step=step)
        if resp.sw != 0x9000:
            raise StatusWordError(resp.sw, step=step)
    return len(commands)


_INS_NAMES = {0xA4: "SELECT", 0xE0: "CREATE FILE", 0xD6: "UPDATE BINARY", 0xD7: "UPDATE BINARY", 0xDA: "PUT DATA"}


def read_back(transport: Transport, build: CardBuild, profile: Profile, trust: TrustStore | None, *,
              terminal: TerminalCredentials | None = None) -> InspectionReport:
    """Inspect the locked card as a terminal would; return the report if GENUINE and identical to what was written.

    The rules, the DG3/DG4 probe among them, are ``personalise_readback.verify_written``'s.

    Raises:
        BiometricsUnprotectedError: DG3/DG4 were written and the chip handed them out without TA.
        VerificationError: any other verdict, or a file that differs from the one written.
        ProtocolError / TransportError: the card could not be read.
    """
    return verify_written(transport, build.files, card_access_key(build.can, build.mrz_information), trust,
                          block_size=profile.chip.read_block_size, terminal=terminal)


def personalise_card(open_transport: Callable[[], Transport], build: CardBuild, profile: Profile,
                     trust: TrustStore | None, *, on_first_write: Callable[[], None] | None = None,
                     terminal: TerminalCredentials | None = None) -> PersoResult:
    """Write one built card, lock it, power it again and verify it (steps 2-4 of the module header).

    ``open_transport`` is called twice: for writing, then for the read-back (a fresh power-on, as a
    terminal would see the card). ``build`` is wiped whatever happens. Extended length is used only
    when the profile allows it and the card shows it takes it; a plan the card cannot take raises
    ProfileError before the first perso command, so the card stays blank. ``terminal``: the read-back
    reads DG3/DG4 after Terminal Authentication with these credentials (``read_back``).
    """
    t0 = time.perf_counter()
    try:
        session = Session(open_transport(), block_size=profile.chip.read_block_size)
        # only harmless commands before the plan: a card that cannot take it is still blank
        ext = extended_length_supported_by(session) if profile.chip.extended_length else False
        commands = plan_perso(build, profile, extended=ext)
        written = write_card(session, commands, on_first_write=on_first_write)
    finally:
        build.wipe()
    t1 = time.perf_counter()
    transport = open_transport()
    report = read_back(transport, build, profile, trust, terminal=terminal)
    t2 = time.perf_counter()
    cert = build.ds_certificate
    return PersoResult(
        document_number=build.document_number, sod=build.sod,
        ds_certificate_der=cert.public_bytes(serialization.Encoding.DER),
        ds_subject=cert.subject.rfc4514_string(), apdus_written=written,
        apdus_read_back=report.apdu_count, verdict=report.verdict.value, report=report,
        timings={**build.timings, "write": t1 - t0, "read_back": t2 - t1})

