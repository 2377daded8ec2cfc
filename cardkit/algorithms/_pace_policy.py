"""The one PACE preference policy, used by the Session and by inspection alike (Doc 9303-11 §4.4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from ..errors import UnsupportedAlgorithmError
from ._domain import DOMAIN_PARAMETERS
from ._protocols import Cipher, KeyAgreement, Mapping, PaceAlgorithm

#: mappings, best first: CAM proves the chip in the PACE run itself (Doc 9303-11 §4.4.3.5), then the
#: ECDH mappings (generic before integrated: the more widely implemented), then DH
PACE_MAPPING_ORDER: tuple[tuple[KeyAgreement, Mapping], ...] = (
    (KeyAgreement.ECDH, Mapping.CAM), (KeyAgreement.ECDH, Mapping.GM), (KeyAgreement.ECDH, Mapping.IM),
    (KeyAgreement.DH, Mapping.GM), (KeyAgreement.DH, Mapping.IM),
)
#: ciphers within a mapping, strongest first
PACE_CIPHER_ORDER: tuple[Cipher, ...] = (Cipher.AES_256, Cipher.AES_192, Cipher.AES_128, Cipher.TDES)


class PaceOffer(Protocol):
    """What the policy reads of a PACEInfo (``cardkit.lds.PaceInfo`` is one)."""

    @property
    def algorithm(self) -> PaceAlgorithm | None: ...

    @property
    def parameter_id(self) -> int | None: ...


_Offer = TypeVar("_Offer", bound=PaceOffer)


def pace_rank(offer: PaceOffer) -> tuple[int, int, int] | None:
    """The policy's sort key of one PACEInfo (lower is better), None when cardkit cannot run it.

    First standardized domain parameters that fit the algorithm, then the mapping
    (``PACE_MAPPING_ORDER``), then the cipher (``PACE_CIPHER_ORDER``).
    """
    alg = offer.algorithm
    if alg is None:
        return None
    params = DOMAIN_PARAMETERS.get(offer.parameter_id) if offer.parameter_id is not None else None
    standardized = 0 if params is not None and alg.fits(params) else 1
    return (standardized, PACE_MAPPING_ORDER.index((alg.key_agreement, alg.mapping)),
            PACE_CIPHER_ORDER.index(alg.cipher))


def choose_pace_info(offers: Sequence[_Offer]) -> _Offer:
    """The PACEInfo to run, by the one policy of this module (the first of equals, as listed).

    Raises:
        UnsupportedAlgorithmError: no PACEInfo names a PACE protocol cardkit knows.
    """
    ranked = [(rank, i) for i, offer in enumerate(offers) if (rank := pace_rank(offer)) is not None]
    if not ranked:
        raise UnsupportedAlgorithmError("EF.CardAccess offers no PACE protocol cardkit supports", step="PACE")
    return offers[min(ranked)[1]]
