"""Card profiles: which files a card carries and how it is protected, as data (profiles/*.toml).

A profile is read with the standard library's ``tomllib`` and checked key by key. Every
problem raises ``ProfileError`` naming the file and the dotted key, e.g.
``profiles/x.toml: access.pace.curve: unknown curve 'foo'``. Unknown keys are refused too:
a misspelt key must never silently fall back to a default on a production line.

Sections (all keys listed in ``_SCHEMA`` below):

- ``[profile]`` name, description, issuing_state, document_code
- ``[mrz]`` format (TD1/TD2/TD3)
- ``[lds]`` data_groups, version, unicode_version
- ``[sod]`` hash, signature_algorithms (accepted DS signature algorithms), version, signer_id
- ``[access]`` bac; ``[access.pace]`` enabled, mapping, cipher, curve, passwords, version
- ``[terminal_authentication]`` (optional table) enabled, in_card_access, in_dg14: TA v1, whose
  TerminalAuthenticationInfo DG14 carries (TR-03110-3 A.1.2) and EF.CardAccess may announce too (the
  VN card does); a profile announcing it in EF.CardAccess but leaving it out of DG14 is refused, as an
  independent reader refuses such a card. ``access.terminal_authentication = true`` is the older
  spelling of enabled + in_card_access + in_dg14. DG3 and DG4 need it (they are EAC-protected).
- ``[chip_authentication]`` enabled, cipher, curve, key_id, in_card_access
- ``[active_authentication]`` enabled, key (rsa/ec), rsa_bits, curve, hash
- ``[chip]`` command_set, write_block_size, read_block_size, extended_length
- ``[issuance]`` person_key, unique_document_number, timezone (how the ledger tells people apart,
  and the local time of the campaign report)

``chip.command_set`` is ``jmrtd`` for the open JMRTD passport applet exactly as a Java Card runs it
(short APDUs, RSA-1024 AA through PUT DATA 60/61, no PACE, no CA, DG1-DG15 of at most 32 767 bytes:
a profile asking more of it is refused here), or ``cardkit`` for that command set with cardkit's
extensions (PACE secrets, PKCS#8 AA and CA keys, odd-INS UPDATE BINARY, extended length), which the
simulator's default chip speaks. ``chip.extended_length`` means "use extended length when the card
shows it supports it"; it is never assumed.

Names and OIDs (ciphers, mappings, curves and groups, hashes, signature algorithms) are those of
``cardkit.algorithms`` (Doc 9303-11 §9.2, §9.5.1; BSI TR-03110-3 A.1.1): a curve or group is named
as there, or by an alias ("modp2048_256", "P-256"), case and punctuation aside.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .algorithms import (DOMAIN_PARAMETERS, HASH_OIDS, SIGNATURE_ALGORITHMS, AaAlgorithm, CaAlgorithm, Cipher, Curve,
                         DomainParameters, KeyAgreement, Mapping, PaceAlgorithm, parameters_by_name)
from .errors import ProfileError

__all__ = [
    "Profile",
    "PaceSpec",
    "ChipAuthSpec",
    "ActiveAuthSpec",
    "TerminalAuthSpec",
    "SodSpec",
    "ChipSpec",
    "IssuanceSpec",
    "PERSON_KEYS",
    "load_profile",
    "parse_profile",
    "list_profiles",
    "PROFILES_DIR",
    "KEY_CURVES",
]

PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"

# Curves on which the personaliser can make the chip's own key pairs (CA, AA): those cardkit uses
# cryptography for. PACE runs on any standardized domain parameters (the chip's PACE math is cardkit's own).
KEY_CURVES = tuple(d.name for d in DOMAIN_PARAMETERS.values() if d.crypto_curve is not None)
_HASHES = tuple(HASH_OIDS)
_PACE_PASSWORDS = ("MRZ", "CAN")
_COMMAND_SETS = ("jmrtd", "cardkit")
_KNOWN_DGS = set(range(1, 17))
# How the ledger identifies a person: the national ID of the record (VN), the issuing state with the
# document number, or the issuing state with the MRZ personal number.
PERSON_KEYS = ("national_id", "document", "personal_number")
_JMRTD_MAX_DG = 15  # the applet has slots for DG1-DG15 only


class _KeyAgreementSpec:
    """What PACE and CA share (Doc 9303-11 §9.2): an OID naming cipher and key agreement, on domain parameters."""

    __slots__ = ()
    algorithm: PaceAlgorithm | CaAlgorithm
    parameters: DomainParameters

    @property
    def cipher(self) -> Cipher:
        return self.algorithm.cipher

    @property
    def curve(self) -> str:
        """The name of the domain parameters (a curve, or a MODP group)."""
        return self.parameters.name

    @property
    def key_agreement(self) -> KeyAgreement:
        return self.algorithm.key_agreement

    @property
    def protocol_oid(self) -> str:
        """id-PACE-{DH,ECDH}-{GM,IM,CAM}-{cipher} or id-CA-{DH,ECDH}-{cipher}."""
        return self.algorithm.oid


@dataclass(frozen=True, slots=True)
class PaceSpec(_KeyAgreementSpec):
    """PACE as the chip offers it in EF.CardAccess (Doc 9303-11 §4.4, §9.2.1)."""

    algorithm: PaceAlgorithm
    parameters: DomainParameters  # standardized: EF.CardAccess names them by parameterId
    passwords: tuple[str, ...]  # ("CAN", "MRZ")
    version: int = 2

    @property
    def mapping(self) -> Mapping:
        return self.algorithm.mapping

    @property
    def parameter_id(self) -> int:
        return self.parameters.id


@dataclass(frozen=True, slots=True)
class ChipAuthSpec(_KeyAgreementSpec):
    """Chip Authentication v1 (Doc 9303-11 §6.2): the chip's static key pair type and cipher."""

    algorithm: CaAlgorithm
    parameters: DomainParameters  # the domain parameters of the chip's static key
    key_id: int | None = None
    in_card_access: bool = False  # the VN card also lists its ChipAuthenticationInfo in EF.CardAccess

    @property
    def public_key_oid(self) -> str:
        """id-PK-{DH,ECDH}."""
        return self.algorithm.public_key_oid


