"""Render a Ghost post's body from its editor document when the export has no ``html``.

Ghost keeps a post as an editor document: Mobiledoc (Ghost 1 to 4; version 0.3:
``markups``, ``atoms``, ``cards`` and ``sections``) or Lexical (Ghost 5: a tree of
nodes under ``root``). Ghost renders them with its own Node packages
(``@tryghost/kg-mobiledoc-html-renderer``, ``kg-lexical-html-renderer``); no
maintained Python library does (the one on PyPI, ``mobiledoc`` 0.3.1, is a
two-year-old early release without Ghost's cards), so this renders what Ghost's
editors write: text with its formats and links, headings, quotes, lists, and the
cards (image, gallery, markdown, html, code, embed, bookmark, callout, toggle,
button, audio, video, file, header). Cards that exist only for email or for
Ghost's own pages (paywall, signup, email, email-cta) are left out in silence; any
other card is left out and named, so a writer can look at it. The HTML then passes
the same sanitiser as every import.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": True})
_SILENT = {"paywall", "signup", "email", "email-cta", "preview"}
_SECTION_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "aside"}
_INLINE_TAGS = {"a", "b", "strong", "em", "i", "u", "s", "sub", "sup", "code", "mark", "del"}
_FORMATS = ((1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code"), (32, "sub"),
            (64, "sup"), (128, "mark"))  # Lexical's text format bits
MAX_DEPTH = 64  # nodes inside nodes: no editor writes deeper

Warn = Callable[[str], None]


def render(mobiledoc: str | None, lexical: str | None, warn: Warn) -> str:
    """Return the HTML of a post's Lexical or Mobiledoc document (Lexical first, as Ghost)."""
    for text, renderer in ((lexical, _lexical), (mobiledoc, _mobiledoc)):
        if not text:
            continue
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            warn("its editor document is not valid JSON: its body is empty")
            return ""
        if isinstance(document, dict):
            return renderer(document, warn)
    return ""


def _e(text: Any) -> str:
    return html.escape(str(text or ""), quote=True)


# Mobiledoc 0.3 -------------------------------------------------------------------------------


def _mobiledoc(doc: dict[str, Any], warn: Warn) -> str:
    markups = [m for m in doc.get("markups") or [] if isinstance(m, list) and m]
    atoms = doc.get("atoms") or []
    cards = doc.get("cards") or []
    out = []
    for section in doc.get("sections") or []:
        if not isinstance(section, list) or not section:
            continue
        kind = section[0]
        if kind == 1 and len(section) > 2:
            tag = str(section[1]).lower()
            tag = "blockquote" if tag in ("pull-quote", "aside") else tag
            tag = tag if tag in _SECTION_TAGS else "p"
            out.append(f"<{tag}>{_markers(section[2], markups, atoms)}</{tag}>")
        elif kind == 2 and len(section) > 1:
            out.append(f'<p><img src="{_e(section[1])}" alt=""></p>')
        elif kind == 3 and len(section) > 2:
            tag = "ol" if str(section[1]).lower() == "ol" else "ul"
            items = "".join(f"<li>{_markers(i, markups, atoms)}</li>" for i in section[2]
                            if isinstance(i, list))
            out.append(f"<{tag}>{items}</{tag}>")
        elif kind == 10 and len(section) > 1 and isinstance(section[1], int) \
                and 0 <= section[1] < len(cards) and isinstance(cards[section[1]], list):
            name, payload = (cards[section[1]] + [{}])[:2]
            out.append(card(str(name), payload if isinstance(payload, dict) else {}, warn))
    return "\n".join(part for part in out if part)


def _markers(markers: Any, markups: list[Any], atoms: list[Any]) -> str:
    out, open_tags = [], []
    for marker in markers if isinstance(markers, list) else []:
        if not isinstance(marker, list) or len(marker) < 4:
            continue
        kind, opens, closes, value = marker[:4]
        for index in opens if isinstance(opens, list) else []:
            if isinstance(index, int) and 0 <= index < len(markups):
                tag = str(markups[index][0]).lower()
                tag = tag if tag in _INLINE_TAGS else "span"
                attributes = markups[index][1] if len(markups[index]) > 1 else []
                href = ""
                if tag == "a" and isinstance(attributes, list):
                    pairs = dict(zip(attributes[::2], attributes[1::2], strict=False))
                    href = f' href="{_e(pairs.get("href"))}"'
                out.append(f"<{tag}{href}>")
                open_tags.append(tag)
        if kind == 1 and isinstance(value, int) and 0 <= value < len(atoms):
            atom = atoms[value] if isinstance(atoms[value], list) else []
            out.append("<br>" if atom[:1] == ["soft-return"] else _e(atom[1] if len(atom) > 1
                                                                      else ""))
        else:
            out.append(_e(value))
        for _ in range(closes if isinstance(closes, int) else 0):
            if open_tags:
                out.append(f"</{open_tags.pop()}>")
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)


