"""The real PC/SC stack: pcscd + vpcd + pyscard, with the software chip bridged into the virtual reader.

Started by ``tests.support.pcsc`` (pcscd only if it is not running; exactly that process is
stopped at the end). Each test opens its own PcscTransport, as a terminal would.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from cardkit import tlv
from cardkit.card import PcscTransport, Session
from cardkit.errors import AuthenticationError, CardRemovedError, ReaderError
from simulators import emrtd

pytestmark = pytest.mark.pcsc


DOC, DOB, DOE = "L898902C", "690806", "940623"
MRZ_INFO = "L898902C<369080619406236"
CAN = "123456"
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<" "7408122F1204159UTO<<<<<<<<<<<6" "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def _spki(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _files():
    from cardkit.lds import security_infos as si
    from cardkit.lds.dg14 import Dg14
    from cardkit.lds.dg15 import Dg15

    ca_key = ec.generate_private_key(ec.SECP256R1())
    aa_key = rsa.generate_private_key(65537, 1024)
    files = {
        "EF.CardAccess": bytes.fromhex("31143012060A04007F0007020204020202010202010D"),
        "EF.COM": bytes.fromhex("60165F0104303130375F36063034303030305C04616E6F75"),
        "DG1": tlv.encode(0x61, tlv.encode(0x5F1F, TD1.encode())),
        "DG2": tlv.encode(0x75, bytes((i * 7 + 3) & 0xFF for i in range(20_000))),
        "DG14": Dg14.build([si.ChipAuthenticationInfo("0.4.0.127.0.7.2.2.3.2.2", 1, None),
                            si.ChipAuthenticationPublicKeyInfo("0.4.0.127.0.7.2.2.1.2", _spki(ca_key))]).to_bytes(),
        "DG15": Dg15.build(_spki(aa_key)).to_bytes(),
    }
    return files, ca_key, aa_key


@pytest.fixture(scope="module")
def card(pcsc_stack):
    files, ca_key, aa_key = _files()
    chip = emrtd.EmrtdChip.personalised(files, document_number=DOC, date_of_birth=DOB, date_of_expiry=DOE, can=CAN,
                                        ca_private_key=ca_key, aa_private_key=aa_key)
    reader = pcsc_stack.insert(chip)
    yield reader, files, pcsc_stack
    pcsc_stack.remove()


def test_bac_and_full_read(card) -> None:
    reader, files, _ = card
    with PcscTransport(reader, timeout=5) as t:
        s = Session(t)
        s.select_application()
        s.bac(MRZ_INFO)
        for name in ("EF.COM", "DG1", "DG2", "DG14", "DG15"):
            assert s.read_file(name) == files[name], name


def test_bac_wrong_key(card) -> None:
    reader, _, _ = card
    with PcscTransport(reader, timeout=5) as t:
        s = Session(t)
        s.select_application()
        with pytest.raises(AuthenticationError):
            s.bac("L898902C<369080619406244")


def test_pace_can_ca_aa_and_extended_read(card) -> None:
    reader, files, _ = card
    with PcscTransport(reader, timeout=5) as t:
        s = Session(t, block_size=0x800)
        from cardkit.crypto.pace import Password

        s.pace(Password.can(CAN))
        s.select_application()
        dg14 = s.read_file("DG14")
        s.chip_authentication(dg14)
        assert s.read_file("DG2", sfi=True) == files["DG2"]  # under the CA keys
        assert s.extended_length is True
        assert s.active_authentication(s.read_file("DG15"), dg14) is True


def test_reader_by_index_and_unknown_reader(card) -> None:
    reader, _, _ = card
    from cardkit.card.pcsc import list_readers

    idx = next(r.index for r in list_readers() if r.name == reader)
    with PcscTransport(idx, timeout=5) as t:
        assert t.reader_name == reader
    with pytest.raises(ReaderError, match="no reader matching"):
        PcscTransport("No Such Reader 99", timeout=0)


def test_card_removed_mid_session(card) -> None:
    reader, files, stack = card
    t = PcscTransport(reader, timeout=5)
    try:
        s = Session(t)
        s.select_application()
        s.bac(MRZ_INFO)
        stack.remove()
        with pytest.raises(CardRemovedError):
            s.read_file("DG1")
    finally:
        t.close()
    with pytest.raises(CardRemovedError, match="no card"):
        PcscTransport(reader, timeout=0.2)
