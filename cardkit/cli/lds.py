"""``cardkit lds show FILE``: decode any LDS file and print it (rich text, or ``--json``).

The file's kind comes from ``--name``, else from its file name as in a dump (``DG1``, ``EF.COM``,
``EF.CardAccess``, ``EF.SOD`` ...; an extension is ignored), else from its first tag. Text is shown
as stored (Vietnamese with its diacritics); a face, finger or iris image is summarised by type, size
and dimensions, never dumped. ``--face-out`` (a DG2) and ``--signature-out`` (a DG7) write the image
in the format the file name asks for; ``--fingers-out DIR`` (a DG3) and ``--iris-out DIR`` (a DG4)
write every image as stored (WSQ as ``.wsq``). A file that does not decode, or an image in it that
does not, is one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import InputError, ParseError
from ..lds import Sod, decode_file, guess_name, normalise_name
from ._images import BIOMETRIC_FILES, KINDS, image_options, write_biometric_images, write_images

__all__ = ["lds", "describe"]


@click.group("lds")
def lds() -> None:
    """Decode LDS files (EF.COM, DG1-DG16, EF.SOD, EF.CardAccess, EF.CVCA)."""


@lds.command("show")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--name", "name", metavar="NAME", help="The file's name (DG1, EF.COM, EF.SOD ...); default: guessed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@image_options
@click.option("--fingers-out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write every finger image of a DG3 into DIR, as stored (WSQ as .wsq, JPEG 2000 as .jp2).")
@click.option("--iris-out", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Write every iris image of a DG4 into DIR, as stored.")
def show(file: Path, name: str | None, as_json: bool, face_out: Path | None, signature_out: Path | None,
         fingers_out: Path | None, iris_out: Path | None) -> None:
    """Decode one LDS file and print its contents (and write its face, signature, finger or iris images)."""
    try:
        data = file.read_bytes()
    except OSError as e:
        raise InputError(f"{file}: cannot read ({e.strerror or type(e).__name__})") from None
    if name is not None and normalise_name(name) is None:
        raise InputError(f"--name {name!r} is not an LDS file name (EF.COM, DG1..DG16, EF.SOD, EF.CardAccess, "
                         "EF.CVCA)")
    chosen = name or guess_name(data, file.name)
    if chosen is None:
        raise ParseError("cannot tell which LDS file this is; give --name", source=str(file))
    wanted = {"face": face_out, "signature": signature_out}
    canonical = normalise_name(chosen)
    folders = {"fingers": fingers_out, "iris": iris_out}
    needs = {**{k: KINDS[k][0] for k in wanted}, **{k: BIOMETRIC_FILES[k][0] for k in folders}}
    for kind, out in (*wanted.items(), *folders.items()):
        if out is not None and canonical != needs[kind]:
            raise InputError(f"--{kind}-out needs a {needs[kind]} file; {file} is {canonical or chosen}")
    try:
        obj = decode_file(chosen, data)
    except ParseError as e:
        e.source = str(file)
        raise
    images_done = write_images({canonical: data} if canonical else {}, wanted, lambda _: str(file))
    if any(out is not None for out in wanted.values()) and not images_done.written:
        images_done.raise_failure()
        raise InputError(f"{file}: {'; '.join(images_done.notes)}")
    biometric = [write_biometric_images(k, data, out, str(file)) for k, out in folders.items() if out is not None]
    d = describe(obj)
    if as_json:
        d.update(images_done.paths())
        if biometric:
            d["images_written"] = [str(w.path) for b in biometric for w in b.written]
        click.echo(json.dumps(d, ensure_ascii=False, indent=2))
    else:
        _render(d)
        for w in [*images_done.written, *(w for b in biometric for w in b.written)]:
            click.echo(w.line())
        for note in (n for b in biometric for n in b.notes):
            click.echo(note)
    for b in biometric:
        b.raise_failure()


def describe(obj: Any) -> dict[str, Any]:
    """A JSON-safe dict of a decoded LDS file: its ``to_dict``, or EF.SOD's fields (Doc 9303-10 §4.6.2)."""
    if not isinstance(obj, Sod):
        return obj.to_dict()  # type: ignore[no-any-return]
    d: dict[str, Any] = {"file": "EF.SOD"}
    for key, v in (("version", obj.version), ("hash_algorithm", obj.hash_algorithm), ("lds_version", obj.lds_version),
                   ("unicode_version", obj.unicode_version), ("econtent_type", obj.econtent_type)):
        if v is not None:
            d[key] = v
    if obj.dg_hashes:
        d["dg_hashes"] = {f"DG{n}": h.hex().upper() for n, h in sorted(obj.dg_hashes.items())}
    try:
        d["certificates"] = [c.subject.rfc4514_string() for c in obj.certificates]
    except Exception:  # a certificate cryptography cannot read: still show the rest
        d["certificates"] = "unreadable"
    d["signer_digest_algorithm"] = obj.signer_info.digest_algorithm
    return d


def _render(d: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(soft_wrap=False, highlight=False)
    table = Table(title=str(d.get("file", "LDS file")), show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in _rows(d):
        table.add_row(Text(key), Text(value))  # Text: brackets in card data are not markup
    console.print(table)


def _rows(d: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Flatten a dict/list into (dotted key, text) rows."""
    rows: list[tuple[str, str]] = []
    if isinstance(d, dict):
        for k, v in d.items():
            if k == "file" and not prefix:
                continue
            key = f"{prefix}{k}"
            if isinstance(v, (dict, list)) and v and any(isinstance(x, (dict, list)) for x in
                                                         (v.values() if isinstance(v, dict) else v)):
                rows += _rows(v, key + ".")
            elif isinstance(v, dict):
                rows.append((key, ", ".join(f"{a}={b}" for a, b in v.items())))
            elif isinstance(v, list):
                rows.append((key, "\n".join(str(x) for x in v) if key.endswith("lines") else ", ".join(map(str, v))))
            else:
                rows.append((key, str(v)))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            rows += _rows(v, f"{prefix}{i + 1}.") if isinstance(v, (dict, list)) else [(f"{prefix}{i + 1}", str(v))]
    return rows
