"""Card verifiable certificates (BSI TR-03110-3 C.1, D.2), as ICAO Doc 9303-11 §7.1 uses them for EAC.

    7F21 CV certificate
      7F4E body: 5F29 profile identifier (0), 42 CAR, 7F49 public key, 5F20 CHR,
                 7F4C CHAT {06 terminal type, 53 relative authorization},
                 5F25 effective date, 5F24 expiration date, [65 extensions {73 {06 OID, ...}}]
      5F37 signature over the encoded body (tag and length included; C.1.8)

Rules this codec keeps, whatever the input: the elements come once each in the order above (the
profile fixes it); a certificate is at most ``MAX_CERTIFICATE`` bytes and nests no deeper than the
profile; references are 1-16 ISO/IEC 8859-1 characters without control codes (D.2.1.4); dates are
six unpacked BCD digits YYMMDD meaning 20YY (D.2.1.3); anything else raises ``ParseError`` naming the
tag path and offset. Parsed objects keep their exact bytes (``raw``): the chip verifies the
signature over the body as sent, and ``to_bytes`` gives back what was read. Only ``CvCertificateBody.build``
makes new encodings (the signing builder lives in ``cardkit.pki.cvc``).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from .. import tlv
from ..algorithms import EXTENSION_NAMES, ID_IS, TERMINAL_TYPES
from ..errors import ParseError
from .cvc_keys import CvPublicKey, decode_oid, decode_public_key, encode_oid, oid_and_rest, within

__all__ = [
    "MAX_CERTIFICATE",
    "Role",
    "Chat",
    "CvExtension",
    "CvCertificateBody",
    "CvCertificate",
    "decode_date",
    "encode_date",
    "check_holder_reference",
]

MAX_CERTIFICATE = 8192  # an RSA-8192 certificate with extensions fits; nothing real comes near
MAX_EXTENSIONS = 16
_WHAT = "CV certificate"
_BODY = (0x5F29, 0x42, 0x7F49, 0x5F20, 0x7F4C, 0x5F25, 0x5F24)


class Role(enum.Enum):
    """The role in a CHAT's two top bits (TR-03110-3 C.4): who the holder is in the chain."""

    CVCA = 0b11
    DV_DOMESTIC = 0b10
    DV_FOREIGN = 0b01  # "official foreign" for IS; "non-official/foreign" for AT
    TERMINAL = 0b00

    @property
    def is_dv(self) -> bool:
        return self in (Role.DV_DOMESTIC, Role.DV_FOREIGN)


