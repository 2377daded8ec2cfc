"""Session replays the ICAO worked examples byte for byte (Doc 9303-11 App. D.2-D.4, G.1).

A ReplayTransport checks every command the session sends against the transcript and
answers with the recorded response; randomness is injected in the order Doc 9303-11 draws it
(BAC: RND.IFD then K.IFD; PACE GM: the mapping key then the ephemeral key).
"""

from __future__ import annotations

import pytest

from cardkit.card import ApduTrace, ReplayMismatch, ReplayTransport, Session
from cardkit.errors import AuthenticationError, SecureMessagingError

from tests.support.vectors import load_vector, scripted_rng

BAC = load_vector("crypto", "bac.json")
D4 = load_vector("crypto", "sm_d4.json")


def bac_steps() -> list[tuple[str, str]]:
    return [
        (BAC["get_challenge_command"], BAC["get_challenge_response"]),
        (BAC["external_authenticate_command"], BAC["external_authenticate_response"]),
    ]


def d4_steps() -> list[tuple[str, str]]:
    return [(s["protected_command"], s["protected_response"]) for s in D4["steps"]]


def bac_rng():
    return scripted_rng(BAC["rnd_ifd"], BAC["k_ifd"])


def test_bac_exchange_byte_for_byte() -> None:
    t = ReplayTransport(bac_steps())
    s = Session(t, rng=bac_rng())
    s.bac(BAC["mrz_information"])
    assert t.done
    assert s.access == "BAC"
    assert s.apdu_count == 2
    sm = s.secure_messaging
    assert sm is not None and sm.cipher == "3DES"
    assert sm.ssc.hex().upper() == BAC["ssc"]


def test_bac_then_d4_read_ef_com() -> None:
    t = ReplayTransport(bac_steps() + d4_steps())
    s = Session(t, rng=bac_rng())
    s.bac(BAC["mrz_information"])
    assert s.read_file("EF.COM").hex().upper() == D4["ef_com"] == "60145F0104303130365F36063034303030305C026175"
    assert t.done
    assert s.apdu_count == 5  # GET CHALLENGE, EXT AUTH, SELECT, READ 4, READ 18


def test_d4_transcript_is_checked() -> None:
    # A terminal that read the header with a different Le must be stopped at once.
    steps = bac_steps() + d4_steps()
    steps[3] = ("0CB000000D9701058E08ED6705417E96BA5500", steps[3][1])
    s = Session(ReplayTransport(steps), rng=bac_rng())
    s.bac(BAC["mrz_information"])
    with pytest.raises(ReplayMismatch, match="step 3"):
        s.read_file("EF.COM")


def test_wrong_mac_in_d4_response_ends_session() -> None:
    steps = bac_steps() + d4_steps()
    cmd, resp = steps[4]
    bad = bytearray(bytes.fromhex(resp))
    bad[-4] ^= 0x01  # last MAC byte
    steps[4] = (cmd, bad.hex())
    s = Session(ReplayTransport(steps), rng=bac_rng())
    s.bac(BAC["mrz_information"])
    with pytest.raises(SecureMessagingError):
        s.read_file("EF.COM")
    with pytest.raises(SecureMessagingError):  # refused for good afterwards
        s.read_file("EF.COM")


def test_bac_wrong_key_is_authentication_error() -> None:
    t = ReplayTransport([(BAC["get_challenge_command"], BAC["get_challenge_response"]),
                         (BAC["external_authenticate_command"], "6300")])
    s = Session(t, rng=bac_rng())
    with pytest.raises(AuthenticationError) as ei:
        s.bac(BAC["mrz_information"])
    assert BAC["mrz_information"] not in str(ei.value)
    assert s.secure_messaging is None and s.access is None


