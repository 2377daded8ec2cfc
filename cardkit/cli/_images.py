"""``--face-out``, ``--signature-out``, ``--fingers-out``, ``--iris-out``: the holder's images written to files.

Shared by ``verify``, ``read`` and ``lds show`` so that each option means the same in every
command: ``--face-out`` writes the first face of DG2 (Doc 9303-10 §4.7.2), ``--signature-out`` the
first displayed signature or usual mark of DG7 (§4.7.7). The extension picks the format (``.png``,
``.jpg``/``.jpeg``, ``.jp2``, ``.j2k``) and is checked before anything is read, so a typo costs no
card read; the image is the stored one, byte for byte, when its format is the one asked for
(``cardkit.images``). ``--fingers-out DIR`` and ``--iris-out DIR`` write every finger of DG3 and
every iris of DG4 (§4.7.3, §4.7.4) into a folder, each as stored: WSQ stays ``.wsq`` (cardkit does
not decode WSQ), JPEG 2000 stays ``.jp2``/``.j2k``; uncompressed 8-bit grey pixels become PNG. Files
are written 0600: a face or a fingerprint is personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import CardkitError, InputError, ParseError
from ..images import ExportedImage, export_image, format_for_path, raw_grey_image, stored_image
from ..lds import Dg2, Dg3, Dg4, Dg7
from ..private_files import write_private

__all__ = ["image_options", "Written", "ImageResults", "write_images", "write_image", "first_image",
           "write_biometric_images", "BIOMETRIC_FILES"]

F = TypeVar("F", bound=Callable[..., Any])
# option -> (the file holding the image, what the image is called)
KINDS: dict[str, tuple[str, str]] = {"face": ("DG2", "face"), "signature": ("DG7", "signature")}


def _target(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Refuse an extension that names no format now, before a card or file is read."""
    if value is not None:
        try:
            format_for_path(value)
        except InputError as e:
            raise click.BadParameter(str(e), ctx=ctx, param=param) from None
    return value


def image_options(f: F) -> F:
    """Add ``--face-out FILE`` and ``--signature-out FILE`` to a command."""
    f = click.option("--signature-out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     callback=_target, help="Write the displayed signature (DG7) here, in the format of the "
                     "extension (.png, .jpg, .jp2, .j2k).")(f)
    f = click.option("--face-out", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                     callback=_target, help="Write the face (DG2) here, in the format of the extension: .png, "
                     ".jpg/.jpeg, .jp2 or .j2k (the stored image untouched when it is already in that format).")(f)
    return f


@dataclass(frozen=True)
class Written:
    """One image written: which (face/signature), where, and how it was made."""

    kind: str
    path: Path
    exported: ExportedImage

    def line(self) -> str:
        return f"{self.kind} -> {self.path} ({self.exported.describe()})"


def first_image(kind: str, data: bytes, source: str) -> tuple[bytes | None, int]:
    """The first face of a DG2 or the first signature of a DG7, and how many there are.

    Raises:
        ParseError: the file does not decode (names ``source``).
    """
    try:
        if kind == "face":
            faces = Dg2.from_bytes(data).faces
            images = [f.image for f in faces if f.image]
        else:
            images = list(Dg7.from_bytes(data).images)
    except ParseError as e:
        raise e.within(source=source)
    return (images[0] if images else None), len(images)


def write_image(image: bytes, out: Path, *, what: str, source: str) -> ExportedImage:
    """Export ``image`` in the format ``out`` names and write it (0600).

    Raises:
        ParseError: the image does not decode (names ``source`` and ``what``).
        InputError: the file cannot be written, or the image is of a kind cardkit does not decode.
    """
    try:
        exported = export_image(image, out, what=what)
    except ParseError as e:
        raise e.within(source=source)
    except InputError as e:
        raise InputError(f"{source}: {e}") from None
    try:
        write_private(out, exported.data)
    except OSError as e:
        raise InputError(f"cannot write {out}: {e.strerror or e}") from None
    return exported


