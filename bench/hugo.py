"""Hugo beside feeds: the same stories as a minimal Hugo site, built and timed.

Debian's ``hugo`` builds the generated stories with layouts that render each page's
title and content (its own RSS templates for the lists), each time into an empty
``public/``; its wall time and its peak RSS (``ru_maxrss`` from ``wait4``) are what
``bench.scale`` and ``bench.build`` print beside feeds'. Hugo's page count is checked,
and every story's page must be in ``public/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .report import Figure
from .sites import COPY_IGNORE, story_files
from .timing import run_timed

MB = 1e6
HUGO_STORIES = 10_000
HUGO_TIMEOUT = 600.0


@dataclass(frozen=True, slots=True)
class HugoResult:
    """Hugo's builds of the same stories: seconds and peak RSS (bytes) per build."""

    version: str
    stories: int
    seconds: tuple[float, ...]
    peak_rss: tuple[float, ...]
    pages: int | None
    problems: tuple[str, ...]


HUGO_CONFIG = """\
baseURL = "http://127.0.0.1/"
title = "Bench Daily"
languageCode = "en"
"""
HUGO_PAGE = """\
<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body><h1>{{ .Title }}</h1>
{{ .Content }}
</body></html>
"""
HUGO_LAYOUTS = ("layouts/_default/single.html", "layouts/_default/list.html",
                "layouts/index.html")
HUGO_PAGES = re.compile(r"^\s*Pages\s*\|\s*(\d+)", re.MULTILINE)
# Hugo's own RSS template (0.111, tpl/tplimpl/embedded/templates/_default/rss.xml) with the
# whole story in each item, as feeds' feeds carry it, instead of the summary: every list
# (the home page, each section, each tag) gets a feed of all its pages (rssLimit: none).
HUGO_FULL_RSS = """\
{{- $pctx := . -}}
{{- if .IsHome -}}{{ $pctx = .Site }}{{- end -}}
{{- $pages := slice -}}
{{- if or $.IsHome $.IsSection -}}
{{- $pages = $pctx.RegularPages -}}
{{- else -}}
{{- $pages = $pctx.Pages -}}
{{- end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{{ .Title }} on {{ .Site.Title }}</title>
    <link>{{ .Permalink }}</link>
    <description>Recent content on {{ .Site.Title }}</description>
    <generator>Hugo -- gohugo.io</generator>
    {{ range $pages }}
    <item>
      <title>{{ .Title }}</title>
      <link>{{ .Permalink }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid>{{ .Permalink }}</guid>
      <description>{{ .Content | html }}</description>
    </item>
    {{ end }}
  </channel>
</rss>
"""


def measure_hugo(hugo: str, source: Path, work: Path, rounds: int) -> HugoResult:
    """Build the stories of ``source`` with Hugo ``rounds`` times, each into an empty public/."""
    site = work / "hugo"
    write_hugo_site(site, source)
    stories = story_files(site)
    seconds: list[float] = []
    peaks: list[float] = []
    problems: list[str] = []
    output = ""
    for number in range(1, rounds + 1):
        shutil.rmtree(site / "public", ignore_errors=True)
        try:
            took, peak, code, output = run_hugo(hugo, site)
        except (OSError, TimeoutError) as exc:
            problems.append(f"build {number}: {exc}")
            continue
        if code != 0:
            problems.append(f"build {number} exited with {code}: {output.strip()[-300:]}")
            continue
        seconds.append(took)
        peaks.append(peak)
        print(f"  hugo build {number}/{rounds}: {took:.2f} s, max RSS {peak / MB:.0f} MB",
              flush=True)
    found = HUGO_PAGES.search(output)
    pages = int(found.group(1)) if found else None
    problems += _hugo_check(site, stories, pages)
    return HugoResult(_hugo_version(hugo), len(stories), tuple(seconds), tuple(peaks), pages,
                      tuple(problems))


def write_hugo_site(site: Path, source: Path, full_content: bool = False) -> None:
    """Write a minimal Hugo site: a config, layouts rendering title and content, and a copy
    of the stories (Markdown with YAML front matter, which Hugo reads as it is); with
    ``full_content``, feeds that carry each whole story (``HUGO_FULL_RSS``), as feeds' do,
    else Hugo's own, which carry summaries."""
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source / "content", site / "content", ignore=COPY_IGNORE)
    (site / "config.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    layouts = {layout: HUGO_PAGE for layout in HUGO_LAYOUTS}
    if full_content:
        layouts["layouts/_default/rss.xml"] = HUGO_FULL_RSS
    for layout, text in layouts.items():
        (site / layout).parent.mkdir(parents=True, exist_ok=True)
        (site / layout).write_text(text, encoding="utf-8")


def run_hugo(hugo: str, site: Path) -> tuple[float, float, int, str]:
    """Run one build; return its wall time, the hugo process's peak RSS (bytes), its exit
    code and its output."""
    command = [hugo, "--source", str(site), "--destination", str(site / "public")]
    timed = run_timed(command, site.parent / "hugo.log", HUGO_TIMEOUT)
    return timed.seconds, timed.peak_rss, timed.code, timed.output


def _hugo_check(site: Path, stories: list[Path], pages: int | None) -> list[str]:
    """Say what shows that Hugo did not render every story."""
    problems = []
    if pages is None:
        problems.append("hugo reported no page count")
    elif pages < len(stories):
        problems.append(f"hugo reported {pages:,} pages for {len(stories):,} stories")
    content, public = site / "content", site / "public"
    missing = [path for path in stories
               if not (public / path.relative_to(content).with_suffix("") / "index.html")
               .is_file()]
    if missing:
        problems.append(f"{len(missing):,} stories have no page in public/, e.g. "
                        f"{missing[0].relative_to(site)}")
    return problems


def _hugo_version(hugo: str) -> str:
    try:
        done = subprocess.run([hugo, "version"], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "hugo"
    return " ".join(done.stdout.split()[:2]) or "hugo"


def hugo_figures(hugo: HugoResult) -> list[Figure]:
    """Return Hugo's rows alone, for a run whose sizes do not include Hugo's."""
    name = f"{hugo.stories:,}:".ljust(9)
    return [
        Figure(f"{name}hugo build (s)", (), hugo.seconds, None, "", None, True, hugo.problems,
               "{:.2f}"),
        Figure(f"{name}hugo peak RSS (MB)", (), tuple(v / MB for v in hugo.peak_rss), None, "",
               None, True, hugo.problems, "{:.1f}"),
    ]
