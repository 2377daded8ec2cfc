"""Chip Authentication v1 (Doc 9303-11 §6.2; BSI TR-03110-1 §3.3.2): terminal machine and chip math.

The terminal makes an ephemeral key pair on the domain parameters of the chip's static CA key (from
DG14), sends the public key, and both sides derive K = ECDH x-coordinate / DH value; new KS_enc and
KS_mac come from the KDF with the CA cipher and SM restarts with SSC 0.
- 3DES (id-CA-*-3DES-CBC-CBC, and the default when DG14 has no ChipAuthenticationInfo):
  MSE:Set KAT 00 22 41 A6 {91 ephemeral public key [84 keyId]};
- AES: MSE:Set AT 00 22 41 A4 {80 OID [84 keyId]}, then GENERAL AUTHENTICATE 00 86 00 00 7C {80 key}.
Sans-I/O like every protocol here; randomness: one draw, the ephemeral private key.
CA proves the chip holds the private key only once the chip answers the next SM command under the
new keys; that check belongs to the caller (the card Session), as does Passive Authentication of DG14.
"""

from __future__ import annotations

import enum
import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import dh

from cryptography.hazmat.primitives.asymmetric import ec

from .. import tlv
from ..algorithms import CaAlgorithm, Cipher, Curve, DhGroup, KeyAgreement, encode_oid, parameters_by_name
from ..errors import ParseError, ProtocolError
from ..iso7816 import CommandApdu, ResponseApdu, check_sw
from ..lds.security_infos import ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo
from ..public_keys import DhPublicKey, EcPublicKey, load_public_key
from . import _ec
from ._machine import ProtocolMachine
from .kdf import KDF_ENC, KDF_MAC, kdf
from .keys import check_public_key, dh_shared, ecdh, random_scalar
from .sm import SessionKeys

__all__ = ["ChipAuthentication", "CaState", "chip_ca_session_keys", "ca_session_keys"]

Rng = Callable[[int], bytes]


def ca_session_keys(shared: bytes, cipher: Cipher) -> SessionKeys:
    """KS_enc = KDF(K, 1), KS_mac = KDF(K, 2) with the CA cipher; SSC zero (Doc 9303-11 §6.2.3)."""
    return SessionKeys(kdf(shared, KDF_ENC, cipher), kdf(shared, KDF_MAC, cipher), bytes(cipher.block_size), cipher)


