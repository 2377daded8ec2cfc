"""PACE v2 (Doc 9303-11 §4.4; BSI TR-03110-2/-3): terminal state machine and chip-side counterpart.

Sans-I/O: ``Pace.start()`` returns MSE:Set AT, each ``receive(response)`` returns the next command
(four GENERAL AUTHENTICATE steps, chained with CLA 10 except the last), and the result holds the
new SM keys. The chip side, ``ChipPace``, answers those same GA data fields; the simulator uses it so
both ends run one implementation of the mathematics (``_pacemath``).

Randomness, in the order Doc 9303 gives: generic mapping draws the terminal's mapping key then its
ephemeral key; integrated mapping draws the nonce t then the ephemeral key. Supported: DH and ECDH,
generic (GM) and integrated (IM) mapping, 3DES and AES-128/192/256, standardized domain parameters
0-2 and 8-18 (IM is undefined for secp224r1, whose p is not 3 mod 4), passwords MRZ and CAN, and
Chip Authentication Mapping (ECDH CAM, §4.4.3.3.3/§4.4.3.5): the chip adds A_IC (DO8A) to its last
answer; the terminal decrypts CA_IC (IV = E(KS_enc, FF..FF)) and, once the caller has read EF.CardSecurity
and passed it through Passive Authentication, ``PaceResult.verify_cam(static key)`` checks
CA_IC * PK_IC == PK_Map,IC.
A wrong password shows up at the token step and raises AuthenticationError without naming it.

Encodings: EC points uncompressed; DH public values big-endian on the length of p (TR-03111 I2OS);
each token's 7F49 carries the other side's key exactly as it was sent. The chip's nonce s is 16 bytes
(3DES, AES-128) or 32 bytes (AES-192/256); IM's t is as long as s, and R_p uses the l = 128 / l = 256
constants with keys cut to the cipher's key length (the worked example G.3 covers AES-128 only).
"""

from __future__ import annotations

import enum
import hashlib
import os
from dataclasses import dataclass
from typing import Callable

from cryptography.hazmat.primitives.asymmetric import ec

from .. import tlv
from ..algorithms import Cipher, Curve, Mapping, PaceAlgorithm, domain_parameters, encode_oid
from ..errors import AuthenticationError, ParseError, ProtocolError
from ..iso7816 import CommandApdu, ResponseApdu, check_sw
from ..lds.security_infos import PaceInfo
from ..public_keys import EcPublicKey, load_public_key
from . import _ec
from ._pacemath import (
    EcGroup,
    Group,
    auth_token,
    decrypt_nonce,
    encrypt_nonce,
    group_for,
    map_generic,
    map_integrated,
    nonce_length,
    pace_session_keys,
    password_key,
)
from ._machine import ProtocolMachine
from ._primitives import cbc_decrypt, cbc_encrypt, ecb_encrypt, mac_equal, pad, unpad
from .keys import check_public_key
from .sm import SessionKeys

__all__ = [
    "Password",
    "Pace",
    "PaceState",
    "PaceResult",
    "ChipPace",
]

Rng = Callable[[int], bytes]


class Password:
    """A PACE password: MRZ (reference 01) or CAN (02); the secret never appears in repr or errors."""

    __slots__ = ("kind", "reference", "_secret")

    def __init__(self, kind: str, reference: int, secret: bytes) -> None:
        self.kind = kind
        self.reference = reference
        self._secret = secret

    @classmethod
    def mrz(cls, mrz_information: str) -> "Password":
        """From MRZ_information (doc number+cd, DOB+cd, DOE+cd): pi = SHA-1(MRZ_information) (§9.7.3)."""
        return cls("MRZ", 1, hashlib.sha1(mrz_information.encode("ascii")).digest())

    @classmethod
    def can(cls, can: str) -> "Password":
        """From the card access number printed on the card: pi = the CAN digits in ASCII."""
        if not can or not can.isascii() or not can.isdigit():
            raise ValueError("a CAN is a non-empty string of digits")
        return cls("CAN", 2, can.encode("ascii"))

    def key(self, cipher: Cipher) -> bytes:
        """K_pi = KDF(pi, 3) for the given cipher."""
        return password_key(self._secret, cipher)

    def __repr__(self) -> str:
        return f"Password({self.kind}, <redacted>)"


