"""Check each show and its episodes against what Apple Podcasts and Spotify publish they need.

Apple ("Podcast RSS feed requirements", Apple Podcasts for Creators): artwork square,
1400 to 3000 pixels, JPEG or PNG in RGB; at least one episode; each episode's media in
a format Apple plays (MP3, M4A/AAC, MP4, MOV, M4V) with its size; a serial show
numbers its episodes. Spotify ("Podcast delivery specification"): MP3 or AAC/M4A
audio, artwork, a title and description. What config.yaml already refuses (no
owner, no category, an unknown category) never gets this far; what is left is
what depends on the files and the stories, named here with the file, the line and
what to do. The artwork and the lack of any episode are errors (no directory takes
the show); the rest are warnings (the episode is published, a directory may refuse it).
A story of the section without audio is no episode, and is not named: a desk's text
stories stay on its page and its other feeds.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml

from ..catalog.store import View
from ..catalog.store.problems import Problem
from ..site.config import CONFIG_NAME, SafeLoader
from ..site.files import CONTENT
from ..site.media import content_path, local_file
from ..site.mediafacts import artwork, artwork_problem
from ..site.podcasts import Show, audio_of
from ..site.story import Story, slugify
from ..site.storyfile import key_line

# The media types of the audio (and video) both directories play; WAV, Ogg, Opus and FLAC
# are refused by one or both.
APPLE_MEDIA = frozenset({"audio/mpeg", "audio/mp3", "audio/x-m4a", "audio/mp4", "audio/aac",
                         "video/mp4", "video/quicktime", "video/x-m4v"})
SPOTIFY_MEDIA = frozenset({"audio/mpeg", "audio/mp3", "audio/x-m4a", "audio/mp4", "audio/aac"})


def show_problems(view: View, root: Path) -> list[Problem]:
    """Return what keeps each show, or one of its episodes, out of Apple's or Spotify's."""
    found: list[Problem] = []
    lines = _show_lines(root)
    for show in view.settings.podcasts.shows:
        found += _show(view, root, show, lines)
    return found


def _show(view: View, root: Path, show: Show, lines: dict[tuple[str, str], int]) -> list[Problem]:
    def config(key: str, message: str, warning: bool = False) -> Problem:
        line = lines.get((show.section, key)) or lines.get((show.section, ""))
        return Problem(CONFIG_NAME, line, f"podcasts: {show.section}: {message}", warning)

    found = []
    if "://" not in show.image:
        local = local_file(root, show.image)
        if local is None:
            found.append(config("image", f"there is no file content/{show.image}: put the "
                                         "show's artwork there, or fix the path."))
        else:
            problem = artwork_problem(artwork(local))
            if problem:
                found.append(config("image", f"content/{show.image}: {problem}"))
    info = view.group(f"section:{show.section}")
    stories = view.newest(info.group.key, info.slots) if info is not None else []
    episodes = [story for story in stories if audio_of(story) is not None]
    if not episodes:
        found.append(config("", f"the show has no episode yet: Apple and Spotify list a show "
                                f"once it has one. Publish a story with an audio enclosure "
                                f"in {CONTENT}/{show.section}/."))
    for story in stories:
        found += _episode(root, view.settings.base_url, show, story)
    found += _numbers(root, show, episodes)
    return found


def _episode(root: Path, base_url: str, show: Show, story: Story) -> list[Problem]:
    audio = audio_of(story)
    line = _line(root, story, "enclosures")

    def warn(message: str) -> Problem:
        return Problem(story.source, line, message, warning=True)

    if audio is None:  # a story without audio is no episode: the section's text stays text
        return []
    found = []
    if audio.type not in APPLE_MEDIA or audio.type not in SPOTIFY_MEDIA:
        refused = " and ".join(name for name, kinds in (("Apple", APPLE_MEDIA),
                                                        ("Spotify", SPOTIFY_MEDIA))
                               if audio.type not in kinds)
        found.append(warn(f"the episode's audio is {audio.type}, which {refused} do not take: "
                          "encode it as MP3 (lame in.wav out.mp3) or M4A, and name that file "
                          "in enclosures."))
    relative = content_path(base_url, audio.url)
    local = local_file(root, relative) if relative is not None else None
    if not audio.length:
        found.append(warn("the episode's audio has no length: Apple needs its size in bytes "
                          "(enclosures: length), or give a file under content/ and it is read."))
    elif local is not None and local.stat().st_size != audio.length:
        found.append(warn(f"the enclosure's length says {audio.length} bytes and the file has "
                          f"{local.stat().st_size}: remove length and it is read from the file."))
    if local is not None and audio.duration is None:
        found.append(warn(f"the duration of content/{relative} cannot be read: it is not an "
                          "audio file mutagen knows, or it is damaged; export it again as MP3."))
    return found


def _numbers(root: Path, show: Show, episodes: list[Story]) -> list[Problem]:
    """A serial show numbers every episode (Apple); no number twice in a season."""
    found = []
    if show.type == "serial":
        found += [Problem(story.source, _line(root, story, "title"),
                          f"the show {show.title!r} is serial, and Apple needs every episode "
                          "numbered in order: add 'episode: N'.", warning=True)
                  for story in episodes if story.episode is None or story.episode.number is None]
    seen = Counter((s.episode.season, s.episode.number) for s in episodes
                   if s.episode is not None and s.episode.number is not None)
    for story in episodes:
        if story.episode is None or story.episode.number is None:
            continue
        if seen[(story.episode.season, story.episode.number)] > 1:
            found.append(Problem(story.source, _line(root, story, "episode"),
                                 f"another episode of {show.title!r} has episode number "
                                 f"{story.episode.number} in the same season: number each "
                                 "once.", warning=True))
    return found


def _line(root: Path, story: Story, key: str) -> int | None:
    try:
        text = (root / story.source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return key_line(text, key)


def _show_lines(root: Path) -> dict[tuple[str, str], int]:
    """Map (section, key) of each show in config.yaml to its line ('' for the show itself)."""
    try:
        node = yaml.compose((root / CONFIG_NAME).read_text(encoding="utf-8"), Loader=SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    found: dict[tuple[str, str], int] = {}
    shows = _child(node, "podcasts")
    if not isinstance(shows, yaml.MappingNode):
        return found
    for key, show in shows.value:
        section = slugify(str(key.value))
        found[(section, "")] = key.start_mark.line + 1
        if isinstance(show, yaml.MappingNode):
            for inner, _ in show.value:
                found[(section, str(inner.value))] = inner.start_mark.line + 1
    return found


def _child(node: yaml.Node | None, name: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for key, value in node.value if key.value == name), None)

