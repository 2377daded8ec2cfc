"""Pure, sans-I/O cryptography of ICAO Doc 9303-11 and BSI TR-03110: KDF, SM, BAC, PACE, CA, AA, TA.

Every protocol object turns responses into the next command and never calls a transport; the
``Session`` of ``cardkit.card`` drives them. Names load on first use, so ``import cardkit.crypto``
(or ``cardkit.crypto.kdf`` alone) stays cheap. The modules: ``kdf`` (Doc 9303-11 §9.7.1), ``sm``
(§9.8), ``bac`` (§4.3), ``pace`` and its math in ``_pacemath`` (§4.4), ``ca`` (§6.2), ``aa`` (§6.1),
``keys`` (random keys, ECDH/DH, key validation), ``ta``, ``cvc``, ``cvc_keys`` and
``cvc_validation`` (TR-03110-2 §3.5, TR-03110-3 App. C). The vocabulary (ciphers, domain
parameters, OIDs) is ``cardkit.algorithms``; chip public keys are ``cardkit.public_keys``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_attributes

if TYPE_CHECKING:
    from .aa import AaResult, ActiveAuthentication, aa_sign
    from .bac import Bac, bac_keys, k_seed
    from .ca import ChipAuthentication
    from .cvc import Chat, CvCertificate, Role
    from .keys import check_public_key, random_scalar
    from .pace import ChipPace, Pace, PaceResult, Password
    from .sm import ChipSecureMessaging, SecureMessaging, SessionKeys
    from .ta import TaResult, TerminalAuthentication

__all__ = [
    "Password", "Pace", "PaceResult", "ChipPace",
    "Bac", "k_seed", "bac_keys",
    "ChipAuthentication",
    "ActiveAuthentication", "AaResult", "aa_sign",
    "SessionKeys", "SecureMessaging", "ChipSecureMessaging",
    "random_scalar", "check_public_key",
    "TerminalAuthentication", "TaResult", "CvCertificate", "Chat", "Role",
]

# name -> module, loaded on first use (the modules' own names, kdf and friends, stay submodules)
_LAZY = {
    "Password": "pace", "Pace": "pace", "PaceResult": "pace", "ChipPace": "pace",
    "Bac": "bac", "k_seed": "bac", "bac_keys": "bac",
    "ChipAuthentication": "ca",
    "ActiveAuthentication": "aa", "AaResult": "aa", "aa_sign": "aa",
    "SessionKeys": "sm", "SecureMessaging": "sm", "ChipSecureMessaging": "sm",
    "random_scalar": "keys", "check_public_key": "keys",
    "TerminalAuthentication": "ta", "TaResult": "ta",
    "CvCertificate": "cvc", "Chat": "cvc", "Role": "cvc",
}
__getattr__ = lazy_attributes(__name__, _LAZY)
