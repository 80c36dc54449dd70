"""Podcasts: a section as a show, its feed read back by gPodder's parser and feedparser,
Apple's required tags, the Podcasting 2.0 guid, durations from real audio, artwork checks."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from PIL import Image

from feeds.errors import ConfigError, StoryError
from feeds.export.build import build
from feeds.site.config import Settings, load_settings
from feeds.site.mediafacts import artwork, artwork_problem, duration
from feeds.site.podcasts import parse_shows, podcast_guid
from feeds.site.storyfile import read_story

from .conftest import REPO, Published, write_config, write_story
from .podcasting import SHOW_CONFIG, show_site, write_image, write_mp3, write_wav

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
NS = {"itunes": ITUNES, "podcast": PODCAST}
BASE = "http://127.0.0.1:8000"


# The guid ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("feed_url", "guid"), [
    # The two examples of the namespace's own page (podcast-namespace, docs/tags/guid.md).
    ("https://mp3s.nashownotes.com/pc20rss.xml", "917393e3-1b1e-5cef-ace4-edaa54e1f810"),
    ("https://podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
    # The scheme and the trailing slashes are taken off first.
    ("http://podnews.net/rss/", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
    ("podnews.net/rss//", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
])
def test_the_podcast_guid_is_the_namespaces_uuid5_of_the_feed_url(feed_url: str,
                                                                  guid: str) -> None:
    assert podcast_guid(feed_url) == guid


# Durations from real audio ----------------------------------------------------------------------

def test_durations_are_read_from_real_audio_files(tmp_path: Path) -> None:
    mp3 = write_mp3(tmp_path / "long.mp3", 61.2)  # encoded by LAME: frames, padding, a header
    wav = write_wav(tmp_path / "short.wav", 2.5)
    assert duration(mp3) in (62, 63)  # rounded up; LAME's encoder delay may add a frame
    assert duration(wav) == 3
    sample = REPO / "content" / "defence" / "sighnaghi-field-report.wav"
    assert duration(sample) == 3  # the sample site's clip: 3.0 s
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 50)
    assert duration(broken) is None
    (tmp_path / "text.mp3").write_text("not audio", encoding="utf-8")
    assert duration(tmp_path / "text.mp3") is None


def test_a_damaged_audio_file_never_stops_its_story(tmp_path: Path) -> None:
    """Every cut of a real MP3 and WAV, and bytes flipped in their headers: a duration or
    None, never an exception (the story is published whatever its audio holds)."""
    for made in (write_mp3(tmp_path / "a.mp3", 3), write_wav(tmp_path / "a.wav", 1)):
        whole = made.read_bytes()
        cut = tmp_path / f"cut{made.suffix}"
        for end in (*range(0, 200, 7), len(whole) // 2, len(whole) - 1):
            cut.write_bytes(whole[:end])
            assert duration(cut) is None or duration(cut) >= 1
        for at in range(0, 120, 3):
            cut.write_bytes(whole[:at] + bytes([whole[at] ^ 0xFF]) + whole[at + 1:])
            assert duration(cut) is None or duration(cut) >= 1


# The show's feed, read back ----------------------------------------------------------------------

@pytest.fixture
def show(site: Path, publish: Callable[..., Published]) -> Published:
    show_site(site)
    return publish(site)


# The namespace's spec (docs/1.0.md): "Clients which recognize this namespace must also
# recognize https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md as
# identical." podcastparser (0.6.11, and Debian's 0.6.9 under gPodder) knows only that older
# address, so its reading of the podcast: tags is checked with the feed under that alias.
ALIAS = b"https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"


def test_the_shows_feed_is_read_back_by_podcastparser(show: Published) -> None:
    body = show.body("/briefing/rss.xml")
    as_served = podcastparser.parse(f"{BASE}/briefing/rss.xml", io.BytesIO(body))
    assert "import_prohibited" not in as_served  # (the podcast: tags, under the new address)
    parsed = podcastparser.parse(f"{BASE}/briefing/rss.xml",
                                 io.BytesIO(body.replace(PODCAST.encode(), ALIAS)))
    assert {k: v for k, v in parsed.items() if k != "episodes"} == {
        k: v for k, v in as_served.items() if k != "episodes"} | {
        "import_prohibited": True, "funding_url": "https://news.example/support"}
    assert parsed["title"] == "Morning Briefing"
    assert parsed["description"] == "The day's news in ten minutes, from the desk."
    assert parsed["link"] == f"{BASE}/briefing/"
    assert parsed["cover_url"] == f"{BASE}/briefing/cover.png"
    assert parsed["itunes_author"] == "Test Desk"
    assert parsed["itunes_owner"] == {"name": "Test Desk", "email": "podcasts@news.example"}
    assert parsed["itunes_categories"] == [["News", "Daily News"], ["Technology"]]
    assert parsed["explicit"] is False
    assert parsed["type"] == "episodic"
    assert parsed["import_prohibited"] is True  # podcast:locked yes
    assert parsed["funding_url"] == "https://news.example/support"
    monday, trailer = parsed["episodes"]  # the text-only story is no episode
    assert monday["title"] == "Monday's briefing"
    size = (show.root / "content" / "briefing" / "monday.mp3").stat().st_size
    assert monday["enclosures"] == [{"url": f"{BASE}/briefing/monday.mp3",
                                     "file_size": size, "mime_type": "audio/mpeg"}]
    assert monday["total_time"] in (62, 63)
    assert (monday["number"], monday["season"], monday["type"]) == (12, 3, "full")
    assert monday["explicit"] is False
    assert monday["transcript_url"] == f"{BASE}/briefing/monday.vtt"
    assert monday["chapters_json_url"] == f"{BASE}/briefing/monday-chapters.json"
    assert [p["name"] for p in monday["persons"]] == ["Ana Lima", "Ben Okafor"]
    assert monday["persons"][0]["href"] == "https://news.example/ana"
    assert monday["persons"][1]["href"] == f"{BASE}/authors/ben-okafor/"
    assert (trailer["type"], trailer["explicit"], trailer["total_time"]) == ("trailer", True, 3)
    assert trailer["transcript_url"] == "https://news.example/trailer.html"


def test_the_shows_feed_is_read_back_by_feedparser(show: Published) -> None:
    parsed = feedparser.parse(show.body("/briefing/rss.xml"))
    assert not parsed.bozo
    feed = parsed.feed
    assert feed.title == "Morning Briefing"
    assert feed.image.href == f"{BASE}/briefing/cover.png"
    # (feedparser 6 reads itunes:explicit's old values only, yes and clean; Apple now
    # documents true and false, checked in the XML below.)
    assert feed.author == "Test Desk"
    assert feed.publisher_detail == {"name": "Test Desk", "email": "podcasts@news.example"}
    assert [t.term for t in feed.tags] == ["News", "Daily News", "Technology"]
    assert feed.itunes_type == "episodic"
    assert feed.podcast_guid == podcast_guid(f"{BASE}/briefing/rss.xml")
    assert feed.podcast_locked == {"owner": "podcasts@news.example"}
    assert feed.podcast_funding == {"url": "https://news.example/support"}
    monday, trailer = parsed.entries
    assert monday.itunes_duration in ("62", "63")
    assert (monday.itunes_episode, monday.itunes_season) == ("12", "3")
    assert (monday.podcast_episode, monday.podcast_season) == ("12", "3")
    assert monday.itunes_episodetype == "full"
    assert monday.enclosures[0].href == f"{BASE}/briefing/monday.mp3"
    assert trailer.itunes_episodetype == "trailer"
    assert monday.podcast_transcript == {"url": f"{BASE}/briefing/monday.vtt",
                                         "type": "text/vtt"}
    assert monday.podcast_chapters == {"url": f"{BASE}/briefing/monday-chapters.json",
                                       "type": "application/json+chapters"}
    # (feedparser keeps the attributes of an element's last copy: the second person)
    assert monday.podcast_person == {"href": f"{BASE}/authors/ben-okafor/"}
    assert trailer.podcast_transcript == {"url": "https://news.example/trailer.html",
                                          "type": "text/html"}
    assert trailer.podcast_person == {"href": f"{BASE}/authors/test-desk/"}


def test_every_tag_apple_requires_is_there(show: Published) -> None:
    """Apple's required channel and episode tags, and the Podcasting 2.0 tags with the
    attributes the parsers above do not report."""
    rss = etree.fromstring(show.body("/briefing/rss.xml"))
    channel = rss.find("channel")
    assert channel is not None
    for path in ("title", "description", "language", "link", "itunes:explicit",
                 "itunes:author", "itunes:owner/itunes:email", "itunes:type"):
        assert (channel.findtext(path, namespaces=NS) or "").strip(), path
    assert channel.find("itunes:image", NS).get("href") == f"{BASE}/briefing/cover.png"
    category = channel.find("itunes:category", NS)
    assert category.get("text") == "News"
    assert category.find("itunes:category", NS).get("text") == "Daily News"
    locked = channel.find("podcast:locked", NS)
    assert (locked.text, locked.get("owner")) == ("yes", "podcasts@news.example")
    funding = channel.find("podcast:funding", NS)
    assert (funding.text, funding.get("url")) == ("Support the briefing",
                                                  "https://news.example/support")
    items = channel.findall("item")
    assert len(items) == 2
    for item in items:
        assert item.findtext("title") and item.findtext("guid")
        enclosure = item.find("enclosure")
        assert enclosure.get("url") and int(enclosure.get("length")) > 0
        assert enclosure.get("type").startswith("audio/")
        assert item.findtext("itunes:duration", namespaces=NS).isdigit()
    transcripts = [(t.get("url"), t.get("type")) for t in rss.iter(f"{{{PODCAST}}}transcript")]
    assert transcripts == [(f"{BASE}/briefing/monday.vtt", "text/vtt"),
                           ("https://news.example/trailer.html", "text/html")]
    chapters = items[0].find("podcast:chapters", NS)
    assert chapters.get("type") == "application/json+chapters"


def test_the_show_is_served_whole_and_the_rest_of_the_site_is_not_touched(
        site: Path, publish: Callable[..., Published]) -> None:
    """Configuring a show changes its RSS feed only: the site's feeds, the section's Atom and
    JSON Feed and another section's feeds keep every byte."""
    show_site(site)
    config = (site / "config.yaml").read_text(encoding="utf-8")
    (site / "config.yaml").write_text(config.split("podcasts:")[0], encoding="utf-8")
    plain = publish(site)
    paths = ["/rss.xml", "/atom.xml", "/feed.json", "/briefing/atom.xml", "/briefing/feed.json",
             "/world/rss.xml", "/world/atom.xml"]
    before = {path: plain.body(path) for path in paths}
    assert len(feedparser.parse(plain.body("/briefing/rss.xml")).entries) == 3
    plain.close()
    (site / "config.yaml").write_text(config, encoding="utf-8")
    shown = publish(site)
    assert {path: shown.body(path) for path in paths} == before
    assert len(feedparser.parse(shown.body("/briefing/rss.xml")).entries) == 2
    assert shown.body("/briefing/rss.xml") == shown.body("/briefing/rss.xml")