@dataclass
class ImageResults:
    """What ``write_images`` did: images written, notes on images not there, the first failure."""

    written: list[Written] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failure: CardkitError | None = None

    def paths(self) -> dict[str, str]:
        """``{"face_image_path": ..., "signature_image_path": ...}`` for a JSON report."""
        return {f"{w.kind}_image_path": str(w.path) for w in self.written}

    def raise_failure(self) -> None:
        """Raise the first image failure, once the command has shown what it has."""
        if self.failure is not None:
            raise self.failure


def write_images(files: Mapping[str, bytes], wanted: Mapping[str, Path | None],
                 source: Callable[[str], str]) -> ImageResults:
    """Write each wanted image (kind -> path) from the LDS files read.

    A file that was not read, or that holds no image, is a note, not an error: the rest of the
    report stands. A file or image that does not decode, or a path that cannot be written, is the
    ``failure`` (the first one): the command shows its report, then raises it. One image failing
    does not stop the other.
    """
    results = ImageResults()
    for kind, out in wanted.items():
        if out is None:
            continue
        name, noun = KINDS[kind]
        data = files.get(name)
        if data is None:
            results.notes.append(f"no {noun} image to write ({name} not read)")
            continue
        try:
            image, count = first_image(kind, data, source(name))
            if image is None:
                results.notes.append(f"no {noun} image to write ({name} holds none)")
                continue
            if count > 1:
                results.notes.append(f"{name} holds {count} {noun} images; {out} is the first")
            exported = write_image(image, out, what=f"{name} {noun} 1", source=source(name))
        except CardkitError as e:
            results.failure = results.failure or e
            continue
        results.written.append(Written(kind, out, exported))
    return results


# option -> (the file holding the images, what one image is called)
BIOMETRIC_FILES: dict[str, tuple[str, str]] = {"fingers": ("DG3", "finger"), "iris": ("DG4", "iris")}


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def write_biometric_images(kind: str, data: bytes, out_dir: Path, source: str) -> ImageResults:
    """Write every finger image of a DG3 (``kind`` "fingers") or iris image of a DG4 ("iris") into ``out_dir``.

    Files are named ``finger-1-right-index-finger.wsq``, ``iris-2-left-eye.jp2``: number, position, the
    stored format's extension. An image cardkit cannot write (bit-packed or deeper than 8-bit raw pixels,
    JPEG-LS) is a note; one that does not decode is the ``failure``, and the others are still written.

    Raises:
        ParseError: the data group does not decode (names ``source``).
        InputError: the folder cannot be made.
    """
    name, noun = BIOMETRIC_FILES[kind]
    images: list[tuple[str, bytes, str, int, int, int]] = []  # (label, bytes, type, width, height, depth)
    try:
        if kind == "fingers":
            images = [(f.position_name, f.image, f.image_type, f.width, f.height, t.record.pixel_depth)
                      for t in Dg3.from_bytes(data).templates for f in t.record.fingers]
        else:
            images = [(e.eye_name, i.image, r.image_type, r.width, r.height, r.intensity_depth)
                      for r, e, i in Dg4.from_bytes(data).images]
    except ParseError as e:
        raise e.within(source=source)
    try:
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as e:
        raise InputError(f"cannot make {out_dir}: {e.strerror or e}") from None
    results = ImageResults()
    if not images:
        results.notes.append(f"{name} holds no {noun} image")
    for n, (label, image, image_type, width, height, depth) in enumerate(images, 1):
        what = f"{name} {noun} {n} ({label})"
        try:
            if image_type.endswith("raw") and depth == 8:
                exported = raw_grey_image(image, width, height, what=what)
            elif "raw" in image_type or "jpeg-ls" in image_type:
                results.notes.append(f"{what}: {image_type} images are not written")
                continue
            else:
                exported = stored_image(image, what=what)
            path = out_dir / f"{noun}-{n}-{_slug(label)}.{exported.format.value}"
            write_private(path, exported.data)
        except ParseError as e:
            results.failure = results.failure or e.within(source=source)
            continue
        except OSError as e:
            results.failure = results.failure or InputError(f"cannot write into {out_dir}: {e.strerror or e}")
            continue
        results.written.append(Written(noun, path, exported))
    return results

