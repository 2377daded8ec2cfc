"""Active Authentication (Doc 9303-11 §6.1): terminal state machine, verification, and chip signing.

The terminal sends INTERNAL AUTHENTICATE with an 8-byte RND.IFD (one draw from ``rng``) and checks
the chip's signature with the DG15 public key:
- RSA: ISO/IEC 9796-2 digital signature scheme 1, partial message recovery. The recovered
  representative is F = 6A || M1 || H || trailer; trailer BC means SHA-1, xx CC names the hash by
  its ISO/IEC 10118-3 identifier (33 SHA-1, 34 SHA-256, 35 SHA-512, 36 SHA-384, 38 SHA-224);
  H must equal hash(M1 || RND.IFD) (compared in constant time). ISO/IEC 9796-2 lets an RSA signer
  publish the smaller of sigma and n - sigma, so the verifier tries both J = s^e mod n and n - J.
- ECDSA: the hash comes from DG14's ActiveAuthenticationInfo signatureAlgorithm; the signature is
  plain r || s (BSI TR-03111 §5.2.1, what chips send) or DER. When ActiveAuthenticationInfo is
  missing (a non-conformance: Doc 9303-11 §9.2.8 makes it mandatory for ECDSA AA) SHA-256 and then
  SHA-1 are tried, and the result says which one verified and that the info was missing.
A signature that does not verify is a *result* (``verified`` False), not an exception: it is what a
cloned chip produces, and the inspection report needs to say so. Protocol faults still raise.
"""

from __future__ import annotations

import enum
import hashlib
import os
from dataclasses import dataclass
from typing import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from ..algorithms import HASHES, Curve
from ..errors import ProtocolError
from ..iso7816 import CommandApdu, ResponseApdu, check_sw
from ..lds.security_infos import ActiveAuthenticationInfo
from ..public_keys import EcPublicKey, load_public_key
from . import _ec
from ._machine import ProtocolMachine
from ._primitives import mac_equal
from .keys import check_public_key

__all__ = [
    "ActiveAuthentication",
    "AaResult",
    "AaState",
    "aa_sign",
    "verify_rsa_9796_2",
    "verify_ecdsa",
    "iso9796_2_representative",
]

Rng = Callable[[int], bytes]

#: ISO/IEC 10118-3 hash identifiers used in the 9796-2 trailer xx CC
_TRAILER_IDS = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_TRAILER_OF = {v: k for k, v in _TRAILER_IDS.items()}


@dataclass(frozen=True)
class AaResult:
    """Outcome of AA: whether the signature verified, with what, and why not."""

    verified: bool
    algorithm: str  # "RSA-ISO9796-2" | "ECDSA"
    hash_name: str | None
    reason: str = ""
    aa_info_missing: bool = False


# --- RSA, ISO/IEC 9796-2 scheme 1 ------------------------------------------------------


def iso9796_2_representative(m1: bytes, m2: bytes, hash_name: str, k_bytes: int) -> bytes:
    """F = 6A || M1 || hash(M1 || M2) || trailer, exactly ``k_bytes`` long (ISO/IEC 9796-2 §8, scheme 1).

    Trailer: BC for SHA-1 (implicit), otherwise (hash id) CC.
    """
    digest = hashlib.new(hash_name, m1 + m2).digest()
    trailer = b"\xbc" if hash_name == "sha1" else bytes([_TRAILER_OF[hash_name], 0xCC])
    f = b"\x6a" + m1 + digest + trailer
    if len(f) != k_bytes:
        raise ValueError(f"M1 of {len(m1)} bytes does not fill a {k_bytes}-byte representative")
    return f