@dataclass(frozen=True, slots=True)
class TerminalAuthSpec:
    """Terminal Authentication v1 (Doc 9303-11 §7.1): where its TerminalAuthenticationInfo is announced."""

    in_card_access: bool = False  # EF.CardAccess as well (the VN card does)
    in_dg14: bool = True  # DG14, where TA v1 is announced (TR-03110-3 A.1.2)
    version: int = 1


@dataclass(frozen=True, slots=True)
class ActiveAuthSpec:
    """Active Authentication (Doc 9303-11 §6.1): RSA (ISO 9796-2) or ECDSA key in DG15."""

    key: str  # "rsa" | "ec"
    rsa_bits: int = 2048
    parameters: DomainParameters | None = None  # the curve of an "ec" key
    hash: str = "sha256"  # ECDSA hash, named in DG14's ActiveAuthenticationInfo

    @property
    def curve(self) -> str | None:
        return self.parameters.name if self.parameters is not None else None

    @property
    def algorithm(self) -> AaAlgorithm | None:
        """The ECDSA algorithm for ActiveAuthenticationInfo, None for RSA (no info needed)."""
        return AaAlgorithm(self.hash) if self.key == "ec" else None

    @property
    def signature_algorithm_oid(self) -> str | None:
        """ecdsa-with-SHAxxx for ActiveAuthenticationInfo, None for RSA (no info needed)."""
        return self.algorithm.oid if self.algorithm is not None else None


@dataclass(frozen=True, slots=True)
class SodSpec:
    """EF.SOD (Doc 9303-10 §4.6.2): hash algorithm and the DS signature algorithms accepted."""

    hash: str
    signature_algorithms: tuple[str, ...]
    version: int = 0
    signer_id: str = "issuer_serial"


@dataclass(frozen=True, slots=True)
class ChipSpec:
    """The chip's personalisation command set and its APDU limits."""

    command_set: str
    write_block_size: int  # most bytes of file data in one UPDATE BINARY
    read_block_size: int  # Le of READ BINARY for the read-back
    extended_length: bool


@dataclass(frozen=True, slots=True)
class IssuanceSpec:
    """How the issuance ledger keys cards of this profile, and the campaign's local time zone."""

    person_key: str = "document"  # one of PERSON_KEYS
    unique_document_number: bool = True  # False where the MRZ number repeats across people (VN: 9 of 12 digits)
    timezone: str = "UTC"  # IANA name, for the report's days and hours