@dataclass(frozen=True)
class Chat:
    """Certificate Holder Authorization Template: terminal type OID and relative authorization (C.1.5, C.4).

    ``template`` is the 53 value: the role in the first byte's two top bits, access rights below.
    """

    terminal_type_oid: str
    template: bytes
    raw: bytes

    @classmethod
    def build(cls, terminal_type_oid: str, template: bytes) -> Chat:
        """A CHAT from its parts (new encoding); ValueError for an empty or over-long template."""
        if not 0 < len(template) <= 16:
            raise ValueError(f"a relative authorization is 1-16 bytes, not {len(template)}")
        return cls(terminal_type_oid, bytes(template),
                   tlv.encode(0x7F4C, encode_oid(terminal_type_oid) + tlv.encode(0x53, template)))

    @classmethod
    def inspection_system(cls, role: Role, *, read_dg3: bool, read_dg4: bool) -> Chat:
        """An id-IS CHAT (C.4.1): role bits 7-6, read DG4 (iris) bit 1, read DG3 (fingerprint) bit 0."""
        return cls.build(ID_IS, bytes([role.value << 6 | read_dg4 << 1 | read_dg3]))

    @classmethod
    def from_tlv(cls, t: tlv.Tlv) -> Chat:
        """Decode a 7F4C data object; ParseError when it is not {06 OID, 53 template} of the right length."""
        what = "CHAT"
        if t.tag != 0x7F4C:
            raise ParseError(f"expected a CHAT (7F4C), found tag {t.tag:X}", what=what, offset=t.start)
        try:
            children = t.children()
            if [c.tag for c in children] != [0x06, 0x53]:
                raise ParseError("a CHAT holds exactly 06 (terminal type) then 53 (authorization)",
                                 what=what, offset=t.start)
            oid = decode_oid(children[0], what)
            template = children[1].value
            expected = TERMINAL_TYPES.get(oid, (None, None))[1]
            if not 0 < len(template) <= 16 or expected is not None and len(template) != expected:
                raise ParseError(f"relative authorization of {len(template)} bytes for terminal type {oid}",
                                 what=what, offset=children[1].start)
        except ParseError as e:
            raise within(e, 0x7F4C)
        return cls(oid, template, t.raw)

    @property
    def terminal_type(self) -> str | None:
        """"IS", "AT" or "ST"; None for a terminal type TR-03110 does not define."""
        known = TERMINAL_TYPES.get(self.terminal_type_oid)
        return known[0] if known else None

    @property
    def role(self) -> Role:
        return Role(self.template[0] >> 6)

    @property
    def read_dg3(self) -> bool:
        """Read access to DG3 (fingerprints); only an inspection system's CHAT grants it (C.4.1)."""
        return self.terminal_type_oid == ID_IS and bool(self.template[0] & 0x01)

    @property
    def read_dg4(self) -> bool:
        """Read access to DG4 (iris); only an inspection system's CHAT grants it (C.4.1)."""
        return self.terminal_type_oid == ID_IS and bool(self.template[0] & 0x02)

    def restrict(self, other: Chat) -> Chat:
        """The bitwise AND of two relative authorizations of one terminal type (TR-03110-3 §2.6).

        Raises:
            ValueError: the two CHATs name different terminal types or lengths.
        """
        if other.terminal_type_oid != self.terminal_type_oid or len(other.template) != len(self.template):
            raise ValueError("CHATs of different terminal types cannot be combined")
        return Chat.build(self.terminal_type_oid, bytes(a & b for a, b in zip(self.template, other.template)))

    def rights(self) -> list[str]:
        """Readable names of the access rights granted (IS rights by name; others as bits)."""
        if self.terminal_type_oid == ID_IS:
            return [name for flag, name in ((self.read_dg3, "read DG3"), (self.read_dg4, "read DG4")) if flag]
        bits = int.from_bytes(self.template, "big") & ((1 << (8 * len(self.template) - 2)) - 1)
        return [f"bit {i}" for i in range(bits.bit_length()) if bits >> i & 1]


def decode_date(t: tlv.Tlv, what: str) -> dt.date:
    """Six unpacked BCD digits YYMMDD, year 20YY (TR-03110-3 D.2.1.3)."""
    v = t.value
    if len(v) != 6 or any(b > 9 for b in v):
        raise ParseError("a date is six digits YYMMDD, one byte 00-09 each", what=what, offset=t.start, path=(t.tag,))
    try:
        return dt.date(2000 + v[0] * 10 + v[1], v[2] * 10 + v[3], v[4] * 10 + v[5])
    except ValueError:
        raise ParseError(f"no such date {''.join(map(str, v))}", what=what, offset=t.start, path=(t.tag,)) from None


def encode_date(d: dt.date) -> bytes:
    """The six unpacked BCD digits of a date in 2000-2099."""
    if not 2000 <= d.year <= 2099:
        raise ValueError(f"{d} is outside the years 2000-2099 a CV certificate can hold")
    return bytes(int(c) for c in d.strftime("%y%m%d"))


def _reference(t: tlv.Tlv, what: str) -> str:
    v = t.value
    if not 0 < len(v) <= 16 or any(b < 0x20 or 0x7F <= b <= 0x9F for b in v):
        raise ParseError("a reference is 1-16 ISO/IEC 8859-1 characters without control codes",
                         what=what, offset=t.start, path=(t.tag,))
    return v.decode("latin-1")


