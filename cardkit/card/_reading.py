"""Reading LDS files over a session's link (Doc 9303-10 §3.6): blocks, short FIDs, bounds, extended length.

``Session`` owns one ``FileReader`` and sends everything through its own ``transmit``; this module keeps
the rules of reading:
- ``read_file`` selects the EF by FID, reads the first 4 bytes, learns the total length from the TLV
  header, then reads the rest in ``block_size`` pieces: the order of the ICAO D.4 worked example.
  ``sfi=True`` reads the first piece with a short FID instead of SELECT. Offsets past 32 767 use
  odd-INS READ BINARY (B1, offset in DO54, data in DO53).
- ``fast_reads=True`` is the terminal's fast path (Doc 9303-10 §3.6 allows both): the first READ
  BINARY asks a whole block at offset 0 by short FID and the header is taken from it, so a file
  of up to one block costs one APDU. It falls back, once per session, where the chip says no: a
  short FID refused (6A86, 6A81, 6B00, 6986, 6981, 6F00; or 6A82, 6982, 6985 when SELECT then finds
  the file, asked until a short-FID read has worked) means SELECT by FID from then on; a whole first
  block refused as too long (6700) means the 4-byte header read from then on.
- Bounded reads: a header claiming more than the file can hold (``cardkit.lds.files.MAX_SIZES``,
  raised per file by ``max_sizes``) is refused before anything more is read.
- Block size: short APDUs carry at most 256 bytes back; under SM the cryptogram, DO99 and
  DO8E must fit too, so a short block is capped at 0xDF (AES) / 0xE7 (3DES), and an extended
  one below 65536 likewise. A block above 256 uses extended length when allowed:
  ``extended_length=True/False`` forces it; None reads the ATR's card capabilities (ISO 7816-4
  §12.1.1). With ``fast_reads`` and no ``block_size`` the block is the largest the chip allows:
  short APDUs' cap, or the extended cap when the ATR advertises extended length. An extended
  length not forced is tried: when the ATR is silent and a block above 256 was asked, or when
  the fast path takes the ATR's word, the first large READ BINARY is the probe, and a chip
  answering 6700/6F00 gets short APDUs from then on (a chip that ends SM instead raises
  SecureMessagingError saying to use ``extended_length=False``).
"""

from __future__ import annotations

import collections.abc
import functools
import logging
import time
from typing import Callable, Protocol

from .. import tlv
from ..algorithms import Cipher
from ..crypto.sm import SecureMessaging
from ..errors import ParseError, ProtocolError, SecureMessagingError, StatusWordError
from ..lds._base import MAX_FILE_SIZE
from ..lds.files import LdsFileId, by_name
from .apdu import SW_END_OF_FILE, SW_OK, CommandApdu, ResponseApdu, check_sw
from .atr import extended_length_supported

__all__ = ["FileReader", "MAX_FILE_SIZE", "MAX_SHORT_OFFSET", "block_data_odd"]

log = logging.getLogger("cardkit.card.session")

MAX_SHORT_OFFSET = 0x7FFF  # READ BINARY B0 P1P2 offset limit (P1 bit 8 clear)
_EXTENDED_REFUSED = (0x6700, 0x6F00)  # wrong length / no diagnosis: how chips refuse an extended Le
# How a chip that does not take short FIDs answers READ BINARY with P1 = 80|SFI (ISO 7816-4 §11.2.3):
# wrong P1-P2, function not supported, offset outside the EF (P1 read as an offset), no current EF,
# incompatible file structure, no precise diagnosis (the JMRTD applet reads P1-P2 as a negative
# offset); SELECT then settles it. Until a short-FID read has worked, "not found", "security status
# not satisfied" and "conditions of use not satisfied" may be the chip's answer to the short FID
# itself too (the JMRTD applet answers 6982 before BAC, 6985 with no current EF): SELECT settles those
# (the file may really be absent or protected, and short FIDs may still work); after, they are the file's.
_SFI_REFUSED = (0x6A86, 0x6A81, 0x6B00, 0x6986, 0x6981, 0x6F00)
_SFI_UNPROVEN = (0x6A82, 0x6982, 0x6985)


