"""Time deploys that replace ``content/``: ``python -m bench.redeploy`` (``make bench-redeploy``).

A deploy rarely edits one file: it replaces the folder. Two ways are timed, each in rounds
on a running ``feeds serve --workers 2``:

- ``symlink``: ``content`` is a symlink to ``releases/N/content``, swapped to the next
  release as Capistrano and most deploy tools do (a new link renamed over the old one);
- ``rm+cp``: ``content/`` deleted and copied again from the next release (``rm -rf content
  && cp -r new content``).

Each new release holds every story of the one before and one more. The figure is the time
from just before the swap to the moment every worker reports the new story in ``/healthz``:
the publisher noticing that the folder it watched is gone, watching the new one, comparing
its files with the catalogue and publishing the story. The target (issue 17) is that the
publisher notices within a second: the whole path, publication included, within 1 s.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .latency import (
    WORKERS,
    Sample,
    agreed_count,
    find_workers,
    served_after,
    story_text,
    wait_for_publisher,
)
from .publish import percentile
from .servers import HOST, feeds_server

TARGET = 1.0  # seconds from the swap to the new release's story served by every worker
FOLDER = "world"  # under each release's content/: where the stories are


def main(argv: list[str] | None = None) -> int:
    """Time each way of deploying, then print the table; exit 1 if a round cannot be set up."""
    args = _parser().parse_args(argv)
    if args.rounds < 1 or args.stories < 1:
        print("bench: give --rounds and --stories of at least 1.", file=sys.stderr)
        return 1
    results: dict[str, list[Sample | str]] = {}
    for way, swap in WAYS.items():
        try:
            results[way] = measure(way, swap, args.rounds, args.stories)
        except (RuntimeError, TimeoutError, OSError) as exc:
            print(f"bench: {way}: {exc}", file=sys.stderr)
            return 1
    print_report(results, args.rounds, args.stories)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.redeploy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10,
                        help="deploys timed per way (default: 10)")
    parser.add_argument("--stories", type=int, default=200,
                        help="stories in the first release (default: 200)")
    return parser


def _swap_link(root: Path, release: Path) -> None:
    """Point ``content`` at ``release`` atomically: a new link renamed over the old one."""
    link = root / "content.next"
    link.unlink(missing_ok=True)
    link.symlink_to(release, target_is_directory=True)
    os.replace(link, root / "content")


def _copy_again(root: Path, release: Path) -> None:
    """Delete ``content/`` and copy the release in its place."""
    shutil.rmtree(root / "content")
    shutil.copytree(release, root / "content")


WAYS: dict[str, Callable[[Path, Path], None]] = {"symlink": _swap_link, "rm+cp": _copy_again}


def measure(way: str, swap: Callable[[Path, Path], None], rounds: int,
            stories: int) -> list[Sample | str]:
    """Serve a site of ``stories`` and deploy ``rounds`` releases of it ``way``, timing each."""
    with tempfile.TemporaryDirectory(prefix="feeds-redeploy-", ignore_cleanup_errors=True) as tmp:
        root = Path(tmp) / "site"
        first = _first_release(root, stories)
        if way == "symlink":
            (root / "content").symlink_to(first, target_is_directory=True)
        else:
            shutil.copytree(first, root / "content")
        print(f"{way}: {rounds} deploys of a {stories}-story site ...", flush=True)
        with feeds_server(root, Path(tmp) / "feeds.log", WORKERS) as server:
            late = wait_for_publisher(server.port)
            if late:
                raise RuntimeError(late)
            workers = find_workers(server.port)
            published = agreed_count(server.port, workers)
            outcomes: list[Sample | str] = []
            previous = first
            for number in range(1, rounds + 1):
                release = root / "releases" / str(number) / "content"
                shutil.copytree(previous, release)
                (release / FOLDER / f"deploy-{number:03}.md").write_text(
                    story_text(stories + number), encoding="utf-8")
                outcome = served_after(server.port, workers, functools.partial(swap, root, release),
                                       number, published + 1)
                outcomes.append(outcome)
                if isinstance(outcome, str):
                    print(f"  ! deploy {number}: {outcome}", flush=True)
                published = agreed_count(server.port, workers)
                previous = release
        return outcomes


def _first_release(root: Path, stories: int) -> Path:
    """Write the site's config and its first release's stories; return that release."""
    root.mkdir(parents=True)
    (root / "config.yaml").write_text(f"title: Redeploy bench\nbase_url: http://{HOST}/\n",
                                      encoding="utf-8")
    release = root / "releases" / "0" / "content"
    (release / FOLDER).mkdir(parents=True)
    for number in range(stories):
        (release / FOLDER / f"story-{number:04}.md").write_text(story_text(number),
                                                                encoding="utf-8")
    return release


def print_report(results: dict[str, list[Sample | str]], rounds: int, stories: int) -> None:
    """Print one row per way: p50 and max of swap to served, failures, and the verdict."""
    print(f"\n{'deploy':<10} {'p50':>8} {'max':>8} {'failed':>7}   target")
    for way, outcomes in results.items():
        seconds = tuple(o.seconds for o in outcomes if isinstance(o, Sample))
        failed = len(outcomes) - len(seconds)
        met = "met" if seconds and not failed and max(seconds) <= TARGET else "NOT met"
        print(f"{way:<10} {percentile(seconds, 0.5) * 1000:>6.0f}ms "
              f"{percentile(seconds, 1.0) * 1000:>6.0f}ms {failed:>4}/{len(outcomes)}   "
              f"every deploy <= {TARGET * 1000:.0f} ms: {met}")
    print(f"\n{rounds} deploys per way of a {stories}-story site (one more story each), "
          f"{WORKERS} workers, on {HOST}; swap -> the new story in every worker's /healthz.")


if __name__ == "__main__":
    sys.exit(main())
