"""Commands whose arguments are parsed without typer, for start-up time (the read commands: typer's import alone
costs more than their work), declared once and handed to typer for everything but the plain case.

A command is a function and its parameters (`argument`, `flag`, `number`). `run` parses an ordinary command
line itself; `--help`, and anything it does not take as given (an unknown option, a missing argument, a bad
number, `-n5`), goes to the typer app built from the same declaration, so help and errors read exactly like
every other command's.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gitagent.cli.common import dispatch, guarded

if TYPE_CHECKING:
    import typer


class Param:
    """One parameter: a positional `argument`, a boolean `flag`, or a `number` option."""

    __slots__ = ("default", "dest", "help", "kind", "minimum", "names", "required")

    def __init__(self, kind: str, dest: str, names: tuple[str, ...], help: str, **extra: Any) -> None:
        self.kind, self.dest, self.names, self.help = kind, dest, names, help
        self.required: bool = extra.get("required", False)
        self.minimum: int | None = extra.get("minimum")
        self.default: Any = False if kind == "flag" else None


def argument(dest: str, help: str, required: bool = False) -> Param:
    """A positional argument (a string)."""
    return Param("argument", dest, (), help, required=required)


def flag(name: str, dest: str, help: str) -> Param:
    """An option that is on when given (`--json`)."""
    return Param("flag", dest, (name,), help)


def number(names: tuple[str, ...], dest: str, help: str, minimum: int | None = None) -> Param:
    """An option taking an integer (`--limit N`, `-n N`, `--limit=N`), None when not given."""
    return Param("number", dest, names, help, minimum=minimum)


Command = tuple[Callable[..., None], list[Param]]


def run(commands: dict[str, Command], args: list[str]) -> None:
    """Run `args` (starting with the command name): parsed here when plain, else by typer."""
    function, params = commands[args[0]]
    values = parse(params, args[1:])
    if values is None:
        dispatch(typer_app(commands), args)
    else:
        guarded(args, lambda: function(**values))


def parse(params: list[Param], args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments `args` give, or None for typer to handle (help, an error, an unusual form)."""
    values = {p.dest: p.default for p in params}
    positional = [p for p in params if p.kind == "argument"]
    options = {name: p for p in params for name in p.names}
    rest = iter(args)
    for arg in rest:
        if arg.startswith("-") and arg != "-":
            name, has_value, value = arg.partition("=")
            param = options.get(name)
            if param is None or (param.kind == "flag" and has_value):
                return None
            if param.kind == "flag":
                values[param.dest] = True
                continue
            given = value if has_value else next(rest, None)
            if given is None or not _is_int(given) or (param.minimum is not None and int(given) < param.minimum):
                return None
            values[param.dest] = int(given)
        elif positional:
            values[positional.pop(0).dest] = arg
        else:
            return None
    return None if any(p.required for p in positional) else values


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def typer_app(commands: dict[str, Command]) -> "typer.Typer":
    """The typer app of `commands` (for help and errors, and for the tests that read every command's help)."""
    import inspect
    from typing import Annotated

    import typer

    from gitagent.cli.common import new_app

    app = new_app()
    for name, (function, params) in commands.items():
        signature = []
        for p in params:
            if p.kind == "argument":
                kind: Any = str if p.required else str | None
                info: Any = typer.Argument(help=p.help)
            else:
                kind = bool if p.kind == "flag" else int | None
                info = typer.Option(*p.names, help=p.help, min=p.minimum)
            default = inspect.Parameter.empty if p.required else p.default
            keyword = inspect.Parameter.KEYWORD_ONLY
            signature.append(inspect.Parameter(p.dest, keyword, default=default, annotation=Annotated[kind, info]))
        command = _calling(function)
        command.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in signature}
        app.command(name=name)(command)
    return app


def _calling(function: Callable[..., None]) -> Callable[..., None]:
    def command(**values: Any) -> None:
        function(**values)

    command.__doc__, command.__name__ = function.__doc__, function.__name__
    return command
