"""PUT DATA (00 DA): the personalisation data objects of the JMRTD passport applet, plus cardkit's own.

simulators/PERSO.md gives every command byte for byte. In short (P1-P2 -> data):
- 00 60  60 L {04 L modulus}            RSA AA private key, modulus      (JMRTD PRIVMODULUS_TAG)
- 00 61  61 L {04 L private exponent}   RSA AA private key, exponent     (JMRTD PRIVEXPONENT_TAG)
         (also the applet's own form 60 00 04 L n / 61 00 04 L d, which cardkit personalise sends)
- 00 62  62 L {04 doc no, 04 DOB, 04 DOE} BAC/PACE-MRZ key seed source   (JMRTD MRZ_TAG)
- 00 63  81 p 82 a 83 b 84 G 85 r 86 s 87 k  EC CA private key          (JMRTD ECPRIVATEKEY_TAG)
- 01 64 / 02 64  CVCA certificate body (7F4E): a TA trust point (``_ta``) (JMRTD CVCERTIFICATE_TAG)
- 00 65  65 L {66 L {ref, secret}...}   PACE passwords: ref 02 CAN, 03 PIN, 04 PUK (JMRTD PACE secrets)
- 00 67  YYMMDD (6 digits, 00-09 each)  TA current date              (JMRTD applet fork CURRENT_DATE_TAG)
- 00 68  68 L {04 L PKCS#8}             AA private key, RSA or EC         (cardkit)
- 00 6A  6A L {[02 L keyId] 04 L PKCS#8} CA private key, EC or DH         (cardkit)
- DE AD  (no data)                      lock: PERSONALISATION -> OPERATIONAL (JMRTD)
The chip keeps secrets only in ``Secrets`` whose repr is redacted; nothing here logs or raises.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit import tlv
from cardkit.algorithms import DOMAIN_PARAMETERS
from cardkit.errors import CardkitError, ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.mrz import mrz_information

from . import _ta
from ._fs import sw

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["Secrets", "is_dh_key", "put_data", "mrz_key", "ec_curves", "complete_rsa_key", "PACE_REF_MRZ", "PACE_REF_CAN"]

PACE_REF_MRZ, PACE_REF_CAN, PACE_REF_PIN, PACE_REF_PUK = 1, 2, 3, 4

def ec_curves() -> list[ec.EllipticCurve]:
    """The curves of the domain-parameter table that cardkit uses ``cryptography`` for: those a JMRTD-style
    explicit EC key (PUT DATA 00 63) is matched against, by generator."""
    return [d.crypto_curve() for d in DOMAIN_PARAMETERS.values() if d.crypto_curve is not None]


@dataclass(eq=False)
class Secrets:
    """The chip's secrets: never printed (repr is redacted), saved only in the 0600 image."""

    mrz_key: bytes | None = None  # SHA-1(MRZ_information): BAC K_seed = first 16 bytes; PACE-MRZ K
    pace_secrets: dict[int, bytes] = field(default_factory=dict)  # password reference -> secret
    rsa_modulus: int | None = None  # JMRTD-style AA key halves, joined with DG15's exponent
    rsa_private_exponent: int | None = None
    aa_private_key: Any = None
    ca_keys: list[tuple[int | None, Any]] = field(default_factory=list)  # (keyId, private key)

    def __repr__(self) -> str:
        return "Secrets(<redacted>)"


