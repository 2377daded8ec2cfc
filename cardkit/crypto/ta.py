"""Terminal Authentication version 1 (ICAO Doc 9303-11 §7.1; BSI TR-03110-1 EAC1, TR-03110-3 B.3, B.11).

After Chip Authentication the terminal proves it holds the key of a terminal certificate the chip
can trace back to its CVCA trust point:
    for each certificate from the chip's trust point down:
        MSE:Set DST     00 22 81 B6 {83 CAR}        select the key that signed the next certificate
        PSO:Verify Cert 00 2A 00 BE {7F4E ‖ 5F37}   the chip verifies and imports the certified key
    MSE:Set AT          00 22 81 A4 {83 CHR}        the terminal's own key
    GET CHALLENGE       00 84 00 00 08              r_PICC
    EXTERNAL AUTH       00 82 00 00 signature       Sign(SK_PCD, ID_PICC ‖ r_PICC ‖ Comp(PK_PCD))
Comp(PK_PCD) is the terminal's ephemeral CA public key compressed: its x-coordinate (ECDH) or the
SHA-1 of the DH value (9303-11 §7.1.4.1.3, §7.1.4.2.3). ID_PICC (§7.1.2) is, after BAC, the MRZ document
number with its check digit; after PACE, Comp of the chip's ephemeral PACE key (dynamic binding),
though some states bind statically to the document number or the CAN (TR-03110-1, TA version 1).

Both ends live here, sans I/O, sharing the validation step of ``cvc_validation``: the terminal
machine ``TerminalAuthentication`` (on ``ProtocolMachine``; it draws no randomness: r_PICC is the
chip's, and the ECDSA nonce is RFC 6979's or the signer's) and the chip's ``TaChip``, which keeps its
trust points and current date in a ``ChipTrust`` and draws r_PICC from an injected rng. The chip
refuses with a ``TaChipError`` carrying the status word it answers; the terminal turns a refusal into a
``TaRefusedError`` naming the certificate and the ``Rejection`` that step's status word stands for.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .. import tlv
from ..algorithms import CURVES, HASHES, TaAlgorithm
from ..errors import InputError, ParseError, ProtocolError, StatusWordError
from ..iso7816 import CommandApdu, ResponseApdu
from ..mrz import check_digit
from ..public_keys import EcPublicKey
from ._machine import ProtocolMachine
from .cvc import Chat, CvCertificate, CvCertificateBody, Role, decode_date, encode_date
from .cvc_keys import (
    CvPublicKey,
    ec_public_key,
    plain_signature,
    resolve_key,
    rsa_public_key,
)
from .cvc_validation import (
    CvKey,
    CvRejected,
    Rejection,
    advances_date,
    import_certificate,
)

__all__ = [
    "compress_public_key",
    "id_picc_from_mrz_information",
    "id_picc_from_document_number",
    "id_picc_from_pace",
    "id_picc_from_can",
    "TaSigner",
    "TaKeySigner",
    "TaState",
    "TaResult",
    "TaRefusedError",
    "TerminalAuthentication",
    "ChipTrust",
    "TaAuthorization",
    "TaChipError",
    "TaChip",
]

Rng = Callable[[int], bytes]


# --- the signed message ----------------------------------------------------------------------


def compress_public_key(public_key: bytes, key_agreement: str) -> bytes:
    """Comp(PK): the x-coordinate of an uncompressed EC point, or SHA-1 of a DH value (TR-03110-3 A.2.2.3).

    Raises:
        InputError: an EC key that is not 04 ‖ x ‖ y, or an unknown key agreement.
    """
    if key_agreement == "DH":
        return hashlib.sha1(public_key).digest()
    if key_agreement != "ECDH":
        raise InputError(f"key agreement {key_agreement!r} is neither ECDH nor DH")
    if len(public_key) < 3 or len(public_key) % 2 == 0 or public_key[0] != 0x04:
        raise InputError("an ephemeral EC key is an uncompressed point 04 || x || y")
    return bytes(public_key[1 : 1 + (len(public_key) - 1) // 2])


def id_picc_from_mrz_information(mrz_information: str) -> bytes:
    """ID_PICC after BAC: the document number as in the MRZ with its check digit (9303-11 §7.1.2).

    ``mrz_information`` is the BAC key input (number ‖ cd ‖ birth ‖ cd ‖ expiry ‖ cd); the number is
    all of it but the last 14 characters, as long numbers run past nine characters.
    """
    if len(mrz_information) < 24:
        raise InputError("MRZ information is the number, birth and expiry dates with their check digits")
    return mrz_information[:-14].encode("ascii")


def id_picc_from_document_number(document_number: str) -> bytes:
    """ID_PICC from a document number: padded with < to nine characters, then its check digit."""
    number = document_number.upper().ljust(9, "<")
    return (number + check_digit(number)).encode("ascii")


def id_picc_from_pace(chip_ephemeral_public_key: bytes, key_agreement: str) -> bytes:
    """ID_PICC after PACE (dynamic binding): Comp of the chip's ephemeral PACE public key (9303-11 §7.1.2)."""
    return compress_public_key(chip_ephemeral_public_key, key_agreement)


