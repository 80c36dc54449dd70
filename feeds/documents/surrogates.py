"""Surrogate keys: what a document depends on, named for caches that purge by key.

A document rendered through a ``View`` knows the catalogue keys it read
(``story:<id>``, ``group:<g>``, ``page:<g>:<n>``, ``name:<g>``, ``path:<p>``,
``media:<f>``, ``groups``, ``sections``, ``stories``, ``news``, ``settings``), and each
commit records the keys it changed. Both sides map through the same table here: a document
carries the surrogate keys of its dependencies (the ``xkey`` header Varnish's
vmod xkey reads, or ``Surrogate-Key`` for Fastly), and a publication purges the
surrogate keys of the keys it changed. So a purge reaches exactly the documents
whose dependencies changed, as the serving workers' own caches do.

The vocabulary is compact and safe in any header (no spaces or commas, which
separate keys): groups by their key (``g:tag:defence``), stories, paths and
media by a 48-bit hash (a collision only purges one document more). Every
document carries ``all`` (a settings change purges everything). A document
listing more than ``MAX_STORY_KEYS`` stories (a feed with a large ``feed_size``)
names its group's contents instead (``c:<group>``), which every change to one
of the group's stories purges too, so a header stays under 2 KB at most.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

ALL = "all"
MAX_STORY_KEYS = 100  # an Atom feed holds up to twice feed_size stories: 99 by default
# Catalogue key kind -> surrogate key prefix; keys of these kinds are hashed.
_HASHED = {"story": "s", "path": "u", "media": "m"}
# ... and of these, spelled out (group keys are kind:slug, slugs are [a-z0-9-]).
_SPELLED = {"group": "g", "name": "n", "page": "a"}
_WORDS = {"groups": "groups", "sections": "sections", "stories": "stories", "news": "news",
          "settings": ALL}


def surrogate(key: str) -> str:
    """Return the surrogate key of one catalogue key."""
    kind, _, rest = key.partition(":")
    if kind in _HASHED:
        return f"{_HASHED[kind]}:{hashlib.blake2b(rest.encode(), digest_size=6).hexdigest()}"
    if kind in _SPELLED:
        return f"{_SPELLED[kind]}:{rest}"
    return _WORDS.get(key, key)


def contents(group: str) -> str:
    """Return the key of every story of a group, for documents that list too many to name."""
    return f"c:{group}"


def document_keys(deps: Iterable[str]) -> list[str]:
    """Return the sorted surrogate keys of a document rendered from the catalogue keys ``deps``."""
    deps = set(deps)
    stories = [key for key in deps if key.startswith("story:")]
    keys = {ALL}
    if len(stories) > MAX_STORY_KEYS:
        deps.difference_update(stories)
        keys.update(contents(_group_of(key)) for key in deps
                    if key.startswith(("group:", "page:")))
    keys.update(surrogate(key) for key in deps)
    return sorted(keys)


def purge_keys(changed: Iterable[str],
               groups_of: Callable[[list[str]], Iterable[str]]) -> list[str]:
    """Return the surrogate keys to purge for the catalogue keys a commit ``changed``.

    ``groups_of`` gives the groups of the given story ids (their ``contents`` keys
    are purged with them). A settings change purges ``all``, and nothing else is needed.
    """
    changed = set(changed)
    if "settings" in changed:
        return [ALL]
    stories = [key.partition(":")[2] for key in changed if key.startswith("story:")]
    keys = {surrogate(key) for key in changed}
    if stories:
        keys.update(contents(group) for group in groups_of(stories))
    return sorted(keys)


def _group_of(key: str) -> str:
    """Return the group of a ``group:<g>`` or ``page:<g>:<n>`` key (``<g>`` is ``kind:slug``)."""
    rest = key.partition(":")[2]
    return rest.rpartition(":")[0] if key.startswith("page:") else rest