def _key_id_bytes(key_id: int) -> bytes:
    return key_id.to_bytes(max(1, (key_id.bit_length() + 7) // 8), "big")


class CaState(enum.Enum):
    NEW = "new"
    MSE_SENT = "MSE sent"
    GA_SENT = "GENERAL AUTHENTICATE sent"
    DONE = "done"
    FAILED = "failed"


class ChipAuthentication(ProtocolMachine[SessionKeys]):
    """Terminal side of CA v1: ``cmd = ca.start(); while not ca.done: cmd = ca.receive(resp)``.

    ``result`` is the new SM keys (SSC zero).
    """

    STEP = "CA"
    STATES = CaState
    # state -> (method allowed, state after success); 3DES ends after MSE:Set KAT, AES adds GA
    TRANSITIONS_3DES = {
        CaState.NEW: ("start", CaState.MSE_SENT),
        CaState.MSE_SENT: ("receive", CaState.DONE),
    }
    TRANSITIONS = {
        CaState.NEW: ("start", CaState.MSE_SENT),
        CaState.MSE_SENT: ("receive", CaState.GA_SENT),
        CaState.GA_SENT: ("receive", CaState.DONE),
    }
    SECRETS = ("_pending",)

    def __init__(
        self,
        ca_info: ChipAuthenticationInfo | None,
        public_key_info: ChipAuthenticationPublicKeyInfo,
        current_cipher: Cipher | None = None,
        rng: Rng = os.urandom,
    ) -> None:
        """Args: ca_info from DG14 (None: 3DES default); the chip's static key info from DG14;
        current_cipher: the SM cipher in use (informational; the CA cipher comes from ca_info)."""
        super().__init__()
        key = check_public_key(load_public_key(public_key_info.public_key_info))
        if isinstance(key, EcPublicKey):
            ka = KeyAgreement.ECDH
        elif isinstance(key, DhPublicKey):
            ka = KeyAgreement.DH
        else:
            raise ProtocolError("the CA public key is neither EC nor DH", step="CA")
        self.public_key: EcPublicKey | DhPublicKey = key
        if ca_info is None:
            self.algorithm = CaAlgorithm.default_for(ka)
        elif ca_info.algorithm is None:
            raise ParseError(f"{ca_info.protocol} is not a Chip Authentication OID",
                             what="ChipAuthenticationInfo protocol")
        else:
            self.algorithm = ca_info.algorithm
        if self.algorithm.key_agreement is not ka:
            raise ProtocolError(f"{self.algorithm.oid} does not match a {ka} key", step="CA")
        self.key_id = public_key_info.key_id if public_key_info.key_id is not None else (
            ca_info.key_id if ca_info is not None else None)
        if ca_info is not None and ca_info.key_id is not None and public_key_info.key_id is not None \
                and ca_info.key_id != public_key_info.key_id:
            raise ProtocolError("ChipAuthenticationInfo and its public key name different key ids", step="CA")
        self.current_cipher = current_cipher
        self._rng = rng
        # the terminal's ephemeral public key once drawn: Terminal Authentication signs its compressed form
        self.ephemeral_public_key: bytes | None = None

    def __repr__(self) -> str:
        return f"ChipAuthentication({self.algorithm.oid}, state={self.state.name})"

    @property
    def key_agreement(self) -> KeyAgreement:
        """ECDH or DH: how Comp() of the ephemeral key is taken for Terminal Authentication (9303-11 §7.1.4.1.3)."""
        return self.algorithm.key_agreement

    def _table(self) -> Mapping[CaState, tuple[str, CaState]]:
        return self.TRANSITIONS_3DES if self.algorithm.cipher is Cipher.TDES else self.TRANSITIONS

    def _agree(self) -> tuple[bytes, bytes]:
        """Draw the ephemeral key; return (its public encoding, shared secret K)."""
        key = self.public_key
        if isinstance(key, EcPublicKey):
            curve = key.curve
            d = random_scalar(self._rng, curve.n)
            pub = curve.encode_point(_ec.mul_generator(curve, d))
            return pub, ecdh(curve, d, key.point)
        group = key.group
        if group.q is None:
            raise ProtocolError("DH CA key without subgroup order q is not supported", step="CA")
        x = random_scalar(self._rng, group.q)
        return group.encode(pow(group.g, x, group.p)), dh_shared(group, x, key.y)

    def start(self) -> CommandApdu:
        """MSE:Set KAT (3DES) or MSE:Set AT (AES)."""
        with self._transition("start"):
            kid = tlv.encode(0x84, _key_id_bytes(self.key_id)) if self.key_id is not None else b""
            if self.algorithm.cipher is Cipher.TDES:
                pub, shared = self._agree()
                self.ephemeral_public_key = pub
                self._pending = ca_session_keys(shared, Cipher.TDES)
                return CommandApdu(0x00, 0x22, 0x41, 0xA6, tlv.encode(0x91, pub) + kid)
            return CommandApdu(0x00, 0x22, 0x41, 0xA4, tlv.encode(0x80, encode_oid(self.algorithm.oid)) + kid)

    def receive(self, resp: ResponseApdu) -> CommandApdu | None:
        """Consume the chip's answer; returns GENERAL AUTHENTICATE (AES) or None when done.

        Raises:
            StatusWordError: the chip refused the command. ProtocolError: wrong call or response data.
        """
        with self._transition("receive") as state:
            step = "CA MSE" if state is CaState.MSE_SENT else "CA GENERAL AUTHENTICATE"
            check_sw(resp, step)
            if state is CaState.MSE_SENT:
                if self.algorithm.cipher is Cipher.TDES:
                    if resp.data:
                        raise self._fail("MSE:Set KAT answered with data")
                    self._result = self._pending
                    return None
                if resp.data:
                    raise self._fail("MSE:Set AT answered with data")
                pub, shared = self._agree()
                self.ephemeral_public_key = pub
                self._pending = ca_session_keys(shared, self.algorithm.cipher)
                return CommandApdu(0x00, 0x86, 0x00, 0x00, tlv.encode(0x7C, tlv.encode(0x80, pub)), le=256)
            # CA v1 answers an empty dynamic authentication data object (7C 00); tolerate no data at all.
            if resp.data:
                try:
                    outer = tlv.decode(resp.data)
                except ParseError:
                    raise self._fail("malformed GENERAL AUTHENTICATE response") from None
                if outer.tag != 0x7C:
                    raise self._fail("GENERAL AUTHENTICATE response is not 7C")
            self._result = self._pending
            return None


def chip_ca_session_keys(
    private_key: "ec.EllipticCurvePrivateKey | dh.DHPrivateKey | tuple[Curve | DhGroup, int]",
    terminal_public: bytes,
    cipher: Cipher,
) -> SessionKeys:
    """Chip side: the new SM keys from the chip's static CA private key and the terminal's ephemeral key.

    Args:
        private_key: a ``cryptography`` EC or DH private key, or (Curve | DhGroup, private int) for
            curves ``cryptography`` lacks.
        terminal_public: DO91 / DO80 content (uncompressed point, or DH value).
        cipher: the CA cipher (3DES for MSE:Set KAT).

    Raises:
        ProtocolError: the terminal's key is invalid (the chip answers 6A80).
    """
    try:
        if isinstance(private_key, tuple):
            params, secret = private_key
            if isinstance(params, Curve):
                point = _ec.decode_point(params, terminal_public, "terminal CA key")
                return ca_session_keys(ecdh(params, secret, point), cipher)
            return ca_session_keys(dh_shared(params, secret, params.decode_public(terminal_public, "terminal CA key")),
                                   cipher)
        if isinstance(private_key, ec.EllipticCurvePrivateKey):
            curve = _curve_of(private_key.curve)
            d = private_key.private_numbers().private_value
            return ca_session_keys(ecdh(curve, d, _ec.decode_point(curve, terminal_public, "terminal CA key")), cipher)
        with warnings.catch_warnings():
            # FFDH is deprecated in cryptography but is what DH-CA chips carry; keep the warning local.
            warnings.simplefilter("ignore")
            pn = private_key.private_numbers()
            params_n = pn.public_numbers.parameter_numbers
        group = DhGroup("CA group", params_n.p, params_n.g, params_n.q)
        return ca_session_keys(dh_shared(group, pn.x, group.decode_public(terminal_public, "terminal CA key")), cipher)
    except ParseError as e:
        raise ProtocolError(str(e), step="CA (chip)") from None


def _curve_of(c: ec.EllipticCurve) -> Curve:
    params = parameters_by_name(c.name)
    if params is None or not isinstance(params.group, Curve):
        raise ProtocolError(f"unsupported CA curve {c.name}", step="CA (chip)")
    return params.group
