"""Parts of a card that come from files and certificates: image sizes, DG3's fingers, the chip's CVCA.

Helpers of ``cardkit.personalise``'s ``build_card``, apart so that module keeps to its flow:
``face_size`` reads a face's (or a JPEG 2000 finger's) dimensions from its frame header;
``fingers_dg3`` makes DG3 (Doc 9303-10 §4.7.3) from a record's right and left index fingers, each
stored as given (WSQ or JPEG 2000, ISO/IEC 19794-4 at 500 ppi, one template each); ``chip_trust_points``
checks the CVCA certificates a chip with Terminal Authentication is given to trust.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .crypto.cvc import CvCertificate
from .crypto.cvc_validation import CvKey, CvRejected
from .errors import InputError, ParseError
from .images import ImageFormat, image_format, wsq_dimensions
from .lds import Dg3, FingerImage
from .lds.iso19794_4 import compression_code
from .profiles import Profile

__all__ = ["face_size", "fingers_dg3", "chip_trust_points", "FINGERS"]

# DG3 as the VN profile writes it: the record's field -> ISO/IEC 19794-4 finger position
FINGERS = (("finger_right", 2), ("finger_left", 7))  # right index, left index


def face_size(image: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG from its SOFn marker (ITU T.81 B.2.2), or of a JPEG2000 (ISO 15444-1 A.5.1).

    Raises:
        InputError: not a JPEG/JPEG2000, or no frame header found.
    """
    if image[:2] == b"\xff\xd8":
        i = 2
        while i + 4 <= len(image):
            if image[i] != 0xFF:
                raise InputError(f"face image: JPEG marker expected at offset {i}")
            marker = image[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg = int.from_bytes(image[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                if i + 9 > len(image):
                    break
                return int.from_bytes(image[i + 7 : i + 9], "big"), int.from_bytes(image[i + 5 : i + 7], "big")
            i += 2 + seg
        raise InputError("face image: JPEG without a frame header (SOFn)")
    j = image.find(b"\xff\x51")  # SIZ marker of a J2K codestream (also inside a JP2 box)
    if j >= 0 and j + 14 <= len(image):
        xs, ys = int.from_bytes(image[j + 6 : j + 10], "big"), int.from_bytes(image[j + 10 : j + 14], "big")
        xo, yo = int.from_bytes(image[j + 14 : j + 18], "big"), int.from_bytes(image[j + 18 : j + 22], "big")
        return xs - xo, ys - yo
    raise InputError("face image is neither JPEG nor JPEG2000")


def fingers_dg3(record: Any) -> bytes:
    """DG3 from the record's right and left index fingers, each as given (WSQ or JPEG 2000) at 500 ppi.

    Raises:
        InputError: a finger missing or unreadable, or a file that is neither WSQ nor JPEG 2000.
    """
    fingers = []
    for name, position in FINGERS:
        path = getattr(record, name, None)
        if path is None:
            raise InputError(f"record has no {name} image: the profile writes DG3 (fingerprints)")
        try:
            with open(path, "rb") as f:
                image = f.read(1 << 20)  # a compressed fingerprint is tens of kilobytes; bound what we load
        except OSError as e:
            raise InputError(f"{name} image {path}: {e.strerror}") from None
        kind = image_format(image)
        try:
            if kind is ImageFormat.WSQ:
                (width, height), code = wsq_dimensions(image, what=name), compression_code("wsq")
            elif kind is not None and kind.is_jpeg2000:
                (width, height), code = face_size(image), compression_code("jpeg2000")
            else:
                raise InputError(f"{name} image is neither WSQ nor JPEG 2000")
        except ParseError as e:
            raise InputError(f"{name} image: {e}") from None
        fingers.append(FingerImage(image, position, width, height, code))
    return Dg3.build(fingers).to_bytes()


def chip_trust_points(cvca: Sequence[CvCertificate], profile: Profile, today: dt.date) -> tuple[CvCertificate, ...]:
    """The CVCA certificates the chip will trust: required with TA, one or two, CVCA keys with their
    domain parameters, not expired.

    Raises:
        InputError: naming the certificate and what is wrong with it.
    """
    if profile.terminal_authentication is None:
        if cvca:
            raise InputError(f"{profile.source}: the profile has no Terminal Authentication; a CVCA has no use")
        return ()
    if not 1 <= len(cvca) <= 2:
        raise InputError(f"{profile.source}: Terminal Authentication needs the chip's CVCA trust point: give one "
                         f"or two CVCA certificates (cardkit personalise --cvca FILE), not {len(cvca)}")
    for cert in cvca:
        try:
            CvKey.trust_point(cert)
        except CvRejected as e:
            raise InputError(f"--cvca: {e}") from None
        if cert.expiration_date < today:
            raise InputError(f"--cvca: CVCA {cert.chr} expired on {cert.expiration_date}: a chip trusting it "
                             "could accept no DV certificate")
    return tuple(cvca)