@dataclass(frozen=True)
class PaceResult:
    """Outcome of PACE: new SM keys, the chip's ephemeral public key, and what the chip added."""

    keys: SessionKeys
    chip_public_key: bytes
    algorithm: PaceAlgorithm
    parameter_id: int
    car: tuple[bytes, ...] = ()  # CARs (DO87/DO88) for Terminal Authentication, if the chip sent them
    chip_authentication_data: bytes | None = None  # CAM: CA_IC decrypted from DO8A
    chip_mapping_public_key: bytes | None = None  # CAM: PK_Map,IC as the chip sent it (GA 2)

    def verify_cam(self, static_key: "bytes | EcPublicKey") -> bool:
        """CAM check (Doc 9303-11 §4.4.3.5.2): CA_IC * PK_IC == PK_Map,IC with the chip's static key.

        Args:
            static_key: the ChipAuthenticationPublicKey from EF.CardSecurity (DER SPKI or EcPublicKey);
                EF.CardSecurity must have passed Passive Authentication, or this proves nothing.

        Raises:
            ProtocolError: this run was not CAM, or the key is not on the PACE curve.
        """
        if self.algorithm.mapping is not Mapping.CAM or self.chip_authentication_data is None \
                or self.chip_mapping_public_key is None:
            raise ProtocolError("PACE did not run Chip Authentication Mapping", step="PACE CAM")
        key = load_public_key(static_key) if isinstance(static_key, (bytes, bytearray)) else static_key
        curve = domain_parameters(self.parameter_id).group
        if not isinstance(key, EcPublicKey) or not isinstance(curve, Curve) or not key.curve.same_domain(curve):
            raise ProtocolError("the static CA key is not on the PACE domain parameters", step="PACE CAM")
        check_public_key(key)
        ca_ic = int.from_bytes(self.chip_authentication_data, "big")
        if not 0 < ca_ic < curve.n:
            return False
        expected = _ec.mul(curve, ca_ic, key.point)
        return expected is not None and mac_equal(curve.encode_point(expected), self.chip_mapping_public_key)


class PaceState(enum.Enum):
    NEW = "new"
    SET_AT_SENT = "MSE:Set AT sent"
    NONCE_ASKED = "GA 1 sent"
    MAP_SENT = "GA 2 sent"
    KEY_SENT = "GA 3 sent"
    TOKEN_SENT = "GA 4 sent"
    DONE = "done"
    FAILED = "failed"


def _ga(data: bytes, last: bool) -> CommandApdu:
    # CLA 10 = command chaining for steps 1-3 (ISO/IEC 7816-4 §5.1.1); Le 00 as Doc 9303 G.1 shows.
    # A command too long for short form (DH over 2048-bit groups) is sent extended, and then the
    # chip's answer of the same size needs an extended Le too (0000: up to 65536 bytes).
    body = tlv.encode(0x7C, data)
    le = 65536 if len(body) > 255 else 256
    return CommandApdu(0x00 if last else 0x10, 0x86, 0x00, 0x00, body, le=le)


def _dyn(data: bytes, step: str, allowed: tuple[int, ...]) -> dict[int, bytes]:
    """Parse a 7C dynamic authentication data object; children must be among ``allowed``, once each."""
    try:
        outer = tlv.decode(data)
        if outer.tag != 0x7C:
            raise ParseError(f"expected tag 7C, found {outer.tag:X}", what="GA response")
        out: dict[int, bytes] = {}
        for child in outer.children():
            if child.tag not in allowed or child.tag in out:
                raise ParseError(f"unexpected tag {child.tag:X}", what="GA response", offset=child.start)
            out[child.tag] = child.value
        return out
    except ParseError as e:
        raise ProtocolError(f"malformed dynamic authentication data ({e})", step=step) from None


