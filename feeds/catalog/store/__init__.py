"""The catalogue (``.feeds/catalog.sqlite3``): every table and every query, in one package.

Nothing outside this package writes SQL against the catalogue. A module per table group:
``schema`` (tables, indexes, connections), ``meta`` (small values, and the version-and-stamp
protocol every change follows), ``files`` (story files and their texts), ``ledger``
(stories, paths, media), ``groups`` (groups, members, moved sections), ``problems``,
``historytable``; ``view`` is how documents read it (recording every key they read) and
``listing`` what a build and the publication hooks list whole.
"""

from . import files, groups, historytable, ledger, listing, problems
from .meta import changed_keys, commit_version, meta, next_stamp, number, set_meta, stamp_of
from .problems import Problem
from .schema import (
    CATALOG_FILE,
    SCHEMA_VERSION,
    STATE_FOLDER,
    catalog_path,
    connect_builder,
    connect_reader,
    connect_writer,
    file_identity,
    finish_build,
    transaction,
)
from .view import GroupInfo, Listed, Member, PathState, View, parse_settings

__all__ = [
    "CATALOG_FILE", "SCHEMA_VERSION", "STATE_FOLDER", "GroupInfo", "Listed", "Member",
    "PathState",
    "Problem", "View", "catalog_path", "changed_keys", "commit_version", "connect_builder",
    "connect_reader", "connect_writer", "file_identity", "files", "finish_build", "groups",
    "historytable", "ledger", "listing", "meta", "next_stamp", "number", "parse_settings",
    "problems", "set_meta", "stamp_of", "transaction",
]