def id_picc_from_can(can: str) -> bytes:
    """ID_PICC of the static binding some states use after PACE with the CAN (TR-03110-1, TA version 1)."""
    return can.encode("ascii")


class TaSigner(Protocol):
    """Signs for the terminal key: returns the signature as TA sends it (plain r ‖ s for ECDSA)."""

    def sign(self, data: bytes) -> bytes: ...


@dataclass(frozen=True)
class TaKeySigner:
    """A terminal key held in memory (``cryptography``), signing per its TA algorithm.

    ECDSA signatures are deterministic (RFC 6979), so a TA run replays byte for byte, and converted
    to the plain format (TR-03111); RSA uses PKCS#1 v1.5 or PSS as the algorithm says.
    """

    private_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = field(repr=False)
    algorithm: TaAlgorithm

    def sign(self, data: bytes) -> bytes:
        h = HASHES[self.algorithm.hash]()
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            pad = padding.PSS(padding.MGF1(h), h.digest_size) if self.algorithm.pss else padding.PKCS1v15()
            return self.private_key.sign(data, pad, h)
        curve = CURVES.get(self.private_key.curve.name)
        if curve is None:
            raise InputError(f"curve {self.private_key.curve.name} is not one TA uses")
        der = self.private_key.sign(data, ec.ECDSA(h, deterministic_signing=True))
        return plain_signature(der, curve.order_size)


# --- the terminal ----------------------------------------------------------------------------


class TaState(enum.Enum):
    NEW = "new"
    DST_SENT = "MSE:Set DST sent"
    PSO_SENT = "PSO:Verify Certificate sent"
    AT_SENT = "MSE:Set AT sent"
    CHALLENGE_SENT = "GET CHALLENGE sent"
    AUTH_SENT = "EXTERNAL AUTHENTICATE sent"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class TaResult:
    """A completed TA: the terminal certificate's CHR, the certificates sent, the chip's challenge."""

    terminal_chr: str
    certificates: tuple[str, ...]
    challenge: bytes


class TaRefusedError(StatusWordError):
    """The chip refused a TA step: which certificate, and why as far as the status word tells.

    Attributes:
        certificate: the CHR of the certificate concerned (None for GET CHALLENGE).
        reason: the ``Rejection`` the status word stands for (None when it tells nothing more); a chip
            answers 6300 both for a signature that does not verify and for an expired certificate, so
            the terminal names the one its own date allows (``TerminalAuthentication``'s ``today``).
    """

    def __init__(self, sw: int, *, step: str, certificate: str | None = None, reason: Rejection | None = None,
                 meaning: str | None = None) -> None:
        self.certificate = certificate
        self.reason = reason
        if meaning is None and reason is not None:
            meaning = f"{certificate}: {reason.value}" if certificate else reason.value
        super().__init__(sw, step=step, meaning=meaning)