@dataclass(frozen=True, slots=True)
class Profile:
    """One card profile, fully checked (see the module header for the TOML layout)."""

    name: str
    description: str
    source: str
    issuing_state: str
    document_code: str
    mrz_format: str
    data_groups: tuple[int, ...]
    lds_version: str
    unicode_version: str
    sod: SodSpec
    bac: bool
    pace: PaceSpec | None
    terminal_authentication: TerminalAuthSpec | None
    chip_authentication: ChipAuthSpec | None
    active_authentication: ActiveAuthSpec | None
    chip: ChipSpec
    issuance: IssuanceSpec = IssuanceSpec()

    @property
    def access(self) -> str:
        """Short description of the access control ("PACE+BAC", "BAC", "PACE")."""
        return "+".join(x for x, on in (("PACE", self.pace is not None), ("BAC", self.bac)) if on)


# --- validation ----------------------------------------------------------------

# key -> (type, required). Nested tables are dicts of the same form.
_SCHEMA: dict[str, Any] = {
    "profile": {"name": (str, True), "description": (str, False), "issuing_state": (str, True),
                "document_code": (str, True)},
    "mrz": {"format": (str, True)},
    "lds": {"data_groups": (list, True), "version": (str, False), "unicode_version": (str, False)},
    "sod": {"hash": (str, True), "signature_algorithms": (list, True), "version": (int, False),
            "signer_id": (str, False)},
    "access": {"bac": (bool, True), "terminal_authentication": (bool, False),
               "pace": {"enabled": (bool, True), "mapping": (str, False), "cipher": (str, False),
                        "curve": (str, False), "passwords": (list, False), "version": (int, False)}},
    "terminal_authentication": {"enabled": (bool, True), "in_card_access": (bool, False), "in_dg14": (bool, False),
                                "version": (int, False)},
    "chip_authentication": {"enabled": (bool, True), "cipher": (str, False), "curve": (str, False),
                            "key_id": (int, False), "in_card_access": (bool, False)},
    "active_authentication": {"enabled": (bool, True), "key": (str, False), "rsa_bits": (int, False),
                              "curve": (str, False), "hash": (str, False)},
    "chip": {"command_set": (str, True), "write_block_size": (int, True), "read_block_size": (int, False),
             "extended_length": (bool, False)},
    "issuance": {"person_key": (str, False), "unique_document_number": (bool, False), "timezone": (str, False)},
}
_OPTIONAL_TABLES = frozenset({"terminal_authentication", "issuance"})
# the DS signature algorithms a profile may accept: those cardkit signs with (9303-12 §4.4)
_SIGNATURE_ALGORITHMS = tuple(a.name for a in SIGNATURE_ALGORITHMS.values()
                              if a.scheme in ("RSA-PKCS1", "RSASSA-PSS", "ECDSA"))


