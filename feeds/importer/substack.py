"""Read a Substack export (Settings > Exports: a ``.zip``).

The zip holds ``posts.csv`` (one line per post: ``post_id`` as ``<number>.<slug>``,
``post_date``, ``is_published``, ``email_sent_at``, ``inbox_sent_at``, ``type``,
``audience``, ``title``, ``subtitle``, ``podcast_url``) and each post's body as
``posts/<post_id>.html``, besides subscriber lists that are not imported. Published
newsletters and podcast episodes become stories (an episode's audio, ``podcast_url``,
its enclosure); drafts, threads and other kinds are counted and left out. Posts for
paid subscribers are imported and said to be so: here every story is public.

The export does not say the publication's address, and Substack's RSS gives each
item the post's URL as its ``<guid>`` (``https://NAME.substack.com/p/<slug>``, or the
custom domain's), so ``--old-base-url`` is required: it makes the ids readers know.
"""

from __future__ import annotations

import csv
import io
import mimetypes
from urllib.parse import urlsplit

from .archive import Archive
from .fetch import FetchError
from .items import Enclosure, Item, SourceReport, parse_date
from .reading import Reading

MAX_CSV_BYTES = 64 << 20
MAX_POST_BYTES = 16 << 20
_POSTS = ("newsletter", "podcast")
_AUDIENCE = {"only_paid": "paid subscribers", "founding": "founding members"}


def read_substack(archive: Archive, reading: Reading) -> SourceReport:
    """Read a Substack export's published posts into the spool."""
    base = (reading.old_base_url or "").rstrip("/")
    if not base:
        raise FetchError(f"{archive.path}: a Substack export does not say the publication's "
                         "address, which is in every id its feed gave: give it with "
                         "--old-base-url https://NAME.substack.com (or your own domain).")
    report = reading.start("Substack export", format="rss", feed_url=f"{base}/feed")
    csv_name = "posts.csv" if "posts.csv" in archive.members else next(
        n for n in archive.names if n.endswith("/posts.csv"))
    folder = csv_name.removesuffix("posts.csv")
    text = archive.read(csv_name, MAX_CSV_BYTES).decode("utf-8-sig", "replace")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    try:
        if not {"post_id", "is_published"} <= set(rows.fieldnames or ()):
            raise FetchError(f"{archive.path}: {csv_name} has no post_id and is_published "
                             "columns, so it is not a Substack export's: export it again.")
        for number, row in enumerate(rows, start=2):
            _take(row, number, folder, archive, base, report, reading)
    except csv.Error as exc:
        raise FetchError(f"{archive.path}: {csv_name} line {rows.line_num + 1}: {exc}, so nothing "
                         "of it is imported: export it again from Substack.") from None
    report.items = reading.spool.count
    return report


def _take(row: dict[str, str | None], line: int, folder: str, archive: Archive, base: str,
          report: SourceReport, reading: Reading) -> None:
    def field(name: str) -> str:
        value = row.get(name)
        return value.strip() if isinstance(value, str) else ""

    post_id, kind = field("post_id"), field("type") or "newsletter"
    if field("is_published").lower() != "true":
        report.leave_out("draft")
        return
    if kind not in _POSTS:
        report.leave_out(f"{kind} post")
        return
    position = f"post {post_id} (line {line} of posts.csv)"
    name = f"{folder}posts/{post_id}.html"
    if "/" in post_id or name not in archive.members:
        report.leave_out("post without text")
        return
    body = archive.read(name, MAX_POST_BYTES).decode("utf-8", "replace")
    slug = post_id.partition(".")[2] or post_id
    audio = field("podcast_url")
    audience = _AUDIENCE.get(field("audience"))
    warnings = [f"it was for {audience} only on Substack: here it is public, like every "
                "story"] if audience else []
    if audience:
        report.paid += 1
    media_type = mimetypes.guess_type(urlsplit(audio).path)[0] or "audio/mpeg"
    reading.add(Item(
        position=position, id=f"{base}/p/{slug}", link=f"{base}/p/{slug}",
        title=field("title"), date=parse_date(field("post_date")),
        summary=field("subtitle") or None, html=body, slug=slug, paid=audience,
        enclosures=[Enclosure(audio, media_type, 0)] if audio else [], warnings=warnings))
