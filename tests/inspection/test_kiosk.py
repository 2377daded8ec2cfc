"""``verify_cards``: the kiosk loop of the library, card after card in process (the pcscd run: tests/cli/test_kiosk.py).

The slot hands the loop real software chips one after another through ``SimulatorTransport`` and
records what the loop asked of it, so each rule of ``cardkit.inspect.kiosk`` is seen: a key refused
by its own checks sends no APDU, a pulled card is one INCOMPLETE turn and the loop goes on, the
end of the keys ends the loop, and a card is waited out before the next.
"""

from __future__ import annotations

import pytest

from cardkit.card import AccessKey, SimulatorTransport
from cardkit.errors import CardRemovedError
from cardkit.inspect import Verdict
from cardkit.inspect.kiosk import verify_cards
from simulators._faults import Faults
from simulators.emrtd import EmrtdChip
from tests.support.cards import make_vn_card


class Link(SimulatorTransport):
    """The in-process transport with the ``close`` a kiosk link has (closing unpowers the chip)."""

    def close(self) -> None:
        self.chip.power_off()


class ChipSlot:
    """Chips arriving one by one; each step the loop takes is recorded in ``events``."""

    reader_name = "in-process slot"

    def __init__(self, chips: list[EmrtdChip | None]) -> None:
        self.chips = list(chips)  # None: a card that leaves before the terminal connects
        self.events: list[str] = []
        self.current: EmrtdChip | None = None

    def wait_for_card(self) -> None:
        self.current = self.chips.pop(0)
        self.events.append("in")

    def wait_for_removal(self) -> None:
        self.events.append("out")

    def connect(self) -> Link:
        self.events.append("connect")
        if self.current is None:
            raise CardRemovedError("in-process slot: the card left before the terminal connected")
        return Link(self.current)


@pytest.fixture(scope="module")
def card(tmp_path_factory):
    base = tmp_path_factory.mktemp("kiosk")
    chip, trust, info = make_vn_card(base)
    chip.save(base / "vn.image")
    return base / "vn.image", trust, info


def test_cards_are_verified_in_turn_a_pulled_one_is_incomplete_and_the_loop_goes_on(card):
    image, trust, info = card
    chips = [EmrtdChip.load(image), EmrtdChip.load(image, faults=Faults(remove_at_apdu=12)), EmrtdChip.load(image)]
    slot = ChipSlot(chips)
    key = AccessKey.from_can(info.can)
    turns = list(verify_cards(slot, key=lambda: key, trust=trust, count=3))
    assert [t.number for t in turns] == [1, 2, 3]
    assert [t.report.verdict for t in turns] == [Verdict.GENUINE, Verdict.INCOMPLETE, Verdict.GENUINE]
    assert [t.exit_code for t in turns] == [0, 3, 0]
    assert all(t.latency_ms > 0 and t.error is None for t in turns)
    # each card is waited out before the next; the last one (count reached) is not
    assert slot.events == ["in", "connect", "out", "in", "connect", "out", "in", "connect"]
    assert not chips[0].powered  # the link was closed


def test_a_key_refused_by_its_checks_sends_no_apdu_and_the_card_is_waited_out(card):
    image, trust, info = card
    chip = EmrtdChip.load(image)
    slot = ChipSlot([chip, EmrtdChip.load(image)])
    good = AccessKey.from_can(info.can)
    typed = iter(["L898902C<369080619406235", None])  # a wrong check digit (date of expiry), then a good key

    def key() -> AccessKey:
        value = next(typed)
        return good if value is None else AccessKey.from_mrz_information(value)

    turns = list(verify_cards(slot, key=key, trust=trust, count=2))
    assert turns[0].report is None and turns[0].exit_code == 2
    assert "check digit of the date of expiry" in turns[0].error and "L898902C" not in turns[0].error
    assert chip.apdu_count == 0  # not one APDU for a mistyped key
    assert turns[1].report.verdict is Verdict.GENUINE
    assert slot.events == ["in", "out", "in", "connect"]


def test_no_more_keys_ends_the_loop_without_touching_the_card(card):
    image, trust, _info = card
    chip = EmrtdChip.load(image)
    slot = ChipSlot([chip])
    assert list(verify_cards(slot, key=lambda: None, trust=trust)) == []
    assert slot.events == ["in"] and chip.apdu_count == 0


def test_a_card_gone_before_the_connection_is_its_own_turn_exit_3(card):
    image, trust, info = card
    slot = ChipSlot([None, EmrtdChip.load(image)])
    key = AccessKey.from_can(info.can)
    turns = list(verify_cards(slot, key=lambda: key, trust=trust, count=2))
    assert turns[0].report is None and turns[0].exit_code == 3 and "left before" in turns[0].error
    assert turns[1].report.verdict is Verdict.GENUINE


def test_an_error_of_the_key_function_that_is_not_about_the_key_is_raised(card):
    image, trust, _info = card

    def key() -> AccessKey:
        raise RuntimeError("a bug in the caller")

    with pytest.raises(RuntimeError, match="a bug in the caller"):
        list(verify_cards(ChipSlot([EmrtdChip.load(image)]), key=key, trust=trust, count=1))
