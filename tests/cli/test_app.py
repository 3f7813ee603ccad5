"""The dispatcher: fast help and version, and a command table that matches the commands' own help."""

import importlib

import pytest
import typer

from gitagent import __version__
from gitagent.cli.app import COMMANDS, usage
from tests.conftest import run_cli


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_table_matches_each_commands_docstring(name: str) -> None:
    module_name, summary = COMMANDS[name]
    app: typer.Typer = importlib.import_module(module_name).app
    groups = {g.name: g.typer_instance.info.help for g in app.registered_groups}
    if name in groups:
        assert groups[name] == summary
        return
    command = next(c for c in app.registered_commands if (c.name or c.callback.__name__) == name)
    assert command.callback.__doc__.strip().splitlines()[0] == summary


def test_help_and_version(tmp_path) -> None:
    assert run_cli(tmp_path, "--version").out.strip() == f"gitagent {__version__}"
    out = run_cli(tmp_path, "--help").out
    assert out.strip() == usage().strip() and "rewind" in out


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_has_readable_help(tmp_path, name: str) -> None:
    result = run_cli(tmp_path, name, "--help")
    assert result.code == 0 and f"Usage: gitagent {name}" in result.out
    assert COMMANDS[name][1] in " ".join(result.out.split())