class _Checker:
    """Walks the TOML document against _SCHEMA; every error names source and dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, message: str) -> ProfileError:
        return ProfileError(f"{self.source}: {key}: {message}")

    def table(self, doc: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> None:
        for key, value in doc.items():
            path = f"{prefix}{key}"
            if key not in schema:
                raise self.fail(path, f"unknown key (known: {', '.join(schema)})")
            spec = schema[key]
            if isinstance(spec, dict):
                if not isinstance(value, dict):
                    raise self.fail(path, "must be a table")
                self.table(value, spec, path + ".")
                continue
            typ, _ = spec
            # bool is an int in Python; refuse true where a number is meant and vice versa
            if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
                raise self.fail(path, f"must be {typ.__name__}, not {type(value).__name__}")
        for key, spec in schema.items():
            if isinstance(spec, dict):
                if key not in doc and f"{prefix}{key}" not in _OPTIONAL_TABLES:
                    raise self.fail(f"{prefix}{key}", "missing table")
            elif spec[1] and key not in doc:
                raise self.fail(f"{prefix}{key}", "missing key")

    def choice(self, key: str, value: Any, allowed: Any, what: str) -> Any:
        if value not in allowed:
            raise self.fail(key, f"unknown {what} {value!r} (known: {', '.join(map(str, allowed))})")
        return value

    def need(self, table: dict[str, Any], key: str, prefix: str) -> Any:
        if key not in table:
            raise self.fail(f"{prefix}.{key}", "missing key (required when enabled)")
        return table[key]

    def parameters(self, key: str, value: str, curves_only: bool = False) -> DomainParameters:
        """Standardized domain parameters by name or alias (``cardkit.algorithms``)."""
        found = parameters_by_name(value)
        if found is None or (curves_only and not isinstance(found.group, Curve)):
            known = [d.name for d in DOMAIN_PARAMETERS.values() if not curves_only or isinstance(d.group, Curve)]
            raise self.fail(key, f"unknown curve {value!r} (known: {', '.join(known)})")
        return found


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    """Parse and check a profile from TOML text.

    Raises:
        ProfileError: bad TOML, unknown or missing key, wrong type or value (names the key).
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ProfileError(f"{source}: not valid TOML: {e}") from None
    c = _Checker(source)
    c.table(doc, _SCHEMA)
    p, mrz, lds, sod, access, ca, aa, chip = (doc[k] for k in (
        "profile", "mrz", "lds", "sod", "access", "chip_authentication", "active_authentication", "chip"))
    issuance = doc.get("issuance", {})

    state = p["issuing_state"]
    if not (len(state) == 3 and state.isalpha() and state.isupper()):
        raise c.fail("profile.issuing_state", f"must be 3 capital letters (ISO 3166 alpha-3), not {state!r}")
    code = p["document_code"]
    if not (1 <= len(code) <= 2 and all(ch.isupper() or ch == "<" for ch in code)):
        raise c.fail("profile.document_code", f"must be 1-2 capital letters, not {code!r}")
    mrz_format = c.choice("mrz.format", mrz["format"], ("TD1", "TD2", "TD3"), "MRZ format")

    dgs = lds["data_groups"]
    if not dgs or not all(isinstance(n, int) and not isinstance(n, bool) and n in _KNOWN_DGS for n in dgs):
        raise c.fail("lds.data_groups", f"must be data group numbers 1..16, not {dgs!r}")
    if len(set(dgs)) != len(dgs):
        raise c.fail("lds.data_groups", "lists a data group twice")
    if 1 not in dgs or 2 not in dgs:
        raise c.fail("lds.data_groups", "DG1 and DG2 are mandatory (Doc 9303-10 §4.7)")
    lds_version = lds.get("version", "0108")
    c.choice("lds.version", lds_version, ("0107", "0108"), "LDS version")
    unicode_version = lds.get("unicode_version", "040000")
    if not (len(unicode_version) == 6 and unicode_version.isdigit()):
        raise c.fail("lds.unicode_version", f"must be 6 digits, not {unicode_version!r}")

    c.choice("sod.hash", sod["hash"], _HASHES, "hash algorithm")
    sigs = sod["signature_algorithms"]
    if not sigs:
        raise c.fail("sod.signature_algorithms", "must name at least one algorithm")
    for i, s in enumerate(sigs):
        c.choice(f"sod.signature_algorithms[{i}]", s, _SIGNATURE_ALGORITHMS, "signature algorithm")
    sod_version = sod.get("version", 0)
    c.choice("sod.version", sod_version, (0, 1), "LDSSecurityObject version")
    signer_id = c.choice("sod.signer_id", sod.get("signer_id", "issuer_serial"),
                         ("issuer_serial", "subject_key_identifier"), "signer identifier")
    sod_spec = SodSpec(sod["hash"], tuple(sigs), sod_version, signer_id)

    pace = None
    pace_doc = access.get("pace", {"enabled": False})
    if pace_doc.get("enabled"):
        pre = "access.pace"
        mapping = Mapping(c.choice(f"{pre}.mapping", c.need(pace_doc, "mapping", pre), list(Mapping), "mapping"))
        cipher = Cipher(c.choice(f"{pre}.cipher", c.need(pace_doc, "cipher", pre), list(Cipher), "cipher"))
        params = c.parameters(f"{pre}.curve", c.need(pace_doc, "curve", pre))
        if params.key_agreement is KeyAgreement.DH and mapping is Mapping.CAM:
            raise c.fail(f"{pre}.mapping", "CAM is defined for ECDH only")
        if mapping is Mapping.CAM and cipher is Cipher.TDES:
            raise c.fail(f"{pre}.cipher", "CAM has no 3DES variant (Doc 9303-11 §9.2.3)")
        algorithm = PaceAlgorithm(params.key_agreement, mapping, cipher)
        if not algorithm.fits(params):
            raise c.fail(f"{pre}.curve", f"{algorithm.name} cannot run on {params.name}")
        pws = c.need(pace_doc, "passwords", pre)
        if not pws:
            raise c.fail(f"{pre}.passwords", "must list at least one password")
        for i, pw in enumerate(pws):
            c.choice(f"{pre}.passwords[{i}]", pw, _PACE_PASSWORDS, "PACE password")
        version = c.choice(f"{pre}.version", pace_doc.get("version", 2), (1, 2), "PACEInfo version")
        pace = PaceSpec(algorithm, params, tuple(pws), version)
    if not access["bac"] and pace is None:
        raise c.fail("access", "neither BAC nor PACE is enabled: nobody could read the chip")

    chip_auth = None
    if ca.get("enabled"):
        pre = "chip_authentication"
        cipher = Cipher(c.choice(f"{pre}.cipher", c.need(ca, "cipher", pre), list(Cipher), "cipher"))
        curve = c.need(ca, "curve", pre)
        params = c.parameters(f"{pre}.curve", curve)
        if params.crypto_curve is None:
            raise c.fail(f"{pre}.curve", f"the personaliser cannot make chip keys on {curve!r} "
                         f"(it can on: {', '.join(KEY_CURVES)})")
        key_id = ca.get("key_id")
        if key_id is not None and not 0 <= key_id <= 0xFFFF:
            raise c.fail(f"{pre}.key_id", f"must be 0..65535, not {key_id}")
        chip_auth = ChipAuthSpec(CaAlgorithm(params.key_agreement, cipher), params, key_id,
                                 ca.get("in_card_access", False))

    active = None
    if aa.get("enabled"):
        pre = "active_authentication"
        key = c.choice(f"{pre}.key", c.need(aa, "key", pre), ("rsa", "ec"), "key type")
        if key == "rsa":
            bits = aa.get("rsa_bits", 2048)
            c.choice(f"{pre}.rsa_bits", bits, (1024, 1536, 2048, 3072, 4096), "RSA key size")
            if "curve" in aa:
                raise c.fail(f"{pre}.curve", "only for key = 'ec'")
            active = ActiveAuthSpec("rsa", rsa_bits=bits, hash=c.choice(f"{pre}.hash", aa.get("hash", "sha1"),
                                                                      _HASHES, "hash algorithm"))
        else:
            curve = c.need(aa, "curve", pre)
            params = c.parameters(f"{pre}.curve", curve, curves_only=True)
            if params.crypto_curve is None:
                raise c.fail(f"{pre}.curve", f"the personaliser cannot make chip keys on {curve!r} "
                             f"(it can on: {', '.join(KEY_CURVES)})")
            h = c.choice(f"{pre}.hash", aa.get("hash", "sha256"), _HASHES, "hash algorithm")
            active = ActiveAuthSpec("ec", parameters=params, hash=h)

    terminal = _terminal_authentication(c, access, doc.get("terminal_authentication"), chip_auth, dgs)

    # DG14 carries the CA key, the PACEInfo (PA-protected copy), TA's info and the ECDSA AA hash; DG15 the AA key
    needs14 = [why for why, on in (("Chip Authentication", chip_auth is not None), ("PACE", pace is not None),
                                   ("Terminal Authentication", terminal is not None and terminal.in_dg14),
                                   ("ECDSA Active Authentication", active is not None and active.key == "ec")) if on]
    if needs14 and 14 not in dgs:
        raise c.fail("lds.data_groups", f"DG14 is needed for {needs14[0]} (Doc 9303-10 §4.7.14)")
    if 14 in dgs and not needs14:
        raise c.fail("lds.data_groups", "DG14 listed but it would be empty (no CA, PACE or ECDSA AA)")
    if active is not None and 15 not in dgs:
        raise c.fail("lds.data_groups", "DG15 is needed for Active Authentication")
    if active is None and 15 in dgs:
        raise c.fail("lds.data_groups", "DG15 listed but active_authentication is not enabled")

    command_set = c.choice("chip.command_set", chip["command_set"], _COMMAND_SETS, "chip command set")
    extended = chip.get("extended_length", False)
    limit = 65535 if extended else 255
    wbs = chip["write_block_size"]
    if not 1 <= wbs <= limit:
        raise c.fail("chip.write_block_size", f"must be 1..{limit} (extended_length {str(extended).lower()}), "
                     f"not {wbs}")
    rbs = chip.get("read_block_size", 0xDF)
    if not 1 <= rbs <= (65536 if extended else 256):
        raise c.fail("chip.read_block_size", f"out of range: {rbs}")
    if command_set == "jmrtd":
        _check_jmrtd(c, dgs, pace, chip_auth, active, terminal is not None, extended, wbs)

    person_key = c.choice("issuance.person_key", issuance.get("person_key", "document"), PERSON_KEYS,
                          "person key")
    timezone = issuance.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise c.fail("issuance.timezone", f"unknown time zone {timezone!r} (an IANA name such as "
                     "Asia/Ho_Chi_Minh)") from None
    issuance_spec = IssuanceSpec(person_key, issuance.get("unique_document_number", True), timezone)

    return Profile(
        name=p["name"], description=p.get("description", ""), source=source, issuing_state=state,
        document_code=code, mrz_format=mrz_format, data_groups=tuple(sorted(dgs)), lds_version=lds_version,
        unicode_version=unicode_version, sod=sod_spec, bac=access["bac"], pace=pace,
        terminal_authentication=terminal, chip_authentication=chip_auth,
        active_authentication=active, chip=ChipSpec(command_set, wbs, rbs, extended), issuance=issuance_spec,
    )