class TerminalAuthentication(ProtocolMachine[TaResult]):
    """Terminal side of TA v1: ``cmd = ta.start(); while not ta.done: cmd = ta.receive(resp)``.

    Args:
        chain: the certificates from the chip's trust point down, the terminal certificate last.
        signer: signs with the terminal certificate's key (``TaKeySigner``, or an HSM adapter).
        id_picc: the chip's identifier (see the ``id_picc_*`` helpers).
        ca_ephemeral_public_key: the terminal's ephemeral key of the Chip Authentication just run.
        key_agreement: "ECDH" or "DH", the CA key agreement.
        today: the terminal's date, only to tell an expired certificate from a bad signature when the
            chip refuses one with 6300.

    Raises:
        InputError: an empty chain, certificates that do not link (CAR = previous CHR), or a last
            certificate that is not a terminal's.
    """

    STEP = "TA"
    STATES = TaState
    # state -> (method allowed, state after success); PSO_SENT loops back to DST_SENT while certificates remain
    TRANSITIONS: Mapping[TaState, tuple[str, TaState]] = {
        TaState.NEW: ("start", TaState.DST_SENT),
        TaState.DST_SENT: ("receive", TaState.PSO_SENT),
        TaState.PSO_SENT: ("receive", TaState.AT_SENT),
        TaState.AT_SENT: ("receive", TaState.CHALLENGE_SENT),
        TaState.CHALLENGE_SENT: ("receive", TaState.AUTH_SENT),
        TaState.AUTH_SENT: ("receive", TaState.DONE),
    }
    TRANSITIONS_MORE = {**TRANSITIONS, TaState.PSO_SENT: ("receive", TaState.DST_SENT)}

    def __init__(self, chain: Sequence[CvCertificate], signer: TaSigner, *, id_picc: bytes,
                 ca_ephemeral_public_key: bytes, key_agreement: str = "ECDH", today: dt.date | None = None) -> None:
        super().__init__()
        self.chain = tuple(chain)
        if not self.chain:
            raise InputError("TA needs at least the terminal certificate")
        for prev, cert in zip(self.chain, self.chain[1:]):
            if cert.car != prev.chr:
                raise InputError(f"certificate {cert.chr} names issuer {cert.car}, not {prev.chr}: "
                                 "the chain does not link")
        if self.chain[-1].role is not Role.TERMINAL:
            raise InputError(f"the last certificate ({self.chain[-1].chr}) is a {self.chain[-1].role.name}, "
                             "not a terminal certificate")
        self._signer = signer
        self._id_picc = bytes(id_picc)
        self._comp = compress_public_key(ca_ephemeral_public_key, key_agreement)
        self._today = today
        self._next = 0  # index of the next certificate to send

    def __repr__(self) -> str:
        return f"TerminalAuthentication({self.chain[-1].chr}, state={self.state.name})"

    def _table(self) -> Mapping[TaState, tuple[str, TaState]]:
        return self.TRANSITIONS_MORE if self._next < len(self.chain) else self.TRANSITIONS

    def start(self) -> CommandApdu:
        """MSE:Set DST naming the key that signed the first certificate."""
        with self._transition("start"):
            return self._set_dst()

    def receive(self, resp: ResponseApdu) -> CommandApdu | None:
        """Consume the chip's answer; returns the next command, or None when TA is done.

        Raises:
            TaRefusedError: the chip refused a step (a certificate, the key, the signature).
            ProtocolError: a challenge of the wrong length, or an answer with unexpected data.
        """
        with self._transition("receive") as state:
            if state is TaState.DST_SENT:
                cert = self.chain[self._next]
                first = self._next == 0
                self._check(resp, f"TA MSE:Set DST {cert.car}", cert.chr,
                            {0x6A88: Rejection.NO_TRUST_POINT if first else Rejection.WRONG_ISSUER})
                self._next += 1
                return CommandApdu(0x00, 0x2A, 0x00, 0xBE, cert.verify_data)
            if state is TaState.PSO_SENT:
                cert = self.chain[self._next - 1]
                expired = self._today is not None and cert.role is not Role.CVCA and cert.expiration_date < self._today
                self._check(resp, f"TA PSO:Verify Certificate {cert.chr}", cert.chr,
                            {0x6300: Rejection.EXPIRED if expired else Rejection.BAD_SIGNATURE,
                             0x6985: Rejection.ROLE, 0x6A80: Rejection.BAD_KEY, 0x6A88: Rejection.WRONG_ISSUER})
                if self._next < len(self.chain):
                    return self._set_dst()
                return CommandApdu(0x00, 0x22, 0x81, 0xA4, tlv.encode(0x83, self.chain[-1].chr.encode("latin-1")))
            if state is TaState.AT_SENT:
                self._check(resp, f"TA MSE:Set AT {self.chain[-1].chr}", self.chain[-1].chr,
                            {0x6985: Rejection.NOT_A_TERMINAL, 0x6A88: Rejection.NOT_A_TERMINAL})
                return CommandApdu(0x00, 0x84, 0x00, 0x00, le=8)
            if state is TaState.CHALLENGE_SENT:
                if resp.sw != 0x9000:
                    raise TaRefusedError(resp.sw, step="TA GET CHALLENGE")
                if len(resp.data) != 8:
                    raise ProtocolError(f"challenge of {len(resp.data)} bytes (expected 8)", step="TA GET CHALLENGE")
                self._challenge = resp.data
                return CommandApdu(0x00, 0x82, 0x00, 0x00, self._signer.sign(self._id_picc + resp.data + self._comp))
            self._check(resp, "TA EXTERNAL AUTHENTICATE", self.chain[-1].chr,
                        {0x6300: Rejection.CHALLENGE_SIGNATURE, 0x6982: Rejection.CHALLENGE_SIGNATURE})
            self._result = TaResult(self.chain[-1].chr, tuple(c.chr for c in self.chain), self._challenge)
            return None

    def _set_dst(self) -> CommandApdu:
        return CommandApdu(0x00, 0x22, 0x81, 0xB6, tlv.encode(0x83, self.chain[self._next].car.encode("latin-1")))

    @staticmethod
    def _check(resp: ResponseApdu, step: str, chr: str, reasons: Mapping[int, Rejection]) -> None:
        """Raise TaRefusedError for a refusal, with the ``Rejection`` its status word stands for at this step."""
        if resp.sw != 0x9000:
            raise TaRefusedError(resp.sw, step=step, certificate=chr, reason=reasons.get(resp.sw))
        if resp.data:
            raise ProtocolError("answered with data where none is expected", step=step)


