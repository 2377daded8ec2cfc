"""Terminal Authentication through the real PC/SC stack: pcscd + vpcd + pyscard, the software chip in the reader.

The same card and PKI as tests/card/test_session_ta.py, but every APDU goes through pcscd, as a
terminal's would: PACE, Chip Authentication, EF.CVCA, the certificates (a brainpoolP256r1 chain, then a
P-384 one whose PSO needs extended length), EXTERNAL AUTHENTICATE, DG3.
"""

from __future__ import annotations

import hashlib

import pytest

from cardkit.card import PcscTransport, Session
from cardkit.crypto.cvc_validation import Rejection
from cardkit.crypto.pace import Password
from cardkit.crypto.ta import TaKeySigner, TaRefusedError
from cardkit.errors import StatusWordError
from cardkit.lds import Sod
from tests.support.cards import pcsc_insert
from tests.support.cvc_pki import D0, make_cv_pki
from tests.support.eac_cards import make_eac_card
from tests.support.pcsc import pcsc_stack  # noqa: F401  (fixture)

pytestmark = pytest.mark.pcsc


@pytest.mark.parametrize("curve,hash_name", [("brainpoolP256r1", "sha256"), ("secp384r1", "sha384")])
def test_ta_then_dg3_through_pcscd(pcsc_stack, tmp_path, curve, hash_name):  # noqa: F811
    pki = make_cv_pki(curve, hash_name)
    chip, _trust, info = make_eac_card(tmp_path, pki)
    reader = pcsc_insert(pcsc_stack, chip)
    try:
        with PcscTransport(reader, timeout=5) as t:
            s = Session(t)
            s.pace(Password.can(info.can))
            s.select_application()
            s.chip_authentication(s.read_file("DG14"))
            with pytest.raises(TaRefusedError) as e:  # a terminal key that is not the certificate's
                s.terminal_authentication(pki.chain, TaKeySigner(pki.dv_key, pki.algorithm), today=D0)
            assert e.value.reason is Rejection.CHALLENGE_SIGNATURE and e.value.certificate == pki.is_.chr
            with pytest.raises(StatusWordError):
                s.read_file("DG3")
        with PcscTransport(reader, timeout=5) as t:  # a new session: TA once per session
            s = Session(t)
            s.pace(Password.can(info.can))
            s.select_application()
            s.chip_authentication(s.read_file("DG14"))
            result = s.terminal_authentication(pki.chain, TaKeySigner(pki.is_key, pki.algorithm), today=D0)
            assert result.trust_point_source == "EF.CVCA" and result.read_dg3
            dg3 = s.read_file("DG3")
            sod = Sod.from_bytes(s.read_file("EF.SOD"))
            assert hashlib.new(sod.hash_algorithm, dg3).digest() == sod.dg_hashes[3] == \
                hashlib.new(sod.hash_algorithm, info.files["DG3"]).digest()
    finally:
        pcsc_stack.remove()
