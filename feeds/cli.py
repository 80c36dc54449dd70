"""The ``feeds`` command: serve a site, publish it, check it, write a new story."""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from . import ROOT_VARIABLE, __version__, logs
from .catalog.publisher import Publisher
from .catalog.store import Problem
from .errors import FeedsError
from .metrics import parse_address
from .site.config import load_settings
from .site.newsite import NewSite, create_site
from .site.newstory import create_story

log = logging.getLogger(__name__)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    # `check` prints each problem itself; the server logs them instead.
    quiet = logging.ERROR if args.run is _check else logging.WARNING
    role = {_serve: "serve", _publish: "publisher"}.get(args.run, "feeds")
    logs.configure(role, logging.INFO if args.verbose else quiet)
    root = Path(args.root or os.environ.get(ROOT_VARIABLE) or ".").resolve()
    try:
        status: int = args.run(args, root)
        return status
    except FeedsError as error:
        print(f"feeds: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # noqa: BLE001 - a bug: one line for the user, the rest in -v
        log.debug("internal error", exc_info=True)
        print(f"feeds: internal error ({type(error).__name__}: {error}); run again with -v "
              "and report it as a bug in feeds.", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feeds", description=__doc__)
    parser.add_argument("--version", action="version", version=f"feeds {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", metavar="DIR",
                        help=f"the site folder, holding config.yaml and content/ "
                             f"(default: ${ROOT_VARIABLE}, or the current folder)")
    common.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="serve the site over HTTP")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8000,
                       help="port to listen on (default: %(default)s)")
    serve.add_argument("--workers", type=int, default=2,
                       help="worker processes of the production server (default: %(default)s)")
    serve.add_argument("--threads", type=int, default=8,
                       help="request threads per worker; answers come from memory, so a few "
                            "suffice (default: %(default)s)")
    serve.add_argument("--access-log", action="store_true",
                       help="log one line per request on standard output, in the Combined Log "
                            "Format that Apache and nginx write (default: off)")
    serve.add_argument("--metrics", metavar="ADDRESS:PORT",
                       help="serve Prometheus metrics at http://ADDRESS:PORT/metrics, apart "
                            "from the site, such as --metrics 127.0.0.1:9108 (default: off)")
    serve.add_argument("--debug", action="store_true",
                       help="use Flask's development server instead (one process; "
                            "never in production)")
    serve.set_defaults(run=_serve)

    publish = commands.add_parser(
        "publish", parents=[common],
        help="run only the publisher (feeds serve runs it for you): watch the folder and keep "
             ".feeds/ current for servers that read it")
    publish.add_argument("--exit-with-parent", action="store_true",
                         help="stop when the process that started this one goes away")
    publish.set_defaults(run=_publish)

    check = commands.add_parser("check", parents=[common],
                                help="check config.yaml and every story; exit 1 on any problem")
    check.set_defaults(run=_check)

    build = commands.add_parser(
        "build", parents=[common],
        help="write the whole site as files (each with a .gz twin), rewriting only what changed")
    build.add_argument("--out", metavar="DIR", type=Path,
                       help="the folder to write (default: public/ in the site folder)")
    build.add_argument("--nginx-conf", metavar="FILE", nargs="?", const="", type=str,
                       help="also write an nginx server block serving the build (default "
                            "FILE: <out>.nginx.conf beside the folder)")
    build.add_argument("--processes", type=int, metavar="N",
                       help="worker processes for a full build (default: one per core)")
    build.add_argument("--watch", action="store_true",
                       help="keep running: publish and write each change as it is made, "
                            "until stopped (Ctrl-C)")
    build.set_defaults(run=_build)

    init = commands.add_parser(
        "init", parents=[common],
        help="start a new site in DIR: a commented config.yaml, a welcome story, .gitignore")
    init.add_argument("folder", nargs="?", metavar="DIR", type=Path,
                      help="the folder to start the site in, made if needed (default: --root, "
                           "or the current folder)")
    init.add_argument("--title", help="the site's name (default: feeds)")
    init.add_argument("--base-url", metavar="URL",
                      help="the public address the site is read at, such as "
                           "https://news.example/ (default: http://127.0.0.1:8000/)")
    init.add_argument("--timezone", metavar="ZONE",
                      help="IANA time zone for dates written without an offset, such as "
                           "Europe/London (default: UTC)")
    init.add_argument("--author", metavar="NAME", help="the default author of the stories")
    init.set_defaults(run=_init)

    new = commands.add_parser("new", parents=[common],
                              help="write a new story file, ready to edit, and print its path")
    new.add_argument("title", help="the story's headline")
    new.add_argument("--section", help="the section folder under content/ (default: none)")
    new.add_argument("--tag", action="append", default=[], dest="tags", metavar="TAG",
                     help="a tag; repeat for more")
    new.set_defaults(run=_new)

    stats = commands.add_parser(
        "stats", parents=[common],
        help="who reads the feeds: subscribers by aggregator, direct readers, polls and the "
             "share answered 304, per feed")
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.add_argument("--days", type=int, default=30, metavar="N",
                       help="the last N days, today included (default: %(default)s)")
    stats.add_argument("--feed", metavar="PATH",
                       help="one feed, whole and format by format: a group's path (/, "
                            "/world/, /tags/x/) or one of its feeds' (/world/atom.xml)")
    stats.set_defaults(run=_stats)

    bring = commands.add_parser(
        "import", parents=[common],
        help="turn feeds (with their archives), WordPress, Ghost, Substack and Blogger exports "
             "and Hugo or Jekyll site folders into story files, keeping every item's id; "
             "again later: adds new items, updates changed ones")
    bring.add_argument("sources", nargs="+", metavar="SOURCE",
                       help="a feed URL or file (RSS, Atom, JSON Feed); a WordPress export "
                            "(.xml, several files of one, or their .zip), a Ghost export "
                            "(.json), a Substack export (.zip), a Blogger export (.xml or "
                            ".atom); a Hugo or Jekyll site's folder")
    bring.add_argument("--section", help="put every story in this section (default: each item's "
                                         "first category)")
    bring.add_argument("--dry-run", action="store_true",
                       help="say what would be done, and write nothing")
    bring.add_argument("--media", choices=("link", "download"), default="link",
                       help="remote images and enclosures: 'link' keeps their URLs (the "
                            "default), 'download' fetches them into content/ (a site folder's "
                            "own files are always copied)")
    bring.add_argument("--download-media", action="store_const", const="download",
                       dest="media", help="the same as --media download")
    bring.add_argument("--old-base-url", metavar="URL",
                       help="the old site's address, which is in the ids its feeds gave "
                            "(needed for Substack; Hugo, Jekyll, Ghost and Blogger read it "
                            "from the export or config when they can)")
    bring.add_argument("--allow-private", action="store_true",
                       help="let the import fetch from loopback and private addresses (a "
                            "test, an intranet); refused by default, at every redirect too")
    bring.set_defaults(run=_import)
    return parser


