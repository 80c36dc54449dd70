"""Give a served copy of the sample site a month of polls, for the README's /stats/ screenshot.

The polls go through the real worker app in-process (its counting hook and its spool),
with the clock driven a month back: aggregators whose subscribers grow, readers who
come and go. The publisher of the running server rolls them up like any other.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from feeds.app import create_app

TOKEN = "screenshot-token-of-the-sample-site"
DAYS = 30
AGGREGATORS = (  # name, User-Agent, subscribers a month ago, a day's growth
    ("Feedly", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; {} subscribers; )", 240, 3.0),
    ("Inoreader", "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; {} subscribers; )",
     90, 1.5),
    ("NewsBlur", "NewsBlur Feed Fetcher - {} subscribers - https://www.newsblur.com/site/4/x "
     "(Mozilla/5.0)", 30, 0.3),
    ("Feedbin", "Feedbin feed-id:981 - {} subscribers", 55, 0.8),
    ("The Old Reader", "Mozilla/5.0 (compatible; theoldreader.com; {} subscribers; "
     "feed-id=5c1)", 12, 0.1),
)
READERS = ("newsboat/2.30.1 (Linux x86_64)", "NetNewsWire (RSS Reader; https://netnewswire.com/)",
           "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.5.0",
           "rss2email/3.14 (https://github.com/rss2email/rss2email)",
           "Liferea/1.15.4 (Linux; en_US.UTF-8; https://lzone.de/liferea/)")
FEEDS = ("/rss.xml", "/atom.xml", "/feed.json", "/europe/rss.xml", "/defence/atom.xml",
         "/security/rss.xml", "/tags/turkey/atom.xml")


def replay(root: Path) -> int:
    """Poll the site's feeds as a month of pollers would; return how many polls."""
    app = create_app(root, follow=False)
    counter = app.extensions["feeds.polls"]
    client = app.test_client()
    chance = random.Random(1)
    etags: dict[tuple[str, str], str] = {}
    now = time.time()
    today = now - now % 86400  # (UTC days)
    count = 0
    for day in range(DAYS - 1, -1, -1):
        start = today - day * 86400
        for hour in range(0, 24 if day else int(now % 86400 // 3600) + 1, 2):
            for i, feed in enumerate(FEEDS):
                for name, agent, base, growth in AGGREGATORS[: len(AGGREGATORS) - i % 3]:
                    share = 1.0 / (1 + i)
                    subscribers = int((base + growth * (DAYS - day)) * share) + 1
                    count += _poll(client, counter, etags, start + hour * 3600 + i, feed,
                                   agent.format(subscribers), f"198.18.{i}.{len(name)}")
                for r, agent in enumerate(READERS):
                    if chance.random() < 0.5 / (1 + i):
                        count += _poll(client, counter, etags, start + hour * 3600 + 60 + r,
                                       feed, agent, f"203.0.113.{r * 40 + chance.randrange(3)}",
                                       validators=chance.random() < 0.85)
    counter.spool.flush()
    return count


def _poll(client: object, counter: object, etags: dict[tuple[str, str], str], when: float,
          feed: str, agent: str, address: str, validators: bool = True) -> int:
    counter.clock = lambda: when  # type: ignore[attr-defined]
    key = (feed, agent.split("/")[0])
    headers = {"User-Agent": agent, "Accept-Encoding": "gzip"}
    if validators and key in etags:
        headers["If-None-Match"] = etags[key]
    response = client.get(feed, headers=headers,  # type: ignore[attr-defined]
                          environ_base={"REMOTE_ADDR": address})
    if "ETag" in response.headers:
        etags[key] = response.headers["ETag"]
    return 1
