"""A hostile or broken chip gets typed errors and never a GENUINE verdict out of the terminal.

Whatever a chip answers, the terminal side (``cardkit.card.Session``, ``cardkit.inspect.inspect``)
may only raise ``cardkit.errors.CardkitError`` subclasses: never IndexError, ValueError, KeyError,
TypeError or an asn1crypto error. Reads are bounded: a file header claiming 4 GB is refused before
anything is allocated or read. And a chip that changes what the issuer wrote (or answers another
file than the one selected) is never judged GENUINE.

Three kinds of hostile chip, driven by hypothesis:
- ``RandomTransport``: no chip at all, every answer drawn (random bytes, TLV-shaped data, dynamic
  authentication data, oversize headers, every interesting status word, answers too short to hold
  a status word).
- ``HostileChip``: the real simulator with a real card's files and keys, whose PLAIN answers are
  changed before secure messaging wraps them, so the terminal's MAC checks pass and its parsers see
  the garbage: bytes flipped, data replaced, truncated, padded, status words changed, another file's
  content, oversize headers.
- ``WireMutator``: a man in the middle changing the raw protected answers (DO87/DO99/DO8E): only
  SecureMessagingError, and no changed byte gets through.
- The same chips seen through ``inspect``: the report must come back, and GENUINE only when every
  data group the report holds is the one the issuer wrote (and the signed part of EF.SOD).
Bounded reads are checked with a chip whose file headers claim gigabytes. Known findings are strict
xfails at the end (they turn into failures the day they are fixed, so the marker gets removed).
CARDKIT_HOSTILE_EXAMPLES=n runs n random examples per property instead of the fixed ones.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardkit import tlv
from cardkit.card import AccessKey, Session, SimulatorTransport
from cardkit.crypto.pace import Password
from cardkit.errors import ProtocolError, CardkitError, CardRemovedError, ParseError
from cardkit.iso7816 import CommandApdu, ResponseApdu
from cardkit.lds.files import by_fid
from cardkit.lds.security_infos import PaceInfo
from simulators.emrtd import EmrtdChip
from tests.support.cards import make_td1_card, make_td3_card

CAN = "654321"
PACE_GM_AES128_BP256 = PaceInfo("0.4.0.127.0.7.2.2.4.2.2", 2, 13)
SWS = (0x9000, 0x6282, 0x6300, 0x63C1, 0x6700, 0x6881, 0x6982, 0x6985, 0x6987, 0x6988, 0x6A80, 0x6A82,
       0x6B00, 0x6C10, 0x6F00, 0x6100)
OVERSIZE_HEADERS = (
    bytes.fromhex("6184FFFFFFFF"),  # DG1 claiming 4 GiB
    bytes.fromhex("77847FFFFFFF"),  # EF.SOD claiming 2 GiB
    bytes.fromhex("7583FFFFFF"),  # DG2 claiming 16 MiB
    bytes.fromhex("618500FFFFFFFF"),  # five length bytes
    bytes.fromhex("6180"),  # indefinite length (not DER)
    bytes.fromhex("6E8201"),  # header cut inside the length
    bytes.fromhex("1F"),  # a tag that never ends
)
# Fixed examples by default (the suite stays fast and repeatable); CARDKIT_HOSTILE_EXAMPLES=n explores n random ones.
_EXPLORE = int(os.environ.get("CARDKIT_HOSTILE_EXAMPLES", "0"))
HOSTILE = settings(max_examples=_EXPLORE or 80, deadline=None, suppress_health_check=list(HealthCheck),
                   derandomize=not _EXPLORE)
INSPECT = settings(HOSTILE, max_examples=_EXPLORE or 80)


def _typed(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one terminal step: a CardkitError is a fine answer to a hostile chip, anything else fails the test."""
    try:
        return fn(*args, **kwargs)
    except CardkitError as e:
        return e


class Card(tuple):
    """(chip, trust, info) with a short repr: hypothesis prints its arguments when an example fails."""

    def __repr__(self) -> str:
        return f"Card({self[2].document_number})"