class Link(Protocol):
    """What the reader sends through: the session (secure messaging, counting, trace)."""

    secure_messaging: SecureMessaging | None
    apdu_count: int

    def transmit(self, cmd: CommandApdu, *, step: str | None = None) -> ResponseApdu: ...


@functools.lru_cache(maxsize=None)
def sm_block_cap(limit: int, cipher: Cipher) -> int:
    """Largest plain READ BINARY block whose protected response fits ``limit`` bytes (Doc 9303-11 §9.8.5).

    The response is DO87 (01 and the padded cryptogram), DO99 (4 bytes) and DO8E (10 bytes): 0xDF (AES)
    or 0xE7 (3DES) for a short response of 256 bytes, 65503 (AES) or 65511 (3DES) for an extended one.
    """
    bs = cipher.block_size
    n = limit
    while n > 1:
        padded = (n // bs + 1) * bs
        if 1 + len(tlv.encode_length(1 + padded)) + 1 + padded + 4 + 10 <= limit:
            return n
        n -= 1
    return 1


class FileReader:
    """The read path of one session: its block size, extended-length trial and fast-path fallbacks."""

    def __init__(
        self,
        link: Link,
        atr: Callable[[], bytes | None],
        block_size: int | None,
        *,
        extended_length: bool | None,
        fast_reads: bool,
        max_sizes: collections.abc.Mapping[str, int] | None,
    ) -> None:
        """See ``Session``; ``atr`` gives the chip's ATR when the extended-length question is first asked.

        Raises:
            ValueError: a block size outside 1..65536, or an unknown file or a limit outside
                1..MAX_FILE_SIZE in ``max_sizes``.
        """
        self._auto_block = block_size is None
        if block_size is None:
            block_size = 0xDF
        if not 1 <= block_size <= 65536:
            raise ValueError(f"block size {block_size} outside 1..65536")
        limits = {}
        for file_name, limit in (max_sizes or {}).items():
            by_name(file_name)  # KeyError names an unknown file
            if not 1 <= limit <= MAX_FILE_SIZE:
                raise ValueError(f"size limit {limit} for {file_name} outside 1..{MAX_FILE_SIZE}")
            limits[file_name] = limit
        self._link = link
        self._atr = atr
        self._max_sizes = limits
        self.fast_reads = fast_reads
        self.block_size = block_size
        self.extended_asked = extended_length
        self._extended = extended_length
        self._probing = False
        self._sfi_ok = True  # fast path: cleared once the chip refuses a short-FID READ BINARY
        self._sfi_works = False  # fast path: set once a short-FID READ BINARY succeeded (then 6A82 means absent ...)
        self._whole_first = True  # fast path: cleared once the chip refuses a first block longer than the file

    @property
    def extended_length(self) -> bool:
        """Whether extended-length APDUs are used for blocks above 256 bytes."""
        if self._extended is None:
            said = extended_length_supported(self._atr())
            # An ATR that does not tell (most contactless chips behind PC/SC): probe with the
            # first large READ BINARY and fall back to short length if the chip refuses it. The
            # fast path's own large block takes the ATR's word the same way, on trial.
            silent_probe = said is None and self.block_size > 256
            self._probing = silent_probe or bool(said and self.fast_reads and self._auto_block)
            self._extended = True if silent_probe else bool(said)
        return self._extended

    def extended_allowed(self) -> bool:
        """Whether a command may go extended without trial: asked for, or advertised by the ATR."""
        if self.extended_asked is not None:
            return self.extended_asked
        return bool(extended_length_supported(self._atr()))

    def select_file(self, fid: int, step: str | None = None) -> None:
        """SELECT an EF by FID under the current DF (00 A4 02 0C 02 FID; never the MF)."""
        step = step or f"SELECT {fid:04X}"
        check_sw(self._link.transmit(CommandApdu(0x00, 0xA4, 0x02, 0x0C, fid.to_bytes(2, "big")), step=step), step)

    def _cap(self, limit: int) -> int:
        sm = self._link.secure_messaging
        return sm_block_cap(limit, sm.cipher) if sm is not None else limit


    def effective_block_size(self) -> int:
        """The READ BINARY block actually used, after the short-length / SM caps.

        With ``fast_reads`` and no ``block_size`` asked: the largest the chip allows (extended when its
        ATR advertises it).
        """
        if self.fast_reads and self._auto_block:
            return self._cap(65536) if self.extended_length else self._cap(256)
        if self.block_size > 256 and self.extended_length:
            return min(self.block_size, self._cap(65536))
        return min(self.block_size, self._cap(256))

    def max_size(self, name: str) -> int:
        """The most bytes file ``name`` may claim in its header: ``max_sizes`` or ``cardkit.lds.files``."""
        return self._max_sizes.get(name, by_name(name).max_size)

    def read_binary(self, offset: int, n: int, what: str, sfi: int | None = None) -> bytes:
        """One READ BINARY of up to ``n`` bytes at ``offset`` (B0, B0 with SFI, or B1 past 32767)."""
        step = f"READ BINARY {what} offset {offset}"
        if offset > MAX_SHORT_OFFSET:
            return self._read_binary_odd(offset, n, what)
        if sfi is not None:
            p1, p2 = 0x80 | sfi, offset
        else:
            p1, p2 = offset >> 8, offset & 0xFF
        resp = self._link.transmit(CommandApdu(0x00, 0xB0, p1, p2, le=n), step=step)
        check_sw(resp, step, accept=(SW_OK, SW_END_OF_FILE))
        if len(resp.data) > n:
            raise ProtocolError(f"chip returned {len(resp.data)} bytes for Le {n}", step=step)
        return resp.data

    def _read_binary_odd(self, offset: int, want: int, what: str) -> bytes:
        # Odd INS: the data comes wrapped in DO53; Le covers the DO53 header and the data.
        step = f"READ BINARY (B1) {what} offset {offset}"
        le = want + _do53_overhead(want)
        off = offset.to_bytes(max(1, (offset.bit_length() + 7) // 8), "big")
        resp = self._link.transmit(CommandApdu(0x00, 0xB1, 0x00, 0x00, tlv.encode(0x54, off), le=le), step=step)
        check_sw(resp, step, accept=(SW_OK, SW_END_OF_FILE))
        try:
            do53 = tlv.decode(resp.data)
        except ParseError as e:
            raise ProtocolError(f"response is not a DO53 ({e})", step=step) from None
        if do53.tag != 0x53:
            raise ProtocolError(f"response tag {do53.tag:X}, expected 53", step=step)
        if do53.length > want:
            raise ProtocolError(f"chip returned {do53.length} bytes for {want} asked", step=step)
        return do53.value

    def read_file(self, name: str, sfi: bool = False) -> bytes:
        """Read a whole LDS file: SELECT (or short FID), 4-byte header, then blocks (Doc 9303-10 §3.6).

        With ``fast_reads`` the session's fast path is used instead (module header), whatever ``sfi``.

        Args:
            name: "EF.CardAccess", "EF.COM", "DG1".."DG16", "EF.SOD".
            sfi: read the first block with a short FID (P1 = 80|SFI), saving the SELECT.

        Raises:
            KeyError: unknown file name.
            StatusWordError: e.g. 6A82 (not on the chip) or 6982 (protected: report NOT_SUPPORTED).
            ParseError: a header that is malformed, of another file, or longer than the file can be.
            ProtocolError: a header the chip cannot back up, a short read, an oversized answer.
        """
        t0, apdus = time.perf_counter(), self._link.apdu_count
        data = self._read_whole(name, sfi)
        log.info("read %s: %d bytes, %d APDUs, %.1f ms", name, len(data), self._link.apdu_count - apdus,
                 (time.perf_counter() - t0) * 1000)
        return data

    def _read_whole(self, name: str, sfi: bool) -> bytes:
        f = by_name(name)
        if self.fast_reads:
            buf = self._first_block(f)
        elif sfi:
            buf = bytearray(self.read_binary(0, 4, name, sfi=f.sfi))
        else:
            self.select_file(f.fid, step=f"SELECT {name}")
            buf = bytearray(self.read_binary(0, 4, name))
        try:
            header = tlv.read_header(bytes(buf))
            if isinstance(header, tlv.Incomplete) and len(buf) == 4:
                # the 4 bytes asked came back and a long-form length (files over 64 KiB) goes on past them;
                # fewer bytes back mean the file itself ends inside its header
                buf += self.read_binary(4, max(4, header.needed), name)
                header = tlv.read_header(bytes(buf))
            if isinstance(header, tlv.Incomplete):
                raise ParseError("file header is truncated", what=name, offset=0)
            tag, start, length = header
        except ParseError as e:
            raise e.within(source=name) from None
        if f.tag is not None and tag != f.tag:
            raise ParseError(f"file starts with tag {tag:X}, expected {f.tag:X}", what=name, offset=0)
        total = start + length
        limit = self.max_size(name)
        if total > limit:
            raise ParseError(f"file claims {total} bytes, more than {name} can hold (limit {limit})", what=name, offset=0)
        del buf[total:]
        block = self.effective_block_size()
        # A chip may answer fewer bytes than asked (some cap their answers below Le), so short reads are
        # tolerated, but only so many: a hostile chip must not make us send one APDU per byte of a
        # header-claimed 1 MiB. Four times the expected number of blocks leaves room for honest quirks
        # (counted in short blocks, since a refused extended-length probe falls back to them).
        reads_left = 4 * (-(-(total - len(buf)) // max(1, min(block, 0xDF)))) + 16
        while len(buf) < total:
            if reads_left == 0:
                raise ProtocolError(f"chip answers too little per READ BINARY: {len(buf)} of {total} bytes "
                                    f"after the allowed number of reads", step=f"READ BINARY {name}")
            reads_left -= 1
            n = block if len(buf) <= MAX_SHORT_OFFSET else block_data_odd(block)
            chunk = self._read_block(len(buf), min(n, total - len(buf)), name)
            if chunk is None:  # extended length refused: short blocks from now on
                block = self.effective_block_size()
                continue
            if not chunk:
                raise ProtocolError(f"chip returned no data at offset {len(buf)} of {total}",
                                    step=f"READ BINARY {name}")
            buf += chunk
        return bytes(buf)

    def _read_block(self, offset: int, n: int, name: str, sfi: int | None = None) -> bytes | None:
        """One READ BINARY; None when it was an extended-length trial the chip refused (see ``extended_length``)."""
        try:
            chunk = self.read_binary(offset, n, name, sfi=sfi)
        except SecureMessagingError as e:
            if self._probing and n > 256:
                raise SecureMessagingError(
                    f"{e}; the chip ended secure messaging on an extended-length READ BINARY it was not known "
                    f"to take: read it again with extended_length=False") from None
            raise
        except StatusWordError as e:
            if not (self._probing and n > 256 and e.sw in _EXTENDED_REFUSED):
                raise
            self._probing, self._extended = False, False  # the trial failed: short APDUs from now on
            return None
        if n > 256:
            self._probing = False
        return chunk

    def _first_block(self, f: LdsFileId) -> bytearray:
        """The fast path's first READ BINARY: offset 0, a whole block, by short FID while the chip takes them."""
        selected = False
        while True:
            n = self.effective_block_size() if self._whole_first else 4
            sfi = f.sfi if self._sfi_ok and not selected else None
            if sfi is None and not selected:
                self.select_file(f.fid, step=f"SELECT {f.name}")
                selected = True
            try:
                chunk = self._read_block(0, n, f.name, sfi=sfi)
            except StatusWordError as e:
                if sfi is not None and (e.sw in _SFI_REFUSED or e.sw in _SFI_UNPROVEN and not self._sfi_works):
                    # SELECT settles it: 6A82 again means the file is absent (and short FIDs may still work)
                    self.select_file(f.fid, step=f"SELECT {f.name}")
                    self._sfi_ok, selected = False, True
                    continue
                if e.sw == 0x6700 and n > 4 and n <= 256:
                    self._whole_first = False  # the chip wants Le within the file: read the header first
                    continue
                raise
            if chunk is not None:
                self._sfi_works = self._sfi_works or sfi is not None
                return bytearray(chunk)

def _do53_overhead(n: int) -> int:
    """Bytes DO53's tag and length add around ``n`` data bytes."""
    return 1 + len(tlv.encode_length(n))


def block_data_odd(block: int) -> int:
    """Data bytes one odd-INS READ BINARY returns when the whole DO53 must fit in ``block``."""
    n = block - _do53_overhead(block)
    while n + _do53_overhead(n) < block:
        n += 1
    while n + _do53_overhead(n) > block:
        n -= 1
    return max(1, n)