def _answer(resp: ResponseApdu, step: str, allowed: tuple[int, ...],
            need: tuple[int, str] | None = None) -> dict[int, bytes]:
    """A GA response's data objects: SW 9000, a well-formed 7C, and ``need`` = (tag, name) present if given."""
    check_sw(resp, step)
    dos = _dyn(resp.data, step, allowed)
    if need is not None and need[0] not in dos:
        raise ProtocolError(f"no {need[1]} ({need[0]:X})", step=step)
    return dos


class Pace(ProtocolMachine[PaceResult]):
    """Terminal side of PACE: ``cmd = p.start(); while not p.done: cmd = p.receive(transport(cmd))``."""

    STEP = "PACE"
    STATES = PaceState
    # state -> (method allowed, state after success)
    TRANSITIONS = {
        PaceState.NEW: ("start", PaceState.SET_AT_SENT),
        PaceState.SET_AT_SENT: ("receive", PaceState.NONCE_ASKED),
        PaceState.NONCE_ASKED: ("receive", PaceState.MAP_SENT),
        PaceState.MAP_SENT: ("receive", PaceState.KEY_SENT),
        PaceState.KEY_SENT: ("receive", PaceState.TOKEN_SENT),
        PaceState.TOKEN_SENT: ("receive", PaceState.DONE),
    }
    # the secrets a run holds between steps; dropped when it fails (the object is dead anyway)
    SECRETS = ("_s", "_t", "_sk", "_sk_map", "_ks")

    def __init__(self, password: Password, pace_info: PaceInfo, rng: Rng = os.urandom) -> None:
        super().__init__()
        algorithm = pace_info.algorithm
        if algorithm is None:
            raise ParseError(f"{pace_info.protocol} is not a PACE protocol OID", what="PACEInfo protocol")
        self.algorithm: PaceAlgorithm = algorithm
        if pace_info.parameter_id is None:
            raise ProtocolError("PACEInfo without parameterId (proprietary domain parameters) is not supported",
                                step="PACE")
        self.parameter_id = pace_info.parameter_id
        params = domain_parameters(self.parameter_id)
        if params.key_agreement is not algorithm.key_agreement:
            raise ProtocolError(f"parameter id {self.parameter_id} does not fit {algorithm.key_agreement}",
                                step="PACE")
        self._group: Group = group_for(params.group)
        self._password = password
        self._rng = rng
        self._chip_map_pk: bytes | None = None  # GM/CAM: the chip's mapping key, kept for the CAM check
        self._map_pk = b""  # GM/CAM: the terminal's own mapping key as sent, to refuse a chip echoing it

    def __repr__(self) -> str:
        return f"Pace({self.algorithm.oid}, state={self.state.name}, <redacted>)"

    def start(self) -> CommandApdu:
        """MSE:Set AT (00 22 C1 A4): 80 OID, 83 password reference, 84 parameter id (§4.4.4.1)."""
        with self._transition("start"):
            data = (tlv.encode(0x80, encode_oid(self.algorithm.oid))
                    + tlv.encode(0x83, bytes([self._password.reference]))
                    + tlv.encode(0x84, bytes([self.parameter_id])))
            return CommandApdu(0x00, 0x22, 0xC1, 0xA4, data)

    def receive(self, resp: ResponseApdu) -> CommandApdu | None:
        """Consume the chip's answer; returns the next command, or None when PACE is complete.

        Raises:
            StatusWordError: an unexpected status word. AuthenticationError: the chip refused the
            terminal's token, or the chip's token does not verify (wrong password). ProtocolError:
            malformed data, invalid public keys, a wrong call.
        """
        with self._transition("receive") as state:
            handler = {
                PaceState.SET_AT_SENT: self._on_set_at,
                PaceState.NONCE_ASKED: self._on_nonce,
                PaceState.MAP_SENT: self._on_map,
                PaceState.KEY_SENT: self._on_key,
                PaceState.TOKEN_SENT: self._on_token,
            }[state]
            try:
                return handler(resp)
            except ParseError as e:  # e.g. an invalid chip public key
                raise ProtocolError(str(e), step=f"PACE {state.value}") from None

    def _on_set_at(self, resp: ResponseApdu) -> CommandApdu:
        # 63Cx only reports a retry counter (PIN/CAN); the protocol goes on (TR-03110-3 B.11.1).
        if resp.sw & 0xFFF0 != 0x63C0 or resp.sw == 0x63C0:
            check_sw(resp, "PACE MSE:Set AT")
        return _ga(b"", last=False)

    def _on_nonce(self, resp: ResponseApdu) -> CommandApdu:
        step = "PACE GA 1 (encrypted nonce)"
        dos = _answer(resp, step, (0x80,), need=(0x80, "encrypted nonce"))
        cipher = self.algorithm.cipher
        self._s = decrypt_nonce(self._password.key(cipher), dos[0x80], cipher)
        if self.algorithm.mapping is not Mapping.IM:
            self._sk_map = self._group.random_private(self._rng)
            self._map_pk = self._group.public(self._sk_map)
            return _ga(tlv.encode(0x81, self._map_pk), last=False)
        # IM: the terminal's nonce t, as long as s (l bits)
        t = self._rng(len(self._s))
        if len(t) != len(self._s):
            raise ValueError("rng returned the wrong number of bytes")
        self._t = bytes(t)
        return _ga(tlv.encode(0x81, self._t), last=False)

    def _on_map(self, resp: ResponseApdu) -> CommandApdu:
        step = "PACE GA 2 (mapping)"
        dos = _answer(resp, step, (0x82,))
        if self.algorithm.mapping is not Mapping.IM:
            if 0x82 not in dos:
                raise ProtocolError("no mapping public key (82)", step=step)
            peer = self._group.decode_public(dos[0x82], "chip mapping public key")
            if dos[0x82] == self._map_pk:
                raise ProtocolError("chip echoed the terminal's mapping key", step=step)
            self._mapped = map_generic(self._group, self._s, self._sk_map, peer)
            self._chip_map_pk = dos[0x82]
            del self._sk_map
        else:
            if dos.get(0x82, b""):
                raise ProtocolError("unexpected data in the integrated mapping response", step=step)
            self._mapped = map_integrated(self._group, self._s, self._t, self.algorithm.cipher)
        del self._s
        self._sk = self._mapped.random_private(self._rng)
        self._pk = self._mapped.public(self._sk)
        return _ga(tlv.encode(0x83, self._pk), last=False)

    def _on_key(self, resp: ResponseApdu) -> CommandApdu:
        step = "PACE GA 3 (key agreement)"
        dos = _answer(resp, step, (0x84,), need=(0x84, "chip ephemeral public key"))
        chip_pk = dos[0x84]
        peer = self._mapped.decode_public(chip_pk, "chip ephemeral public key")
        # TR-03110-2 §3.2: the chip's ephemeral key must differ from the terminal's.
        if self._mapped.decode_public(self._pk, "terminal key") == peer:
            raise ProtocolError("chip ephemeral key equals the terminal's", step=step)
        shared = self._mapped.shared_secret(self._sk, peer)
        del self._sk
        self._ks = pace_session_keys(shared, self.algorithm.cipher)
        self._chip_pk = chip_pk
        t_ifd = auth_token(self._ks.ks_mac, self.algorithm.oid, self._mapped.key_tag, chip_pk, self.algorithm.cipher)
        return _ga(tlv.encode(0x85, t_ifd), last=True)

    def _on_token(self, resp: ResponseApdu) -> None:
        step = "PACE GA 4 (mutual authentication)"
        if resp.sw in (0x6300, 0x6982) or resp.sw & 0xFFF0 == 0x63C0:
            raise AuthenticationError(f"chip refused the terminal token ({resp.sw:04X}); wrong password?", step=step)
        dos = _answer(resp, step, (0x86, 0x87, 0x88, 0x8A), need=(0x86, "chip authentication token"))
        expected = auth_token(self._ks.ks_mac, self.algorithm.oid, self._mapped.key_tag, self._pk,
                              self.algorithm.cipher)
        if not mac_equal(expected, dos[0x86]):
            raise AuthenticationError("chip token does not verify; wrong password?", step="PACE")
        car = tuple(dos[t] for t in (0x87, 0x88) if t in dos)
        ca_ic = None
        if self.algorithm.mapping is Mapping.CAM:
            if 0x8A not in dos:
                raise ProtocolError("no encrypted chip authentication data (8A) for CAM", step=step)
            ca_ic = _cam_decrypt(self._ks, dos[0x8A], step)
        elif 0x8A in dos:
            raise ProtocolError("chip authentication data (8A) outside CAM", step=step)
        self._result = PaceResult(self._ks, self._chip_pk, self.algorithm, self.parameter_id, car, ca_ic,
                                  self._chip_map_pk if ca_ic is not None else None)
        return None