@pytest.fixture(scope="module")
def td1(tmp_path_factory):
    # A small face keeps a whole inspection near 40 APDUs, so the drawn attack positions cover all of it.
    return Card(make_td1_card(tmp_path_factory.mktemp("hostile-td1"), can=CAN, face_size=1500))


@pytest.fixture(scope="module")
def td3(tmp_path_factory):
    return Card(make_td3_card(tmp_path_factory.mktemp("hostile-td3"), face_size=1500))


# --- a transport that answers anything -----------------------------------------------------------------


def _dyn_auth() -> st.SearchStrategy[bytes]:
    inner = st.lists(st.tuples(st.sampled_from([0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88]),
                               st.binary(max_size=70)), max_size=3)
    return inner.map(lambda dos: tlv.encode(0x7C, b"".join(tlv.encode(t, v) for t, v in dos)))


def _tlv_file() -> st.SearchStrategy[bytes]:
    tags = st.sampled_from([0x60, 0x61, 0x75, 0x6B, 0x6D, 0x6E, 0x6F, 0x77, 0x31, 0x30, 0x53, 0x7C])
    return st.tuples(tags, st.binary(max_size=120)).map(lambda t: tlv.encode(t[0], t[1]))


BODIES = st.one_of(
    st.binary(max_size=64),
    st.binary(min_size=200, max_size=300),
    _dyn_auth(),
    _tlv_file(),
    st.sampled_from(OVERSIZE_HEADERS),
    st.tuples(_tlv_file(), st.integers(0, 40)).map(lambda t: t[0][: t[1]]),  # truncated TLV
)
ANSWERS = st.one_of(
    st.tuples(BODIES, st.sampled_from(SWS)).map(lambda t: t[0] + t[1].to_bytes(2, "big")),
    st.tuples(BODIES, st.integers(0, 0xFFFF)).map(lambda t: t[0] + t[1].to_bytes(2, "big")),
    st.binary(max_size=1),  # no status word: the link must say so (TransportError)
)


class RandomTransport:
    """Answers every command with a drawn response; after ``limit`` answers the card is 'pulled'."""

    def __init__(self, data: Any, limit: int = 60) -> None:
        self.data = data
        self.limit = limit
        self.count = 0

    def transmit(self, apdu: bytes) -> bytes:
        self.count += 1
        if self.count > self.limit:
            raise CardRemovedError("random card pulled")
        return self.data.draw(ANSWERS)


@settings(HOSTILE, max_examples=_EXPLORE or 120)
@given(data=st.data())
def test_random_answers_give_only_typed_errors(td1, data):
    _chip, _trust, info = td1
    s = Session(RandomTransport(data), rng=lambda n: bytes(n))
    _typed(s.select_application)
    _typed(s.bac, info.mrz_information)
    for name in ("EF.CardAccess", "EF.COM", "DG1", "EF.SOD"):
        _typed(s.read_file, name)
    _typed(s.read_file, "DG1", sfi=True)
    _typed(s.pace, Password.can(CAN))  # reads EF.CardAccess first, then picks a PACEInfo
    _typed(s.pace, Password.can(CAN), PACE_GM_AES128_BP256)
    _typed(s.pace, Password.mrz(info.mrz_information), PaceInfo("0.4.0.127.0.7.2.2.4.1.2", 2, 0))  # DH GM
    _typed(s.chip_authentication, info.files["DG14"])
    _typed(s.active_authentication, info.files["DG15"], info.files["DG14"])


# --- the real chip, with its plain answers changed before SM wraps them ------------------------------------


class HostileChip(EmrtdChip):
    """The simulator with a hook between command processing and secure messaging."""

    hook: Any = None

    def _dispatch(self, cmd: CommandApdu, protected: bool) -> ResponseApdu:
        resp = super()._dispatch(cmd, protected)
        return self.hook(self, cmd, resp, protected) if self.hook is not None else resp


def hostile_copy(chip: EmrtdChip) -> HostileChip:
    """A HostileChip with the files, secrets and life cycle of ``chip`` (files copied: each example gets its own)."""
    h = HostileChip(options=chip.options)
    h.files = {fid: bytearray(b) for fid, b in chip.files.items()}
    h.secrets = chip.secrets
    h.life_cycle = chip.life_cycle
    return h