def check_holder_reference(reference: str) -> str:
    """Check a new CHR: country (2 letters), mnemonic (0-9 characters), sequence number (5 A-Z/0-9) (A.6.1).

    Raises:
        ValueError: naming the part that is wrong.
    """
    if not 7 <= len(reference) <= 16:
        raise ValueError(f"holder reference {reference!r}: 7-16 characters (country, mnemonic, sequence number)")
    country, sequence = reference[:2], reference[-5:]
    if not (country.isascii() and country.isalpha() and country.isupper()):
        raise ValueError(f"holder reference {reference!r}: starts with an ISO 3166-1 alpha-2 country code")
    if not all(c.isascii() and (c.isdigit() or c.isupper()) for c in sequence):
        raise ValueError(f"holder reference {reference!r}: ends with a 5-character sequence number of A-Z and 0-9")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or ord(c) > 0xFF for c in reference):
        raise ValueError(f"holder reference {reference!r}: ISO/IEC 8859-1 characters only")
    return reference


@dataclass(frozen=True)
class CvExtension:
    """One certificate extension: a 73 template {06 OID, context-specific data objects} (C.3)."""

    oid: str
    objects: tuple[tuple[int, bytes], ...]
    raw: bytes

    @property
    def name(self) -> str:
        return EXTENSION_NAMES.get(self.oid, self.oid)

    @classmethod
    def build(cls, oid: str, objects: tuple[tuple[int, bytes], ...]) -> CvExtension:
        """An extension from its OID and (tag, value) data objects (new encoding)."""
        body = encode_oid(oid) + b"".join(tlv.encode(tag, value) for tag, value in objects)
        return cls(oid, tuple(objects), tlv.encode(0x73, body))


def _extensions(t: tlv.Tlv) -> tuple[CvExtension, ...]:
    what = "certificate extensions"
    templates = t.children()
    if len(templates) > MAX_EXTENSIONS:
        raise ParseError(f"{len(templates)} extensions (at most {MAX_EXTENSIONS})", what=what, offset=t.start)
    out = []
    for d in templates:
        if d.tag != 0x73:
            raise ParseError(f"expected a discretionary data template (73), found {d.tag:X}", what=what, offset=d.start)
        try:
            oid, rest = oid_and_rest(d, "extension", what)
        except ParseError as e:
            raise within(e, 0x73)
        out.append(CvExtension(oid, tuple((c.tag, c.value) for c in rest), d.raw))
    return tuple(out)


@dataclass(frozen=True)
class CvCertificateBody:
    """The signed part of a CV certificate (7F4E), with its exact bytes."""

    profile_identifier: int
    car: str
    public_key: CvPublicKey
    chr: str
    chat: Chat
    effective_date: dt.date
    expiration_date: dt.date
    extensions: tuple[CvExtension, ...]
    raw: bytes  # the whole 7F4E data object: what the signature covers

    @classmethod
    def from_tlv(cls, t: tlv.Tlv) -> CvCertificateBody:
        """Decode a 7F4E body in the profile's order (C.1); ParseError otherwise."""
        if t.tag != 0x7F4E:
            raise ParseError(f"expected a certificate body (7F4E), found tag {t.tag:X}", what=_WHAT, offset=t.start)
        try:
            c = t.children()
            tags = [x.tag for x in c]
            if tags[: len(_BODY)] != list(_BODY) or tags[len(_BODY) :] not in ([], [0x65]):
                at = next((x for x, want in zip(c, (*_BODY, 0x65)) if x.tag != want), c[-1] if c else t)
                raise ParseError("body elements must be 5F29 42 7F49 5F20 7F4C 5F25 5F24 [65], once each in order",
                                 what=_WHAT, offset=at.start)
            if c[0].value != b"\x00":
                raise ParseError(f"unsupported certificate profile identifier {c[0].value.hex()} (only 0)",
                                 what=_WHAT, offset=c[0].start, path=(0x5F29,))
            return cls(0, _reference(c[1], "certification authority reference"), decode_public_key(c[2]),
                       _reference(c[3], "certificate holder reference"), Chat.from_tlv(c[4]),
                       decode_date(c[5], "effective date"), decode_date(c[6], "expiration date"),
                       _extensions(c[7]) if len(c) > 7 else (), t.raw)
        except ParseError as e:
            raise within(e, 0x7F4E)

    @classmethod
    def build(cls, *, car: str, public_key: CvPublicKey, chr: str, chat: Chat, effective_date: dt.date,
              expiration_date: dt.date, extensions: tuple[CvExtension, ...] = ()) -> CvCertificateBody:
        """A new body encoding (profile 0) from its values."""
        parts = [tlv.encode(0x5F29, b"\x00"), tlv.encode(0x42, car.encode("latin-1")), public_key.raw,
                 tlv.encode(0x5F20, chr.encode("latin-1")), chat.raw,
                 tlv.encode(0x5F25, encode_date(effective_date)), tlv.encode(0x5F24, encode_date(expiration_date))]
        if extensions:
            parts.append(tlv.encode(0x65, b"".join(e.raw for e in extensions)))
        return cls(0, car, public_key, chr, chat, effective_date, expiration_date, tuple(extensions),
                   tlv.encode(0x7F4E, b"".join(parts)))


