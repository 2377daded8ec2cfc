"""Basic Access Control (Doc 9303-11 §4.3, worked example Appendix D): terminal and chip math.

The terminal object ``Bac`` is sans-I/O: ``start()`` gives GET CHALLENGE, ``receive()`` turns the
challenge into EXTERNAL AUTHENTICATE and the chip's answer into session keys. It never transmits.
Randomness is drawn in the order of Doc 9303: RND.IFD (8 bytes), then K.IFD (16 bytes).
The chip-side helpers (``bac_keys``, ``chip_authenticate``) are what the simulator runs, so both
ends share one implementation of the cryptogram and key-derivation rules.
"""

from __future__ import annotations

import enum
import hashlib
import os
from typing import Callable

from ..algorithms import Cipher
from ..errors import AuthenticationError, ProtocolError
from ..iso7816 import CommandApdu, ResponseApdu, check_sw
from ._machine import ProtocolMachine
from ._primitives import cbc_decrypt, cbc_encrypt, mac, mac_equal, pad
from .kdf import KDF_ENC, KDF_MAC, kdf
from .sm import SessionKeys

__all__ = ["Bac", "BacState", "k_seed", "bac_keys", "session_keys", "chip_authenticate"]

Rng = Callable[[int], bytes]


def k_seed(mrz_information: str) -> bytes:
    """K_seed = SHA-1(MRZ_information)[0:16] (Doc 9303-11 §9.7.2)."""
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


def bac_keys(seed: bytes) -> tuple[bytes, bytes]:
    """The document basic access keys (K_enc, K_mac) from K_seed (Doc 9303-11 §9.7.2)."""
    return kdf(seed, KDF_ENC, Cipher.TDES), kdf(seed, KDF_MAC, Cipher.TDES)


def session_keys(k_ifd: bytes, k_ic: bytes, rnd_ic: bytes, rnd_ifd: bytes) -> SessionKeys:
    """KS_enc/KS_mac from K.IFD xor K.IC, SSC = RND.IC[4:8] || RND.IFD[4:8] (Doc 9303-11 §9.8.1)."""
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_ic))
    return SessionKeys(kdf(seed, KDF_ENC, Cipher.TDES), kdf(seed, KDF_MAC, Cipher.TDES), rnd_ic[4:8] + rnd_ifd[4:8],
                       Cipher.TDES)


def _cryptogram(k_enc: bytes, k_mac: bytes, plain: bytes) -> bytes:
    e = cbc_encrypt(k_enc, plain, Cipher.TDES)
    return e + mac(k_mac, pad(e, 8), Cipher.TDES)


def _open(k_enc: bytes, k_mac: bytes, data: bytes, step: str) -> bytes:
    """Check M and decrypt E of a 40-byte E||M cryptogram; AuthenticationError when the MAC is wrong."""
    if len(data) != 40:
        raise ProtocolError(f"cryptogram of {len(data)} bytes (expected 40)", step=step)
    e, m = data[:32], data[32:]
    if not mac_equal(mac(k_mac, pad(e, 8), Cipher.TDES), m):
        raise AuthenticationError("cryptogram MAC does not verify; wrong MRZ data?", step=step)
    return cbc_decrypt(k_enc, e, Cipher.TDES)


def chip_authenticate(
    k_enc: bytes, k_mac: bytes, rnd_ic: bytes, cmd_data: bytes, k_ic: bytes
) -> tuple[bytes, SessionKeys]:
    """Chip side of EXTERNAL AUTHENTICATE (Doc 9303-11 §4.3.3.2).

    Args:
        k_enc, k_mac: the document basic access keys.
        rnd_ic: the 8-byte challenge the chip gave in GET CHALLENGE.
        cmd_data: the 40-byte E_IFD || M_IFD from the terminal.
        k_ic: the chip's 16 random key bytes.

    Returns:
        (response data E_IC || M_IC, the session keys).

    Raises:
        AuthenticationError: wrong MAC or RND.IC not echoed (the chip answers 6300).
        ProtocolError: wrong length.
    """
    step = "BAC EXTERNAL AUTHENTICATE (chip)"
    s = _open(k_enc, k_mac, cmd_data, step)
    rnd_ifd, echoed, k_ifd = s[:8], s[8:16], s[16:32]
    if not mac_equal(echoed, rnd_ic):
        raise AuthenticationError("terminal did not echo RND.IC", step=step)
    resp = _cryptogram(k_enc, k_mac, rnd_ic + rnd_ifd + k_ic)
    return resp, session_keys(k_ifd, k_ic, rnd_ic, rnd_ifd)