ACTIONS = ("pass", "flip", "replace", "truncate", "sw", "append", "other_file", "oversize_header", "empty")


class Mutator:
    """Changes the answers at a few drawn positions (so attacks reach deep into the flow); remembers what changed."""

    def __init__(self, data: Any, chip: EmrtdChip, *, only_protected: bool, files: dict[str, bytes],
                 only_ins: tuple[int, ...] = ()) -> None:
        self.data = data
        self.only_protected = only_protected
        self.only_ins = only_ins
        self.files = files
        # which answers (counted among those the mutator may touch) are attacked: 0..45 covers a whole inspection
        self.targets = data.draw(st.sets(st.integers(0, 45), min_size=1, max_size=3), label="targets")
        self.seen = 0
        self.changed: list[tuple[int, str]] = []  # (INS, action) of every answer whose bytes changed
        self.selected: int | None = None

    def __call__(self, chip: EmrtdChip, cmd: CommandApdu, resp: ResponseApdu, protected: bool) -> ResponseApdu:
        if cmd.ins == 0xA4 and cmd.p1 in (0x00, 0x02) and len(cmd.data) == 2:
            self.selected = int.from_bytes(cmd.data, "big")
        if (self.only_protected and not protected) or (self.only_ins and cmd.ins not in self.only_ins):
            return resp
        self.seen += 1
        if self.seen - 1 not in self.targets:
            return resp
        action = ACTIONS[self.data.draw(st.integers(1, len(ACTIONS) - 1), label="action")]
        data, sw = resp.data, resp.sw
        if action == "flip" and data:
            i = self.data.draw(st.integers(0, len(data) - 1))
            data = data[:i] + bytes([data[i] ^ self.data.draw(st.integers(1, 255))]) + data[i + 1:]
        elif action == "replace":
            data = self.data.draw(st.binary(max_size=300))
        elif action == "truncate" and data:
            data = data[: self.data.draw(st.integers(0, len(data) - 1))]
        elif action == "sw":
            sw = self.data.draw(st.sampled_from(SWS))
        elif action == "append":
            data = data + self.data.draw(st.binary(min_size=1, max_size=40))
        elif action == "other_file" and cmd.ins == 0xB1 and data:
            data = tlv.encode(0x53, bytes(self.files["DG1"])[:40])  # well-formed DO53 with another file's bytes
        elif action == "other_file" and cmd.ins == 0xB0 and data:
            other = self.data.draw(st.sampled_from(sorted(chip.files)))
            off = ((cmd.p1 & 0x7F) << 8 | cmd.p2) if not cmd.p1 & 0x80 else cmd.p2
            data = bytes(chip.files[other][off: off + len(data)]) or data
        elif action == "oversize_header" and cmd.ins == 0xB0 and cmd.p2 == 0 and cmd.p1 in (0, *range(0x80, 0xA0)):
            data = self.data.draw(st.sampled_from(OVERSIZE_HEADERS))[: max(len(data), 1)]
        elif action == "empty":
            data = b""
        if (data, sw) != (resp.data, resp.sw):
            self.changed.append((cmd.ins, action))
            if os.environ.get("CARDKIT_HOSTILE_DEBUG"):
                print(f"HOSTILE {action} on {cmd.to_bytes().hex()} (selected {self.selected}): "
                      f"{resp.data.hex()}/{resp.sw:04X} -> {data.hex()}/{sw:04X}")
        return ResponseApdu(data, sw)


def _read_everything(s: Session, info: Any) -> None:
    for name in ("EF.COM", "DG1", "DG2", "DG14", "DG15", "EF.SOD"):
        _typed(s.read_file, name)
    _typed(s.read_file, "DG1", sfi=True)
    _typed(s.chip_authentication, info.files["DG14"])
    _typed(s.read_file, "DG1")
    _typed(s.active_authentication, info.files["DG15"], info.files["DG14"])


