"""Chip images: the simulated chip's persistent state in one versioned JSON file (mode 0600).

Layout (version 3):
    {"format": "cardkit-emrtd-image", "version": 3, "personality": "default"|"jmrtd", "life_cycle": "OPERATIONAL",
     "options": {"extended_length": true, "max_response_length": 65536, "select_mf_supported": false,
                 "bac_enabled": true, "eac_protected": [3, 4], "ta_static_binding": false},
     "files": {"011E": "<hex>", ...}, "spare": {"0101": "<hex>"},
     "secrets": {"mrz_key": "<hex>"|null, "pace_secrets": {"2": "<hex>"}, "aa_private_key": "<PKCS#8 hex>"|null,
                 "rsa_modulus": "<hex>"|null, "rsa_private_exponent": "<hex>"|null,
                 "ca_keys": [{"key_id": 1|null, "private_key": "<PKCS#8 hex>"}]},
     "ta_trust": "<hex of ChipTrust.to_bytes(): 5F25 current date, the trust points as 7F4E bodies>"|null}
"spare" holds the bytes allocated to an EF past its current size (a jmrtd re-CREATE that shrank it).
Older versions still load: version 2 has no "ta_trust" and no "ta_static_binding" but "secrets.cvca"
({"1": "<7F4E body hex>"}, what PUT DATA 64 stored before the chip did TA), whose bodies that are CVCA
trust points become the chip's trust; version 1 also has no "personality" nor "spare" ("default").
The personality and the TA trust are saved so that a served image answers as the chip that was written;
an older cardkit refuses a newer image rather than serve it as another chip. EF.CVCA is not saved: the
chip makes it from its trust.
Keys are unencrypted PKCS#8 inside: the file is created 0600 and replaced atomically. Volatile state
(selection, sessions) and faults are never saved. Loading checks every field and raises ParseError
naming the image path and the field.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from cryptography.hazmat.primitives import serialization

from cardkit import tlv
from cardkit.crypto.cvc import CvCertificateBody
from cardkit.crypto.cvc_validation import CvKey, CvRejected
from cardkit.crypto.ta import ChipTrust
from cardkit.errors import ParseError
from cardkit.private_files import write_private

from ._faults import Faults
from ._fs import CVCA_KEY
from ._options import OPERATIONAL, PERSONALISATION, ChipOptions
from ._personality import PERSONALITIES

if TYPE_CHECKING:  # the chip imports this module to save and load itself
    from .emrtd import EmrtdChip

__all__ = ["save", "load", "FORMAT", "VERSION", "MAX_IMAGE_SIZE"]

FORMAT = "cardkit-emrtd-image"
VERSION = 3
_READABLE = (1, 2, 3)
MAX_IMAGE_SIZE = 16 * 1024 * 1024


def _pkcs8(key: Any) -> str:
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).hex()


def _int_hex(v: int | None) -> str | None:
    return None if v is None else v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big").hex()


def save(chip: EmrtdChip, path: Path) -> None:
    """Write ``chip`` to ``path`` atomically with mode 0600."""
    sec = chip.secrets
    opts = chip.options
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "personality": chip.personality.name,
        "life_cycle": chip.life_cycle,
        "options": {
            "extended_length": opts.extended_length,
            "max_response_length": opts.max_response_length,
            "select_mf_supported": opts.select_mf_supported,
            "bac_enabled": opts.bac_enabled,
            "eac_protected": sorted(opts.eac_protected),
            "ta_static_binding": opts.ta_static_binding,
        },
        "files": {f"{fid:04X}": bytes(content).hex() for fid, content in sorted(chip.files.items())
                  if fid != CVCA_KEY},
        "spare": {f"{fid:04X}": bytes(tail).hex() for fid, tail in sorted(chip.spare.items())},
        "secrets": {
            "mrz_key": sec.mrz_key.hex() if sec.mrz_key is not None else None,
            "pace_secrets": {str(ref): v.hex() for ref, v in sorted(sec.pace_secrets.items())},
            "aa_private_key": _pkcs8(sec.aa_private_key) if sec.aa_private_key is not None else None,
            "rsa_modulus": _int_hex(sec.rsa_modulus),
            "rsa_private_exponent": _int_hex(sec.rsa_private_exponent),
            "ca_keys": [{"key_id": kid, "private_key": _pkcs8(k)} for kid, k in sec.ca_keys],
        },
        "ta_trust": chip.ta_trust.to_bytes().hex() if chip.ta_trust is not None else None,
    }
    data = json.dumps(doc, indent=1).encode("utf-8")
    write_private(path, data, atomic=True)


class _Reader:
    """Typed field access that raises ParseError naming the image and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, message: str) -> ParseError:
        return ParseError(message, what=f"chip image field {field!r}", source=str(self.path))

    def get(self, obj: dict, key: str, kind: type | tuple, field: str, optional: bool = False) -> Any:
        if key not in obj:
            if optional:
                return None
            raise self.fail(field, "missing")
        v = obj[key]
        if v is None and optional:
            return None
        if not isinstance(v, kind) or (kind is int and isinstance(v, bool)):
            raise self.fail(field, f"expected {getattr(kind, '__name__', kind)}")
        return v

    def hexbytes(self, v: Any, field: str, optional: bool = False) -> bytes | None:
        if v is None and optional:
            return None
        if not isinstance(v, str):
            raise self.fail(field, "expected a hex string")
        try:
            return bytes.fromhex(v)
        except ValueError:
            raise self.fail(field, "not hex") from None

    def key(self, v: Any, field: str, optional: bool = False) -> Any:
        der = self.hexbytes(v, field, optional)
        if der is None:
            return None
        try:
            return serialization.load_der_private_key(der, password=None)
        except Exception:  # cryptography raises ValueError/TypeError/UnsupportedAlgorithm
            raise self.fail(field, "not a PKCS#8 private key") from None