# --- the chip --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChipTrust:
    """What a chip keeps across sessions for TA: its trust points (most recent first) and current date.

    A chip stores at most two trust points (9303-11 §7.1.4.3.2); the (pre-)personalisation sets the
    current date and the most recent CVCA key (§7.1.4.3.1).
    """

    trust_points: tuple[CvKey, ...]
    current_date: dt.date

    @classmethod
    def personalise(cls, cvca: Sequence[CvCertificate], date: dt.date) -> ChipTrust:
        """Trust points from CVCA certificates carrying their domain parameters (at most two, newest kept)."""
        points = sorted((CvKey.trust_point(c) for c in cvca), key=lambda k: k.effective_date, reverse=True)
        if not points:
            raise InputError("a chip needs at least one CVCA trust point")
        return cls(tuple(points[:2]), date)

    @property
    def cars(self) -> tuple[str, ...]:
        """The references a chip announces (EF.CVCA; PACE 87/88), most recent first."""
        return tuple(k.chr for k in self.trust_points)

    def with_trust_point(self, point: CvKey) -> ChipTrust:
        """This state with ``point`` added (replacing one of the same CHR), the two newest kept, and the
        current date at least the point's effective date: what a chip does with a trust point written at
        personalisation (9303-11 §7.1.4.3.1)."""
        if point.role is not Role.CVCA:
            raise InputError(f"{point.chr} is a {point.role.name} key; a trust point is a CVCA key")
        points = sorted((point, *(p for p in self.trust_points if p.chr != point.chr)),
                        key=lambda k: k.effective_date, reverse=True)
        return replace(self, trust_points=tuple(points[:2]), current_date=max(self.current_date, point.effective_date))

    def to_bytes(self) -> bytes:
        """The state to keep in a chip's memory: 5F25 current date, then each trust point as a 7F4E
        certificate body (CAR = CHR) carrying its domain parameters and effective authorization."""
        bodies = [CvCertificateBody.build(car=k.chr, public_key=_cv_key(k), chr=k.chr, chat=k.authorization,
                                          effective_date=k.effective_date, expiration_date=k.expiration_date).raw
                  for k in self.trust_points]
        return tlv.encode(0x5F25, encode_date(self.current_date)) + b"".join(bodies)

    @classmethod
    def from_bytes(cls, data: bytes) -> ChipTrust:
        """Read what ``to_bytes`` wrote.

        Raises:
            ParseError: not a date followed by at most two trust point bodies.
        """
        what = "TA trust points"
        objects = tlv.decode_all(data)
        if not 1 <= len(objects) <= 3 or objects[0].tag != 0x5F25:
            raise ParseError("expected 5F25 then at most two 7F4E bodies", what=what)
        points = []
        for o in objects[1:]:
            body = CvCertificateBody.from_tlv(o)
            try:
                key = resolve_key(body.public_key, None)
            except ParseError as e:
                raise e.within(what=what)
            points.append(CvKey(body.chr, key, body.chat, body.effective_date, body.expiration_date))
        return cls(tuple(points), decode_date(objects[0], what))