def test_a_new_episode_is_in_the_show_at_its_next_publication(show: Published) -> None:
    write_mp3(show.root / "content" / "briefing" / "tuesday.mp3", 2)
    write_story(show.root, "briefing/tuesday.md", """\
        ---
        title: Tuesday's briefing
        date: 2025-11-11T07:00:00+01:00
        enclosures: [{url: tuesday.mp3, type: audio/mpeg}]
        episode: 13
        season: 3
        ---

        Tuesday.
        """)
    show.sync()
    parsed = feedparser.parse(show.body("/briefing/rss.xml"))
    assert [e.title for e in parsed.entries] == [
        "Tuesday's briefing", "Monday's briefing", "Coming soon, the Morning Briefing"]
    assert parsed.entries[0].itunes_duration in ("2", "3")
    assert "tuesday.mp3" in show.get("/briefing/").get_data(as_text=True)
    (show.root / "content" / "briefing" / "trailer.md").unlink()
    show.sync()
    assert len(feedparser.parse(show.body("/briefing/rss.xml")).entries) == 2


def test_feed_size_keeps_the_newest_episodes(site: Path,
                                              publish: Callable[..., Published]) -> None:
    show_site(site, extra_config="    feed_size: 1\n")
    parsed = feedparser.parse(publish(site).body("/briefing/rss.xml"))
    assert [e.title for e in parsed.entries] == ["Monday's briefing"]