def _serve(args: argparse.Namespace, root: Path) -> int:
    load_settings(root)  # fail now, with a clean message, rather than in every process
    if args.workers < 1 or args.threads < 1:
        raise FeedsError("--workers and --threads must be at least 1.")
    metrics = parse_address(args.metrics) if args.metrics is not None else None
    if metrics is not None and metrics[1] == args.port and (
            {metrics[0], args.host} & {"0.0.0.0", "::"} or metrics[0] == args.host):
        raise FeedsError(f"--metrics {args.metrics} is the site's own address: give the "
                         f"metrics another port than --port {args.port}, such as 9108.")
    os.environ[ROOT_VARIABLE] = str(root)
    from .serve import serve

    return serve(root, args.host, args.port, args.workers, args.threads, args.debug,
                 args.verbose, args.access_log, metrics)


def _publish(args: argparse.Namespace, root: Path) -> int:
    from .serve import run_publisher

    return run_publisher(root, exit_with_parent=args.exit_with_parent)


def _check(args: argparse.Namespace, root: Path) -> int:
    try:
        load_settings(root)
    except FeedsError as error:
        print(Problem(error.path or "config.yaml", error.line, error.message))
        return 1
    with tempfile.TemporaryDirectory(prefix="feeds-check-") as state:
        publisher = Publisher(root, state=Path(state), write_ids=False, status=False,
                              history=False)  # reads history/, writes nothing in the site
        try:
            publisher.sync()
            problems = publisher.problem_list() + _show_problems(publisher, root)
            published = publisher.published
        finally:
            publisher.close()
    errors = [p for p in problems if not p.warning]
    for problem in problems:
        print(problem)
    count = len(errors)
    summary = (f"{published} stories published, "
               f"{count} problem{'s' * (count != 1)}")
    print(summary, file=sys.stderr)
    return 1 if count else 0


