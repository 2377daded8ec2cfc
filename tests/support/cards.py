"""Complete simulated cards for end-to-end tests: a Vietnamese CCCD, a TD3 passport, a TD1 ID card.

``make_vn_card(tmp_path, faults=None, ...) -> (chip, trust_store, info)`` builds every file with the
real builders (``cardkit.lds``), signs EF.SOD with a real Document Signer (``cardkit.pki``), and
personalises ``simulators.emrtd.EmrtdChip`` with the BAC/PACE secrets and the CA/AA private keys.
The CSCA certificate is written under ``tmp_path`` and loaded into a real ``TrustStore``.
Keys are made once per process (P-256 / brainpoolP256r1 / RSA-1024: fast) and reused.

Options say which parts a card carries, so tests can build the access methods and proofs they need:
``pace`` (EF.CardAccess as the real VN card), ``ca`` (DG14 CA key), ``aa`` ("ec", "rsa" or None: DG15),
``face_size`` (bytes of the JPEG in DG2), ``dg3`` (an EAC-protected DG3 listed in EF.COM),
``csca`` ("default" or "other": a second CSCA of the same country that the trust store does not hold).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.support.pki import Pki, shared_pki

__all__ = ["CardInfo", "card_pki", "revoke_ds", "pcsc_insert", "make_vn_card", "make_td3_card", "make_td1_card", "make_card", "VN_CARD_ACCESS", "face_jpeg"]

# EF.CardAccess of real Vietnamese cards: TA v1, CA ECDH AES-128, PACE ECDH-GM AES-128 on param 13.
VN_CARD_ACCESS = bytes.fromhex(
    "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d"
)
ID_CA_ECDH_AES128 = "0.4.0.127.0.7.2.2.3.2.2"
ID_PK_ECDH = "0.4.0.127.0.7.2.2.1.2"
ID_PACE_ECDH_GM_AES128 = "0.4.0.127.0.7.2.2.4.2.2"
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
_CSCA_LABELS = {"default": "TEST", "other": "OTHER"}


@dataclass(frozen=True)
class CardInfo:
    """What the holder shows, and what the card holds (for assertions)."""

    document_number: str
    date_of_birth: str
    date_of_expiry: str
    mrz_information: str = field(repr=False)
    can: str | None = field(repr=False)
    id_number: str | None = field(repr=False)
    files: dict[str, bytes] = field(repr=False)
    csca_path: Path
    issuing_state: str
    dg13: dict[str, str] = field(default_factory=dict, repr=False)
    face: bytes = field(default=b"", repr=False)


@functools.lru_cache(maxsize=None)
def _small_jpeg() -> bytes:
    """A real 16 x 20 JPEG (Pillow, deterministic): the image every test face is grown from."""
    import io

    from PIL import Image

    img = Image.new("RGB", (16, 20))
    img.putdata([((x * 16) % 256, (y * 12) % 256, 128) for y in range(20) for x in range(16)])
    out = io.BytesIO()
    img.save(out, "JPEG", quality=75)
    return out.getvalue()


def face_jpeg(size: int) -> bytes:
    """A real JPEG of exactly ``size`` bytes: a small image grown by comment segments (COM, ITU T.81 B.2.4.5).

    The comments are hash output, so the bytes do not compress and every offset differs; the image
    still decodes, so exporting the face (``--face-out``) works on the test cards.
    """
    base = _small_jpeg()
    pad = size - len(base)
    if pad < 0 or 0 < pad < 4:
        raise ValueError(f"face_jpeg: {size} bytes is too small (the image alone is {len(base)}; pad 0 or >= 4)")
    filler = bytearray()
    counter = 0
    while len(filler) < pad:
        filler += hashlib.sha256(counter.to_bytes(4, "big")).digest()
        counter += 1
    segments = b""
    pos = 0
    while pad - len(segments) > 0:
        left = pad - len(segments)
        body = min(left - 4, 65533)
        if 0 < left - 4 - body < 4:  # keep room for one more whole segment
            body -= 4
        segments += b"\xff\xfe" + (body + 2).to_bytes(2, "big") + bytes(filler[pos : pos + body])
        pos += body
    return base[:2] + segments + base[2:]


def card_pki(country: str, csca: str = "default") -> Pki:
    """The shared PKI that signs the cards of ``country`` (2 letters); ``csca="other"`` is a second CSCA
    of the same country under another name, which the cards' trust store does not hold."""
    return shared_pki("ec-p256", country=country, label=_CSCA_LABELS[csca], document_types=("ID", "P"))