def _cv_key(k: CvKey) -> CvPublicKey:
    """A trust point's key as a public key data object with its domain parameters."""
    if isinstance(k.key.key, EcPublicKey):
        return ec_public_key(k.key.algorithm, k.key.key.encoded, k.key.key.curve)
    n = k.key.key.public_numbers()
    return rsa_public_key(k.key.algorithm, n.n, n.e)


@dataclass(frozen=True)
class TaAuthorization:
    """What a successful TA grants (9303-11 §7.1.3): the terminal and its effective authorization."""

    terminal_chr: str
    authorization: Chat

    @property
    def read_dg3(self) -> bool:
        return self.authorization.read_dg3

    @property
    def read_dg4(self) -> bool:
        return self.authorization.read_dg4


class TaChipError(ProtocolError):
    """The chip refuses a TA command; ``sw`` is the status word it answers, ``reason`` why."""

    def __init__(self, sw: int, reason: str, *, step: str) -> None:
        self.sw = sw
        self.reason = reason
        super().__init__(f"{reason} ({sw:04X})", step=step)


# status word per refusal: 6A80 bad data, 6A88 no such key, 6300 a check failed, 6985 a rule of use
_REJECTION_SW = {
    Rejection.WRONG_ISSUER: 0x6A80, Rejection.BAD_KEY: 0x6A80, Rejection.BAD_SIGNATURE: 0x6300,
    Rejection.EXPIRED: 0x6300, Rejection.BAD_DATES: 0x6300, Rejection.TRUST_POINT_EXPIRED: 0x6300,
    Rejection.ROLE: 0x6985, Rejection.TERMINAL_TYPE: 0x6985,
}


