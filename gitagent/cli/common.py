"""What every command shares: opening the repository, printing errors and JSON, formatting numbers."""

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from gitagent.errors import GitagentError, disk_error
from gitagent.printable import one_line, printable

if TYPE_CHECKING:  # both are imported where they are used: the read commands load neither (start-up time)
    import pygit2
    import typer


def new_app() -> "typer.Typer":
    """A typer app for one command group, with plain tracebacks off and no shell-completion clutter."""
    import typer

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    app.callback()(lambda: None)  # keeps the app a group, so `gitagent NAME ...` dispatches by name
    return app


def new_group(name: str, summary: str) -> tuple["typer.Typer", "typer.Typer"]:
    """The app for `gitagent NAME SUBCOMMAND ...` (what `dispatch` runs) and the group its subcommands join."""
    import typer

    app = new_app()
    group = typer.Typer(help=summary, add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)
    app.add_typer(group, name=name)
    return app, group


def dispatch(app: "typer.Typer", args: list[str]) -> None:
    """Run `args` (starting with the command name) through `app`, turning GitagentError, and a file operation
    that failed (a full disk, a read-only repository), into a clean exit."""
    guarded(args, lambda: app(args=args, prog_name="gitagent"))


def guarded(args: list[str], call: Callable[[], object]) -> None:
    """Check the command line `args` is UTF-8, then `call` the command, turning GitagentError, and a file
    operation that failed (a full disk, a read-only repository), into a clean exit."""
    for arg in args:
        check_utf8(arg, "an argument")
    try:
        call()
    except GitagentError as e:
        fail(e)
    except OSError as e:
        error = disk_error(e)
        if error is None:
            fail(f"{type(e).__name__}: {e}")
        fail(GitagentError(error.message, f"{error.hint}, then run the command again"))


def check_utf8(text: str, what: str) -> None:
    """Refuse text that is not UTF-8: Python keeps the bytes it cannot decode as lone surrogates, which no
    prompt, name or git object can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        fail(
            GitagentError(
                f"{what} is not valid UTF-8: {one_line(text[:80])}",
                "gitagent reads text as UTF-8: convert it (e.g. `iconv -f latin1 -t utf-8`) or use a UTF-8 locale",
            )
        )


def fail(error: GitagentError | str, hint: str | None = None, *, code: int = 1) -> NoReturn:
    """Print an error and its hint (the error's own, or `hint` with a message) to stderr, and exit."""
    error = error if isinstance(error, GitagentError) else GitagentError(error, hint)
    print(f"gitagent: error: {one_line(error.message)}", file=sys.stderr)
    if error.hint:
        print(f"  {one_line(error.hint)}", file=sys.stderr)
    raise SystemExit(code)


def repository() -> "pygit2.Repository":
    """The repository this command acts on: `GIT_DIR`/`GIT_WORK_TREE`'s, else the current directory's (a clear
    error outside one)."""
    from gitagent.store.repo import open_repository  # pygit2: the read commands, which import this module, need none

    return open_repository()


def print_table(rows: list[tuple[str, ...]]) -> None:
    """Print rows as left-aligned columns (the first row is the header)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(printable("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()))


def print_json(data: Any) -> None:
    """Print `data` as indented JSON on stdout."""
    import json  # only for --json: the read commands' text output needs none

    print(json.dumps(data, indent=2, ensure_ascii=False))
