"""Write a deterministic synthetic site: ``python -m bench.generate DIR [--stories N] [--seed S]``.

Everything comes from one ``random.Random(seed)`` and nothing from the clock or the file system,
so the same arguments give a byte-identical tree: the benchmark can cache a site by its
arguments (and ``SIZES``, the name of the length model), and two machines measure the same
bytes.

Stories are as long as a newsroom's: news runs 300 to 1,500 words, long reads 3,000. A story's
body length in words is drawn from a log-normal distribution (median ``WORDS_MEDIAN`` 730,
sigma ``WORDS_SIGMA`` 0.5, clipped to 150..5,000); a paragraph ends with the sentence that
passes its share, so the bodies as written run a median of 800 words, 5% under 360, 10% over
1,500 and 1% over 2,600 (the long reads). At this vocabulary's 8 bytes a word (Markdown
included) a story file is 7.7 KB on average (the issue's newsroom figure), 6.8 KB at the
median: measured on 5,000 stories of seed 1.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

SECTIONS = ("world", "europe", "business", "technology", "science", "culture", "sport", "opinion")
TAG_COUNT = 200
AUTHOR_COUNT = 30
FIRST = datetime(2020, 1, 1, tzinfo=UTC)
LAST = datetime(2025, 12, 31, 23, 59, tzinfo=UTC)
# Offsets a newsroom spread over a few time zones writes dates in; the instant stays distinct.
OFFSETS = tuple(timezone(timedelta(hours=h)) for h in (0, 1, 2, 4, -5, 9))
ONSETS = ("b", "br", "ch", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "st", "t", "v", "z")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")
CODAS = ("", "", "", "n", "r", "s", "l", "m")
# Plain YAML scalars that would not load as text (a tag must stay a string).
YAML_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null", "none", "y", "n"})
VOCABULARY_SIZE = 3000
# A body's length in words: log-normal (see the module), clipped.
WORDS_MEDIAN, WORDS_SIGMA = 730, 0.5
WORDS_LOW, WORDS_HIGH = 150, 5000
PARAGRAPH_WORDS = (40, 120)  # a paragraph's length in words
SIZES = "newsroom"  # the length model's name: part of a cached site's name
CONFIG = """\
# A synthetic site written by bench/generate.py ({stories} stories, seed {seed}).
title: Bench Daily
base_url: http://127.0.0.1:8000/
description: Synthetic stories for the feeds benchmark.
language: en
timezone: UTC
author: Bench Desk
copyright: Synthetic text, free to use.
feed_size: 50
page_size: 20
cache_max_age: 900
hubs: []
write_ids: true
"""


@dataclass(frozen=True, slots=True)
class Pools:
    """The fixed word, tag and author pools that every story draws from."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    authors: tuple[str, ...]


def generate(root: Path, stories: int, seed: int) -> None:
    """Write ``config.yaml`` and ``stories`` story files under ``root``, which must be empty."""
    if stories < 1:
        raise ValueError("stories must be at least 1")
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty: give a new or empty folder.")
    rng = random.Random(seed)
    pools = _pools(rng)
    content = root / "content"
    for section in SECTIONS:
        (content / section).mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_text(CONFIG.format(stories=stories, seed=seed), encoding="utf-8")
    minutes = int((LAST - FIRST).total_seconds() // 60)
    # Distinct minutes, so no two stories share a timestamp and the feed order is total.
    for index, minute in enumerate(rng.sample(range(minutes), stories)):
        section = rng.choice(SECTIONS)
        slug, text = _story(rng, pools, index, FIRST + timedelta(minutes=minute))
        with open(content / section / f"{slug}.md", "w", encoding="utf-8", newline="\n") as file:
            file.write(text)


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                   for _ in range(syllables))


