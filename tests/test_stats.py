"""Who reads the feeds: recorded User-Agents of aggregators and readers replayed over days,
through the worker's counter, its spool and the publisher's roll-up, with exact counts."""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from feeds.app import create_app
from feeds.catalog.statsdays import FINAL_AFTER, StatsDays, day_end
from feeds.catalog.store import stats
from feeds.cli import main
from feeds.stats.agents import classify
from feeds.stats.rollup import ALL, FeedDay
from feeds.stats.spool import network, spool_folder
from feeds.web.pollcount import PollCounter

from .conftest import Published, story_text, write_config, write_story

DATA = Path(__file__).parent / "data" / "stats"
DAY1 = calendar.timegm((2026, 3, 2, 0, 0, 0))
DAY2 = DAY1 + 86400
DAY3 = DAY2 + 86400


def recorded() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in (DATA / "user-agents.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, name, feed_id, count, agent = line.split("\t")
            rows.append((kind, name, feed_id, count, agent))
    return rows


AGENT = {row[1]: row[4] for row in reversed(recorded())}  # each aggregator's first row
FEEDLY = "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {} subscribers; )"
FEEDBIN = "Feedbin feed-id:{} - {} subscribers"
NEWSBOAT = "newsboat/2.30.1 (Linux x86_64)"
NETNEWSWIRE = "NetNewsWire (RSS Reader; https://netnewswire.com/)"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
THUNDERBIRD = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0"


@pytest.mark.parametrize("kind, name, feed_id, count, agent", recorded())
def test_each_recorded_user_agent_is_read(kind: str, name: str, feed_id: str, count: str,
                                          agent: str) -> None:
    found = classify(agent)
    assert (found.kind, found.name, found.feed_id) == (kind, name, feed_id)
    assert found.subscribers == (int(count) if count else None)


def test_a_network_is_a_24_or_a_48() -> None:
    assert network("203.0.113.5") == network("203.0.113.250") == "203.0.113.0/24"
    assert network("203.0.114.5") != network("203.0.113.5")
    assert network("2001:db8:1:2::9") == network("2001:db8:1::1") == "2001:db8:1::/48"
    assert network("::ffff:203.0.113.9") == "203.0.113.0/24"
    assert network("not an address") == "?"


@pytest.fixture
def news(site: Path, publish: Callable[..., Published]) -> Published:
    write_config(site, stats_token="a-token-for-the-desk-only")
    write_story(site, "world/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    write_story(site, "sport/b.md", story_text("B", "2025-11-02T10:00", id='"urn:x:b"'))
    return publish(site)


class Poller:
    """Polls a worker's app in-process at a moment the test chooses."""

    def __init__(self, published: Published, app: object = None):
        self.app = app or published.app
        self.counter: PollCounter = self.app.extensions["feeds.polls"]  # type: ignore[attr-defined]
        self.client = self.app.test_client()  # type: ignore[attr-defined]
        self.etags: dict[tuple[str, str], str] = {}

    def poll(self, when: float, path: str, agent: str, address: str = "198.51.100.1",
             validators: bool = True) -> int:
        self.counter.clock = lambda: when
        headers = {"User-Agent": agent, "Accept-Encoding": "gzip"}
        who = classify(agent)
        key = (path, who.name or agent, who.feed_id)  # (an aggregator's count changes)
        etag = self.etags.get(key)
        if validators and etag:
            headers["If-None-Match"] = etag
        response = self.client.get(path, headers=headers, environ_base={"REMOTE_ADDR": address})
        assert response.status_code in (200, 304)
        self.etags[key] = response.headers["ETag"]
        return int(response.status_code)

    def flush(self) -> int:
        return self.counter.spool.flush()


def rolled(published: Published, now: float, days: StatsDays | None = None
           ) -> dict[str, dict[tuple[str, str], FeedDay]]:
    """Roll the spools up as the publisher does at ``now``; return every count kept."""
    state = published.root / ".feeds"
    (days or StatsDays(state)).roll(published.publisher.db, published.publisher.settings, now)
    kept = stats.days(published.publisher.db, "2000-01-01", None, whole=False)
    return {day: {(c.feed, c.format): c for c in counts} for day, counts in kept.items()}


def replay_day_one(poller: Poller) -> None:
    """Day one: aggregators on every format, three readers, one of them impatient."""
    t = DAY1 + 600
    poller.poll(t, "/rss.xml", FEEDLY.format(100), validators=False)
    poller.poll(t + 3600, "/rss.xml", FEEDLY.format(101))
    poller.poll(t + 7200, "/rss.xml", FEEDLY.format(102))  # the day's latest: 102
    poller.poll(t + 10, "/atom.xml", FEEDBIN.format(1, 5))
    poller.poll(t + 20, "/atom.xml", FEEDBIN.format(2, 3))
    poller.poll(t + 4000, "/atom.xml", FEEDBIN.format(1, 6))  # feed ids summed: 6 + 3
    poller.poll(t + 30, "/feed.json", AGENT["Inoreader"])  # 114
    poller.poll(t + 40, "/world/rss.xml", AGENT["NewsBlur"])  # 12, on a section's feed
    # newsboat from two addresses of one /24: one reader; polite (validators, 1,000 s apart)
    poller.poll(t + 100, "/rss.xml", NEWSBOAT, "203.0.113.5")
    poller.poll(t + 1100, "/rss.xml", NEWSBOAT, "203.0.113.77")
    # NetNewsWire from two addresses of one /48, on two formats: one reader of the site feed
    poller.poll(t + 200, "/atom.xml", NETNEWSWIRE, "2001:db8:1::1")
    poller.poll(t + 300, "/feed.json", NETNEWSWIRE, "2001:db8:1:2::9")
    # Thunderbird, twice within a minute: impolite
    poller.poll(t + 400, "/rss.xml", THUNDERBIRD, "198.51.100.1")
    poller.poll(t + 430, "/rss.xml", THUNDERBIRD, "198.51.100.1")
    # a crawler: a poll, not a reader
    poller.poll(t + 500, "/rss.xml", GOOGLEBOT)


def test_a_day_of_polls_is_counted_exactly(news: Published) -> None:
    poller = Poller(news)
    replay_day_one(poller)
    assert poller.flush() == 15
    found = rolled(news, DAY1 + 20000)["2026-03-02"]
    site = found["/", ALL]
    assert dict(site.subscribers) == {"Feedbin": 9, "Feedly": 102, "Inoreader": 114}
    assert site.readers == 3  # newsboat, NetNewsWire, Thunderbird
    assert site.total == 228
    assert site.polls == 14
    assert found["/", "rss.xml"].polls == 8 and found["/", "atom.xml"].polls == 4
    assert dict(found["/", "rss.xml"].subscribers) == {"Feedly": 102}
    assert dict(found["/", "atom.xml"].subscribers) == {"Feedbin": 9}
    assert found["/", "rss.xml"].readers == 2  # newsboat, Thunderbird (the robot is none)
    assert found["/", "atom.xml"].readers == 1 and found["/", "feed.json"].readers == 1
    # 304s: Feedly's two revalidations, Feedbin 1's second, newsboat's second, Thunderbird's
    assert site.not_modified == 5
    assert found["/world/", ALL].subscribers == {"NewsBlur": 12}
    assert found["/world/", ALL].polls == 1
    assert "/sport/" not in {feed for feed, _ in found}
    # impolite: Feedly's first poll had no validator and no interval (polite); Thunderbird's
    # second came 30 s after its first, with max-age 900
    assert (site.pollers, site.impolite) == (8, 1)  # Feedly, Feedbin 1 and 2, Inoreader,
    # the three readers and the robot
    # bytes: what was sent (gzip, or nothing for a 304) against the whole document every time
    size = {p: len(news.get(p).data) for p in ("/rss.xml", "/atom.xml", "/feed.json")}
    assert site.full == 8 * size["/rss.xml"] + 4 * size["/atom.xml"] + 2 * size["/feed.json"]
    assert 0 < site.sent < site.full * 0.5


def test_two_workers_a_restart_and_the_next_days_never_count_twice(
        news: Published) -> None:
    first = Poller(news)
    second = Poller(news, create_app(news.root, follow=False))  # a second worker
    first.poll(DAY1 + 100, "/rss.xml", NEWSBOAT, "203.0.113.5")
    second.poll(DAY1 + 2000, "/rss.xml", NEWSBOAT, "203.0.113.9")  # the same reader
    first.poll(DAY1 + 200, "/rss.xml", FEEDLY.format(40))
    second.poll(DAY1 + 3000, "/rss.xml", FEEDLY.format(41))
    first.flush(), second.flush()
    days = StatsDays(news.root / ".feeds")
    once = rolled(news, DAY1 + 5000, days)["2026-03-02"]["/", ALL]
    assert (once.readers, once.polls, dict(once.subscribers)) == (1, 4, {"Feedly": 41})
    # the publisher restarts (a new roll-up, nothing remembered) and rolls up again
    again = rolled(news, DAY1 + 5100)["2026-03-02"]["/", ALL]
    assert again == once
    # a worker restarts: a new spool file beside the old one
    third = Poller(news, create_app(news.root, follow=False))
    third.poll(DAY1 + 6000, "/rss.xml", THUNDERBIRD, "198.51.100.1")
    third.flush()
    later = rolled(news, DAY1 + 6100, days)["2026-03-02"]["/", ALL]
    assert (later.readers, later.polls) == (2, 5)
    # day two: newsboat again, Feedly with more subscribers; day one is final at 00:10
    first.poll(DAY2 + 100, "/rss.xml", NEWSBOAT, "203.0.113.5")
    second.poll(DAY2 + 200, "/rss.xml", FEEDLY.format(43))
    first.flush(), second.flush()
    kept = rolled(news, DAY2 + FINAL_AFTER + 1, days)
    assert (kept["2026-03-02"]["/", ALL].readers, kept["2026-03-02"]["/", ALL].polls) == (2, 5)
    day2 = kept["2026-03-03"]["/", ALL]
    assert (day2.readers, day2.polls, dict(day2.subscribers)) == (1, 2, {"Feedly": 43})
    assert stats.is_final(news.publisher.db, "2026-03-02")
    assert not (spool_folder(news.root / ".feeds") / "2026-03-02").exists()
    assert not (news.root / ".feeds" / "stats" / "keys" / "2026-03-02").exists()
    # a poll of day one held back past the end: left out, the final counts stay
    first.poll(DAY2 - 5, "/rss.xml", THUNDERBIRD, "192.0.2.1")
    first.flush()
    kept = rolled(news, DAY2 + 3600, days)
    assert kept["2026-03-02"]["/", ALL].polls == 5
    assert not (spool_folder(news.root / ".feeds") / "2026-03-02").exists()
    # day three, and day two made final: each day its own
    second.poll(DAY3 + 50, "/atom.xml", FEEDBIN.format(7, 2))
    second.flush()
    kept = rolled(news, DAY3 + FINAL_AFTER + 1, days)
    assert kept["2026-03-03"]["/", ALL].polls == 2
    assert dict(kept["2026-03-04"]["/", ALL].subscribers) == {"Feedbin": 2}
    assert day_end("2026-03-02") == DAY2


def test_no_address_or_user_agent_is_written(news: Published) -> None:
    poller = Poller(news)
    replay_day_one(poller)
    poller.flush()
    written = b"".join(p.read_bytes() for p in
                       spool_folder(news.root / ".feeds").rglob("*.tsv"))
    for secret in (b"203.0.113", b"2001:db8", b"198.51.100", b"newsboat", b"NetNewsWire",
                   b"Thunderbird", b"Googlebot"):
        assert secret not in written
    assert b"Feedly" in written  # an aggregator's name is no one's
    keys = list((news.root / ".feeds" / "stats" / "keys").iterdir())
    assert [k.name for k in keys] == ["2026-03-02"]
    assert keys[0].stat().st_mode & 0o077 == 0  # the day's key: the site's user's alone


def test_retention_deletes_old_days(news: Published) -> None:
    poller = Poller(news)
    poller.poll(DAY1 + 10, "/rss.xml", FEEDLY.format(1))
    poller.flush()
    rolled(news, DAY2 + FINAL_AFTER + 1)
    write_config(news.root, stats_token="a-token-for-the-desk-only", stats_retention_days=2)
    news.publisher.reload_config()
    assert "2026-03-02" in rolled(news, DAY3 + 100)
    assert "2026-03-02" not in rolled(news, DAY3 + 86400 + 100)


def test_counting_off_counts_nothing(site: Path, publish: Callable[..., Published]) -> None:
    write_config(site, stats=False)
    write_story(site, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    poller = Poller(publish(site))
    poller.poll(DAY1, "/rss.xml", FEEDLY.format(3))
    assert poller.flush() == 0


def test_pages_redirects_and_missing_feeds_are_not_polls(news: Published) -> None:
    poller = Poller(news)
    counter = poller.counter
    for path in ("/", "/world/", "/nowhere/rss.xml", "/healthz"):
        counter.clock = lambda: DAY1
        poller.client.get(path, headers={"User-Agent": NEWSBOAT})
    assert poller.flush() == 0
    assert time.time() > DAY1


def test_feeds_stats_prints_a_table_and_json(news: Published,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    poller = Poller(news)
    replay_day_one(poller)
    poller.poll(DAY2 + 60, "/rss.xml", FEEDLY.format(110))
    poller.poll(DAY2 + 90, "/atom.xml", NEWSBOAT, "203.0.113.5")
    poller.flush()
    rolled(news, DAY2 + FINAL_AFTER + 1)  # day one final; day two from the spool as it is
    root = str(news.root)
    assert main(["stats", "--root", root, "--json", "--days", "36500"]) == 0
    found = json.loads(capsys.readouterr().out)
    feeds = {entry["feed"]: entry for entry in found["feeds"]}
    assert list(feeds) == ["/", "/world/"]  # most followed first; formats only with --feed
    site = feeds["/"]
    assert site["format"] == "all" and site["latest_day"] == "2026-03-03"
    assert (site["subscribers"], site["readers"], site["followers"]) == ({"Feedly": 110}, 1, 111)
    assert [day["day"] for day in site["days"]] == ["2026-03-02", "2026-03-03"]
    assert site["days"][0]["subscribers"] == {"Feedbin": 9, "Feedly": 102, "Inoreader": 114}
    assert site["days"][0]["readers"] == 3 and site["days"][0]["followers"] == 228
    assert site["polls"] == 16 and site["not_modified"] == 6
    assert site["not_modified_share"] == round(6 / 16, 4)
    assert 0 < site["sent"] < site["full"]

    assert main(["stats", "--root", root, "--json", "--days", "36500",
                 "--feed", "/atom.xml"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert [(e["feed"], e["format"]) for e in one["feeds"]] == [
        ("/", "all"), ("/", "atom.xml"), ("/", "feed.json"), ("/", "rss.xml")]
    assert main(["stats", "--root", root, "--days", "36500"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["feed", "format", "followers", "aggregators", "readers",
                                  "polls", "304", "saved", "impolite"]
    assert printed[1].split()[:4] == ["/", "all", "111", "Feedly"]
    assert main(["stats", "--root", root, "--days", "0"]) == 1


STATS_TOKEN = "a-token-for-the-desk-only"


@pytest.mark.parametrize("headers, query", [
    ({}, ""),
    ({"Authorization": "Bearer not-the-token-at-all"}, ""),
    ({"Authorization": f"Basic {STATS_TOKEN}"}, ""),
    ({}, "?token=not-the-token-at-all"),
    ({}, f"?token={STATS_TOKEN[:-1]}"),
    ({"Authorization": "Bearer wrong-token-for-sure"}, f"?token={STATS_TOKEN}"),
])
def test_stats_is_a_404_without_the_token(news: Published, headers: dict[str, str],
                                          query: str) -> None:
    response = news.client.get("/stats/" + query, headers=headers)
    assert response.status_code == 404
    assert response.headers["Cache-Control"] == "no-store"
    assert b"Who reads" not in response.data


def test_stats_is_a_404_when_no_token_is_set(site: Path,
                                             publish: Callable[..., Published]) -> None:
    write_story(site, "a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    published = publish(site)
    for query in ("", "?token=", "?token=None"):
        assert published.client.get("/stats/" + query).status_code == 404


@pytest.mark.parametrize("headers, query", [
    ({"Authorization": f"Bearer {STATS_TOKEN}"}, ""),
    ({"Authorization": f"bearer  {STATS_TOKEN} "}, "?days=7"),
    ({}, f"?token={STATS_TOKEN}&days=400"),
])
def test_stats_shows_the_charts_with_the_token(news: Published, headers: dict[str, str],
                                               query: str) -> None:
    poller = Poller(news)
    now = time.time()
    poller.poll(now - 60, "/rss.xml", FEEDLY.format(321))
    poller.poll(now - 50, "/world/atom.xml", AGENT["Feedbin"])
    poller.poll(now - 40, "/rss.xml", NEWSBOAT, "203.0.113.5")
    poller.flush()  # today's counts come from the spool, rolled up on the spot
    response = news.client.get("/stats/" + query, headers=headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "script-src" not in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    assert html.count("<svg") == 3 and "<script" not in html
    assert "Feedly" in html and "Feedbin" in html and ">322<" in html  # 321 and newsboat
    document = etree.fromstring(html.encode(), etree.HTMLParser())
    rows = document.xpath("//table//tr/td[1]/text()")
    assert rows == ["/", "/world/"]


def test_no_section_or_story_may_take_stats(site: Path,
                                            publish: Callable[..., Published]) -> None:
    write_story(site, "stats/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"'))
    write_story(site, "stats.md", story_text("B", "2025-11-01T10:00", id='"urn:x:b"'))
    published = publish(site)
    messages = " ".join(p.message for p in published.publisher.problem_list())
    assert "stats" in messages
    assert published.get("/stats/").status_code == 404


def test_head_polls_other_methods_and_other_feeds(site: Path,
                                                  publish: Callable[..., Published]) -> None:
    write_story(site, "notícias/a.md", story_text("A", "2025-11-01T10:00", id='"urn:x:a"',
                                                  tags="[café, news]"))
    published = publish(site)
    poller = Poller(published)
    poller.counter.clock = lambda: DAY1 + 10
    head = poller.client.head("/rss.xml", headers={"User-Agent": NEWSBOAT})
    assert head.status_code == 200
    assert poller.client.post("/rss.xml", headers={"User-Agent": NEWSBOAT}).status_code == 405
    assert poller.poll(DAY1 + 20, "/tags/cafe/atom.xml", NEWSBOAT) == 200
    assert poller.poll(DAY1 + 30, "/noticias/feed.json", NEWSBOAT) == 200  # (slugs: ASCII)
    assert poller.flush() == 3  # the HEAD and the two feeds; not the POST
    found = rolled(published, DAY1 + 100)["2026-03-02"]
    assert (found["/", "rss.xml"].polls, found["/", "rss.xml"].sent,
            found["/", "rss.xml"].full) == (1, 0, 0)
    assert found["/tags/cafe/", ALL].readers == 1
    assert found["/noticias/", "feed.json"].readers == 1


def test_a_poller_hammering_a_feed_is_one_line_a_flush(news: Published) -> None:
    poller = Poller(news)
    for i in range(500):  # 500 polls within a second, with validators after the first
        poller.poll(DAY1 + 100 + i / 1000, "/rss.xml", NEWSBOAT, "203.0.113.5")
    poller.poll(DAY1 + 100.2, "/rss.xml", FEEDLY.format(7))
    assert poller.flush() == 501
    lines = b"".join(p.read_bytes() for p in spool_folder(news.root / ".feeds").rglob("*.tsv"))
    assert lines.count(b"\n") == 2
    poller.poll(DAY1 + 2000, "/rss.xml", NEWSBOAT, "203.0.113.5")  # the next flush's run
    poller.flush()
    found = rolled(news, DAY1 + 3000)["2026-03-02"]["/", "rss.xml"]
    assert (found.polls, found.not_modified, found.readers, found.pollers) == (502, 500, 1, 2)
    assert found.impolite == 1  # newsboat, not Feedly
    assert found.full == 502 * len(news.get("/rss.xml").data)


def test_a_spool_that_cannot_be_written_keeps_its_counts(news: Published,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    poller = Poller(news)
    poller.poll(DAY1 + 10, "/rss.xml", NEWSBOAT, "203.0.113.5")
    real_open = open

    def full_disk(path: object, *args: object, **kwargs: object) -> object:
        if str(path).endswith(".tsv"):
            raise OSError(28, "No space left on device")
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", full_disk)
    with pytest.raises(OSError):
        poller.flush()
    monkeypatch.undo()
    poller.poll(DAY1 + 2000, "/rss.xml", NEWSBOAT, "203.0.113.5")
    assert poller.flush() == 1  # the new poll; the one kept is written with it
    assert rolled(news, DAY1 + 3000)["2026-03-02"]["/", ALL].polls == 2


@pytest.mark.parametrize("agent, name", [  # made up: shapes an unlisted aggregator may take
    ("Mozilla/5.0 (compatible; Examplereader/2.1; +https://reader.example/; 14 subscribers)",
     "Examplereader"),
    ("Example-Fetcher/0.9 (https://fetcher.example; 3 readers)", "Example-Fetcher"),
])
def test_an_unlisted_aggregator_is_named_by_its_product(agent: str, name: str) -> None:
    found = classify(agent)
    assert (found.kind, found.name) == ("aggregator", name)