# Cards, the same in both editors -------------------------------------------------------------


def card(name: str, p: dict[str, Any], warn: Warn) -> str:
    """The HTML of one Ghost card (Mobiledoc's card payload or Lexical's node)."""
    name = {"card-markdown": "markdown", "codeblock": "code", "horizontalrule": "hr"}.get(name,
                                                                                        name)
    caption = f"<figcaption>{p['caption']}</figcaption>" if p.get("caption") else ""
    if name == "image":
        image = f'<img src="{_e(p.get("src"))}" alt="{_e(p.get("alt"))}">'
        if p.get("href"):
            image = f'<a href="{_e(p["href"])}">{image}</a>'
        return f"<figure>{image}{caption}</figure>" if caption else f"<p>{image}</p>"
    if name == "gallery":
        images = "".join(f'<img src="{_e(i.get("src"))}" alt="{_e(i.get("alt"))}">'
                         for i in p.get("images") or [] if isinstance(i, dict))
        return f"<figure>{images}{caption}</figure>"
    if name == "markdown":
        return _MARKDOWN.render(str(p.get("markdown") or ""))
    if name == "html":
        return str(p.get("html") or "")
    if name == "code":
        language = f' class="language-{_e(p["language"])}"' if p.get("language") else ""
        return f"<pre><code{language}>{_e(p.get('code'))}</code></pre>"
    if name == "hr":
        return "<hr>"
    if name in ("embed", "bookmark", "button", "audio", "video", "file", "product"):
        return _link_card(name, p)
    if name == "callout":
        return f"<blockquote><p>{_e(p.get('calloutEmoji'))} {p.get('calloutText') or ''}</p>" \
               "</blockquote>"
    if name == "toggle":
        return f"<p><strong>{p.get('heading') or ''}</strong></p>{p.get('content') or ''}"
    if name == "header":
        heading = p.get("header") or p.get("heading") or ""
        sub = p.get("subheader") or p.get("subheading") or ""
        return f"<h2>{heading}</h2>" + (f"<p>{sub}</p>" if sub else "")
    if name not in _SILENT:
        warn(f"a Ghost {name!r} card was left out: feeds has nothing like it")
    return ""


def _link_card(name: str, p: dict[str, Any]) -> str:
    found = p.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    url = p.get("url") or p.get("src") or p.get("buttonUrl") or p.get("productUrl") or ""
    if not url:
        return ""
    text = (p.get("buttonText") or p.get("title") or p.get("fileTitle") or p.get("fileName")
            or p.get("productTitle") or metadata.get("title") or url)
    description = metadata.get("description") or p.get("productDescription") or ""
    more = f" {_e(description)}" if description else ""
    caption = f"<br>{p['caption']}" if p.get("caption") else ""
    return f'<p><a href="{_e(url)}">{_e(text)}</a>{more}{caption}</p>'


# Lexical -------------------------------------------------------------------------------------


def _lexical(doc: dict[str, Any], warn: Warn) -> str:
    root = doc.get("root")
    return _children(root, warn, 0) if isinstance(root, dict) else ""


def _children(node: dict[str, Any], warn: Warn, depth: int) -> str:
    children = node.get("children")
    if not isinstance(children, list):
        return ""
    if depth > MAX_DEPTH:
        warn(f"its editor document nests past {MAX_DEPTH} levels: the rest is left out")
        return ""
    return "".join(_node(child, warn, depth + 1) for child in children if isinstance(child, dict))


def _node(node: dict[str, Any], warn: Warn, depth: int) -> str:
    kind = str(node.get("type", "")).removeprefix("extended-")
    inner = _children(node, warn, depth)
    if kind == "text":
        text = _e(node.get("text"))
        found = node.get("format")
        bits = found if isinstance(found, int) else 0
        for bit, tag in _FORMATS:
            if bits & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind in ("paragraph", "heading", "quote", "aside"):
        tag = {"paragraph": "p", "quote": "blockquote", "aside": "blockquote"}.get(
            kind, str(node.get("tag", "h2")))
        tag = tag if tag in _SECTION_TAGS else "h2"
        return f"<{tag}>{inner}</{tag}>" if inner or tag != "p" else ""
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" or node.get("tag") == "ol" else "ul"
        return f"<{tag}>{inner}</{tag}>"
    if kind == "listitem":
        return f"<li>{inner}</li>"
    if kind in ("link", "autolink"):
        return f'<a href="{_e(node.get("url"))}">{inner}</a>'
    if kind == "linebreak":
        return "<br>"
    if kind == "tab":
        return " "
    if kind == "root":
        return inner
    return card(kind, node, warn)
