"""Draw the sample site's lead images and record its audio clip: ``python tools/sample_media.py``.

Everything is generated here from code (no downloaded photos), with the
standard library only: PNG via zlib, WAV via the wave module. The output is
deterministic, so running it again changes no byte of the committed files.
"""

from __future__ import annotations

import math
import struct
import wave
import zlib
from collections.abc import Callable
from pathlib import Path

CONTENT = Path(__file__).resolve().parent.parent / "content"
Pixel = tuple[int, int, int]


def write_png(path: Path, width: int, height: int, paint: Callable[[int, int], Pixel]) -> None:
    """Write an 8-bit RGB PNG whose pixel (x, y) is ``paint(x, y)``."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(paint(x, y)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def seismogram(x: int, y: int, width: int = 960, height: int = 400) -> Pixel:
    """Two tremors on a seismograph trace, over a paper grid."""
    t = x / width
    burst = (math.exp(-((t - 0.32) * 14) ** 2) * 0.9 + math.exp(-((t - 0.68) * 18) ** 2) * 0.6)
    trace = height / 2 + math.sin(t * 310) * (8 + burst * 150) * math.cos(t * 47)
    if abs(y - trace) < 2.2:
        return (180, 30, 40)
    if x % 48 == 0 or y % 40 == 0:
        return (214, 222, 230)
    return (248, 246, 240)


def network(x: int, y: int, width: int = 960, height: int = 400) -> Pixel:
    """Nodes and links on a dark screen: a stand-in for a network under watch."""
    nodes = [(int(width * (0.1 + 0.8 * ((i * 37) % 11) / 10)),
              int(height * (0.15 + 0.7 * ((i * 53) % 7) / 6))) for i in range(11)]
    for (ax, ay), (bx, by) in zip(nodes, nodes[1:] + nodes[:1], strict=True):
        dx, dy = bx - ax, by - ay
        length = dx * dx + dy * dy or 1
        s = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / length))
        if math.hypot(x - (ax + s * dx), y - (ay + s * dy)) < 1.4:
            return (70, 160, 230)
    for nx, ny in nodes:
        if math.hypot(x - nx, y - ny) < 9:
            return (240, 190, 60)
    shade = 18 + (y * 20) // height
    return (shade, shade + 4, shade + 16)


def desk_cover(x: int, y: int, side: int = 1400) -> Pixel:
    """The sample show's artwork: sound rings from a microphone dot, on a night-blue square
    (Apple: square, 1400 to 3000 pixels, RGB)."""
    r = math.hypot(x - side * 0.5, y - side * 0.56)
    if r < side * 0.06:
        return (240, 190, 60)
    if r < side * 0.42 and y < side * 0.56 + r * 0.35 and int(r / (side * 0.045)) % 2 == 1:
        ring = int(r / (side * 0.045))
        return (240 - ring * 9, 190 - ring * 6, 60 + ring * 8)
    if side * 0.1 < x < side * 0.9 and side * 0.12 < y < side * 0.14:
        return (240, 190, 60)
    shade = 20 + (y * 24) // side
    return (shade, shade + 6, shade + 34)


def field_report(path: Path, seconds: float = 3.0, rate: int = 16000) -> None:
    """Write a short mono WAV clip: a three-note signature over soft noise, then fade."""
    frames = bytearray()
    for i in range(int(seconds * rate)):
        t = i / rate
        note = (440.0, 554.37, 659.25)[min(2, int(t / (seconds / 3)))]
        envelope = min(1.0, t * 8) * min(1.0, (seconds - t) * 4)
        noise = math.sin(i * 12.9898) * 43758.5453 % 1 - 0.5
        sample = envelope * (0.45 * math.sin(2 * math.pi * note * t) + 0.04 * noise)
        frames += struct.pack("<h", int(sample * 32767))
    with wave.open(str(path), "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(bytes(frames))


def main() -> None:
    write_png(CONTENT / "middle-east" / "cyprus-earthquakes-seismogram.png", 960, 400, seismogram)
    write_png(CONTENT / "security" / "network-watch.png", 960, 400, network)
    field_report(CONTENT / "defence" / "sighnaghi-field-report.wav")
    write_png(CONTENT / "defence" / "defence-desk-cover.png", 1400, 1400, desk_cover)


if __name__ == "__main__":
    main()
