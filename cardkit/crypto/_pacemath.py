"""PACE mathematics shared by terminal and chip (Doc 9303-11 §4.4; BSI TR-03110-3 A.3; Appendix B).

One ``Group`` interface over EC curves and MODP groups, so the protocol code is written once:
private keys, public-key encoding and validation, key agreement, and the two mappings
(generic: G~ = s*G + H, g~ = g^s * h; integrated: G~ = f_G(R_p(s, t)), g~ = R_p(s, t)^((p-1)/q)).
Nothing here keeps state or does I/O; secrets are plain ints and bytes handed in and out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from .. import tlv
from ..algorithms import Cipher, Curve, DhGroup, encode_oid
from ..errors import ProtocolError
from . import _ec
from ._primitives import cbc_decrypt, cbc_encrypt, mac, pad
from .kdf import KDF_ENC, KDF_MAC, kdf
from .keys import dh_shared, ecdh, random_scalar
from .sm import SessionKeys

__all__ = [
    "Group",
    "EcGroup",
    "ModpGroup",
    "group_for",
    "encrypt_nonce",
    "decrypt_nonce",
    "prf",
    "point_encoding",
    "map_generic",
    "map_integrated",
    "auth_token",
    "public_key_do",
    "pace_session_keys",
    "nonce_length",
    "password_key",
]

Rng = Callable[[int], bytes]


class Group:
    """What PACE needs from a group; implemented for curves (EcGroup) and MODP groups (ModpGroup)."""

    key_tag: int  # tag of the public key inside 7F49: 86 (EC point) or 84 (DH value)
    field_prime: int

    def random_private(self, rng: Rng) -> int:
        raise NotImplementedError

    def public(self, sk: int) -> bytes:
        raise NotImplementedError

    def decode_public(self, data: bytes, what: str) -> object:
        raise NotImplementedError

    def shared_secret(self, sk: int, peer: object) -> bytes:
        raise NotImplementedError

    def with_generic_mapping(self, s: int, sk_map: int, peer: object) -> "Group":
        raise NotImplementedError

    def with_integrated_mapping(self, r: int) -> "Group":
        raise NotImplementedError


@dataclass(frozen=True)
class EcGroup(Group):
    """A curve, possibly with a mapped generator."""

    curve: Curve
    key_tag: int = 0x86

    @property
    def field_prime(self) -> int:  # type: ignore[override]
        return self.curve.p

    def random_private(self, rng: Rng) -> int:
        return random_scalar(rng, self.curve.n)

    def public(self, sk: int) -> bytes:
        return self.curve.encode_point(_ec.mul_generator(self.curve, sk))

    def decode_public(self, data: bytes, what: str) -> tuple[int, int]:
        return _ec.decode_point(self.curve, data, what=what)

    def shared_secret(self, sk: int, peer: object) -> bytes:
        return ecdh(self.curve, sk, peer)  # type: ignore[arg-type]

    def with_generic_mapping(self, s: int, sk_map: int, peer: object) -> "EcGroup":
        # H = sk_map * PK_map(peer); G~ = s*G + H (Doc 9303-11 §4.4.3.3.1)
        h = _ec.mul(self.curve, sk_map, peer)  # type: ignore[arg-type]
        if h is None:
            raise ProtocolError("generic mapping gave H = infinity", step="PACE mapping")
        g = _ec.add(self.curve, _ec.mul_generator(self.curve, s), h)
        return self._with_generator(g)

    def with_integrated_mapping(self, r: int) -> "EcGroup":
        return self._with_generator(point_encoding(self.curve, r))

    def _with_generator(self, g: tuple[int, int] | None) -> "EcGroup":
        if g is None:
            raise ProtocolError("mapped generator is the point at infinity", step="PACE mapping")
        return EcGroup(replace(self.curve, gx=g[0], gy=g[1], name=self.curve.name))


@dataclass(frozen=True)
class ModpGroup(Group):
    """A MODP group, possibly with a mapped generator."""

    group: DhGroup
    key_tag: int = 0x84

    @property
    def field_prime(self) -> int:  # type: ignore[override]
        return self.group.p

    def _order(self) -> int:
        if self.group.q is None:
            raise ProtocolError("DH group without subgroup order q", step="PACE")
        return self.group.q

    def random_private(self, rng: Rng) -> int:
        return random_scalar(rng, self._order())

    def public(self, sk: int) -> bytes:
        return self.group.encode(pow(self.group.g, sk, self.group.p))

    def decode_public(self, data: bytes, what: str) -> int:
        return self.group.decode_public(data, what=what)

    def shared_secret(self, sk: int, peer: object) -> bytes:
        return dh_shared(self.group, sk, peer)  # type: ignore[arg-type]

    def with_generic_mapping(self, s: int, sk_map: int, peer: object) -> "ModpGroup":
        p = self.group.p
        h = pow(peer, sk_map, p)  # type: ignore[arg-type]
        if h in (0, 1):
            raise ProtocolError("generic mapping gave h = 1", step="PACE mapping")
        return self._with_generator(pow(self.group.g, s, p) * h % p)

    def with_integrated_mapping(self, r: int) -> "ModpGroup":
        p = self.group.p
        return self._with_generator(pow(r, (p - 1) // self._order(), p))

    def _with_generator(self, g: int) -> "ModpGroup":
        if g in (0, 1):
            raise ProtocolError("mapped generator is 1", step="PACE mapping")
        return ModpGroup(replace(self.group, g=g))


def group_for(params: Curve | DhGroup) -> Group:
    """Wrap standardized domain parameters (``cardkit.algorithms.DomainParameters.group``) as a PACE group."""
    return EcGroup(params) if isinstance(params, Curve) else ModpGroup(params)


# --- password and nonce --------------------------------------------------------------


def password_key(secret: bytes, cipher: Cipher) -> bytes:
    """K_pi = KDF(pi, 3) (Doc 9303-11 §9.7.3)."""
    return kdf(secret, 3, cipher)


def nonce_length(cipher: Cipher) -> int:
    """Length of the chip's nonce s: 16 bytes (l = 128) for 3DES/AES-128, 32 (l = 256) for AES-192/256."""
    return 16 if cipher.key_length == 16 else 32