class ChipPace:
    """Chip side of PACE for the simulator: feed it each GA command's data, get the response data.

    Usage: ``c = ChipPace(password, oid, parameter_id, rng)``; for each GENERAL AUTHENTICATE,
    ``resp_data = c.general_authenticate(cmd.data)``; after the fourth, ``c.result`` holds the keys.
    Draws, in order: the nonce s, then (GM) the mapping key, then the ephemeral key.

    Raises (from ``general_authenticate``): AuthenticationError when the terminal's token is wrong
    (the chip answers 6300), ProtocolError for malformed or out-of-order data (6A80 / 6985).
    """

    def __init__(self, password: Password, oid: str, parameter_id: int, rng: Rng = os.urandom,
                 ca_private_key: ec.EllipticCurvePrivateKey | int | None = None) -> None:
        """Args: ca_private_key: for CAM, the chip's static CA key on the PACE curve (a ``cryptography``
        EC private key, or the private scalar as an int)."""
        self.algorithm = PaceAlgorithm.from_oid(oid)
        self._ca_secret: int | None = None
        if self.algorithm.mapping is Mapping.CAM:
            if ca_private_key is None:
                raise ProtocolError("CAM needs the chip's static CA private key", step="PACE (chip)")
            self._ca_secret = ca_private_key if isinstance(ca_private_key, int) else \
                ca_private_key.private_numbers().private_value
        params = domain_parameters(parameter_id)
        if params.key_agreement is not self.algorithm.key_agreement:
            raise ProtocolError("parameter id does not fit the key agreement", step="PACE (chip)")
        self.parameter_id = parameter_id
        self._group = group_for(params.group)
        self._password = password
        self._rng = rng
        self._step = 1
        self.result: SessionKeys | None = None
        self.terminal_public_key: bytes | None = None
        self.chip_public_key: bytes | None = None  # the chip's ephemeral key, once PACE is done (TA's ID_PICC)

    def __repr__(self) -> str:
        return f"ChipPace({self.algorithm.oid}, step={self._step}, <redacted>)"

    @property
    def done(self) -> bool:
        return self.result is not None

    def general_authenticate(self, data: bytes) -> bytes:
        """Answer one GA command data field (7C ...) with the response data field (7C ...)."""
        step = f"PACE GA {self._step} (chip)"
        if self._step > 4:
            raise ProtocolError("PACE already finished", step=step)
        try:
            dos = _dyn(data, step, (0x81, 0x83, 0x85))
            out = [self._ga1, self._ga2, self._ga3, self._ga4][self._step - 1](dos, step)
        except ParseError as e:
            self._step = 99
            raise ProtocolError(str(e), step=step) from None  # e.g. an invalid terminal key
        except Exception:
            self._step = 99
            raise
        self._step += 1
        return tlv.encode(0x7C, out)

    def _ga1(self, dos: dict[int, bytes], step: str) -> bytes:
        if dos:
            raise ProtocolError("GA 1 must be empty", step=step)
        cipher = self.algorithm.cipher
        self._s = bytes(self._rng(nonce_length(cipher)))
        return tlv.encode(0x80, encrypt_nonce(self._password.key(cipher), self._s, cipher))

    def _ga2(self, dos: dict[int, bytes], step: str) -> bytes:
        if 0x81 not in dos:
            raise ProtocolError("no mapping data (81)", step=step)
        if self.algorithm.mapping is not Mapping.IM:
            peer = self._group.decode_public(dos[0x81], "terminal mapping public key")
            sk_map = self._group.random_private(self._rng)
            self._sk_map = sk_map
            own = self._group.public(sk_map)
            self._mapped = map_generic(self._group, self._s, sk_map, peer)
            return tlv.encode(0x82, own)
        self._mapped = map_integrated(self._group, self._s, dos[0x81], self.algorithm.cipher)
        return b""

    def _ga3(self, dos: dict[int, bytes], step: str) -> bytes:
        if 0x83 not in dos:
            raise ProtocolError("no terminal ephemeral key (83)", step=step)
        peer = self._mapped.decode_public(dos[0x83], "terminal ephemeral public key")
        self._sk = self._mapped.random_private(self._rng)
        self._pk = self._mapped.public(self._sk)
        if self._pk == dos[0x83]:
            raise ProtocolError("terminal ephemeral key equals the chip's", step=step)
        self._ks = pace_session_keys(self._mapped.shared_secret(self._sk, peer), self.algorithm.cipher)
        self._terminal_pk = dos[0x83]
        return tlv.encode(0x84, self._pk)

    def _ga4(self, dos: dict[int, bytes], step: str) -> bytes:
        if 0x85 not in dos:
            raise ProtocolError("no terminal token (85)", step=step)
        oid, tag, cipher = self.algorithm.oid, self._mapped.key_tag, self.algorithm.cipher
        if not mac_equal(auth_token(self._ks.ks_mac, oid, tag, self._pk, cipher), dos[0x85]):
            raise AuthenticationError("terminal token does not verify", step=step)
        self.result = self._ks
        self.terminal_public_key = self._terminal_pk
        self.chip_public_key = self._pk
        out = tlv.encode(0x86, auth_token(self._ks.ks_mac, oid, tag, self._terminal_pk, cipher))
        if self._ca_secret is not None:
            # CA_IC = SK_IC^-1 * SK_Map,IC mod n, sent encrypted (Doc 9303-11 §4.4.3.5.1)
            assert isinstance(self._group, EcGroup)  # CAM is ECDH only (PaceAlgorithm refuses DH-CAM)
            curve = self._group.curve
            ca_ic = pow(self._ca_secret, -1, curve.n) * self._sk_map % curve.n
            out += tlv.encode(0x8A, _cam_encrypt(self._ks, ca_ic.to_bytes(curve.order_size, "big")))
        return out


def _cam_iv(keys: SessionKeys) -> bytes:
    # IV = E(KS_enc, -1): the all-ones block (Doc 9303-11 §4.4.3.5.1)
    return ecb_encrypt(keys.ks_enc, b"\xff" * keys.cipher.block_size, keys.cipher)


def _cam_encrypt(keys: SessionKeys, ca_ic: bytes) -> bytes:
    return cbc_encrypt(keys.ks_enc, pad(ca_ic, keys.cipher.block_size), keys.cipher, _cam_iv(keys))


def _cam_decrypt(keys: SessionKeys, data: bytes, step: str) -> bytes:
    if not data or len(data) % keys.cipher.block_size:
        raise ProtocolError("chip authentication data is not whole blocks", step=step)
    try:
        return unpad(cbc_decrypt(keys.ks_enc, data, keys.cipher, _cam_iv(keys)))
    except ValueError:
        raise ProtocolError("chip authentication data has no padding", step=step) from None
