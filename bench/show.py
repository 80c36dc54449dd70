"""Time writing a large show's feed: ``python -m bench.show [--episodes 2000]``.

A podcast feed holds every episode unless the show sets ``feed_size`` (README, Podcasts),
and is written again after each change to its section. This writes a site of one show of
``--episodes`` stories (each with an https enclosure and an episode number), publishes it
in-process, and times writing the show's RSS feed from a cold entry cache, beside the same
section's Atom feed (``feed_size`` entries: the baseline, in the same run), as medians.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from feeds.catalog.publisher import Publisher
from feeds.catalog.store import View, parse_settings
from feeds.documents import syndication
from feeds.documents.routes import render

CONFIG = """\
title: Bench News
base_url: http://127.0.0.1:8000/
podcasts:
  briefing:
    title: Morning Briefing
    description: The day's news.
    author: Desk
    owner: {name: Desk, email: desk@news.example}
    image: briefing/cover.png
    categories: [News > Daily News]
"""


def write_site(root: Path, episodes: int) -> None:
    folder = root / "content" / "briefing"
    folder.mkdir(parents=True)
    (root / "config.yaml").write_text(CONFIG, encoding="utf-8")
    Image.new("RGB", (1400, 1400), (20, 40, 80)).save(folder / "cover.png")
    for n in range(episodes):
        (folder / f"ep{n}.md").write_text(
            f"---\ntitle: Episode {n}\ndate: 2020-01-01T00:00:00Z\nid: urn:x:{n}\n"
            f"enclosures:\n  - {{url: 'https://cdn.example/ep{n}.mp3', type: audio/mpeg, "
            f"length: 1234567}}\nepisode: {n + 1}\n---\n\nNotes of episode {n}.\n",
            encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=2000, help="episodes in the show")
    parser.add_argument("--rounds", type=int, default=3, help="writes timed, per feed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-show-") as folder:
        root = Path(folder) / "site"
        write_site(root, args.episodes)
        publisher = Publisher(root, processes=1, status=False)
        try:
            publisher.sync()
            for path in ("/briefing/rss.xml", "/briefing/atom.xml"):
                times, size = [], 0
                for _ in range(args.rounds):
                    syndication.entry_cache(0)  # every entry written anew, as after a change
                    syndication.entry_cache(8 << 20)
                    with View(publisher.db, parse_settings) as view:
                        started = time.perf_counter()
                        document = render(view, path)
                        times.append(time.perf_counter() - started)
                    assert document is not None and hasattr(document, "body")
                    size = len(document.body)
                print(f"{path}: {statistics.median(times) * 1000:.0f} ms median of "
                      f"{args.rounds}, {size:,} bytes ({args.episodes} episodes in the show)")
        finally:
            publisher.close()

if __name__ == "__main__":
    main()
