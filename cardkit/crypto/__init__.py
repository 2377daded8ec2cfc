"""Pure, sans-I/O cryptography of ICAO Doc 9303-11: KDF, secure messaging, BAC, PACE, CA, AA.

Modules (import them directly; nothing is imported here so that ``cardkit.crypto.kdf`` stays cheap):
``kdf``, ``sm`` (SessionKeys, SecureMessaging, ChipSecureMessaging), ``bac`` (Bac, chip helpers),
``keys`` (domain parameters, load_public_key), ``pace`` (Password, Pace, ChipPace), ``ca``
(ChipAuthentication, chip_ca_session_keys), ``aa`` (ActiveAuthentication, aa_sign).
Every protocol object turns responses into the next command and never calls a transport.
"""

__all__ = ["kdf", "sm", "bac", "keys", "pace", "ca", "aa"]