def verify_rsa_9796_2(key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> AaResult:
    """Verify an ISO/IEC 9796-2 scheme 1 AA signature over RND.IFD (Doc 9303-11 §6.1)."""
    numbers = key.public_numbers()
    n, e = numbers.n, numbers.e
    k = (n.bit_length() + 7) // 8
    fail = lambda why, h=None: AaResult(False, "RSA-ISO9796-2", h, why)  # noqa: E731
    if len(signature) != k:
        return fail(f"signature of {len(signature)} bytes for a {k}-byte modulus")
    s = int.from_bytes(signature, "big")
    if not 0 < s < n:
        return fail("signature value outside 0 < s < n")
    j = pow(s, e, n)
    last_reason = "no ISO/IEC 9796-2 trailer"
    for cand in (j, n - j):
        f = cand.to_bytes(k, "big")
        if f[0] == 0 and (n.bit_length() - 1) % 8 == 0:
            f = f[1:]  # the representative is one bit shorter than n; drop the empty leading byte
        if f[-1] == 0xBC:
            hash_name, t = "sha1", 1
        elif f[-1] == 0xCC and f[-2] in _TRAILER_IDS:
            hash_name, t = _TRAILER_IDS[f[-2]], 2
        else:
            continue
        if f[0] != 0x6A:
            last_reason = f"header {f[0]:02X} is not 6A (partial recovery)"
            continue
        hlen = hashlib.new(hash_name).digest_size
        if len(f) < 1 + hlen + t:
            last_reason = "representative too short"
            continue
        m1, digest = f[1 : len(f) - hlen - t], f[len(f) - hlen - t : len(f) - t]
        if mac_equal(hashlib.new(hash_name, m1 + challenge).digest(), digest):
            return AaResult(True, "RSA-ISO9796-2", hash_name)
        return fail("hash of M1 || RND.IFD does not match", hash_name)
    return fail(last_reason)


# --- ECDSA ---------------------------------------------------------------------------------


def _ecdsa_pure(curve: Curve, q: tuple[int, int], digest: bytes, r: int, s: int) -> bool:
    """ECDSA verification (SEC 1 §4.1.4) with the pure-python curve, for curves cryptography lacks."""
    n = curve.n
    if not (0 < r < n and 0 < s < n):
        return False
    e = int.from_bytes(digest, "big")
    if len(digest) * 8 > n.bit_length():
        e >>= len(digest) * 8 - n.bit_length()
    w = pow(s, -1, n)
    pt = _ec.add(curve, _ec.mul_generator(curve, e * w % n), _ec.mul(curve, r * w % n, q))
    return pt is not None and pt[0] % n == r


def verify_ecdsa(key: EcPublicKey, challenge: bytes, signature: bytes, hash_name: str) -> bool:
    """Verify an ECDSA signature over RND.IFD, plain r||s (2 x order bytes) or DER."""
    size = key.curve.order_size
    if len(signature) == 2 * size:
        r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    else:
        try:
            r, s = decode_dss_signature(signature)
        except ValueError:
            return False
    if not (0 < r < key.curve.n and 0 < s < key.curve.n):
        return False
    crypto_key = key.to_cryptography()
    if crypto_key is None:
        return _ecdsa_pure(key.curve, key.point, hashlib.new(hash_name, challenge).digest(), r, s)
    try:
        crypto_key.verify(encode_dss_signature(r, s), challenge, ec.ECDSA(HASHES[hash_name]()))
        return True
    except InvalidSignature:
        return False


# --- the terminal state machine ------------------------------------------------------------


class AaState(enum.Enum):
    NEW = "new"
    SENT = "INTERNAL AUTHENTICATE sent"
    DONE = "done"
    FAILED = "failed"


class ActiveAuthentication(ProtocolMachine[AaResult]):
    """Terminal side of AA: ``cmd = aa.start(); aa.receive(resp)``; then ``aa.result``."""

    STEP = "AA"
    STATES = AaState
    # state -> (method allowed, state after success)
    TRANSITIONS = {
        AaState.NEW: ("start", AaState.SENT),
        AaState.SENT: ("receive", AaState.DONE),
    }

    def __init__(self, public_key_info: bytes, aa_info: ActiveAuthenticationInfo | None = None,
                 rng: Rng = os.urandom) -> None:
        """Args: DG15's SubjectPublicKeyInfo (DER); DG14's ActiveAuthenticationInfo (ECDSA); rng."""
        super().__init__()
        key = check_public_key(load_public_key(public_key_info))
        if not isinstance(key, (rsa.RSAPublicKey, EcPublicKey)):
            raise ProtocolError("the AA public key is neither RSA nor EC", step="AA")
        self.public_key: rsa.RSAPublicKey | EcPublicKey = key
        self._hash: str | None = None
        if isinstance(key, EcPublicKey) and aa_info is not None:
            if aa_info.algorithm is None:
                raise ProtocolError(f"unsupported AA signature algorithm {aa_info.signature_algorithm}", step="AA")
            self._hash = aa_info.algorithm.hash
        self._aa_info_missing = isinstance(self.public_key, EcPublicKey) and aa_info is None
        self._rng = rng
        self.challenge: bytes | None = None

    def __repr__(self) -> str:
        return f"ActiveAuthentication(state={self.state.name})"

    def start(self) -> CommandApdu:
        """INTERNAL AUTHENTICATE 00 88 00 00 08 RND.IFD, Le 00; extended Le for RSA moduli over 2040 bits."""
        with self._transition("start"):
            rnd = self._rng(8)
            if len(rnd) != 8:
                raise ValueError("rng returned the wrong number of bytes")
            self.challenge = bytes(rnd)
            if isinstance(self.public_key, rsa.RSAPublicKey) and self.public_key.key_size > 2040:
                # A 256-byte signature plus SM framing does not fit a short response (ISO/IEC 7816-4: short Ne <= 256).
                k = (self.public_key.key_size + 7) // 8
                return CommandApdu(0x00, 0x88, 0x00, 0x00, self.challenge, le=max(256, k), extended=True)
            return CommandApdu(0x00, 0x88, 0x00, 0x00, self.challenge, le=256)

    def receive(self, resp: ResponseApdu) -> None:
        """Check the chip's signature; the verdict is in ``result``.

        Raises:
            StatusWordError: the chip refused INTERNAL AUTHENTICATE. ProtocolError: wrong call or no data.
        """
        with self._transition("receive"):
            check_sw(resp, "AA INTERNAL AUTHENTICATE")
            if not resp.data:
                raise ProtocolError("no signature in the response", step="AA INTERNAL AUTHENTICATE")
            assert self.challenge is not None
            if isinstance(self.public_key, rsa.RSAPublicKey):
                self._result = verify_rsa_9796_2(self.public_key, self.challenge, resp.data)
                return None
            candidates = [self._hash] if self._hash else ["sha256", "sha1"]
            verified = next((h for h in candidates if verify_ecdsa(self.public_key, self.challenge, resp.data, h)),
                            None)
            self._result = AaResult(
                verified is not None, "ECDSA", verified or candidates[0],
                "" if verified else "ECDSA signature does not verify", self._aa_info_missing)
            return None


# --- chip side -------------------------------------------------------------------------------


def aa_sign(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    challenge: bytes,
    hash_name: str = "sha1",
    rng: Rng = os.urandom,
) -> bytes:
    """The chip's INTERNAL AUTHENTICATE answer (Doc 9303-11 §6.1.2).

    RSA: ISO/IEC 9796-2 scheme 1 with a random M1 filling the representative, s = F^d mod n.
    EC: ECDSA over the challenge with ``hash_name``, returned plain r || s (2 x order bytes).
    """
    if isinstance(private_key, rsa.RSAPrivateKey):
        nums = private_key.private_numbers()
        n, d = nums.public_numbers.n, nums.d
        k = (n.bit_length() + 7) // 8
        if (n.bit_length() - 1) % 8 == 0:
            k -= 1  # keep F below n: one byte less when n is 8m+1 bits
        hlen = hashlib.new(hash_name).digest_size
        t = 1 if hash_name == "sha1" else 2
        m1 = bytes(rng(k - 1 - hlen - t))
        f = iso9796_2_representative(m1, challenge, hash_name, k)
        return pow(int.from_bytes(f, "big"), d, n).to_bytes((n.bit_length() + 7) // 8, "big")
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        der = private_key.sign(challenge, ec.ECDSA(HASHES[hash_name]()))
        r, s = decode_dss_signature(der)
        size = (private_key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    raise TypeError("AA signing needs an RSA or EC private key")