def _terminal_authentication(c: _Checker, access: dict[str, Any], table: dict[str, Any] | None,
                             chip_auth: ChipAuthSpec | None, dgs: list[int]) -> TerminalAuthSpec | None:
    """The [terminal_authentication] table (or the older access.terminal_authentication), checked for consistency."""
    legacy = access.get("terminal_authentication")
    if legacy is not None and table is not None:
        raise c.fail("access.terminal_authentication", "also given as [terminal_authentication]: keep one")
    pre = "terminal_authentication"
    if table is None:
        spec = TerminalAuthSpec(in_card_access=True, in_dg14=True) if legacy else None
    elif not table["enabled"]:
        spec = None
    else:
        c.choice(f"{pre}.version", table.get("version", 1), (1,), "Terminal Authentication version")
        spec = TerminalAuthSpec(table.get("in_card_access", False), table.get("in_dg14", True))
        if spec.in_card_access and not spec.in_dg14:
            raise c.fail(f"{pre}.in_dg14", "TerminalAuthenticationInfo is announced in EF.CardAccess but left out of "
                         "DG14, which must hold it (TR-03110-3 A.1.2); readers refuse to trust such a card")
        if not spec.in_dg14:
            raise c.fail(f"{pre}.in_dg14", "TA v1 is announced in DG14 (TR-03110-3 A.1.2); without it no reader "
                         "knows the chip does TA")
    if spec is not None and chip_auth is None:
        raise c.fail(pre, "TA v1 runs after Chip Authentication (Doc 9303-11 §7.1): enable chip_authentication")
    eac = [n for n in dgs if n in (3, 4)]
    if eac and spec is None:
        raise c.fail("lds.data_groups", f"DG{eac[0]} is EAC-protected (Doc 9303-11 §7.1): it needs "
                     "terminal_authentication, or no reader could ever read it")
    return spec


