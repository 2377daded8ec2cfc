"""Benchmark: ``cardkit.images.export_image`` on passport-sized faces, against Pillow's own cost.

For a JPEG 2000 face (JP2, lossy, as chips store it) and a JPEG face, both 420 x 525 (the ICAO
recommended size) made here with Pillow, it reports the median time of N runs of:

- the raw cost: Pillow opening and fully decoding the stored bytes (what any checked export pays);
- each export (as stored, and converted to the other formats), with the ratio to that raw cost.

An export "as stored" decodes the image once to check it and writes the stored bytes, so its ratio
shows what cardkit adds to the decode (format sniffing, the pixel bound); a conversion adds the encode.

Run: .venv/bin/python benchmarks/bench_images.py [--runs N]
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from cardkit.images import export_image  # noqa: E402

SIZE = (420, 525)


def _face() -> Image.Image:
    """Smooth gradients with a little grain, which compresses about as a photographed face does."""
    w, h = SIZE
    rnd = random.Random(1)
    img = Image.new("RGB", SIZE)
    img.putdata([tuple(min(255, max(0, base + rnd.randint(-10, 10))) for base in
                       ((x * 255) // w, (y * 255) // h, ((x + y) * 255) // (w + h))) for y in range(h) for x in range(w)])
    return img


def _median_ms(fn, runs: int) -> float:
    fn()  # warm up: the first OpenJPEG call sets up its threads
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def _decode(data: bytes) -> None:
    Image.open(io.BytesIO(data)).load()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    img = _face()
    stored = {}
    for label, fmt, kw in (("JP2", "JPEG2000", {"irreversible": True, "quality_mode": "rates", "quality_layers": [20]}),
                           ("JPEG", "JPEG", {"quality": 85})):
        out = io.BytesIO()
        img.save(out, fmt, **kw)
        stored[label] = out.getvalue()
    print(f"faces {SIZE[0]}x{SIZE[1]}, median of {args.runs} runs")
    print(f"{'stored':6} {'bytes':>7}  {'export to':10} {'ms':>8}  {'x raw decode':>12}  how")
    for label, data in stored.items():
        raw = _median_ms(lambda: _decode(data), args.runs)
        print(f"{label:6} {len(data):7}  {'(decode)':10} {raw:8.2f}  {1.0:12.2f}  Pillow open + load")
        for target in ("face.jp2", "face.j2k", "face.jpg", "face.png"):
            ms = _median_ms(lambda: export_image(data, target), args.runs)
            how = export_image(data, target).describe().split(", ", 1)[1]
            print(f"{'':6} {'':7}  {target:10} {ms:8.2f}  {ms / raw:12.2f}  {how}")


if __name__ == "__main__":
    main()