def load(cls: type[EmrtdChip], path: Path, *, rng: Callable[[int], bytes], faults: Faults | None) -> EmrtdChip:
    """Read and validate an image; ParseError (source = the path) on anything wrong."""
    r = _Reader(path)
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_SIZE:
            raise r.fail("(file)", f"{size} bytes, more than {MAX_IMAGE_SIZE}")
        raw = path.read_bytes()
    except OSError as e:
        raise ParseError(f"cannot read: {e.strerror}", what="chip image", source=str(path)) from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not JSON ({e.__class__.__name__})", what="chip image", source=str(path)) from None
    if not isinstance(doc, dict):
        raise r.fail("(top)", "expected an object")
    if doc.get("format") != FORMAT:
        raise r.fail("format", f"expected {FORMAT!r}")
    version = r.get(doc, "version", int, "version")
    if version not in _READABLE:
        readable = ", ".join(map(str, _READABLE))
        raise r.fail("version", f"unsupported version {version} (this cardkit reads {readable})")
    personality = "default" if version == 1 else r.get(doc, "personality", str, "personality")
    if personality not in PERSONALITIES:
        raise r.fail("personality", f"unknown personality {personality!r} (known: {', '.join(PERSONALITIES)})")
    life_cycle = r.get(doc, "life_cycle", str, "life_cycle")
    if life_cycle not in (PERSONALISATION, OPERATIONAL):
        raise r.fail("life_cycle", f"unknown state {life_cycle!r}")
    o = r.get(doc, "options", dict, "options")
    eac = r.get(o, "eac_protected", list, "options.eac_protected")
    if not all(isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= 16 for x in eac):
        raise r.fail("options.eac_protected", "expected data group numbers 1..16")
    mrl = r.get(o, "max_response_length", int, "options.max_response_length")
    if not 1 <= mrl <= 65536:
        raise r.fail("options.max_response_length", "outside 1..65536")
    options = ChipOptions(
        extended_length=r.get(o, "extended_length", bool, "options.extended_length"),
        max_response_length=mrl,
        select_mf_supported=r.get(o, "select_mf_supported", bool, "options.select_mf_supported"),
        bac_enabled=r.get(o, "bac_enabled", bool, "options.bac_enabled"),
        eac_protected=frozenset(eac),
        ta_static_binding=bool(r.get(o, "ta_static_binding", bool, "options.ta_static_binding", optional=True)),
    )
    try:
        chip = cls(rng=rng, faults=faults, options=options, personality=personality)
    except ValueError as e:
        raise r.fail("options.extended_length", str(e)) from None
    chip.life_cycle = life_cycle
    files = r.get(doc, "files", dict, "files")
    for name, content in files.items():
        # "1011D" is EF.CardSecurity in the MF (simulators._fs.CARD_SECURITY_KEY), apart from EF.SOD 011D
        if not (isinstance(name, str) and (len(name) == 4 or name == "1011D")):
            raise r.fail("files", f"file name {name!r} is not a 4-digit hex FID")
        try:
            fid = int(name, 16)
        except ValueError:
            raise r.fail("files", f"file name {name!r} is not a 4-digit hex FID") from None
        data = r.hexbytes(content, f"files.{name}")
        if not data or len(data) > 0xFFFF:
            raise r.fail(f"files.{name}", "size outside 1..65535")
        chip.files[fid] = bytearray(data)
    spare = r.get(doc, "spare", dict, "spare", optional=True) or {}
    for name, tail in spare.items():
        fid = int(name, 16) if len(name) == 4 and all(c in string.hexdigits for c in name) else None
        if fid not in chip.files:
            raise r.fail("spare", f"{name!r} is not the FID of a file in the image")
        data = r.hexbytes(tail, f"spare.{name}")
        if not data or len(chip.files[fid]) + len(data) > 0xFFFF:
            raise r.fail(f"spare.{name}", "size outside 1..65535 with the file")
        chip.spare[fid] = bytearray(data)
    s = r.get(doc, "secrets", dict, "secrets")
    sec = chip.secrets
    sec.mrz_key = r.hexbytes(s.get("mrz_key"), "secrets.mrz_key", optional=True)
    if sec.mrz_key is not None and len(sec.mrz_key) != 20:
        raise r.fail("secrets.mrz_key", "expected 20 bytes")
    for ref, v in r.get(s, "pace_secrets", dict, "secrets.pace_secrets").items():
        if ref not in ("2", "3", "4"):
            raise r.fail("secrets.pace_secrets", f"unknown password reference {ref!r}")
        sec.pace_secrets[int(ref)] = r.hexbytes(v, f"secrets.pace_secrets.{ref}")
    sec.aa_private_key = r.key(s.get("aa_private_key"), "secrets.aa_private_key", optional=True)
    for field in ("rsa_modulus", "rsa_private_exponent"):
        v = r.hexbytes(s.get(field), f"secrets.{field}", optional=True)
        setattr(sec, field, None if v is None else int.from_bytes(v, "big"))
    for i, entry in enumerate(r.get(s, "ca_keys", list, "secrets.ca_keys")):
        if not isinstance(entry, dict):
            raise r.fail(f"secrets.ca_keys[{i}]", "expected an object")
        kid = r.get(entry, "key_id", int, f"secrets.ca_keys[{i}].key_id", optional=True)
        sec.ca_keys.append((kid, r.key(entry.get("private_key"), f"secrets.ca_keys[{i}].private_key")))
    if version >= 3:
        trust = r.hexbytes(doc.get("ta_trust"), "ta_trust", optional=True)
        if trust is not None:
            try:
                chip.ta_trust = ChipTrust.from_bytes(trust)
            except ParseError as e:
                raise r.fail("ta_trust", f"not a TA trust state ({e})") from None
    else:
        chip.ta_trust = _legacy_trust(r, r.get(s, "cvca", dict, "secrets.cvca", optional=True) or {})
    if life_cycle == OPERATIONAL and sec.mrz_key is None:
        raise r.fail("secrets.mrz_key", "an OPERATIONAL chip needs its MRZ key")
    return chip


def _legacy_trust(r: _Reader, stored: dict) -> ChipTrust | None:
    """A version 1/2 image's "secrets.cvca" (what PUT DATA 64 stored) as TA trust: the bodies that are CVCA
    trust points, the current date their newest effective date. Other bodies are left out, as the chip that
    stored them never used them."""
    trust: ChipTrust | None = None
    for p1, v in sorted(stored.items()):
        if p1 not in ("1", "2"):
            raise r.fail("secrets.cvca", f"unknown reference {p1!r}")
        data = r.hexbytes(v, f"secrets.cvca.{p1}")
        try:
            point = CvKey.trust_point(CvCertificateBody.from_tlv(tlv.decode(data)))
        except (ParseError, CvRejected):
            continue
        trust = (trust or ChipTrust((), point.effective_date)).with_trust_point(point)
    return trust
