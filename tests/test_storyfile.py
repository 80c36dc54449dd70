"""Parsing edge cases of story files: every field, both formats, and every way a file goes bad."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.errors import StoryError
from feeds.site.config import load_settings
from feeds.site.files import is_story_file
from feeds.site.ids import derived_id
from feeds.site.markup import summarize, to_html
from feeds.site.story import Author, Enclosure, Image, Story
from feeds.site.storyfile import read_story

from .conftest import write_story

BERLIN = ZoneInfo("Europe/Berlin")


def read(site: Path, relative: str, text: str) -> Story:
    write_story(site, relative, text)
    return read_story(site, f"content/{relative}", load_settings(site))


def error(site: Path, relative: str, text: str | bytes) -> StoryError:
    path = site / "content" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(StoryError) as caught:
        read_story(site, f"content/{relative}", load_settings(site))
    assert caught.value.path == f"content/{relative}"
    return caught.value


def test_markdown_story_with_every_field(site: Path) -> None:
    story = read(site, "world/full.md", """
        ---
        title: "Everything: at once"
        id: urn:uuid:6d0d1c9e-0000-4000-8000-000000000001
        date: 2025-11-13T09:30:00+01:00
        updated: 2025-11-14T10:00:00Z
        author:
          - Ana Lima
          - {name: Bo Chen, email: bo@news.example, uri: "https://news.example/bo"}
        section: politics
        tags: [elections, europe, elections]
        summary: A short summary.
        image: {url: photo.jpg, alt: A photo}
        enclosures:
          - {url: /media/clip.mp3, type: audio/mpeg, length: 1234}
        link: https://elsewhere.example/original
        draft: false
        ---

        The body.
        """)
    assert story.title == "Everything: at once"
    assert story.id == "urn:uuid:6d0d1c9e-0000-4000-8000-000000000001"
    assert story.date == datetime(2025, 11, 13, 9, 30, tzinfo=BERLIN)
    assert story.date.tzinfo == BERLIN
    assert story.updated == datetime(2025, 11, 14, 11, 0, tzinfo=BERLIN)
    assert story.authors == (Author("Ana Lima"),
                             Author("Bo Chen", "bo@news.example", "https://news.example/bo"))
    assert story.section == "politics"
    assert story.tags == ("elections", "europe")
    assert story.summary == "A short summary."
    assert story.image == Image("http://127.0.0.1:8000/world/photo.jpg", "A photo")
    clip = Enclosure("http://127.0.0.1:8000/media/clip.mp3", "audio/mpeg", 1234)
    assert story.enclosures == (clip,)
    assert story.link == "https://elsewhere.example/original"
    assert story.body == "The body.\n"
    assert story.path == "world/full"
    assert story.has_own_id


def test_yaml_story(site: Path) -> None:
    story = read(site, "africa/brief.yaml", """
        title: A YAML story
        date: 2025-11-13
        tags: one tag
        body: |
          First paragraph.

          Second.
        """)
    assert story.title == "A YAML story"
    assert story.body == "First paragraph.\n\nSecond.\n"
    assert story.tags == ("one tag",)
    assert story.section == "africa"


def test_defaults(site: Path) -> None:
    story = read(site, "top.md", "---\ntitle: Top\ndate: 2025-11-13 08:00\n---\nBody\n")
    assert story.updated == story.date == datetime(2025, 11, 13, 8, 0, tzinfo=BERLIN)
    assert story.authors == (Author("Test Desk"),)
    assert story.section is None
    assert story.tags == ()
    assert story.summary is None and story.image is None and story.link is None
    assert not story.draft
    assert not story.has_own_id
    assert story.id == derived_id("top", story.date)
    assert story.id.startswith("urn:uuid:")


@pytest.mark.parametrize(("written", "expected"), [
    ("2025-11-13", datetime(2025, 11, 13, tzinfo=BERLIN)),
    ("2025-11-13T08:15:00", datetime(2025, 11, 13, 8, 15, tzinfo=BERLIN)),
    ("2025-11-13T08:15:00Z", datetime(2025, 11, 13, 9, 15, tzinfo=BERLIN)),
    ("'2025-11-13T08:15:00-05:00'", datetime(2025, 11, 13, 14, 15, tzinfo=BERLIN)),
    ("'2025-07-01 12:00'", datetime(2025, 7, 1, 12, 0, tzinfo=BERLIN)),
])
def test_dates_become_aware_in_the_site_zone(site: Path, written: str, expected: datetime) -> None:
    story = read(site, "d.md", f"---\ntitle: T\ndate: {written}\n---\n")
    assert story.date == expected
    assert story.date.utcoffset() == expected.utcoffset()
    assert story.date.tzinfo is BERLIN


def test_a_derived_id_is_a_uuid_of_path_and_moment_and_never_of_the_host(site: Path) -> None:
    when = datetime(2025, 11, 13, 23, 30, tzinfo=BERLIN)
    same_moment = when.astimezone(ZoneInfo("Asia/Tokyo"))
    story_id = derived_id("world/a story", when)
    assert story_id == "urn:uuid:" + str(uuid.uuid5(
        uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/feeds/#story"),
        "world/a story|2025-11-13T22:30:00Z"))
    assert derived_id("world/a story", same_moment) == story_id
    assert derived_id("world/another", when) != story_id


def test_control_characters_are_removed_from_every_text_field(site: Path) -> None:
    story = read(site, "c.md",
                 "---\ntitle: \"Bad\\x01 title\\x0b\"\ndate: 2025-11-13\nsummary: \"s\\x1f\"\n"
                 "tags: [\"t\\x02\"]\n---\nBody\x07 text \x00here\n")
    assert story.title == "Bad title"
    assert story.summary == "s"
    assert story.tags == ("t",)
    # The body is cleaned where it is rendered: the HTML and the derived summary.
    # (CommonMark turns NUL into U+FFFD; the other control characters go.)
    assert to_html(story.body, "https://n.example/c/") == "<p>Body text \ufffdhere</p>"
    assert summarize(story.body) == "Body text \ufffdhere"


def test_yaml_tags_cannot_build_python_objects(site: Path) -> None:
    problem = error(site, "evil.md",
                    "---\ntitle: !!python/object/apply:os.system ['true']\ndate: 2025-11-13\n---\n")
    assert problem.line == 2
    assert "YAML is not valid" in problem.message


@pytest.mark.parametrize(("text", "line", "words"), [
    ("---\ntitle: [unclosed\ndate: 2025-11-13\n---\nBody\n", 3, "YAML is not valid"),
    ("---\ntitle: a: b\ndate: 2025-11-13\n---\n", 2, "quote text"),
    ("---\ndate: 2025-11-13\n---\nBody\n", 1, "there is no title"),
    ("---\ntitle: '  '\ndate: 2025-11-13\n---\n", 2, "title is blank"),
    ("---\ntitle: T\n---\n", 1, "there is no date"),
    ("---\ntitle: T\ndate: next tuesday\n---\n", 3, "not an ISO 8601 date"),
    ("---\ntitle: T\ndate: 2025-13-45\n---\n", 3, "not an ISO 8601 date"),
    ("---\ntitle: T\ndate: 2025-11-13\nupdated: 2025-11-12\n---\n", 4, "earlier than the date"),
    ("---\ntitle: T\ndate: 2025-11-13\nid: not a uri\n---\n", 4, "not an absolute URI"),
    ("---\ntitle: T\ndate: 2025-11-13\nid: 'javascript:alert(1)'\n---\n", 4, "not an absolute URI"),
    ("---\ntitle: T\ndate: 2025-11-13\ntitel: x\n---\n", 4, "unknown field"),
    ("---\ntitle: T\ndate: 2025-11-13\ndraft: maybe\n---\n", 4, "expected true or false"),
    ("---\ntitle: T\ndate: 2025-11-13\ntags: {a: b}\n---\n", 4, "each tag is a word"),
    ("---\ntitle: T\ndate: 2025-11-13\nauthor: {email: x@y.z}\n---\n", 4, "needs a name"),
    ("---\ntitle: T\ndate: 2025-11-13\nlink: /relative\n---\n", 4, "absolute http(s) URL"),
    ("---\ntitle: T\ndate: 2025-11-13\nimage: 'javascript:alert(1)'\n---\n", 4, "not an http(s)"),
    ("---\ntitle: T\ndate: 2025-11-13\nenclosures: [{url: a.mp3, type: audio, length: 1}]\n---\n",
     4, "a media type such as"),
    ("---\ntitle: T\ndate: 2025-11-13\n"
     "enclosures: [{url: a.mp3, type: audio/mpeg, length: -1}]\n---\n",
     4, "size in bytes"),
    ("title: T\ndate: 2025-11-13\n", 1, "no front matter"),
    ("---\ntitle: T\ndate: 2025-11-13\n", 1, "not closed"),
    ("---\n- a list\n---\n", 2, "must be 'key: value' lines"),
])
def test_bad_markdown_stories_name_the_line_and_the_fix(
    site: Path, text: str, line: int, words: str
) -> None:
    problem = error(site, "world/bad.md", text)
    assert words in problem.message
    assert problem.line == line
    assert str(problem).startswith(f"content/world/bad.md:{line}: ")


def test_empty_file(site: Path) -> None:
    problem = error(site, "empty.md", "  \n\n")
    assert problem.line == 1
    assert "the file is empty" in problem.message


def test_bytes_that_are_not_utf8_name_their_line(site: Path) -> None:
    text = "---\ntitle: Caf\xe9\ndate: 2025-11-13\n---\n"
    problem = error(site, "latin1.md", text.encode("latin-1"))
    assert problem.line == 2
    assert "0xe9 is not UTF-8" in problem.message


def test_a_byte_order_mark_is_accepted(site: Path) -> None:
    path = site / "content" / "bom.md"
    path.write_bytes("\ufeff---\ntitle: T\ndate: 2025-11-13\n---\nB\n".encode())
    assert read_story(site, "content/bom.md", load_settings(site)).title == "T"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("title: T\ndate: 2025-11-13\nbody: [1, 2]\n", 3, "body: it must be text"),
    ("- just\n- a list\n", 1, "must be a mapping"),
    ("title: T\ndate: 2025-11-13\nbody: |\n  ok\n bad: indent\n", 5, "YAML is not valid"),
])
def test_bad_yaml_stories(site: Path, text: str, line: int, words: str) -> None:
    problem = error(site, "bad.yaml", text)
    assert words in problem.message
    assert problem.line == line


def test_updated_defaults_to_date_and_can_be_later(site: Path) -> None:
    text = "---\ntitle: T\ndate: 2025-11-13\nupdated: 2025-11-13T00:00:01\n---\n"
    story = read(site, "u.md", text)
    assert story.updated - story.date == timedelta(seconds=1)


@pytest.mark.parametrize(("name", "is_story"), [
    ("a.md", True), ("world/a.yaml", True), ("a.yml", True), ("a.markdown", True),
    (".a.md", False), ("_draft.md", False), ("a.md~", False), ("a.md.swp", False),
    (".hidden/a.md", False), ("_templates/a.md", False), ("a.tmp", False), ("a.txt", False),
    ("notes.md.tmp", False), ("image.png", False),
])
def test_which_files_are_stories(name: str, is_story: bool) -> None:
    assert is_story_file(name) is is_story


# Every scalar YAML can spell ------------------------------------------------------------------

NUMBERS = ["3.10", "1:30", "0x1F", "0o17", "0b101", "1_000", "-0", "+5", ".5", "1.0e+3",
           ".inf", "-.Inf", ".nan", "190:20:30", "007"]


@pytest.mark.parametrize("spelled", NUMBERS)
def test_a_number_in_a_text_field_keeps_its_spelling(site: Path, spelled: str) -> None:
    story = read(site, "a.md", f"---\ntitle: {spelled}\ndate: 2025-01-01\n"
                               f"tags: [{spelled}, x]\nauthor: {spelled}\n---\nBody.\n")
    assert (story.title, story.tags, story.authors[0].name) == (spelled, (spelled, "x"), spelled)


@pytest.mark.parametrize("spelled", ["9" * 5000, "0b" + "1" * 20_000, "0x" + "f" * 5000,
                                     "1" + ":5" * 3000, "-" + "7" * 4301])
def test_a_number_of_thousands_of_digits_is_a_problem_not_a_crash(site: Path,
                                                                  spelled: str) -> None:
    found = error(site, "a.md", f"---\ntitle: {spelled}\ndate: 2025-01-01\n---\nBody.\n")
    assert "longer than 500 characters" in found.message
    if len(spelled) <= 5000:
        story = read(site, "b.md", f"---\ntitle: T\ndate: 2025-01-01\ntags: [x]\n"
                                   f"summary: {spelled}\n---\nBody.\n")
        assert story.summary == spelled
    found = error(site, "c.md", "---\ntitle: T\ndate: 2025-01-01\nenclosures: [{url: "
                                f"http://x.org/a.mp3, type: audio/mpeg, length: {spelled}}}]\n"
                                "---\nBody.\n")
    assert "length must be the size in bytes" in found.message


def test_an_enclosure_length_may_be_spelled_any_way_yaml_allows(site: Path) -> None:
    story = read(site, "a.md", "---\ntitle: T\ndate: 2025-01-01\nenclosures: [{url: "
                               "http://x.org/a.mp3, type: audio/mpeg, length: 1_234}]\n---\nB.\n")
    assert story.enclosures[0].length == 1234


def test_feeds_check_on_a_5000_digit_title_prints_a_problem(site: Path) -> None:
    import subprocess
    import sys

    write_story(site, "a.md", f"---\ntitle: {'9' * 5000}\ndate: 2025-01-01\n---\nBody.\n")
    (site / "config.yaml").write_text(f"title: {'8' * 5000}\nfeed_size: {'9' * 5000}\n")
    done = subprocess.run([sys.executable, "-m", "feeds", "check", "--root", str(site)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stdout.startswith("config.yaml:2: feed_size: expected a whole number")
    (site / "config.yaml").write_text(f"title: {'8' * 5000}\n")
    done = subprocess.run([sys.executable, "-m", "feeds", "check", "--root", str(site)],
                          capture_output=True, text=True, timeout=120)
    assert "content/a.md:2: title: it is longer than 500 characters" in done.stdout
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