def _unique_words(rng: random.Random, count: int, low: int, high: int) -> tuple[str, ...]:
    """Draw ``count`` distinct pseudo-words of ``low``..``high`` syllables, in draw order."""
    found: dict[str, None] = {}
    while len(found) < count:
        word = _word(rng, rng.randint(low, high))
        if word not in YAML_WORDS:
            found[word] = None
    return tuple(found)


def _pools(rng: random.Random) -> Pools:
    words = _unique_words(rng, VOCABULARY_SIZE, 1, 3)
    tags = _unique_words(rng, TAG_COUNT, 2, 3)
    names = _unique_words(rng, AUTHOR_COUNT * 2, 2, 3)
    authors = tuple(f"{names[i].title()} {names[i + 1].title()}" for i in range(0, len(names), 2))
    return Pools(words, tags, authors)


def _sentence(rng: random.Random, words: tuple[str, ...], low: int, high: int) -> str:
    chosen = rng.choices(words, k=rng.randint(low, high))
    return " ".join(chosen).capitalize() + "."


def _paragraph(rng: random.Random, words: tuple[str, ...], size: int) -> str:
    """Return sentences up to about ``size`` words, sometimes with a bold word or a link.

    The decorations give the Markdown renderer and the HTML sanitiser real work to do.
    """
    sentences: list[str] = []
    length = 0
    while length < size:
        sentence = _sentence(rng, words, 6, 14)
        sentences.append(sentence)
        length += sentence.count(" ") + 1
    text = " ".join(sentences)
    if rng.random() < 0.4:
        text = f"{text} It was **{rng.choice(words)}** all along."
    if rng.random() < 0.4:
        label, path = rng.choice(words), rng.choice(words)
        text = f"{text} See [{label}](https://example.org/{path})."
    return text


def body_words(rng: random.Random) -> int:
    """Draw a body's length in words (log-normal: see the module)."""
    drawn = rng.lognormvariate(math.log(WORDS_MEDIAN), WORDS_SIGMA)
    return min(WORDS_HIGH, max(WORDS_LOW, round(drawn)))


def _body(rng: random.Random, words: tuple[str, ...]) -> str:
    """Return ``body_words`` words in paragraphs of 40-120, one of them quoted half of the
    time."""
    left = body_words(rng)
    paragraphs = []
    while left > 0:
        size = min(left, rng.randint(*PARAGRAPH_WORDS))
        paragraphs.append(_paragraph(rng, words, size))
        left -= size
    count = len(paragraphs)
    if count > 1 and rng.random() < 0.5:
        quote_at = rng.randrange(1, count)
        paragraphs[quote_at] = "> " + paragraphs[quote_at]
    return "\n\n".join(paragraphs) + "\n"


def _story(rng: random.Random, pools: Pools, index: int, when: datetime) -> tuple[str, str]:
    """Return a story's slug and file text; the index keeps slugs unique."""
    title_words = rng.choices(pools.words, k=rng.randint(3, 8))
    slug = "-".join(title_words[:5]) + f"-{index:05d}"
    title = " ".join(title_words).capitalize()
    tags = rng.sample(pools.tags, rng.randint(2, 5))
    author = rng.choice(pools.authors)
    stamp = when.astimezone(rng.choice(OFFSETS)).isoformat()
    summary = _sentence(rng, pools.words, 10, 20)
    body = _body(rng, pools.words)
    text = (
        "---\n"
        f'title: "{title}"\n'
        f'id: "urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, slug)}"\n'
        f"date: {stamp}\n"
        f"author: {author}\n"
        f"tags: [{', '.join(tags)}]\n"
        f'summary: "{summary}"\n'
        "---\n\n"
        f"{body}"
    )
    return slug, text


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and write the site."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("root", type=Path, metavar="DIR", help="a new or empty folder")
    parser.add_argument("--stories", type=int, default=10_000, help="how many stories to write")
    parser.add_argument("--seed", type=int, default=1,
                        help="the random seed (same seed, same tree)")
    args = parser.parse_args(argv)
    try:
        generate(args.root, args.stories, args.seed)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
