"""`gitagent map`: the ranked repository map, as the agent sees it, for a person."""

import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from gitagent.cli.common import dispatch, fail, new_app, print_json, repository
from gitagent.printable import one_line, printable
from gitagent.repomap import DEFAULT_TOKENS, build_map
from gitagent.repomap.maps import looks_like_path
from gitagent.store.repo import git_dir, workdir

app = new_app()

PROGRESS_AFTER_S = 0.5
"""A build that finishes sooner shows no progress bar at all (no flicker on small repositories)."""
QUIET_REPORT_EVERY_S = 10.0
"""When stderr is not a terminal, a long build says how far it got this often."""


class ProgressBar:
    """Progress of a cold build on stderr: a bar redrawn in place on a terminal; otherwise a line when a phase
    starts or ends and every `QUIET_REPORT_EVERY_S` within one."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.phase = ""
        self.drawn = False

    def __call__(self, done: int, total: int, phase: str) -> None:
        """Report that `done` of `total` files went through `phase` (a phase that is one step: 0 of 0)."""
        now = time.monotonic()
        if now - self.started < PROGRESS_AFTER_S:
            return
        if self.tty:
            sys.stderr.write(f"\r{_describe(done, total, phase, bar=True)}\033[K")
            self.drawn = True
        elif phase != self.phase or now - self.last >= QUIET_REPORT_EVERY_S or (total and done == total):
            sys.stderr.write(f"gitagent: {_describe(done, total, phase, bar=False)}\n")
            self.last = now
        self.phase = phase
        sys.stderr.flush()

    def close(self) -> None:
        """Clear the bar."""
        if self.drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _describe(done: int, total: int, phase: str, bar: bool) -> str:
    """`parsing ███··· 120/500 files` (`parsing 120/500 files` without the bar), or `ranking…`."""
    if not total:
        return f"{phase}…"
    width = 30
    filled = width * done // total
    drawn = f"{'█' * filled}{'·' * (width - filled)} " if bar else ""
    return f"{phase:<17} {drawn}{done}/{total} files" if bar else f"{phase} {done}/{total} files"


@app.command(name="map")
def map_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Only map files under these paths.")] = None,
    tokens: Annotated[int, typer.Option("--tokens", min=16, help="Approximate size of the map in tokens.")] = (
        DEFAULT_TOKENS
    ),
    focus: Annotated[
        list[str] | None, typer.Option("--focus", help="A file or symbol to centre the map on (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print a ranked map of the repository: its key files and their definitions' signatures."""
    repo = repository()
    root = workdir(repo)
    scope = [_relative(root, p) for p in paths or []]
    focus_items = [_focus(root, item) for item in focus or []]
    bar = ProgressBar()
    try:
        own = Path(repo.path)  # the work tree of a GIT_DIR may have no `.git` of its own
        result = build_map(
            root, git_dir(repo), focus=focus_items, budget=tokens, paths=scope, progress=bar, root_git_dir=own
        )
    finally:
        bar.close()
    if as_json:
        print_json(result.to_json())
        return
    if result.text():
        print(printable(result.text()))  # file names and code are the repository's, not ours
    _report(result.total_files, len(result.files), result.tokens, result.problems, len(result.partial))


def _relative(root: Path, path: Path) -> str:
    absolute = Path(os.path.realpath(path))
    if not absolute.is_relative_to(root):
        fail(f"{path} is outside the repository {root}")
    return absolute.relative_to(root).as_posix() if absolute != root else ""


def _focus(root: Path, item: str) -> str:
    """A focus naming an existing file or directory becomes root-relative; a path that does not exist is an
    error; anything else is a symbol."""
    if Path(item).exists():
        return _relative(root, Path(item))
    if looks_like_path(item):
        fail(f"--focus {item}: no such file or directory", "give a file or directory that exists, or an identifier")
    return item


def _report(total: int, shown: int, tokens: int, problems: list[tuple[str, str]], partial: int) -> None:
    summary = f"gitagent: {shown} of {total} files shown, ~{tokens} tokens"
    if partial:
        summary += f"; {partial} parsed with syntax errors"
    print(summary, file=sys.stderr)
    for path, why in problems[:10]:
        print(f"  could not parse {one_line(path)}: {one_line(why)}", file=sys.stderr)
    if len(problems) > 10:
        print(f"  ... and {len(problems) - 10} more", file=sys.stderr)


def run_command(args: list[str]) -> None:
    """Run `gitagent map ...`."""
    dispatch(app, args)
