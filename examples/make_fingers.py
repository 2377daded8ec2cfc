"""Draw the made-up fingerprints in examples/fingers/ (JPEG 2000, 8-bit grey, 200 x 250 at 500 ppi).

Each example citizen gets a left and a right index finger: ridges that curve around a core, as a
loop pattern does, with a small per-finger twist so that no two images are alike. They are not
anyone's fingerprints and no matcher would take them for real ones; they give the sample records a
real, decodable JPEG 2000 image of a plausible size (a few KB) for DG3 (Doc 9303-10 §4.7.3 allows
WSQ or JPEG 2000; cardkit has no WSQ encoder, so the examples are JPEG 2000). The committed .jp2
files were made with this script (Pillow with OpenJPEG):

    .venv/bin/python examples/make_fingers.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

try:
    from PIL import Image, ImageFilter
except ImportError:  # pragma: no cover - only when regenerating the examples
    sys.exit(__doc__)

OUT = Path(__file__).resolve().parent / "fingers"
WIDTH, HEIGHT = 200, 250
STEMS = ("nguyen-thi-anh-tuyet", "tran-van-duc", "le-hoang-phuong-anh", "ho-van-bay", "ksor-h-nhi")


def finger(seed: int, left: bool) -> Image.Image:
    """A loop-like ridge pattern: ridge spacing about 9 pixels (0.46 mm at 500 ppi), core off centre."""
    cx = WIDTH * (0.45 if left else 0.55) + (seed % 7) - 3
    cy = HEIGHT * 0.45 + (seed % 5) * 3
    twist = 0.6 + 0.1 * (seed % 4)
    img = Image.new("L", (WIDTH, HEIGHT), 255)
    px = img.load()
    for y in range(HEIGHT):
        for x in range(WIDTH):
            dx, dy = (x - cx) / (WIDTH * 0.42), (y - cy) / (HEIGHT * 0.46)
            r = math.hypot(dx, dy)
            if r > 1.0:
                continue  # outside the finger: paper white
            angle = math.atan2(dy, dx) * (1 if left else -1)
            phase = r * 26 + twist * math.sin(angle * 2 + seed) + (dy * 6 if dy > 0 else 0)
            ridge = 0.5 + 0.5 * math.cos(phase * math.pi)
            fade = min(1.0, (1.0 - r) * 6)
            px[x, y] = int(255 - 200 * ridge * fade)
    return img.filter(ImageFilter.GaussianBlur(0.7))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for n, stem in enumerate(STEMS):
        for side, left in (("left", True), ("right", False)):
            path = OUT / f"{stem}-{side}.jp2"
            # lossy JPEG 2000 at half a bit per pixel, as fingerprint images are stored
            finger(2 * n + left, left).save(path, "JPEG2000", quality_mode="rates", quality_layers=[16])
            print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
