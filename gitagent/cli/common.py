"""What every command shares: opening the repository, printing errors and JSON, formatting numbers."""

import json
import sys
from typing import Any, NoReturn

import pygit2
import typer

from gitagent.errors import GitagentError
from gitagent.printable import printable
from gitagent.store.repo import open_repository


def new_app() -> typer.Typer:
    """A typer app for one command group, with plain tracebacks off and no shell-completion clutter."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    app.callback()(lambda: None)  # keeps the app a group, so `gitagent NAME ...` dispatches by name
    return app


def dispatch(app: typer.Typer, args: list[str]) -> None:
    """Run `args` (starting with the command name) through `app`, turning GitagentError into a clean exit."""
    try:
        app(args=args, prog_name="gitagent")
    except GitagentError as e:
        fail(e)


def fail(error: GitagentError | str, code: int = 1) -> NoReturn:
    """Print an error (and its hint) to stderr and exit."""
    error = error if isinstance(error, GitagentError) else GitagentError(error)
    print(printable(f"gitagent: error: {error.message}"), file=sys.stderr)
    if error.hint:
        print(printable(f"  {error.hint}"), file=sys.stderr)
    raise SystemExit(code)


def repository() -> pygit2.Repository:
    """The repository of the current directory (a clear error outside one)."""
    return open_repository()


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(printable("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()))


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on stdout."""
    print(json.dumps(data, indent=2, ensure_ascii=False))