class BacState(enum.Enum):
    NEW = "new"
    CHALLENGE_SENT = "challenge sent"
    AUTH_SENT = "external authenticate sent"
    DONE = "done"
    FAILED = "failed"


class Bac(ProtocolMachine[SessionKeys]):
    """Terminal side of BAC: ``cmd = bac.start(); while not bac.done: cmd = bac.receive(resp)``.

    ``result`` is the session keys (3DES) after a successful run.
    """

    STEP = "BAC"
    STATES = BacState
    # state -> (method allowed, state after success)
    TRANSITIONS = {
        BacState.NEW: ("start", BacState.CHALLENGE_SENT),
        BacState.CHALLENGE_SENT: ("receive", BacState.AUTH_SENT),
        BacState.AUTH_SENT: ("receive", BacState.DONE),
    }
    SECRETS = ("_k_enc", "_k_mac", "_k_ifd")

    def __init__(self, mrz_information: str, rng: Rng = os.urandom) -> None:
        super().__init__()
        self._k_enc, self._k_mac = bac_keys(k_seed(mrz_information))
        self._rng = rng

    def __repr__(self) -> str:
        return f"Bac(state={self.state.name}, <redacted>)"

    def start(self) -> CommandApdu:
        """GET CHALLENGE (00 84 00 00 08)."""
        with self._transition("start"):
            return CommandApdu(0x00, 0x84, 0x00, 0x00, le=8)

    def receive(self, resp: ResponseApdu) -> CommandApdu | None:
        """Consume the chip's answer; returns the next command, or None when done.

        Raises:
            StatusWordError: unexpected status word. AuthenticationError: the chip refused the
            cryptogram or its own cryptogram does not verify (wrong MRZ data). ProtocolError: bad lengths.
        """
        with self._transition("receive") as state:
            return self._on_challenge(resp) if state is BacState.CHALLENGE_SENT else self._on_auth(resp)

    def _on_challenge(self, resp: ResponseApdu) -> CommandApdu:
        step = "BAC GET CHALLENGE"
        check_sw(resp, step)
        if len(resp.data) != 8:
            raise ProtocolError(f"challenge of {len(resp.data)} bytes (expected 8)", step=step)
        self._rnd_ic = resp.data
        self._rnd_ifd = _draw(self._rng, 8)
        self._k_ifd = _draw(self._rng, 16)
        data = _cryptogram(self._k_enc, self._k_mac, self._rnd_ifd + self._rnd_ic + self._k_ifd)
        return CommandApdu(0x00, 0x82, 0x00, 0x00, data, le=40)

    def _on_auth(self, resp: ResponseApdu) -> None:
        step = "BAC EXTERNAL AUTHENTICATE"
        if resp.sw in (0x6300, 0x6982) or resp.sw & 0xFFF0 == 0x63C0:
            raise AuthenticationError(f"chip refused the terminal cryptogram ({resp.sw:04X}); wrong MRZ data?", step=step)
        check_sw(resp, step)
        r = _open(self._k_enc, self._k_mac, resp.data, step)
        if not mac_equal(r[:8], self._rnd_ic) or not mac_equal(r[8:16], self._rnd_ifd):
            raise AuthenticationError("chip cryptogram does not echo the challenges", step=step)
        self._result = session_keys(self._k_ifd, r[16:32], self._rnd_ic, self._rnd_ifd)
        self._k_enc = self._k_mac = self._k_ifd = b""
        return None


def _draw(rng: Rng, n: int) -> bytes:
    b = rng(n)
    if len(b) != n:
        raise ValueError(f"rng returned {len(b)} bytes (asked {n})")
    return bytes(b)
