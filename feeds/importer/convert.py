"""Turn an imported item's HTML into the Markdown of a story body.

The HTML first passes the same sanitiser as every story's (``markup.sanitize``),
so nothing an old site held can run in a reader. markdownify, a well-kept
converter, writes the Markdown; what CommonMark cannot say (tables, figures with
captions, superscripts, underlines) stays as the sanitised HTML, which CommonMark
carries through and the story's renderer sanitises again.

WordPress keeps a post as the author typed it: paragraphs as blank lines,
``[caption]`` and ``[gallery]`` shortcodes, a ``<!--more-->`` mark. Those are
turned into HTML first, as WordPress itself would show them.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from bs4 import BeautifulSoup, Tag
from markdownify import ATX, BACKSLASH, MarkdownConverter

from ..site.markup import sanitize

MORE = re.compile(r"<!--\s*more\b.*?-->", re.IGNORECASE)
_SHORTCODE = re.compile(r"\[(/?)([a-z][a-z0-9_-]*)([^\]]*)\]", re.IGNORECASE)
_CAPTION = re.compile(r"\[(caption|wp_caption)([^\]]*)\](.*?)\[/\1\]", re.IGNORECASE | re.DOTALL)
_EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.IGNORECASE | re.DOTALL)
_GALLERY = re.compile(r"\[gallery([^\]]*)\]", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([a-z_]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""", re.IGNORECASE)
_BLOCK = re.compile(r"^\s*</?(?:p|div|h[1-6]|ul|ol|li|blockquote|pre|table|figure|hr)\b",
                    re.IGNORECASE)
_KEEP_AS_HTML = ("table", "figure", "dl", "details")  # blocks Markdown has no words for
_KEEP_INLINE = ("sup", "sub", "u", "mark", "abbr", "ins", "small")

Gallery = Callable[[dict[str, str]], list[tuple[str, str]]]  # attributes -> (url, alt)


class _Converter(MarkdownConverter):
    """markdownify, with what CommonMark cannot say kept as (sanitised) HTML."""

    def convert_table(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return _as_html(el)

    convert_figure = convert_table
    convert_dl = convert_table
    convert_details = convert_table

    def convert_sup(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return f"<{el.name}>{text}</{el.name}>" if text.strip() else text

    convert_sub = convert_u = convert_mark = convert_abbr = convert_ins = convert_sup
    convert_small = convert_sup


def _as_html(el: Tag) -> str:
    return "\n\n" + " ".join(str(el).split()) + "\n\n"


_STRIPPED = ["span", "div", "section", "article", "header", "footer", "aside", "nav", "center"]


def to_markdown(html: str, base_url: str) -> str:
    """Return the Markdown of sanitised ``html`` whose relative URLs resolve against
    ``base_url`` (the item's own address)."""
    clean = sanitize(html, base_url) if html.strip() else ""
    if not clean:
        return ""
    markdown: str = _Converter(heading_style=ATX, bullets="-", escape_underscores=False,
                               newline_style=BACKSLASH, strip=_STRIPPED).convert(clean)
    lines = [line.rstrip() for line in markdown.strip().splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text + "\n" if text else ""


def plain_text(html: str) -> str:
    """Return the text of an HTML fragment on one line (a summary, a title)."""
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def wordpress_html(content: str, gallery: Gallery, warn: Callable[[str], None]) -> str:
    """Turn a WordPress post as stored into the HTML WordPress would show."""
    content = MORE.sub("", content)
    content = _CAPTION.sub(_caption, content)
    content = _EMBED.sub(lambda m: _link(m.group(1).strip()), content)
    content = _GALLERY.sub(lambda m: _gallery(_attributes(m.group(1)), gallery), content)
    left = sorted({m.group(2).lower() for m in _SHORTCODE.finditer(content)
                   if not m.group(1) and _looks_like_shortcode(m.group(0))})
    if left:
        warn("kept as text, which feeds cannot show as WordPress did: the shortcode"
             f"{'s' * (len(left) > 1)} " + ", ".join(f"[{name}]" for name in left))
    return autop(content)


def _looks_like_shortcode(text: str) -> bool:
    return not text[1:-1].strip().isdigit()  # [1] is a footnote mark, not a shortcode


def _attributes(text: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
            for m in _ATTRIBUTE.finditer(text)}


def _caption(match: re.Match[str]) -> str:
    inner = match.group(3)
    image = re.match(r"\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)", inner, re.DOTALL)
    if image is None:
        return inner
    caption = image.group(2).strip() or _attributes(match.group(2)).get("caption", "")
    return (f"<figure>{image.group(1)}<figcaption>{caption}</figcaption></figure>"
            if caption else image.group(1))


def _link(url: str) -> str:
    safe = html_lib.escape(url, quote=True)
    return f'<p><a href="{safe}">{safe}</a></p>'


def _gallery(attributes: dict[str, str], gallery: Gallery) -> str:
    images = gallery(attributes)
    return "\n\n".join(
        f'<p><img src="{html_lib.escape(url, quote=True)}" '
        f'alt="{html_lib.escape(alt, quote=True)}"></p>' for url, alt in images)


def autop(content: str) -> str:
    """Wrap text separated by blank lines in paragraphs, as WordPress' ``wpautop`` does
    (what is already a block of HTML is left as it is)."""
    if re.search(r"<p[\s>]", content, re.IGNORECASE):
        return content
    blocks = [b.strip() for b in re.split(r"\n\s*\n", content.replace("\r\n", "\n"))]
    return "\n".join(
        block if _BLOCK.match(block) else "<p>" + block.replace("\n", "<br>\n") + "</p>"
        for block in blocks if block)