@functools.lru_cache(maxsize=None)
def _chip_key(kind: str, n: int = 0) -> Any:
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=1024)
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return ec.generate_private_key(ec.BrainpoolP256R1())  # CA key, as the VN card's CA/PACE curve


def _spki(key: Any) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def make_card(tmp_path: Path, *, mrz: Any, country: str, faults: Any = None, can: str | None = None,
              id_number: str | None = None, pace: bool = True, ca: bool = True, aa: str | None = "ec",
              face_size: int = 20_000, dg3: bool = False, dg13: dict[str, str] | None = None,
              extra_dgs: dict[int, bytes] | None = None, csca: str = "default",
              com_extra: tuple[int, ...] = (), com_drop: tuple[int, ...] = (),
              card_access: bytes | None = None, rng: Any = None,
              cam: tuple[str, int] | None = None, dg14_mirrors_card_access: bool = True,
              dg3_data: bytes | None = None, dg4_data: bytes | None = None,
              ta_trust: Any = None, chip_options: dict[str, Any] | None = None) -> tuple[Any, Any, CardInfo]:
    """Build, sign and personalise one card; returns (chip, trust_store, info).

    ``dg3_data`` / ``dg4_data``: the DG3 / DG4 to carry (``dg3=True`` alone gives a placeholder DG3);
    ``ta_trust``: the chip's ``ChipTrust`` for Terminal Authentication; ``chip_options``: ``ChipOptions`` fields.

    ``cam=(PACE-CAM OID, parameter id)``: EF.CardAccess offers that CAM PACEInfo (and GM on the same
    curve), the chip holds a static CA key on that curve, and EF.CardSecurity (signed by the DS) carries
    the PACEInfos and the ChipAuthenticationPublicKeyInfo.
    DG14 (when the card has one) repeats every SecurityInfo of EF.CardAccess, as Doc 9303-11 §9.2 has it;
    ``dg14_mirrors_card_access=False`` gives it a fixed PACEInfo (GM, brainpoolP256r1) and a TA info
    instead, whatever EF.CardAccess says: a chip inconsistent with itself.
    """
    from cardkit import tlv
    from cardkit.lds import CardAccess, Com, Dg1, Dg2, Dg13Vn, Dg14, Dg15
    from cardkit.lds.security_infos import (
        ActiveAuthenticationInfo,
        ChipAuthenticationInfo,
        ChipAuthenticationPublicKeyInfo,
        PaceInfo,
        TerminalAuthenticationInfo,
    )
    from cardkit.pki.sod_builder import build_sod
    from cardkit.pki.trust import TrustStore
    from simulators.emrtd import EmrtdChip

    ds_signer = card_pki(country, csca).ds_signer
    csca_path = tmp_path / f"csca-{country}.pem"
    csca_path.write_bytes(card_pki(country).csca.public_bytes(serialization.Encoding.PEM))

    face = face_jpeg(face_size)
    dgs: dict[int, bytes] = {1: Dg1.build(mrz).to_bytes(), 2: Dg2.build(face, "jpeg", 480, 640).to_bytes()}
    if dg3_data is not None:
        dgs[3] = dg3_data
    elif dg3:  # fingerprints: EAC-protected, so never readable here; its content does not matter
        dgs[3] = tlv.encode(0x63, tlv.encode(0x7F61, bytes.fromhex("020100")))
    if dg4_data is not None:
        dgs[4] = dg4_data
    if dg13 is not None:
        dgs[13] = Dg13Vn.build(**dg13).to_bytes()
    ca_key = aa_key = None
    infos: list[Any] = []
    if ca:
        ca_key = _chip_key("ca")
        infos += [ChipAuthenticationInfo(ID_CA_ECDH_AES128, 1), ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, _spki(ca_key))]
    if aa is not None:
        aa_key = _chip_key(aa)
        if aa == "ec":
            infos.append(ActiveAuthenticationInfo(signature_algorithm=ECDSA_SHA256))
    access_bytes = (card_access if card_access is not None else VN_CARD_ACCESS) if pace else None
    cam_infos: list[Any] = []
    if cam is not None:
        cam_infos = [PaceInfo(cam[0], 2, cam[1]), PaceInfo(ID_PACE_ECDH_GM_AES128, 2, cam[1])]
        access_bytes = CardAccess.build(cam_infos).to_bytes()
    if infos:
        if access_bytes is not None and dg14_mirrors_card_access and _decodes(access_bytes):
            announced = list(CardAccess.from_bytes(access_bytes).infos)
        else:
            announced = [PaceInfo(ID_PACE_ECDH_GM_AES128, 2, 13), TerminalAuthenticationInfo()] if pace else []
        infos += [i for i in announced if i not in infos]
        dgs[14] = Dg14.build(infos).to_bytes()
    if aa is not None:
        dgs[15] = Dg15.build(_spki(aa_key)).to_bytes()
    dgs.update(extra_dgs or {})
    listed = [n for n in sorted(set(dgs) | set(com_extra)) if n not in com_drop]
    files: dict[str, bytes] = {"EF.COM": Com.build(listed).to_bytes()}
    files.update({f"DG{n}": b for n, b in dgs.items()})
    files["EF.SOD"] = build_sod(dgs, ds_signer)
    if access_bytes is not None:
        files["EF.CardAccess"] = access_bytes
    if cam is not None:
        from cardkit.pki.sod_builder import build_card_security

        pid = cam[1]
        curve = ec.SECP256R1() if pid == 12 else ec.BrainpoolP256R1()
        if ca_key is not None and ca_key.curve.name != curve.name:
            raise ValueError("cam on another curve than the DG14 CA key: pass ca=False")
        cam_key = ca_key if ca_key is not None else ec.generate_private_key(curve)
        files["EF.CardSecurity"] = build_card_security(
            [*cam_infos, ChipAuthenticationPublicKeyInfo(ID_PK_ECDH, _spki(cam_key))], ds_signer)
        if ca_key is None:
            ca_key = cam_key
    kwargs: dict[str, Any] = dict(chip_options or {})
    if rng is not None:
        kwargs["rng"] = rng
    if ta_trust is not None:
        kwargs["ta_trust"] = ta_trust
    chip = EmrtdChip.personalised(
        files, document_number=mrz.document_number, date_of_birth=mrz.date_of_birth,
        date_of_expiry=mrz.date_of_expiry, can=can, aa_private_key=aa_key, ca_private_key=ca_key,
        faults=faults, **kwargs,
    )
    trust = TrustStore.load([csca_path])
    info = CardInfo(mrz.document_number, mrz.date_of_birth, mrz.date_of_expiry, mrz.mrz_information, can,
                    id_number, files, csca_path, mrz.issuing_state, dict(dg13 or {}), face)
    return chip, trust, info


