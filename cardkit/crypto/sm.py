"""Secure messaging (Doc 9303-11 §9.8, ISO/IEC 7816-4 §6): wrap commands, unwrap responses.

How it works, and the rules this module keeps:
- pure objects holding the session keys and the send sequence counter (SSC); no I/O;
- the terminal side (``SecureMessaging``) increments the SSC before wrapping each command and
  again before checking each response; the chip side (``ChipSecureMessaging``) mirrors it;
- commands: CLA |= 0C; data padded (ISO/IEC 9797-1 method 2) and encrypted into DO87
  (``01`` || cryptogram) for even INS, or DO85 (cryptogram only) for odd INS, whose data is
  BER-TLV; Le goes into DO97 (one byte, ``00`` = 256; two bytes above 256); DO8E is the MAC over
  SSC || pad(masked header) || DOs, padded; the protected APDU carries Le 00 (0000 when extended);
- 3DES: CBC with IV 0, retail MAC; AES: CBC with IV = E(KS_enc, SSC), CMAC cut to 8 bytes;
- responses are parsed strictly: [DO87 | DO85] DO99 DO8E in that order and nothing else; the MAC is
  compared in constant time. A wrong MAC or structure raises ``SecureMessagingError`` and the object
  refuses every later call (the chip has dropped its keys too, so the session is over).
- a chip may answer an *error* status word without SM (ISO/IEC 7816-4 §10.2, e.g. a plain 6A82 or
  6982). The terminal accepts such a plain, data-less response only when its SW is not 9000, 62xx
  or 63xx (those must be protected), returns it as is and stays usable; the caller sees the status
  word and decides. A plain 9000/62xx/63xx or a plain response with data is an SM error.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import tlv
from ..algorithms import Cipher
from ..errors import ParseError, SecureMessagingError
from ..iso7816 import CommandApdu, ResponseApdu
from ._primitives import cbc_decrypt, cbc_encrypt, ecb_encrypt, mac, mac_equal, pad, unpad

__all__ = ["SessionKeys", "SecureMessaging", "ChipSecureMessaging"]


@dataclass(frozen=True)
class SessionKeys:
    """KS_enc, KS_mac, the initial SSC and the cipher of an SM session (repr redacted)."""

    ks_enc: bytes
    ks_mac: bytes
    ssc: bytes
    cipher: Cipher

    def __post_init__(self) -> None:
        if not isinstance(self.cipher, Cipher):
            raise TypeError(f"cipher must be a cardkit.algorithms.Cipher, not {type(self.cipher).__name__}")
        bs = self.cipher.block_size
        if len(self.ssc) != bs:
            raise ValueError(f"SSC of {len(self.ssc)} bytes for {self.cipher} (expected {bs})")

    def __repr__(self) -> str:
        return f"SessionKeys(cipher={self.cipher.value!r}, <redacted>)"


class _Channel:
    """State shared by both sides: keys, SSC, crypto of one message."""

    def __init__(self, keys: SessionKeys) -> None:
        self._keys = keys
        self._bs = keys.cipher.block_size
        self._ssc = int.from_bytes(keys.ssc, "big")
        self._broken = False
        self._pending = False  # a command is wrapped (terminal) / unwrapped (chip) and awaits its response

    def __repr__(self) -> str:
        return f"{type(self).__name__}(cipher={self._keys.cipher.value!r}, <redacted>)"

    @property
    def cipher(self) -> Cipher:
        """The session cipher."""
        return self._keys.cipher

    @property
    def ssc(self) -> bytes:
        """The current send sequence counter."""
        return self._ssc.to_bytes(self._bs, "big")

    @property
    def broken(self) -> bool:
        """True once an SM error has ended the session."""
        return self._broken

    def _next_ssc(self) -> bytes:
        self._ssc = (self._ssc + 1) % (1 << (8 * self._bs))
        return self.ssc

    def _alive(self, step: str) -> None:
        if self._broken:
            raise SecureMessagingError("session ended after an earlier secure-messaging error", step=step)

    def _fail(self, message: str, step: str) -> SecureMessagingError:
        self._broken = True
        return SecureMessagingError(message, step=step)

    def _second_half(self, step: str, out_of_turn: str) -> bytes:
        """Start the second message of an exchange (the response): the command must have come first.

        Returns the SSC for it; a response out of turn ends the session with ``out_of_turn``.
        """
        self._alive(step)
        if not self._pending:
            raise self._fail(out_of_turn, step)
        self._pending = False
        return self._next_ssc()

    def _iv(self, ssc: bytes) -> bytes | None:
        # 3DES uses a zero IV; AES uses E(KS_enc, SSC) (Doc 9303-11 §9.8.6.1).
        if self._keys.cipher is Cipher.TDES:
            return None
        return ecb_encrypt(self._keys.ks_enc, ssc, self._keys.cipher)

    def _encrypt(self, data: bytes, ssc: bytes) -> bytes:
        return cbc_encrypt(self._keys.ks_enc, pad(data, self._bs), self._keys.cipher, self._iv(ssc))

    def _decrypt(self, data: bytes, ssc: bytes, step: str) -> bytes:
        if not data or len(data) % self._bs:
            raise self._fail(f"cryptogram of {len(data)} bytes is not whole blocks", step)
        plain = cbc_decrypt(self._keys.ks_enc, data, self._keys.cipher, self._iv(ssc))
        try:
            return unpad(plain)
        except ValueError:
            raise self._fail("decrypted data has no padding", step) from None

    def _seal_data(self, data: bytes, ssc: bytes, odd: bool) -> bytes:
        """The encrypted-data DO of a message, or nothing when it has no data.

        Odd INS carries BER-TLV data, so the cryptogram goes into DO85 without the padding-indicator
        byte; even INS uses DO87 = 01 || cryptogram. A response uses the form of its command.
        """
        if not data:
            return b""
        crypt = self._encrypt(data, ssc)
        return tlv.encode(0x85, crypt) if odd else tlv.encode(0x87, b"\x01" + crypt)

    def _open_data(self, dos: dict[int, bytes], ssc: bytes, step: str) -> bytes:
        """Decrypt the DO87 or DO85 of a parsed, MAC-checked message; empty when it has neither."""
        if 0x87 in dos:
            v = dos[0x87]
            if not v or v[0] != 0x01:
                raise self._fail("DO87 without padding indicator 01", step)
            return self._decrypt(v[1:], ssc, step)
        if 0x85 in dos:
            return self._decrypt(dos[0x85], ssc, step)
        return b""

    def _mac(self, ssc: bytes, data: bytes) -> bytes:
        return mac(self._keys.ks_mac, pad(ssc + data, self._bs), self._keys.cipher)


def _encode_le(le: int) -> bytes:
    # DO97: one byte for Le up to 256 (00 = 256), two bytes above (0000 = 65536).
    if le <= 256:
        return bytes([le & 0xFF])
    return (le & 0xFFFF).to_bytes(2, "big")


def _decode_le(value: bytes) -> int:
    if len(value) == 1:
        return value[0] or 256
    if len(value) == 2:
        return int.from_bytes(value, "big") or 65536
    raise ParseError(f"DO97 of {len(value)} bytes", what="SM command", path=(0x97,))


def _parse_dos(data: bytes, order: tuple[tuple[int, ...], ...], what: str) -> dict[int, bytes]:
    """Parse DOs that must appear in the given order (each slot: allowed tags), at most once each.

    The key -1 holds the offset where the last DO (the MAC) starts: the MAC covers what precedes it.
    """
    out: dict[int, bytes] = {}
    slot = 0
    for t in tlv.iter_tlvs(data):
        while slot < len(order) and t.tag not in order[slot]:
            slot += 1
        if slot == len(order):
            raise ParseError(f"unexpected or misplaced tag {t.tag:X}", what=what, offset=t.start)
        out[t.tag] = t.value
        out[-1] = t.start  # type: ignore[assignment]
        slot += 1
    return out


class SecureMessaging(_Channel):
    """Terminal side of SM: ``wrap`` each command, then ``unwrap`` its response (Doc 9303-11 §9.8)."""

    def wrap(self, cmd: CommandApdu) -> CommandApdu:
        """Protect a plain command APDU.

        Raises:
            SecureMessagingError: the session already failed, or the previous response was not unwrapped.
        """
        step = f"SM wrap {cmd.ins:02X}"
        self._alive(step)
        if self._pending:
            raise self._fail("a command was wrapped before the previous response was unwrapped", step)
        if cmd.cla & 0x0C:
            raise SecureMessagingError(f"CLA {cmd.cla:02X} already announces secure messaging", step=step)
        ssc = self._next_ssc()
        cla = cmd.cla | 0x0C
        header = bytes((cla, cmd.ins, cmd.p1, cmd.p2))
        dos = self._seal_data(cmd.data, ssc, odd=bool(cmd.ins & 1))
        if cmd.le is not None:
            dos += tlv.encode(0x97, _encode_le(cmd.le))
        cc = self._mac(ssc, pad(header, self._bs) + dos)
        body = dos + tlv.encode(0x8E, cc)
        extended = cmd.extended or cmd.needs_extended or len(body) > 255
        self._pending = True
        return CommandApdu(cla, cmd.ins, cmd.p1, cmd.p2, body, le=65536 if extended else 256, extended=extended)

    def unwrap(self, resp: ResponseApdu) -> ResponseApdu:
        """Check and decrypt a protected response; returns the plain data and the DO99 status word.

        Raises:
            SecureMessagingError: missing or wrong MAC, malformed DOs, bad padding, or an earlier failure.
        """
        step = "SM unwrap"
        ssc = self._second_half(step, "a response was unwrapped without a wrapped command")
        if not resp.data:
            sw1 = resp.sw >> 8
            if resp.sw != 0x9000 and sw1 not in (0x62, 0x63):
                # Plain error status: allowed by ISO/IEC 7816-4; see the module header.
                return ResponseApdu(b"", resp.sw)
            raise self._fail(f"unprotected response with status {resp.sw:04X}", step)
        try:
            dos = _parse_dos(resp.data, ((0x85, 0x87), (0x99,), (0x8E,)), "SM response")
        except ParseError as e:
            raise self._fail(f"malformed response data objects ({e})", step) from None
        if 0x8E not in dos:
            raise self._fail("response has no MAC (DO8E)", step)
        if 0x99 not in dos or len(dos[0x99]) != 2:
            raise self._fail("response has no 2-byte status (DO99)", step)
        if len(dos[0x8E]) != 8:
            raise self._fail("DO8E is not 8 bytes", step)
        if not mac_equal(self._mac(ssc, resp.data[: dos[-1]]), dos[0x8E]):
            raise self._fail("response MAC does not verify", step)
        return ResponseApdu(self._open_data(dos, ssc, step), int.from_bytes(dos[0x99], "big"))


class ChipSecureMessaging(_Channel):
    """Chip side of SM (used by the simulator): ``unwrap_command`` then ``wrap_response``."""

    def __init__(self, keys: SessionKeys) -> None:
        super().__init__(keys)
        self._odd = False

    def unwrap_command(self, cmd: CommandApdu) -> CommandApdu:
        """Check and decrypt a protected command (ISO/IEC 7816-4 §6; Doc 9303-11 §9.8).

        Raises:
            SecureMessagingError: not an SM command, wrong MAC, malformed DOs; the chip then answers
            6987/6988 and drops the session.
        """
        step = f"SM command {cmd.ins:02X}"
        self._alive(step)
        ssc = self._next_ssc()
        self._pending = True
        self._odd = bool(cmd.ins & 1)
        if cmd.cla & 0x0C != 0x0C:
            raise self._fail("command is not SM-protected (CLA)", step)
        try:
            dos = _parse_dos(cmd.data, ((0x85, 0x87), (0x97,), (0x8E,)), "SM command")
            le = _decode_le(dos[0x97]) if 0x97 in dos else None
        except ParseError as e:
            raise self._fail(f"malformed command data objects ({e})", step) from None
        if 0x8E not in dos or len(dos[0x8E]) != 8:
            raise self._fail("command has no 8-byte MAC (DO8E)", step)
        header = bytes((cmd.cla, cmd.ins, cmd.p1, cmd.p2))
        if not mac_equal(self._mac(ssc, pad(header, self._bs) + cmd.data[: dos[-1]]), dos[0x8E]):
            raise self._fail("command MAC does not verify", step)
        cla = cmd.cla & ~0x0C & 0xFF
        return CommandApdu(cla, cmd.ins, cmd.p1, cmd.p2, self._open_data(dos, ssc, step), le=le)

    def wrap_response(self, resp: ResponseApdu) -> ResponseApdu:
        """Protect a plain response: [DO87|DO85] DO99 DO8E, outer SW equal to DO99.

        Raises:
            SecureMessagingError: no command was unwrapped first, or the session failed.
        """
        step = "SM response"
        ssc = self._second_half(step, "a response was wrapped without an unwrapped command")
        dos = self._seal_data(resp.data, ssc, odd=self._odd)
        dos += tlv.encode(0x99, resp.sw.to_bytes(2, "big"))
        dos += tlv.encode(0x8E, self._mac(ssc, dos))
        return ResponseApdu(dos, resp.sw)
