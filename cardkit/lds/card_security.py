"""EF.CardSecurity: the signed SecurityInfos of a PACE-CAM chip (Doc 9303-11 §9.2.12, BSI TR-03110-3 A.1.2).

EF.CardSecurity lives in the master file (FID 011D, SFI 1D: the same numbers as EF.SOD, which lives in
the eMRTD application) and is readable after PACE. It is a CMS ContentInfo(SignedData), signed by the
Document Signer exactly like EF.SOD but without the outer tag 77, whose eContentType is id-SecurityObject
(``cardkit.algorithms.ID_SECURITY_OBJECT``) and whose eContent is a DER SET OF SecurityInfo: the PACEInfos and, for Chip
Authentication Mapping, the ChipAuthenticationPublicKeyInfo the terminal checks CA_IC against.

Rules: the CMS structure is ``cardkit.lds.sod``'s (one parser for both); the object keeps the exact bytes
(``raw``, ``econtent``) and raises only ``ParseError``. Whether the signature and the chain are right is
``cardkit.pki.passive.verify_card_security``'s job; building and signing is ``cardkit.pki.sod_builder``'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


from ..errors import ParseError
from .security_info_set import InfosView
from .security_infos import SecurityInfo, decode_infos
from .signed_data import SignedDataView, SignerInfoData, signed_data
from .sod import MAX_SOD_SIZE

__all__ = ["CardSecurity"]


@dataclass(frozen=True)
class CardSecurity(InfosView, SignedDataView):
    """EF.CardSecurity parsed: its SecurityInfos (``pace_infos``, ``ca_public_keys`` ...) and the CMS fields PA needs."""

    raw: bytes = field(repr=False)
    econtent_type: str  # dotted OID; PA insists on id-SecurityObject
    econtent: bytes = field(repr=False)  # the SET OF SecurityInfo, exactly as signed
    infos: tuple[SecurityInfo, ...]
    signed_data_version: int
    digest_algorithms: tuple[str, ...]
    certificate_ders: tuple[bytes, ...] = field(repr=False)
    signer_infos: tuple[SignerInfoData, ...] = field(repr=False)

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str | None = None) -> "CardSecurity":
        """Parse EF.CardSecurity (a DER ContentInfo); ParseError naming what is wrong."""
        data = bytes(data)
        try:
            if len(data) > MAX_SOD_SIZE:
                raise ParseError(f"{len(data)} bytes, more than the {MAX_SOD_SIZE} allowed", offset=0)
            if not data or data[0] != 0x30:
                raise ParseError("does not start with a SEQUENCE (30): not a ContentInfo", offset=0)
            econtent_type, econtent, fields = signed_data(data)
            infos = decode_infos(econtent, "EF.CardSecurity SecurityInfos")
            return cls(raw=data, econtent_type=econtent_type, econtent=econtent, infos=infos,
                       **fields())  # type: ignore[arg-type]
        except ParseError as e:
            raise e.within(what="EF.CardSecurity", source=source)
        except RecursionError:
            raise ParseError("nesting too deep", what="EF.CardSecurity", source=source) from None
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as e:
            raise ParseError(f"malformed CMS structure: {e}", what="EF.CardSecurity", source=source) from None

    def to_dict(self) -> dict[str, Any]:
        return {"file": "EF.CardSecurity", "econtent_type": self.econtent_type, "infos": self.infos_to_dicts(),
                "certificates": len(self.certificate_ders)}
