"""Stories are stored as keyed JSON (Story.to_json/from_json): every field under its name, a
field at its default left out, so a field added later needs no migration."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from feeds.site.story import Author, Enclosure, Image, Story

DATE = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_story_is_written_field_by_field_and_read_back_whole() -> None:
    story = Story("world/a", "content/world/a.md", "A", "urn:x:a", DATE, DATE,
                  (Author("Desk"), Author("Ana", "ana@example.org", "https://ana.example/")),
                  "world", ("harbour",), "Sum.", "Body.", Image("https://x.example/i.png", "An i"),
                  (Enclosure("https://x.example/a.mp3", "audio/mpeg", 12),), None, False,
                  ("/old/a/",), has_own_id=False)
    text = story.to_json()
    assert json.loads(text) == {
        "path": "world/a", "source": "content/world/a.md", "title": "A", "id": "urn:x:a",
        "date": "2026-03-01T09:00:00+00:00", "updated": "2026-03-01T09:00:00+00:00",
        "authors": [{"name": "Desk"},
                    {"name": "Ana", "email": "ana@example.org", "uri": "https://ana.example/"}],
        "section": "world", "tags": ["harbour"], "summary": "Sum.", "body": "Body.",
        "image": {"url": "https://x.example/i.png", "alt": "An i"},
        "enclosures": [{"url": "https://x.example/a.mp3", "type": "audio/mpeg", "length": 12}],
        "aliases": ["/old/a/"]}  # no link, not a draft: left out; has_own_id never written
    assert Story.from_json(text) == Story(**{**{f: getattr(story, f) for f in
                                                story.__dataclass_fields__}, "has_own_id": True})
    assert Story.from_json(text.encode()) == Story.from_json(text)


def test_what_an_older_or_newer_feeds_wrote_reads_with_defaults() -> None:
    older = json.dumps({"path": "a", "source": "content/a.md", "title": "A", "id": "i",
                        "date": DATE.isoformat(), "updated": DATE.isoformat(), "authors": [],
                        "section": None})  # every field it left out takes its default
    story = Story.from_json(older)
    assert story.tags == () and story.image is None and story.draft is False
    newer = json.dumps({**json.loads(older), "series": "Harbour days"})  # a field unknown here
    assert Story.from_json(newer) == story