@dataclass(frozen=True)
class CvCertificate:
    """A CV certificate (7F21): body and signature, with the exact bytes it was read from."""

    body: CvCertificateBody
    signature: bytes
    raw: bytes

    def __repr__(self) -> str:
        return f"CvCertificate(chr={self.chr!r}, car={self.car!r}, role={self.role.name})"

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str | None = None) -> CvCertificate:
        """Decode a 7F21 CV certificate.

        Raises:
            ParseError: anything that is not one well-formed certificate of the profile.
        """
        data = bytes(data)
        if len(data) > MAX_CERTIFICATE:
            raise ParseError(f"{len(data)} bytes is too large for a CV certificate (at most {MAX_CERTIFICATE})",
                             what=_WHAT, source=source)
        try:
            t = tlv.decode(data)
            if t.tag != 0x7F21:
                raise ParseError(f"expected a CV certificate (7F21), found tag {t.tag:X}", what=_WHAT, offset=0)
            try:
                c = t.children()
                if [x.tag for x in c] != [0x7F4E, 0x5F37]:
                    raise ParseError("a CV certificate holds exactly 7F4E (body) then 5F37 (signature)",
                                     what=_WHAT, offset=t.start)
                if not 0 < c[1].length <= 1024:
                    raise ParseError(f"signature of {c[1].length} bytes", what=_WHAT, offset=c[1].start)
                return cls(CvCertificateBody.from_tlv(c[0]), c[1].value, t.raw)
            except ParseError as e:
                raise within(e, 0x7F21)
        except ParseError as e:
            raise e.within(what=_WHAT, source=source)

    @classmethod
    def from_verify_data(cls, data: bytes) -> CvCertificate:
        """The certificate in a PSO:Verify Certificate command: 7F4E body then 5F37 signature (9303-11 §7.1.5.2)."""
        if len(data) > MAX_CERTIFICATE:
            raise ParseError(f"{len(data)} bytes is too large for a CV certificate", what=_WHAT)
        return cls.from_bytes(tlv.encode(0x7F21, data))

    @classmethod
    def assemble(cls, body: CvCertificateBody, signature: bytes) -> CvCertificate:
        """A certificate from a body and its signature (new encoding)."""
        return cls(body, bytes(signature), tlv.encode(0x7F21, body.raw + tlv.encode(0x5F37, signature)))

    def to_bytes(self) -> bytes:
        """The exact bytes the certificate was read from (or built as)."""
        return self.raw

    @property
    def verify_data(self) -> bytes:
        """7F4E body || 5F37 signature: the data of PSO:Verify Certificate."""
        return self.body.raw + tlv.encode(0x5F37, self.signature)

    @property
    def car(self) -> str:
        return self.body.car

    @property
    def chr(self) -> str:
        return self.body.chr

    @property
    def chat(self) -> Chat:
        return self.body.chat

    @property
    def role(self) -> Role:
        return self.body.chat.role

    @property
    def public_key(self) -> CvPublicKey:
        return self.body.public_key

    @property
    def effective_date(self) -> dt.date:
        return self.body.effective_date

    @property
    def expiration_date(self) -> dt.date:
        return self.body.expiration_date

    @property
    def is_self_signed(self) -> bool:
        """True for a CVCA root: CAR equals CHR."""
        return self.body.car == self.body.chr