def is_dh_key(key: Any) -> bool:
    """True for a finite-field DH private key (cryptography warns on every touch of its dh module)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from cryptography.hazmat.primitives.asymmetric import dh

        return isinstance(key, dh.DHPrivateKey)


def mrz_key(document_number: str, date_of_birth: str, date_of_expiry: str) -> bytes:
    """SHA-1 over MRZ_information (Doc 9303-11 §9.7.2): the BAC seed source and the PACE-MRZ password K."""
    info = mrz_information(document_number, date_of_birth, date_of_expiry)
    return hashlib.sha1(info.encode("ascii")).digest()


def _octets(t: tlv.Tlv, tag: int) -> list[bytes]:
    """Children of a JMRTD data object: all must be 04 OCTET STRINGs."""
    kids = t.children()
    if t.tag != tag or not kids or any(k.tag != 0x04 for k in kids):
        raise ParseError("unexpected layout", what="PUT DATA")
    return [k.value for k in kids]


def _rsa_half(data: bytes, tag: int) -> bytes:
    """An RSA key half in either form: ``60 L {04 L n}``, or the JMRTD applet's ``60 00 04 L n`` (its
    parser skips the outer value and takes the 04 object after it), so one perso plan serves both chips."""
    found, start, length = tlv.decode_header(data)
    if found == tag and length == 0 and start < len(data):
        inner = tlv.decode(data[start:])
        if inner.tag != 0x04 or not inner.value:
            raise ParseError("expected 04 after the empty outer object", what="PUT DATA")
        return inner.value
    (value,) = _octets(tlv.decode(data), tag)
    return value


def _load_pkcs8(der: bytes) -> Any:
    try:
        return serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, Exception):  # cryptography raises several types for bad DER
        raise ParseError("not a PKCS#8 private key", what="PUT DATA") from None


def _ec_key(data: bytes) -> Any:
    """JMRTD PUT DATA 00 63: 81 p, 82 a, 83 b, 84 G, 85 r, 86 s, 87 k; matched to a named curve by G."""
    fields = {t.tag: t.value for t in tlv.decode_all(data)}
    if 0x86 not in fields or 0x84 not in fields:
        raise ParseError("EC key without G (84) or private value (86)", what="PUT DATA 63")
    g = fields[0x84]
    s = int.from_bytes(fields[0x86], "big")
    for curve in ec_curves():
        gen = ec.derive_private_key(1, curve).public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        if gen == g:
            try:
                return ec.derive_private_key(s, curve)
            except ValueError:
                raise ParseError("private value outside [1, n-1]", what="PUT DATA 63") from None
    raise ParseError("domain parameters of no known curve", what="PUT DATA 63")


def complete_rsa_key(chip: "EmrtdChip") -> bool:
    """Join the JMRTD modulus/exponent halves into a key, taking e from DG15 (the applet never gets e)."""
    sec = chip.secrets
    if sec.rsa_modulus is None and sec.rsa_private_exponent is None:
        return True
    if sec.rsa_modulus is None or sec.rsa_private_exponent is None:
        return False
    n, d = sec.rsa_modulus, sec.rsa_private_exponent
    exponents = []
    dg15 = chip.files.get(0x010F)
    if dg15:
        try:
            spki = tlv.decode(bytes(dg15), allow_trailing=True).value
            pub = serialization.load_der_public_key(spki)
            if isinstance(pub, rsa.RSAPublicKey) and pub.public_numbers().n == n:
                exponents.append(pub.public_numbers().e)
        except Exception:  # a DG15 that does not parse is the issuer's problem; try the usual e
            pass
    exponents += [65537, 3, 17]
    for e in exponents:
        try:
            p, q = rsa.rsa_recover_prime_factors(n, e, d)
        except (ValueError, ArithmeticError):
            continue
        pub_n = rsa.RSAPublicNumbers(e, n)
        priv = rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q),
                                     rsa.rsa_crt_iqmp(p, q), pub_n)
        sec.aa_private_key = priv.private_key()
        sec.rsa_modulus = sec.rsa_private_exponent = None
        return True
    return False


def put_data(chip: "EmrtdChip", cmd: CommandApdu) -> ResponseApdu:
    """PUT DATA (00 DA P1 P2 data), only in life cycle PERSONALISATION (else 6985)."""
    if chip.life_cycle != "PERSONALISATION":
        return sw(0x6985)
    p1p2 = (cmd.p1 << 8) | cmd.p2
    sec = chip.secrets
    try:
        if p1p2 == 0xDEAD:
            if cmd.data:
                return sw(0x6700)
            if sec.mrz_key is None:
                return sw(0x6985)  # a locked chip without its MRZ key could never be read
            if not complete_rsa_key(chip):
                return sw(0x6985)  # AA key halves with no DG15 to take e from
            chip.life_cycle = "OPERATIONAL"
            chip.volatile.reset()
            return sw(0x9000)
        if not cmd.data:
            return sw(0x6700)
        if p1p2 == 0x0060:
            sec.rsa_modulus = int.from_bytes(_rsa_half(cmd.data, 0x60), "big")
        elif p1p2 == 0x0061:
            sec.rsa_private_exponent = int.from_bytes(_rsa_half(cmd.data, 0x61), "big")
        elif p1p2 == 0x0062:
            doc, dob, doe = _octets(tlv.decode(cmd.data), 0x62)
            try:
                sec.mrz_key = mrz_key(doc.decode("ascii"), dob.decode("ascii"), doe.decode("ascii"))
            except (UnicodeDecodeError, ValueError, CardkitError):
                return sw(0x6A80)
        elif p1p2 == 0x0063:
            sec.ca_keys = [k for k in sec.ca_keys if k[0] is not None] + [(None, _ec_key(cmd.data))]
        elif cmd.p2 == _ta.PUT_CVCA and cmd.p1 in (1, 2):
            return _ta.put_trust_point(chip, cmd.p1, bytes(cmd.data))
        elif p1p2 == _ta.PUT_DATE:
            return _ta.put_current_date(chip, bytes(cmd.data))
        elif p1p2 == 0x0065:
            _pace_secrets(sec, cmd.data)
        elif p1p2 == 0x0068:
            (der,) = _octets(tlv.decode(cmd.data), 0x68)
            key = _load_pkcs8(der)
            if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
                return sw(0x6A80)
            sec.aa_private_key = key
            sec.rsa_modulus = sec.rsa_private_exponent = None
        elif p1p2 == 0x006A:
            _ca_key(sec, cmd.data)
        else:
            return sw(0x6A86)
    except ParseError:
        return sw(0x6A80)
    except ValueError:
        return sw(0x6A80)
    return sw(0x9000)


def _pace_secrets(sec: Secrets, data: bytes) -> None:
    """65 L {66 L {ref || secret} ...}; the outer 65 may be left out, as the applet allows."""
    dos = tlv.decode_all(data)
    if len(dos) == 1 and dos[0].tag == 0x65:
        dos = dos[0].children()
    new: dict[int, bytes] = {}
    for d in dos:
        if d.tag != 0x66 or d.length < 2:
            raise ParseError("PACE secret entry must be 66 {ref, secret}", what="PUT DATA 65")
        ref, secret = d.value[0], d.value[1:]
        if ref not in (PACE_REF_CAN, PACE_REF_PIN, PACE_REF_PUK):
            raise ParseError("unknown PACE password reference", what="PUT DATA 65")
        new[ref] = secret
    sec.pace_secrets.update(new)


def _ca_key(sec: Secrets, data: bytes) -> None:
    """6A L {[02 L keyId] 04 L PKCS#8}: a CA key (EC or DH); a key with the same keyId is replaced."""
    outer = tlv.decode(data)
    if outer.tag != 0x6A:
        raise ParseError("expected tag 6A", what="PUT DATA 6A")
    key_id = None
    der = None
    for k in outer.children():
        if k.tag == 0x02 and key_id is None and der is None and 1 <= k.length <= 4:
            key_id = int.from_bytes(k.value, "big")
        elif k.tag == 0x04 and der is None:
            der = k.value
        else:
            raise ParseError("unexpected data object", what="PUT DATA 6A")
    if der is None:
        raise ParseError("no key", what="PUT DATA 6A")
    key = _load_pkcs8(der)
    if not isinstance(key, ec.EllipticCurvePrivateKey) and not is_dh_key(key):
        raise ParseError("CA key must be EC or DH", what="PUT DATA 6A")
    sec.ca_keys = [k for k in sec.ca_keys if k[0] != key_id] + [(key_id, key)]
