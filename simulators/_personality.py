"""Chip personalities: the command sets the simulated chip can answer with (simulators/PERSO.md).

A personality is data: the instruction handlers that replace the default chip's, how the BAC /
PACE-MRZ key is derived from the MRZ fields written at perso, whether extended length can exist
at all, and which LDS files the chip can hold. ``default`` is cardkit's own chip; ``jmrtd`` is the
open JMRTD passport applet as a Java Card runs it (``simulators._jmrtd``). The name is saved in the
chip image, so a served image answers as the chip that was written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping

from cryptography.hazmat.primitives.asymmetric import rsa

from cardkit.iso7816 import CommandApdu, ResponseApdu

from . import _jmrtd, _perso

if TYPE_CHECKING:  # pragma: no cover
    from .emrtd import EmrtdChip

__all__ = ["Personality", "DEFAULT", "JMRTD", "PERSONALITIES", "personality"]

Handler = Callable[["EmrtdChip", CommandApdu, bool], ResponseApdu]


@dataclass(frozen=True)
class Personality:
    """How one kind of chip answers where it differs from the default chip.

    Attributes:
        name: saved in the chip image ("default", "jmrtd").
        handlers: INS -> handler(chip, plain command, protected) used instead of the default's.
        mrz_key: (document number, date of birth, date of expiry) -> SHA-1 key seed source, as PUT DATA 62 derives it.
        extended_length: False when the chip takes short APDUs only (its options may not say otherwise).
        lds_names: the LDS files the chip has room for; None: any.
        pace, chip_authentication: whether the chip can run them at all.
        aa_rsa_bits: None: any AA key; a number: RSA keys of that size only.
    """

    name: str
    mrz_key: Callable[[str, str, str], bytes]
    handlers: Mapping[int, Handler] = field(default_factory=lambda: MappingProxyType({}))
    extended_length: bool = True
    lds_names: frozenset[str] | None = None
    pace: bool = True
    chip_authentication: bool = True
    aa_rsa_bits: int | None = None

    def refuses(self, files: Mapping[str, bytes], *, can: str | None, aa_private_key: Any,
                ca_private_key: Any) -> str | None:
        """Why a chip of this personality cannot hold these contents (None when it can)."""
        if self.lds_names is not None:
            extra = sorted(set(files) - self.lds_names)
            if extra:
                return f"the {self.name} chip has no room for {', '.join(extra)}"
        if can is not None and not self.pace:
            return f"the {self.name} chip has no PACE: no CAN"
        if ca_private_key is not None and not self.chip_authentication:
            return f"the {self.name} chip has no Chip Authentication"
        if aa_private_key is not None and self.aa_rsa_bits is not None and not (
                isinstance(aa_private_key, rsa.RSAPrivateKey) and aa_private_key.key_size == self.aa_rsa_bits):
            return f"the {self.name} chip takes only an RSA-{self.aa_rsa_bits} AA key"
        return None


DEFAULT = Personality(name="default", mrz_key=_perso.mrz_key)
JMRTD = Personality(name="jmrtd", mrz_key=_jmrtd.mrz_key_as_sent, handlers=MappingProxyType(dict(_jmrtd.HANDLERS)),
                    extended_length=False, lds_names=_jmrtd.LDS_NAMES, pace=False, chip_authentication=False,
                    aa_rsa_bits=_jmrtd.MODULUS_BYTES * 8)
PERSONALITIES: Mapping[str, Personality] = MappingProxyType({p.name: p for p in (DEFAULT, JMRTD)})


def personality(name: str) -> Personality:
    """The personality called ``name``. Raises ValueError naming the known ones."""
    try:
        return PERSONALITIES[name]
    except KeyError:
        raise ValueError(f"unknown chip personality {name!r} (known: {', '.join(PERSONALITIES)})") from None