def test_trace_of_d4_redacts_by_default_and_replays_when_asked() -> None:
    trace = ApduTrace()
    s = Session(ReplayTransport(bac_steps() + d4_steps()), rng=bac_rng(), trace=trace)
    s.bac(BAC["mrz_information"])
    s.read_file("EF.COM")
    text = trace.to_json()
    assert len(trace) == 10
    # neither the cryptograms nor the plain EF.COM, nor BAC's cryptograms, appear
    for secret in ("72C29C2371CC9BDB", "46B9342A41396CD7", "6375432908C044F6", "60145F01", "5F36063034"):
        assert secret not in text
    assert "0CB00004 [15 bytes redacted]" in text
    assert trace.entries[7].plain is not None and trace.entries[7].plain.redacted
    assert trace.entries[7].step == "READ BINARY EF.COM offset 0"
    with pytest.raises(ValueError):
        trace.to_replay()

    full = ApduTrace(redact=False)
    s = Session(ReplayTransport(bac_steps() + d4_steps()), rng=bac_rng(), trace=full)
    s.bac(BAC["mrz_information"])
    s.read_file("EF.COM")
    assert full.entries[9].plain.text == "04303130365F36063034303030305C0261759000"
    again = ReplayTransport(full.to_replay())
    s2 = Session(again, rng=bac_rng())
    s2.bac(BAC["mrz_information"])
    assert s2.read_file("EF.COM").hex().upper() == D4["ef_com"]
    assert again.done


# --- PACE G.1 -------------------------------------------------------------------------

# The same G.1 vector file the crypto tests check step by step; here only its wire transcript counts.
G1 = load_vector("crypto", "pace_g1.json")
PACE = {
    "mrz_information": G1["password"]["mrz_information"],
    "card_access": G1["card_access"],
    "steps": [{"command": c, "response": r} for c, r in G1["transcript"]],
    "rng": G1["rng_draws"],
    "ks_enc": G1["ks_enc"],
    "ks_mac": G1["ks_mac"],
    "ssc": G1["ssc_after"],
}


def _pace_objects():
    from cardkit.crypto import pace
    from cardkit.lds import PaceInfo

    return pace, PaceInfo(G1["protocol"], 2, G1["parameter_id"])


def test_pace_g1_byte_for_byte() -> None:
    pace, info = _pace_objects()
    t = ReplayTransport([(st["command"], st["response"]) for st in PACE["steps"]])
    s = Session(t, rng=scripted_rng(*PACE["rng"]))
    s.pace(pace.Password.mrz(PACE["mrz_information"]), info)
    assert t.done
    assert s.access == "PACE"
    keys = s.pace_result.keys
    assert keys.ks_enc.hex().upper() == PACE["ks_enc"]
    assert keys.ks_mac.hex().upper() == PACE["ks_mac"]
    assert s.secure_messaging.ssc.hex().upper() == PACE["ssc"]


def test_pace_g1_reads_card_access_when_no_info_given() -> None:
    pace, _ = _pace_objects()
    ca = PACE["card_access"]
    pre = [("00A4020C02011C", "9000"), ("00B0000004", ca[:8] + "9000"), ("00B0000412", ca[8:] + "9000")]
    t = ReplayTransport(pre + [(st["command"], st["response"]) for st in PACE["steps"]])
    s = Session(t, rng=scripted_rng(*PACE["rng"]))
    s.pace(pace.Password.mrz(PACE["mrz_information"]))
    assert t.done and s.apdu_count == 8


def test_pace_parameters_refused_is_status_error_not_authentication() -> None:
    from cardkit.errors import StatusWordError

    pace, info = _pace_objects()
    steps = [(PACE["steps"][0]["command"], "6A80")]
    s = Session(ReplayTransport(steps), rng=scripted_rng(*PACE["rng"]))
    with pytest.raises(StatusWordError) as ei:
        s.pace(pace.Password.mrz(PACE["mrz_information"]), info)
    assert not isinstance(ei.value, AuthenticationError) and ei.value.sw == 0x6A80


def test_pace_wrong_token_is_authentication_error() -> None:
    pace, info = _pace_objects()
    steps = [(st["command"], st["response"]) for st in PACE["steps"]]
    steps[-1] = (steps[-1][0], "6300")
    s = Session(ReplayTransport(steps), rng=scripted_rng(*PACE["rng"]))
    with pytest.raises(AuthenticationError):
        s.pace(pace.Password.mrz(PACE["mrz_information"]), info)
    assert s.secure_messaging is None


def test_trace_never_holds_keys_even_unredacted() -> None:
    full = ApduTrace(redact=False)
    s = Session(ReplayTransport(bac_steps() + d4_steps()), rng=bac_rng(), trace=full)
    s.bac(BAC["mrz_information"])
    s.read_file("EF.COM")
    text = full.to_json()
    for key in ("k_seed", "k_enc", "k_mac", "ks_enc", "ks_mac", "k_ifd", "k_ic"):
        assert BAC[key] not in text, key
    assert BAC["mrz_information"] not in text
    assert BAC["ks_enc"] not in repr(s.secure_messaging).upper()
