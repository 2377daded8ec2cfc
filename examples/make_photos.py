"""Draw the small face-like portraits in examples/photos/ (baseline JPEG, 240 x 320).

The images are made up: a drawn face on a light background, one per example citizen, so
that the sample records carry a real, decodable JPEG of a plausible size (5-20 KB) for DG2.
The committed .jpg files were made with this script; it needs Pillow, which is not a cardkit
dependency. To run it without touching the project's virtualenv:

    pip install --target /tmp/pil pillow
    PYTHONPATH=/tmp/pil python examples/make_photos.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

try:
    from PIL import Image, ImageDraw, ImageFilter
except ImportError:  # pragma: no cover - only when regenerating the examples
    sys.exit(__doc__)

OUT = Path(__file__).resolve().parent / "photos"
# file stem -> (skin, hair, shirt, long hair?, seed)
PEOPLE = {
    "nguyen-thi-anh-tuyet": ((233, 196, 160), (25, 20, 18), (200, 60, 70), True, 1),
    "tran-van-duc": ((220, 180, 140), (30, 28, 26), (40, 70, 140), False, 2),
    "le-hoang-phuong-anh": ((238, 204, 172), (40, 30, 25), (240, 240, 245), True, 3),
    "ho-van-bay": ((210, 170, 130), (200, 200, 200), (90, 90, 80), False, 4),
    "ksor-h-nhi": ((190, 145, 110), (20, 18, 16), (130, 40, 90), True, 5),
}


def portrait(skin, hair, shirt, long_hair: bool, seed: int) -> Image.Image:
    """One 240 x 320 portrait: background, shoulders, hair, face, eyes, brows, nose, mouth."""
    rng = random.Random(seed)
    w, h = 240, 320
    img = Image.new("RGB", (w, h), (236, 240, 246))
    d = ImageDraw.Draw(img)
    for y in range(h):  # a soft vertical gradient, as studio backgrounds have
        c = 250 - y // 12
        d.line([(0, y), (w, y)], fill=(c - 6, c - 2, c))
    d.ellipse([20, 250, 220, 400], fill=shirt)  # shoulders
    d.rectangle([100, 215, 140, 265], fill=skin)  # neck
    if long_hair:
        d.rounded_rectangle([52, 60, 188, 270], radius=60, fill=hair)
    d.ellipse([65, 70, 175, 230], fill=skin)  # face
    d.chord([60, 55, 180, 175], 180, 360, fill=hair)  # hair on top
    d.ellipse([56, 135, 72, 170], fill=skin)  # ears
    d.ellipse([168, 135, 184, 170], fill=skin)
    for x in (95, 145):  # eyes, brows
        d.ellipse([x - 11, 138, x + 11, 150], fill=(250, 250, 250))
        d.ellipse([x - 5, 139, x + 5, 149], fill=(45, 30, 20))
        d.line([(x - 13, 128), (x + 13, 126)], fill=hair, width=4)
    d.line([(120, 150), (114, 182), (124, 184)], fill=tuple(max(0, v - 40) for v in skin), width=3)  # nose
    d.arc([100, 188, 140, 210], 20, 160, fill=(150, 60, 60), width=4)  # mouth
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    px = img.load()
    for _ in range(9000):  # light sensor noise, so the JPEG has texture like a real photo
        x, y = rng.randrange(w), rng.randrange(h)
        r, g, b = px[x, y]
        n = rng.randint(-10, 10)
        px[x, y] = (max(0, min(255, r + n)), max(0, min(255, g + n)), max(0, min(255, b + n)))
    return img


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for stem, (skin, hair, shirt, long_hair, seed) in PEOPLE.items():
        path = OUT / f"{stem}.jpg"
        portrait(skin, hair, shirt, long_hair, seed).save(path, "JPEG", quality=80, optimize=False,
                                                          progressive=False, subsampling="4:2:0")
        print(f"{path.relative_to(OUT.parent.parent)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