def test_a_moved_show_keeps_its_guid(site: Path, publish: Callable[..., Published]) -> None:
    """The guid follows the show for life: after a move, config.yaml keeps the first one."""
    show_site(site, extra_config="    guid: 917393E3-1b1e-5cef-ace4-edaa54e1f810\n")
    parsed = feedparser.parse(publish(site).body("/briefing/rss.xml"))
    assert parsed.feed.podcast_guid == "917393e3-1b1e-5cef-ace4-edaa54e1f810"


def test_the_show_page_plays_each_episode(show: Published) -> None:
    response = show.get("/briefing/")
    page = response.get_data(as_text=True)
    assert f'<audio controls preload="none" src="{BASE}/briefing/monday.mp3">' in page
    assert f'<audio controls preload="none" src="{BASE}/briefing/trailer.wav">' in page
    assert page.count("<audio") == 2  # the text-only story has no player
    assert f'href="{BASE}/briefing/rss.xml"' in page and "Morning Briefing" in page
    # The show's feed is the page's last RSS or Atom link, named as the show: podcast apps
    # given the page's address take that one (gPodder does: tests/test_gpodder.py).
    links = re.findall(r'<link rel="alternate" type="([^"]+)" title="([^"]+)" href="([^"]+)"',
                       page)
    assert [(t, h) for t, _, h in links if "json" not in t][-1] == (
        "application/rss+xml", f"{BASE}/briefing/rss.xml")
    assert ("application/rss+xml", "Morning Briefing (podcast, RSS)",
            f"{BASE}/briefing/rss.xml") in links
    assert ">Podcast (RSS)</span>" in page
    policy = response.headers["Content-Security-Policy"]
    assert "media-src *" in policy  # the players may load the audio
    artwork_response = show.get("/briefing/cover.png")
    assert (artwork_response.status_code, artwork_response.mimetype) == (200, "image/png")
    for media in ("/briefing/monday.mp3", "/briefing/monday.vtt",
                  "/briefing/monday-chapters.json"):
        assert show.get(media).status_code == 200, media
    assert "<audio" not in show.get("/world/").get_data(as_text=True)