@HOSTILE
@given(data=st.data())
def test_garbage_under_pace_sm_gives_only_typed_errors(td1, data):
    chip, _trust, info = td1
    h = hostile_copy(chip)
    h.hook = Mutator(data, h, only_protected=True, files=info.files)
    s = Session(SimulatorTransport(h), rng=lambda n: bytes(range(1, n + 1)))
    if isinstance(_typed(s.pace, Password.can(CAN)), CardkitError):
        return  # the PACE exchange itself was under attack (its last answer is protected on some chips)
    _typed(s.select_application)
    _read_everything(s, info)


@HOSTILE
@given(data=st.data())
def test_hostile_chip_in_every_answer_gives_only_typed_errors(td3, data):
    """BAC passport: even GET CHALLENGE and EXTERNAL AUTHENTICATE answers are changed."""
    chip, _trust, info = td3
    h = hostile_copy(chip)
    h.hook = Mutator(data, h, only_protected=False, files=info.files)
    s = Session(SimulatorTransport(h), rng=lambda n: bytes(range(1, n + 1)))
    _typed(s.select_application)
    _typed(s.bac, info.mrz_information)
    for name in ("EF.COM", "DG1", "DG2", "DG15", "EF.SOD"):
        _typed(s.read_file, name)
    _typed(s.active_authentication, info.files["DG15"])


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A card whose DG2 (40 KB) is read past offset 32767 with odd-INS READ BINARY (B1, DO54/DO53)."""
    return Card(make_td1_card(tmp_path_factory.mktemp("hostile-big"), can=CAN, face_size=40_000))


@settings(HOSTILE, max_examples=_EXPLORE or 30)
@given(data=st.data())
def test_garbage_in_odd_ins_read_binary_gives_only_typed_errors(big, data):
    chip, _trust, info = big
    h = hostile_copy(chip)
    mut = Mutator(data, h, only_protected=True, files=info.files, only_ins=(0xB1,))
    mut.targets = {t % 40 for t in mut.targets}  # DG2's tail takes ~35 B1 reads
    h.hook = mut
    s = Session(SimulatorTransport(h), rng=lambda n: bytes(range(1, n + 1)))
    s.pace(Password.can(CAN), PACE_GM_AES128_BP256)
    s.select_application()
    got = _typed(s.read_file, "DG2")
    if isinstance(got, bytes):
        assert got == info.files["DG2"] or mut.changed, "DG2 changed with no attack recorded"


class WireMutator:
    """A transport between the terminal and the real chip that changes raw answers (SM data objects included)."""

    def __init__(self, chip: EmrtdChip, data: Any) -> None:
        self.inner = SimulatorTransport(chip)
        self.atr = self.inner.atr
        self.data = data
        self.armed = False
        self.count = 0
        self.targets = data.draw(st.sets(st.integers(0, 30), min_size=1, max_size=2), label="targets")

    def transmit(self, apdu: bytes) -> bytes:
        resp = self.inner.transmit(apdu)
        if not self.armed:
            return resp
        self.count += 1
        if self.count - 1 not in self.targets:
            return resp
        body, sw = resp[:-2], resp[-2:]
        how = self.data.draw(st.integers(0, 4), label="how")
        if how == 0 and body:
            i = self.data.draw(st.integers(0, len(body) - 1))
            body = body[:i] + bytes([body[i] ^ self.data.draw(st.integers(1, 255))]) + body[i + 1:]
        elif how == 1:
            body = body[: self.data.draw(st.integers(0, max(0, len(body) - 1)))]
        elif how == 2:
            body = self.data.draw(st.one_of(st.binary(max_size=80), _tlv_file(), _sm_objects()))
        elif how == 3:
            sw = self.data.draw(st.sampled_from(SWS)).to_bytes(2, "big")
        else:
            body = body + self.data.draw(st.binary(min_size=1, max_size=20))
        return body + sw


def _sm_objects() -> st.SearchStrategy[bytes]:
    """Secure-messaging response data objects with drawn contents: DO87 (padding indicator), DO99, DO8E."""
    do87 = st.tuples(st.sampled_from([b"", b"\x01", b"\x02", b"\x00"]), st.binary(max_size=48)).map(
        lambda t: tlv.encode(0x87, t[0] + t[1]))
    do99 = st.binary(max_size=3).map(lambda v: tlv.encode(0x99, v))
    do8e = st.binary(max_size=10).map(lambda v: tlv.encode(0x8E, v))
    return st.lists(st.one_of(do87, do99, do8e, st.binary(max_size=4)), max_size=4).map(b"".join)


@settings(HOSTILE, max_examples=_EXPLORE or 40)
@given(data=st.data())
def test_wire_garbage_under_secure_messaging_gives_only_typed_errors(td3, data):
    """A man in the middle (or a broken link) changes the protected answers: SecureMessagingError, never a crash."""
    chip, _trust, info = td3
    wire = WireMutator(chip, data)
    s = Session(wire, rng=lambda n: bytes(range(1, n + 1)))
    s.select_application()
    s.bac(info.mrz_information)
    wire.armed = True
    got = _typed(s.read_file, "DG1")
    if isinstance(got, bytes):
        assert got == info.files["DG1"], "SM let changed bytes through"
    _typed(s.read_file, "EF.COM")
    _typed(s.active_authentication, info.files["DG15"])


# --- bounded reads ---------------------------------------------------------------------------------------


class HeaderChip:
    """A plain chip whose every file starts with ``header`` and then answers zeros; counts READ BINARYs."""

    def __init__(self, header: bytes, chunk: int | None = None) -> None:
        self.header = header
        self.chunk = chunk
        self.reads = 0
        self.asked = 0

    def power_on(self) -> bytes:
        return bytes.fromhex("3B8080010101")

    def process_apdu(self, apdu: bytes) -> bytes:
        cmd = CommandApdu.from_bytes(apdu)
        if cmd.ins == 0xA4:
            return b"\x90\x00"
        if cmd.ins == 0xB0:
            self.reads += 1
            off = (cmd.p1 << 8 | cmd.p2) if not cmd.p1 & 0x80 else cmd.p2
            le = cmd.le or 256
            self.asked += le
            body = self.header + bytes(max(0, off + le - len(self.header)))
            drip = self.chunk is not None and off >= len(self.header)  # the header comes whole, then the drip
            out = body[off: off + (min(le, self.chunk) if drip else le)]
            return out + b"\x90\x00"
        return b"\x6d\x00"


@pytest.mark.parametrize("header", [h for h in OVERSIZE_HEADERS if len(h) >= 5])
def test_a_header_claiming_gigabytes_is_refused_before_reading(header):
    chip = HeaderChip(header)
    s = Session(SimulatorTransport(chip))
    t0 = time.monotonic()
    with pytest.raises(ParseError) as e:
        s.read_file(by_fid(0x0101).name if header[0] == 0x61 else {0x77: "EF.SOD", 0x75: "DG2"}[header[0]])
    assert time.monotonic() - t0 < 5
    assert chip.reads <= 2, "the terminal read on past a header it cannot accept"
    assert "claims" in str(e.value) or "length" in str(e.value).lower()


def test_a_file_at_the_size_limit_is_read_in_full_blocks_only():
    """A header under the 16 MiB cap is read in full blocks: the APDU count is bounded by size / block."""
    from cardkit.card.session import MAX_FILE_SIZE

    assert MAX_FILE_SIZE <= 1 << 24
    n = 30_000  # below 32767: B0 only
    chip = HeaderChip(tlv.encode(0x75, bytes(n))[:8])
    s = Session(SimulatorTransport(chip), block_size=0xDF)
    data = s.read_file("DG2")
    assert len(data) == n + 4
    assert chip.reads <= (n + 4) // 0xDF + 3


# --- the verification terminal ---------------------------------------------------------------------------


def _assert_verdict_sound(report: Any, info: Any, changed: list[tuple[int, str]]) -> None:
    if report.verdict != "GENUINE":
        return
    # GENUINE: the data the report holds is exactly what the issuer wrote ...
    for name, data in report.files.items():
        if name.startswith("DG"):
            assert data == info.files[name], f"GENUINE with a changed {name} (changes: {changed})"
        elif name == "EF.SOD":
            # Only what the signature covers must be the issuer's: SignedData has unsigned parts
            # (digestAlgorithms, the certificate set) a chip can change without breaking authenticity.
            from cardkit.lds import Sod

            got, want = Sod.from_bytes(data), Sod.from_bytes(info.files[name])
            assert (got.econtent, got.signer_info.signed_attrs, got.signer_info.signature) == (
                want.econtent, want.signer_info.signed_attrs, want.signer_info.signature), changed
    assert "DG1" in report.files and "EF.SOD" in report.files
    # ... and a changed INTERNAL AUTHENTICATE answer cannot have proved the chip.
    if any(ins == 0x88 and action in ("flip", "replace", "truncate", "append", "other_file", "empty")
           for ins, action in changed):
        aa = report.check("active_authentication")
        assert aa is None or aa.status.name != "PASSED", f"AA passed on a changed signature ({changed})"


@INSPECT
@given(data=st.data())
def test_inspect_never_raises_untyped_and_never_says_genuine_for_changed_data(td1, data):
    from cardkit.inspect import inspect

    chip, trust, info = td1
    h = hostile_copy(chip)
    mut = Mutator(data, h, only_protected=data.draw(st.booleans(), label="only_protected"), files=info.files)
    h.hook = mut
    try:
        report = inspect(SimulatorTransport(h), key=AccessKey.from_can(CAN), trust=trust, rng=lambda n: bytes(range(1, n + 1)))
    except CardkitError:
        return
    assert report.verdict in ("GENUINE", "DATA_AUTHENTIC_CHIP_NOT_PROVEN", "NOT_GENUINE", "INCOMPLETE")
    _assert_verdict_sound(report, info, mut.changed)
    report.to_dict()  # the report of a hostile chip renders too


@settings(HOSTILE, max_examples=_EXPLORE or 60)
@given(data=st.data())
def test_inspect_of_random_answers_is_never_genuine(td1, data):
    from cardkit.inspect import inspect

    _chip, trust, _info = td1
    try:
        report = inspect(RandomTransport(data, limit=40), key=AccessKey.from_can(CAN), trust=trust, rng=lambda n: bytes(n))
    except CardkitError:
        return
    assert report.verdict != "GENUINE"
    report.to_dict()


def test_passive_authentication_of_a_sod_with_a_damaged_ds_certificate_is_typed(td1):
    """Every bit flip inside the DS certificate a chip carries in EF.SOD: a typed error or a failed PA.

    (cryptography parses certificate fields lazily and raises ValueError / DuplicateExtension from
    the accessors; a flip once escaped as ValueError from the trust store's path building.)
    """
    from cardkit.lds import Sod
    from cardkit.pki.passive import passive_authentication

    _chip, trust, info = td1
    sod = info.files["EF.SOD"]
    cert = Sod.from_bytes(sod).certificate_ders[0]
    start = sod.index(cert)
    dgs = {int(n[2:]): b for n, b in info.files.items() if n.startswith("DG")}
    for i in range(start, start + len(cert), 2):
        for bit in (0x01, 0x80):
            bad = bytearray(sod)
            bad[i] ^= bit
            try:
                result = passive_authentication(bytes(bad), dgs, trust)
            except CardkitError:
                continue
            # A few bits are outside what any signature covers (e.g. the BIT STRING's unused-bits
            # byte of the certificate signature); everything else must fail.
            if result.passed:
                assert i - start >= len(cert) - 80, f"PA passed with bit {bit:02X} of DS certificate byte {i - start} flipped"


def test_inspect_of_a_chip_answering_another_files_content(td1, tmp_path):
    """A chip that answers DG2's bytes for DG1 (or DG1 of another card) is not GENUINE."""
    from cardkit.inspect import inspect

    chip, trust, info = td1
    h = hostile_copy(chip)
    h.files[0x0101] = bytearray(info.files["DG2"])  # DG1's FID holds DG2
    report = inspect(SimulatorTransport(h), key=AccessKey.from_can(CAN), trust=trust)
    assert report.verdict != "GENUINE"
    from cardkit.lds import Dg1
    from cardkit.mrz import Mrz

    other = Mrz.td1(document_number="X4RTBPFW4", issuing_state="FRA", date_of_birth="770412", sex="F",
                    date_of_expiry="290412", nationality="FRA", primary_identifier="MARTIN",
                    secondary_identifier="ELODIE")  # same document and key, another holder's name
    h = hostile_copy(chip)
    h.files[0x0101] = bytearray(Dg1.build(other).to_bytes())
    assert bytes(h.files[0x0101]) != info.files["DG1"]
    report = inspect(SimulatorTransport(h), key=AccessKey.from_can(CAN), trust=trust)
    assert report.verdict == "NOT_GENUINE"


def test_inspect_of_a_chip_with_a_4gb_header(td1):
    from cardkit.inspect import inspect

    chip, trust, _info = td1
    for name, fid in (("DG1", 0x0101), ("EF.SOD", 0x011D), ("DG2", 0x0102)):
        h = hostile_copy(chip)
        tag = h.files[fid][0]
        h.files[fid] = bytearray(bytes([tag]) + bytes.fromhex("84FFFFFFFF") + bytes(64))
        t0 = time.monotonic()
        report = inspect(SimulatorTransport(h), key=AccessKey.from_can(CAN), trust=trust)
        assert time.monotonic() - t0 < 10
        assert report.verdict != "GENUINE", name
        assert name not in report.files


# --- known findings (reported to their owners): strict xfail, so the fix shows up as XPASS --------------------



def _hiding(chip: EmrtdChip, fid: int, sw: int) -> HostileChip:
    """The chip answering ``sw`` for the file ``fid``, whether it is selected or read by its short FID."""
    h = hostile_copy(chip)
    sfi = by_fid(fid).sfi

    def hook(_chip: Any, cmd: CommandApdu, resp: ResponseApdu, _protected: bool) -> ResponseApdu:
        if cmd.ins == 0xA4 and cmd.data == fid.to_bytes(2, "big"):
            return ResponseApdu(b"", sw)
        if cmd.ins == 0xB0 and cmd.p1 == 0x80 | sfi:
            return ResponseApdu(b"", sw)
        return resp

    h.hook = hook
    return h


def test_a_chip_that_says_dg2_is_absent_is_not_genuine(td1):
    from cardkit.inspect import inspect

    chip, trust, _info = td1
    report = inspect(SimulatorTransport(_hiding(chip, 0x0102, 0x6A82)), key=AccessKey.from_can(CAN), trust=trust)
    assert report.verdict != "GENUINE"


@pytest.mark.parametrize("name,fid", [("DG1", 0x0101), ("DG2", 0x0102), ("DG14", 0x010E), ("DG15", 0x010F)])
def test_a_chip_hiding_a_signed_data_group_behind_6982_is_not_genuine(td1, name, fid):
    """Only DG3/DG4 may sit behind EAC (Doc 9303-11 §7); any other signed group the chip refuses FAILS."""
    from cardkit.inspect import inspect

    chip, trust, _info = td1
    report = inspect(SimulatorTransport(_hiding(chip, fid, 0x6982)), key=AccessKey.from_can(CAN), trust=trust)
    assert name not in report.files
    assert report.verdict != "GENUINE"
    check = next(c for c in report.checks if c.name == f"read:{name}")
    assert check.status.value == "FAILED" and "6982" in check.reason


def test_a_chip_dripping_one_byte_per_read_is_cut_off():
    n = 20_000
    chip = HeaderChip(tlv.encode(0x75, bytes(n))[:8], chunk=1)
    s = Session(SimulatorTransport(chip), block_size=0xDF)
    with pytest.raises(ProtocolError, match="too little per READ BINARY"):
        s.read_file("DG2")
    full_blocks = (n + 4) // 0xDF + 1  # plus the header read(s): +2 below
    assert chip.reads <= 4 * full_blocks + 16 + 2, f"{chip.reads} READ BINARY for {full_blocks} blocks"
