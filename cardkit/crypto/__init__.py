"""Pure, sans-I/O cryptography of ICAO Doc 9303-11: KDF, secure messaging, BAC, PACE, CA, AA.

Modules (import them directly; nothing is imported here so that ``cardkit.crypto.kdf`` stays cheap):
``kdf``, ``sm`` (SessionKeys, SecureMessaging, ChipSecureMessaging), ``bac`` (Bac, chip helpers),
``keys`` (random keys, ECDH/DH, key validation), ``pace`` (Password, Pace, ChipPace), ``ca``
(ChipAuthentication, chip_ca_session_keys), ``aa`` (ActiveAuthentication, aa_sign).
Every protocol object turns responses into the next command and never calls a transport.
The vocabulary (ciphers, domain parameters, algorithm OIDs) is ``cardkit.algorithms``; decoding chip
public keys is ``cardkit.public_keys``.
"""

__all__ = ["kdf", "sm", "bac", "keys", "pace", "ca", "aa"]