def _show_problems(publisher: Publisher, root: Path) -> list[Problem]:
    """Apply Apple's and Spotify's requirements to each show (README, Podcasts)."""
    from .catalog.store import View, parse_settings
    from .documents.showcheck import show_problems

    if not publisher.settings.podcasts:
        return []
    with View(publisher.db, parse_settings) as view:
        return show_problems(view, root)


def _import(args: argparse.Namespace, root: Path) -> int:
    from .importer.run import Importer

    settings = load_settings(root)
    if not (root / "content").is_dir():
        raise FeedsError(f"{root}: no content/ folder: create it, or give the site's --root.")
    old = args.old_base_url
    if old is not None and not old.lower().startswith(("http://", "https://")):
        raise FeedsError(f"--old-base-url {old[:200]}: give the old site's address, such as "
                         "https://old.example/.")
    importer = Importer(root, settings, args.section, args.dry_run, args.media == "download",
                        allow_private=args.allow_private, old_base_url=old)
    return importer.run(args.sources)


def _build(args: argparse.Namespace, root: Path) -> int:
    from .export.build import Summary, build
    from .export.nginx import write_nginx_conf
    from .export.watch import watch

    load_settings(root)  # a broken config.yaml is an error here, with its line
    if args.processes is not None and args.processes < 1:
        raise FeedsError("--processes must be at least 1.")
    out = (args.out if args.out is not None else root / "public").resolve()
    conf = None if args.nginx_conf is None else Path(args.nginx_conf).resolve() \
        if args.nginx_conf else out.with_name(out.name + ".nginx.conf")

    def built(summary: Summary) -> None:
        for problem in summary.problems:
            print(f"feeds build: {problem}", file=sys.stderr)
        print(f"feeds build: {summary}", flush=True)
        if conf is not None:
            written = write_nginx_conf(summary, conf)
            print(f"feeds build: {'wrote' if written else 'kept'} {conf}", flush=True)

    say = functools.partial(print, file=sys.stderr, flush=True)
    if not args.watch:
        built(build(root, out, args.processes, say=say))
        return 0
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    watch(root, out, stop, args.processes, say=say, built=built)
    return 0


def _stats(args: argparse.Namespace, root: Path) -> int:
    from .catalog.statsread import feed_path, site_report
    from .stats.report import table

    if not 1 <= args.days <= 36_500:
        raise FeedsError("--days must be a number of days from 1 to 36500.")
    feed = feed_path(args.feed) if args.feed is not None else None
    summaries = site_report(root, args.days, feed, time.time())
    if args.json:
        print(json.dumps({"days": args.days, "feeds": [s.to_json() for s in summaries]},
                         indent=2, ensure_ascii=False))
    elif summaries:
        print(table(summaries))
    else:
        print(f"feeds stats: no polls counted in the last {args.days} days"
              f"{' for ' + feed if feed else ''}.", file=sys.stderr)
    return 0


def _init(args: argparse.Namespace, root: Path) -> int:
    folder = args.folder.resolve() if args.folder is not None else root
    wanted = NewSite(args.title, args.base_url, args.timezone, args.author)
    written = create_site(folder, wanted, datetime.now(UTC))
    shown = os.path.relpath(folder) if folder.is_relative_to(Path.cwd()) else str(folder)
    print(f"feeds init: started a site in {shown}")
    for path in written:
        print(f"  {path.relative_to(folder).as_posix()}")
    move = "" if folder == Path.cwd() else f"cd {shlex.quote(shown)} && "
    print(f"Next: {move}feeds serve, and open http://127.0.0.1:8000/")
    return 0


def _new(args: argparse.Namespace, root: Path) -> int:
    settings = load_settings(root)
    path = create_story(root, settings, args.title, args.section, args.tags,
                        datetime.now(settings.timezone))
    print(path.relative_to(root).as_posix() if path.is_relative_to(root) else path)
    return 0
