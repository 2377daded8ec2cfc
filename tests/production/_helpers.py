"""Shared by the production tests: a DS folder on disk, record files, small real faces, card checks."""

from __future__ import annotations

import csv
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from cardkit.card import AccessKey, SimulatorTransport
from cardkit.inspect import inspect
from cardkit.pki.keystore import save_signer
from cardkit.pki.trust import TrustStore
from cardkit.production.records import COLUMNS, ICAO_COLUMNS
from simulators.emrtd import EmrtdChip
from tests.support.cards import face_jpeg
from tests.support.perso import today_cv_pki
from tests.support.pki import Pki

PASSPHRASE = "production-tests"
ROOT = Path(__file__).resolve().parents[2]


def ds_folder(pki: Pki, out: Path) -> Path:
    """The DS folder ``cardkit pki issue-ds`` would write, for the test PKI (key encrypted with PASSPHRASE)."""
    save_signer(out, "ds", pki.ds, private_key=pki.ds_signer.private_key, passphrase=PASSPHRASE.encode())
    (out / "csca.pem").write_bytes(pki.csca.public_bytes(serialization.Encoding.PEM))
    return out


def cvca_file(folder: Path) -> Path:
    """The test CVCA (``tests.support.perso.today_cv_pki``) as ``personalise --cvca`` reads it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cvca.cvcert"
    path.write_bytes(today_cv_pki().cvca.raw)
    return path


def small_face(folder: Path, name: str = "face.jpg", size: int = 1100) -> Path:
    """A real JPEG just above the records' minimum photo size: DG2 stays small, cards stay fast."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(face_jpeg(size))
    return path


def write_vn_csv(path: Path, records: list, photo: Path) -> Path:
    """A VN batch file of these CitizenRecords, every one with ``photo``."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in records:
            d = r.content_fields()
            d["photo"] = str(photo)
            w.writerow([d.get(c) or "" for c in COLUMNS])
    return path


def write_icao_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(ICAO_COLUMNS)
        for r in rows:
            w.writerow([r.get(c, "") for c in ICAO_COLUMNS])
    return path


def verdict(image: Path, trust: TrustStore, *, mrz_information: str | None = None, can: str | None = None) -> str:
    """The verdict of a saved simulated card, read from disk as a terminal would (PACE by CAN, else BAC/PACE by MRZ)."""
    key = (AccessKey.from_can(can, mrz_information=mrz_information) if can is not None
           else AccessKey.from_mrz_information(mrz_information or ""))
    report = inspect(SimulatorTransport(EmrtdChip.load(image)), key=key, trust=trust)
    return report.verdict.value