def encrypt_nonce(k_pi: bytes, s: bytes, cipher: Cipher) -> bytes:
    """z = E(K_pi, s), CBC with IV 0 (Doc 9303-11 §4.4.3.1)."""
    return cbc_encrypt(k_pi, s, cipher)


def decrypt_nonce(k_pi: bytes, z: bytes, cipher: Cipher) -> bytes:
    """s = D(K_pi, z); ProtocolError when z is not whole blocks."""
    if not z or len(z) % cipher.block_size:
        raise ProtocolError(f"encrypted nonce of {len(z)} bytes is not whole {cipher} blocks", step="PACE GA 1")
    return cbc_decrypt(k_pi, z, cipher)


# --- integrated mapping (Doc 9303-11 §4.4.3.3.2 and Appendix B) -----------------------

_C0 = {
    128: bytes.fromhex("a668892a7c41e3ca739f40b057d85904"),
    256: bytes.fromhex("d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676"),
}
_C1 = {
    128: bytes.fromhex("a4e136ac725f738b01c1f60217c188ad"),
    256: bytes.fromhex("54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517"),
}


def prf(s: bytes, t: bytes, p: int, cipher: Cipher) -> int:
    """The pseudo-random function R_p(s, t) of the integrated mapping (Doc 9303-11 §4.4.3.3.2).

    k0 = E(t, s); x_i = E(k_i, c1), k_{i+1} = E(k_i, c0), keys cut to the cipher's key length;
    R = x_0 || ... || x_{n-1} with n = ceil((log2 p + 64) / l), reduced mod p.
    """
    l_bits = 8 * len(s)
    if l_bits not in _C0 or len(t) != len(s):
        raise ProtocolError(f"integrated mapping needs nonces of 16 or 32 bytes (got {len(s)}/{len(t)})",
                            step="PACE mapping")
    klen = cipher.key_length
    n = -(-(p.bit_length() + 64) // l_bits)
    key = cbc_encrypt(t[:klen], s, cipher)
    out = b""
    for _ in range(n):
        k = key[:klen]
        out += cbc_encrypt(k, _C1[l_bits], cipher)
        key = cbc_encrypt(k, _C0[l_bits], cipher)
    return int.from_bytes(out, "big") % p


def point_encoding(curve: Curve, t: int) -> tuple[int, int]:
    """f_G(t): the simplified SWU point encoding of Doc 9303-11 Appendix B (affine version).

    Defined for p = 3 mod 4 only (every standardized curve except secp224r1).
    """
    p, a, b = curve.p, curve.a, curve.b
    if p % 4 != 3:
        raise ProtocolError(f"integrated mapping is not defined for {curve.name} (p != 3 mod 4)",
                            step="PACE mapping")
    if t % p == 0 or a % p == 0:
        raise ProtocolError("integrated mapping input is degenerate", step="PACE mapping")
    alpha = (-t * t) % p
    aa = (alpha + alpha * alpha) % p
    if aa == 0:
        raise ProtocolError("integrated mapping input is degenerate", step="PACE mapping")
    x2 = (-b * (1 + aa) * pow(a * aa, p - 2, p)) % p
    x3 = alpha * x2 % p
    h2 = (x2 * x2 * x2 + a * x2 + b) % p
    u = pow(t, 3, p) * h2 % p
    big_a = pow(h2, p - 1 - (p + 1) // 4, p)
    if big_a * big_a * h2 % p == 1:
        pt = (x2, big_a * h2 % p)
    else:
        pt = (x3, big_a * u % p)
    if curve.h != 1:
        mapped = _ec.mul(curve, curve.h, pt)
        if mapped is None:
            raise ProtocolError("integrated mapping gave infinity", step="PACE mapping")
        pt = mapped
    if not curve.contains(pt):  # guards the whole derivation
        raise ProtocolError("integrated mapping gave a point off the curve", step="PACE mapping")
    return pt


def map_generic(group: Group, s: bytes, sk_map: int, peer_map_public: object) -> Group:
    """Generic mapping, the same on both sides (own mapping key, the other side's mapping public key)."""
    return group.with_generic_mapping(int.from_bytes(s, "big"), sk_map, peer_map_public)


def map_integrated(group: Group, s: bytes, t: bytes, cipher: Cipher) -> Group:
    """Integrated mapping: the new generator from the nonces s and t."""
    return group.with_integrated_mapping(prf(s, t, group.field_prime, cipher))


# --- keys and tokens -------------------------------------------------------------------


def pace_session_keys(shared: bytes, cipher: Cipher) -> SessionKeys:
    """KS_enc = KDF(K, 1), KS_mac = KDF(K, 2); SSC zero (Doc 9303-11 §4.4.3.4, §9.8.1)."""
    return SessionKeys(kdf(shared, KDF_ENC, cipher), kdf(shared, KDF_MAC, cipher), bytes(cipher.block_size), cipher)


def public_key_do(oid: str, key_tag: int, public: bytes) -> bytes:
    """The public key data object 7F49 {06 OID, 86 point | 84 value} (TR-03110-3 D.3.4)."""
    return tlv.encode(0x7F49, tlv.encode(0x06, encode_oid(oid)) + tlv.encode(key_tag, public))


def auth_token(ks_mac: bytes, oid: str, key_tag: int, other_public: bytes, cipher: Cipher) -> bytes:
    """T = MAC(KS_mac, 7F49 of the *other* side's ephemeral key), 8 bytes (Doc 9303-11 §4.4.3.4)."""
    data = public_key_do(oid, key_tag, other_public)
    if cipher is Cipher.TDES:
        data = pad(data, 8)  # retail MAC needs whole blocks; AES-CMAC pads internally
    return mac(ks_mac, data, cipher)

