"""Shared makers for the podcast tests: real audio made by real tools, artwork, a show's site."""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import wave
from pathlib import Path

from PIL import Image

from .conftest import write_config, write_story

SHOW_CONFIG = """\
podcasts:
  briefing:
    title: Morning Briefing
    description: The day's news in ten minutes, from the desk.
    author: Test Desk
    owner: {name: Test Desk, email: podcasts@news.example}
    image: briefing/cover.png
    categories: [News > Daily News, Technology]
    explicit: false
    type: episodic
    locked: true
    funding: [{url: "https://news.example/support", text: Support the briefing}]
"""


def write_wav(path: Path, seconds: float, rate: int = 8000) -> Path:
    """Write a mono 16-bit WAV of a tone (the standard library's wave module)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(int(seconds * rate)))
    with wave.open(str(path), "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(2)
        clip.setframerate(rate)
        clip.writeframes(frames)
    return path


def write_mp3(path: Path, seconds: float) -> Path:
    """Encode a real MP3 with LAME (Debian's lame, installed by tools/system-packages)."""
    lame = shutil.which("lame")
    assert lame, "lame is missing: run tools/system-packages"
    source = write_wav(path.with_suffix(".source.wav"), seconds)
    subprocess.run([lame, "--quiet", "-b", "64", str(source), str(path)], check=True,
                   timeout=60)
    source.unlink()
    return path


def write_image(path: Path, width: int, height: int, kind: str = "PNG") -> Path:
    """Write an image with Pillow, in the format named (PNG, JPEG, GIF...)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (width, height), (30, 60, 120)).save(path, kind)
    return path


def show_site(root: Path, extra_config: str = "",
              base_url: str = "http://127.0.0.1:8000/") -> dict[str, Path]:
    """Write a site whose briefing section is a show: two episodes (an MP3 made by LAME with a
    transcript and chapters, a WAV trailer), a story without audio, and a story elsewhere."""
    write_config(root, base_url)
    with (root / "config.yaml").open("a", encoding="utf-8") as config:
        config.write(SHOW_CONFIG + extra_config)
    content = root / "content"
    files = {
        "cover": write_image(content / "briefing" / "cover.png", 1400, 1400),
        "mp3": write_mp3(content / "briefing" / "monday.mp3", 61.2),
        "wav": write_wav(content / "briefing" / "trailer.wav", 2.5),
    }
    (content / "briefing" / "monday.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:05.000\nGood morning.\n", encoding="utf-8")
    (content / "briefing" / "monday-chapters.json").write_text(
        '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Headlines"}]}\n',
        encoding="utf-8")
    write_story(root, "briefing/monday.md", """\
        ---
        title: Monday's briefing
        date: 2025-11-10T07:00:00+01:00
        author: [{name: Ana Lima, uri: "https://news.example/ana"}, Ben Okafor]
        summary: Strikes, storms and a budget.
        enclosures:
          - {url: monday.mp3, type: audio/mpeg}
        episode: 12
        season: 3
        transcript: monday.vtt
        chapters: monday-chapters.json
        ---

        The Monday briefing.
        """)
    write_story(root, "briefing/trailer.md", """\
        ---
        title: Coming soon, the Morning Briefing
        date: 2025-11-09T07:00:00+01:00
        enclosures:
          - {url: trailer.wav, type: audio/wav}
        episode_type: trailer
        explicit: true
        transcript: {url: "https://news.example/trailer.html", type: html}
        ---

        What the show is.
        """)
    write_story(root, "briefing/notes.md", """\
        ---
        title: Notes from the briefing desk
        date: 2025-11-11T09:00:00+01:00
        ---

        Text only: no episode.
        """)
    write_story(root, "world/elsewhere.md", """\
        ---
        title: A story elsewhere
        date: 2025-11-10T09:00:00+01:00
        ---

        Not in the show.
        """)
    return files