def _decodes(card_access: bytes) -> bool:
    """True when ``card_access`` is an EF.CardAccess cardkit decodes (a test may give one that is not)."""
    from cardkit.errors import ParseError
    from cardkit.lds import CardAccess

    try:
        CardAccess.from_bytes(card_access)
    except ParseError:
        return False
    return True


def revoke_ds(tmp_path: Path, country: str = "VN") -> Path:
    """A CRL of the (trusted) CSCA of ``country`` revoking its Document Signer; returns its path (DER)."""
    from cardkit.pki import certs

    pki = card_pki(country)
    crl = certs.make_crl(pki.csca_signer, [pki.ds])
    path = tmp_path / f"csca-{country}.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return path


def pcsc_insert(stack: Any, chip: Any, wait: float = 180.0) -> str:
    """``stack.insert(chip)``, waiting while other test runs hold every vpcd slot (shared machines)."""
    import time

    deadline = time.monotonic() + wait
    while True:
        try:
            return stack.insert(chip)
        except (RuntimeError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


VN_ID = "001090012345"  # Hà Nội (001), male born in the 1900s (0), 1990 (90), then 012345
VN_DG13 = {
    "id_number": VN_ID,
    "full_name": "Nguyễn Thị Ánh Tuyết",
    "date_of_birth": "01/01/1990",
    "sex": "Nữ",
    "nationality": "Việt Nam",
    "ethnicity": "Kinh",
    "religion": "Không",
    "place_of_origin": "Xã Hòa Bình, Huyện Krông Búk, Đắk Lắk",
    "place_of_residence": "Số 12 Phố Huế, Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội",
    "identification_features": "Nốt ruồi cách 2 cm dưới mép phải",
    "date_of_issue": "15/04/2021",
    "date_of_expiry": "01/01/2030",
    "father_name": "Nguyễn Văn Bình",
    "mother_name": "Trần Thị Đào",
    "old_id_number": "012345678",
}


def make_vn_card(tmp_path: Path, faults: Any = None, **options: Any) -> tuple[Any, Any, CardInfo]:
    """A complete VN CCCD: DG1 (TD1), DG2 (20 KB face), DG3 (EAC), DG13, DG14 (CA + AA info), DG15 (AA), EF.SOD."""
    from cardkit.mrz import Mrz, check_digit

    mrz = Mrz.td1(document_code="ID", issuing_state="VNM", document_number=VN_ID[3:],
                  optional_data=VN_ID + "<<" + check_digit(VN_ID), date_of_birth="900101", sex="F",
                  date_of_expiry="300101", nationality="VNM", primary_identifier="NGUYEN",
                  secondary_identifier="THI ANH TUYET")
    options.setdefault("dg3", True)
    options.setdefault("dg13", VN_DG13)
    return make_card(tmp_path, mrz=mrz, country="VN", faults=faults, can=VN_ID[-6:], id_number=VN_ID, **options)


def make_td3_card(tmp_path: Path, faults: Any = None, **options: Any) -> tuple[Any, Any, CardInfo]:
    """A TD3 passport (Netherlands): BAC only by default, DG15 RSA AA, no CA."""
    from cardkit.mrz import Mrz

    mrz = Mrz.td3(document_number="NX1234567", issuing_state="NLD", date_of_birth="850315", sex="M",
                  date_of_expiry="310315", nationality="NLD", primary_identifier="DE VRIES",
                  secondary_identifier="JAN PIETER")
    options.setdefault("pace", False)
    options.setdefault("ca", False)
    options.setdefault("aa", "rsa")
    return make_card(tmp_path, mrz=mrz, country="NL", faults=faults, **options)


def make_td1_card(tmp_path: Path, faults: Any = None, **options: Any) -> tuple[Any, Any, CardInfo]:
    """A TD1 ID card (France) with PACE (CAN 654321), CA, and EC AA."""
    from cardkit.mrz import Mrz

    mrz = Mrz.td1(document_number="X4RTBPFW4", issuing_state="FRA", date_of_birth="770412", sex="F",
                  date_of_expiry="290412", nationality="FRA", primary_identifier="MARTIN", secondary_identifier="CLAIRE")
    options.setdefault("can", "654321")
    return make_card(tmp_path, mrz=mrz, country="FR", faults=faults, **options)
