"""The files of one inspection, decoded once into typed objects (Doc 9303-10 §4.6, §4.7; 9303-11 §9.2).

The terminal interprets EF.CardAccess, EF.COM, EF.SOD, DG1, DG2, DG11-DG15; the other data groups
(DG3-DG10, DG16) are kept raw and only hashed. DG13 is national: it is read as Vietnam's DG13 only on
a VNM document (or when DG1 does not say, if it decodes as one); other states' DG13 is opaque.
A file that does not decode is a finding (``failures``), never an exception: the judge reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ParseError
from ..lds import CardAccess, Com, Dg1, Dg2, Dg11, Dg12, Dg13Vn, Dg14, Dg15, Sod
from ..mrz import Mrz
from ..vn import ISSUING_STATE as VN_STATE

__all__ = ["DecodedFiles", "decode_files", "DECODED_FILES"]

# the order matters: DG1 (the issuing state) before DG13
DECODED_FILES = ("EF.COM", "EF.SOD", "DG1", "DG2", "DG11", "DG12", "DG13", "DG14", "DG15")


@dataclass(frozen=True, slots=True)
class DecodedFiles:
    """Each interpreted file as its object, None when absent or not decodable (see ``failures``)."""

    card_access: CardAccess | None = None
    card_access_error: str | None = None  # why EF.CardAccess, present, does not decode
    com: Com | None = None
    sod: Sod | None = None
    dg1: Dg1 | None = None
    mrz: Mrz | None = None  # DG1's MRZ, parsed with its check digits
    dg2: Dg2 | None = None
    dg11: Dg11 | None = None
    dg12: Dg12 | None = None
    dg13: Dg13Vn | None = None
    dg14: Dg14 | None = None
    dg15: Dg15 | None = None
    failures: tuple[tuple[str, str], ...] = ()  # (file name, why) of each present file that does not decode

    @property
    def issuing_state(self) -> str | None:
        return self.mrz.issuing_state if self.mrz is not None else None


_T = TypeVar("_T")


def _dg1(data: bytes) -> tuple[Dg1, Mrz]:
    dg1 = Dg1.from_bytes(data)
    return dg1, dg1.mrz  # the MRZ parsed now, so that a bad one is a decode:DG1 finding


def _attempt(files: Mapping[str, bytes], name: str, parse: Callable[[bytes], _T],
             failures: list[tuple[str, str]]) -> _T | None:
    data = files.get(name)
    if data is None:
        return None
    try:
        return parse(data)
    except ParseError as e:
        failures.append((name, str(e.within(source=name))))
        return None


def decode_files(files: Mapping[str, bytes]) -> DecodedFiles:
    """Decode the files the terminal interprets; a file that does not decode goes into ``failures``."""
    failures: list[tuple[str, str]] = []
    card_access, card_access_error = None, None
    if "EF.CardAccess" in files:
        try:
            card_access = CardAccess.from_bytes(files["EF.CardAccess"])
        except ParseError as e:
            card_access_error = str(e)
    com = _attempt(files, "EF.COM", Com.from_bytes, failures)
    sod = _attempt(files, "EF.SOD", Sod.from_bytes, failures)
    dg1_mrz = _attempt(files, "DG1", _dg1, failures)
    dg1, mrz = dg1_mrz if dg1_mrz is not None else (None, None)
    dg2 = _attempt(files, "DG2", Dg2.from_bytes, failures)
    dg11 = _attempt(files, "DG11", Dg11.from_bytes, failures)
    dg12 = _attempt(files, "DG12", Dg12.from_bytes, failures)
    dg13 = None
    state = mrz.issuing_state if mrz is not None else None
    if state in (VN_STATE, None):
        # a VNM document's DG13 must be Vietnam's; with no DG1 to say, one that does not decode is not a finding
        dg13 = _attempt(files, "DG13", Dg13Vn.from_bytes, failures if state is not None else [])
    dg14 = _attempt(files, "DG14", Dg14.from_bytes, failures)
    dg15 = _attempt(files, "DG15", Dg15.from_bytes, failures)
    return DecodedFiles(card_access=card_access, card_access_error=card_access_error, com=com, sod=sod, dg1=dg1,
                        mrz=mrz, dg2=dg2, dg11=dg11, dg12=dg12, dg13=dg13, dg14=dg14, dg15=dg15,
                        failures=tuple(failures))