def _check_jmrtd(c: _Checker, dgs: list[int], pace: PaceSpec | None, chip_auth: ChipAuthSpec | None,
                 active: ActiveAuthSpec | None, ta: bool, extended: bool, wbs: int) -> None:
    """Refuse what the JMRTD applet cannot hold (it would answer 6A86 / 6F00 at the first such command)."""
    why = None
    if pace is not None:
        why = "access.pace", "the JMRTD applet has no PACE"
    elif chip_auth is not None:
        why = "chip_authentication", "the JMRTD applet holds no Chip Authentication key on a prime curve"
    elif ta:
        why = "terminal_authentication", "the JMRTD applet has no EF.CardAccess to list TA in"
    elif any(n > _JMRTD_MAX_DG for n in dgs):
        why = "lds.data_groups", f"the JMRTD applet has slots for DG1-DG{_JMRTD_MAX_DG} only"
    elif active is not None and (active.key != "rsa" or active.rsa_bits != 1024):
        why = "active_authentication", "the JMRTD applet takes an RSA-1024 AA key only (PUT DATA 60/61)"
    elif wbs > 255:
        why = "chip.write_block_size", "the JMRTD applet takes short APDUs only (at most 255 bytes)"
    if why is not None:
        raise c.fail(why[0], f"{why[1]} (chip.command_set = \"jmrtd\"; use \"cardkit\" for the extended set)")


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a profile by name ("vn-cccd", looked up in profiles/) or by path.

    Raises:
        ProfileError: no such profile, unreadable file, or any invalid key.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml" and not path.exists():
        path = PROFILES_DIR / f"{name_or_path}.toml"
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        known = ", ".join(list_profiles()) or "none"
        raise ProfileError(f"{name_or_path}: no such profile (known: {known})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"{path}: cannot read: {e}") from None
    try:
        source = str(path.resolve().relative_to(PROFILES_DIR.parent))
    except ValueError:
        source = str(path)
    return parse_profile(text, source)


def list_profiles() -> list[str]:
    """Names of the profiles shipped in profiles/."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.toml"))