def test_a_static_build_writes_the_show_as_served(site: Path, tmp_path: Path,
                                                   publish: Callable[..., Published]) -> None:
    show_site(site)
    served = publish(site)
    expected = {path: served.body(path) for path in ("/briefing/rss.xml", "/briefing/")}
    served.close()
    out = tmp_path / "public"
    build(site, out, processes=1, say=lambda _: None)
    assert (out / "briefing" / "rss.xml").read_bytes() == expected["/briefing/rss.xml"]
    assert (out / "briefing" / "index.html").read_bytes() == expected["/briefing/"]
    for name in ("cover.png", "monday.mp3", "monday.vtt", "monday-chapters.json"):
        assert (out / "briefing" / name).read_bytes() == (
            site / "content" / "briefing" / name).read_bytes(), name


# What config.yaml and story files may say ----------------------------------------------------

@pytest.mark.parametrize(("change", "message"), [
    ({"categories": ["News > Cooking"]}, "Cooking is not a subcategory of News"),
    ({"categories": ["Cooking"]}, "Cooking is not one of Apple's"),
    ({"type": "weekly"}, "type: expected episodic (newest first) or serial"),
    ({"owner": {"name": "Desk"}}, "there is no email"),
    ({"owner": {"name": "Desk", "email": "nobody"}}, "not an address"),
    ({"image": "cover.gif"}, "JPEG or PNG"),
    ({"image": "../cover.png"}, "a path under content/"),
    ({"feed_size": 0}, "feed_size: expected a whole number"),
    ({"explicit": "no"}, "explicit: expected true or false"),
    ({"funding": [{"url": "javascript:alert(1)", "text": "x"}]}, "http(s) URL"),
    ({"colour": "red"}, "unknown key colour"),
    ({"guid": "not-a-guid"}, "guid: expected the show's podcast:guid"),
])
def test_a_wrong_show_is_a_config_error_naming_it(change: dict[str, object],
                                                  message: str) -> None:
    show = {"title": "T", "description": "D", "author": "A",
            "owner": {"name": "O", "email": "o@news.example"}, "image": "b/cover.png",
            "categories": ["News"], **change}
    with pytest.raises(ConfigError) as raised:
        Settings.from_raw({"podcasts": {"briefing": show}})
    assert message in raised.value.message and "podcasts: briefing:" in raised.value.message


def test_the_settings_keep_the_shows_through_the_catalogue(site: Path) -> None:
    show_site(site)
    settings = load_settings(site)
    assert Settings.from_raw(settings.to_raw()) == settings
    assert settings.podcasts.of("briefing").categories == (("News", "Daily News"),
                                                             ("Technology", None))
    assert parse_shows({}) == Settings.default().podcasts