class TaChip:
    """Chip side of TA v1 for one secure-messaging session, after Chip Authentication.

    Args:
        trust: the chip's trust points and current date (``self.trust`` holds the updated values:
            link certificates and date advances take effect at once, even if TA is not finished).
        id_picc: the chip's identifier for this session (as the terminal computes it).
        ca_ephemeral_public_key: the terminal's ephemeral key from CA, and its ``key_agreement``.
        rng: draws r_PICC.
    """

    def __init__(self, trust: ChipTrust, *, id_picc: bytes, ca_ephemeral_public_key: bytes,
                 key_agreement: str = "ECDH", rng: Rng = os.urandom) -> None:
        self.trust = trust
        self.authorization: TaAuthorization | None = None
        self._id_picc = bytes(id_picc)
        self._comp = compress_public_key(ca_ephemeral_public_key, key_agreement)
        self._rng = rng
        self._selected: CvKey | None = None  # set by MSE:Set DST for the next PSO:Verify Certificate
        self._imported: CvKey | None = None  # the most recent temporarily imported DV or terminal key
        self._terminal: CvKey | None = None  # set by MSE:Set AT
        self._challenge: bytes | None = None

    def set_dst(self, reference: str) -> None:
        """MSE:Set DST: select a trust point or the key just imported to verify the next certificate."""
        step = "TA MSE:Set DST (chip)"
        candidates = [*self.trust.trust_points, *([self._imported] if self._imported else [])]
        key = next((k for k in candidates if k.chr == reference), None)
        if key is None:
            raise TaChipError(0x6A88, f"no public key {reference!r}", step=step)
        self._selected = key

    def verify_certificate(self, data: bytes) -> None:
        """PSO:Verify Certificate: verify with the selected key, import the certified key, update the trust."""
        step = "TA PSO:Verify Certificate (chip)"
        if self._selected is None:
            raise TaChipError(0x6985, "no key selected by MSE:Set DST", step=step)
        issuer, self._selected = self._selected, None
        try:
            cert = CvCertificate.from_verify_data(data)
        except ParseError:
            raise TaChipError(0x6A80, "not a CV certificate", step=step) from None
        try:
            key = import_certificate(issuer, cert, self.trust.current_date)
        except CvRejected as e:
            raise TaChipError(_REJECTION_SW[e.reason], str(e), step=step) from None
        # the internal status update, one assignment so it is atomic (9303-11 §7.1.4.3.4)
        date = max(self.trust.current_date, cert.effective_date) if advances_date(key) else self.trust.current_date
        points = self.trust.trust_points
        if key.role is Role.CVCA:
            if all(p.chr != key.chr for p in points):
                point = replace(key, issuer_role=None)  # a trust point now, whoever certified it
                points = tuple(sorted((point, *points), key=lambda k: k.effective_date, reverse=True)[:2])
        else:
            self._imported = key
        self.trust = replace(self.trust, trust_points=points, current_date=date)

    def set_at(self, reference: str) -> None:
        """MSE:Set AT: name the terminal key (the one just imported) for EXTERNAL AUTHENTICATE."""
        step = "TA MSE:Set AT (chip)"
        if self._imported is None or self._imported.chr != reference:
            raise TaChipError(0x6A88, f"no imported terminal key {reference!r}", step=step)
        if self._imported.role is not Role.TERMINAL:
            raise TaChipError(0x6985, f"{reference} is a {self._imported.role.name} key, not a terminal's", step=step)
        self._terminal = self._imported

    def get_challenge(self, length: int = 8) -> bytes:
        """GET CHALLENGE: r_PICC, 8 random bytes."""
        if length != 8:
            raise TaChipError(0x6700, f"a TA challenge is 8 bytes, not {length}", step="TA GET CHALLENGE (chip)")
        challenge = self._rng(8)
        if len(challenge) != 8:
            raise ValueError(f"rng returned {len(challenge)} bytes (asked 8)")
        self._challenge = bytes(challenge)
        return self._challenge

    def external_authenticate(self, signature: bytes) -> TaAuthorization:
        """EXTERNAL AUTHENTICATE: verify the terminal's signature; on success grant its effective rights."""
        step = "TA EXTERNAL AUTHENTICATE (chip)"
        if self.authorization is not None:
            raise TaChipError(0x6982, "TA was already performed in this session", step=step)
        if self._terminal is None or self._challenge is None:
            raise TaChipError(0x6985, "MSE:Set AT and GET CHALLENGE must come first", step=step)
        challenge, self._challenge = self._challenge, None  # a challenge serves one attempt
        if not self._terminal.key.verify(self._id_picc + challenge + self._comp, signature):
            raise TaChipError(0x6300, "terminal signature does not verify", step=step)
        self.authorization = TaAuthorization(self._terminal.chr, self._terminal.authorization)
        return self.authorization

    def respond(self, cmd: CommandApdu) -> ResponseApdu:
        """Answer one TA command APDU (CLA ignored: SM is the caller's), refusals as status words."""
        p1p2 = cmd.p1 << 8 | cmd.p2
        try:
            if cmd.ins == 0x22 and p1p2 in (0x81B6, 0x81A4):
                if p1p2 == 0x81B6:
                    self.set_dst(_reference(cmd.data))
                else:
                    self.set_at(_reference(cmd.data))
            elif cmd.ins == 0x2A and p1p2 == 0x00BE:
                self.verify_certificate(cmd.data)
            elif cmd.ins == 0x84 and p1p2 == 0:
                return ResponseApdu(self.get_challenge(cmd.le or 0), 0x9000)
            elif cmd.ins == 0x82 and p1p2 == 0:
                self.external_authenticate(cmd.data)
            else:
                return ResponseApdu(b"", 0x6D00 if cmd.ins not in (0x22, 0x2A, 0x84, 0x82) else 0x6A86)
        except TaChipError as e:
            return ResponseApdu(b"", e.sw)
        return ResponseApdu(b"", 0x9000)


def _reference(data: bytes) -> str:
    """The 83 key reference of MSE:Set DST/AT; a refusal (6A80) when the data is anything else."""
    try:
        t = tlv.decode(data)
    except ParseError:
        raise TaChipError(0x6A80, "malformed MSE data", step="TA MSE (chip)") from None
    if t.tag != 0x83 or not 0 < t.length <= 16:
        raise TaChipError(0x6A80, "MSE data is not one 83 key reference", step="TA MSE (chip)")
    return t.value.decode("latin-1")