@pytest.mark.parametrize(("field", "message"), [
    ("episode: 0", "episode: expected a whole number from 1"),
    ("season: two", "season: expected a whole number"),
    ("episode: 2.5", "episode: expected a whole number"),
    ('episode: "-1"', "episode: expected a whole number"),
    ("episode_type: pilot", "episode_type: expected full, trailer or bonus"),
    ("explicit: maybe", "explicit: expected true or false"),
    ("transcript: notes.docx", "transcript: the type is not one podcast apps read"),
    ("chapters: chapters.txt", "chapters: give a JSON chapters file"),
    ('transcript: {url: "javascript:alert(1).vtt", type: vtt}', "transcript: it is not an http"),
    ('chapters: "javascript:alert(1).json"', "chapters: it is not an http(s) URL"),
])
def test_a_wrong_episode_field_names_its_line(site: Path, field: str, message: str) -> None:
    write_config(site)
    write_story(site, "briefing/x.md",
                f"---\ntitle: X\ndate: 2025-11-10\nauthor: A\n{field}\n---\n\nBody.\n")
    with pytest.raises(StoryError) as raised:
        read_story(site, "content/briefing/x.md", load_settings(site))
    assert message in raised.value.message and raised.value.line == 5


# The artwork, checked from the file ---------------------------------------------------------

@pytest.mark.parametrize(("size", "kind", "message"), [
    ((1000, 1000), "PNG", "the artwork is 1000 x 1000 pixels, and Apple takes 1400 x 1400"),
    ((3200, 3200), "JPEG", "the artwork is 3200 x 3200 pixels, and Apple takes"),
    ((1400, 1500), "PNG", "the artwork is 1400 x 1500 pixels, and it must be square"),
    ((1400, 1400), "GIF", "the artwork is a GIF, and Apple takes JPEG or PNG"),
    ((1400, 1400), "CMYK", "the artwork's colours are CMYK, and Apple takes RGB"),
])
def test_artwork_that_apple_refuses_is_named(tmp_path: Path, size: tuple[int, int], kind: str,
                                             message: str) -> None:
    if kind == "CMYK":  # a print-ready JPEG, as a designer may hand one over
        path = tmp_path / "cover.jpg"
        Image.new("CMYK", size, (0, 50, 100, 0)).save(path, "JPEG")
    else:
        path = write_image(tmp_path / "cover.png", *size, kind=kind)
    problem = artwork_problem(artwork(path))
    assert problem is not None and problem.startswith(message)
    assert artwork_problem(artwork(write_image(tmp_path / "ok.jpg", 1400, 1400, "JPEG"))) is None
    (tmp_path / "text.png").write_text("not an image", encoding="utf-8")
    assert artwork_problem(artwork(tmp_path / "text.png")) == (
        "the file is not an image: save the artwork as a JPEG or PNG.")


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "feeds", "check", "--root", str(root)],
                          capture_output=True, text=True, timeout=120)


def test_feeds_check_names_what_apple_and_spotify_need(site: Path) -> None:
    show_site(site, extra_config="")
    write_image(site / "content" / "briefing" / "cover.png", 1400, 1000)
    done = _check(site)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    line = (site / "config.yaml").read_text().splitlines().index(
        "    image: briefing/cover.png") + 1
    assert (f"config.yaml:{line}: podcasts: briefing: content/briefing/cover.png: the artwork "
            "is 1400 x 1000 pixels, and it must be square") in done.stdout
    assert any(x.startswith("content/briefing/trailer.md:4: warning: the episode's audio is "
                            "audio/wav, which Apple and Spotify do not take") for x in lines)
    assert "notes.md" not in done.stdout  # a text story of the desk is no episode: not named

    write_image(site / "content" / "briefing" / "cover.png", 1400, 1400)
    config = (site / "config.yaml").read_text().replace("type: episodic", "type: serial")
    (site / "config.yaml").write_text(config)
    done = _check(site)
    assert done.returncode == 0, done.stdout
    assert ("content/briefing/trailer.md:2: warning: the show 'Morning Briefing' is serial, "
            "and Apple needs every episode numbered") in done.stdout
    (site / "content" / "briefing" / "cover.png").unlink()
    done = _check(site)
    assert done.returncode == 1
    assert "there is no file content/briefing/cover.png" in done.stdout


def test_feeds_check_names_a_show_without_episodes(site: Path) -> None:
    write_config(site)
    with (site / "config.yaml").open("a") as config:
        config.write(SHOW_CONFIG)
    write_image(site / "content" / "briefing" / "cover.png", 1400, 1400)
    write_story(site, "world/x.md", "---\ntitle: X\ndate: 2025-11-10\n---\n\nBody.\n")
    done = _check(site)
    assert done.returncode == 1
    assert "podcasts: briefing: the show has no episode yet" in done.stdout


