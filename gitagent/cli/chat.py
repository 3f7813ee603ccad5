"""`gitagent chat`: the interactive TUI."""

from typing import Annotated

import typer

from gitagent.agent.setup import RunOptions
from gitagent.cli import options
from gitagent.cli.common import dispatch, fail, new_app, repository
from gitagent.models.registry import check_spec
from gitagent.store.repo import config_value, head_commit

app = new_app()


@app.command()
def chat(
    name: Annotated[
        str | None, typer.Argument(metavar="NAME", help="Conversation to open or start (default: the most recent one).")
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a new conversation.")] = False,
    model: options.Model = None,
    max_steps: options.MaxSteps = 100,
    sandbox: options.Sandbox = None,
    allow_network: options.AllowNetwork = False,
    approval: options.Approval = None,
    base_url: options.BaseUrl = None,
    trust_repo: options.TrustRepo = False,
    theme: Annotated[
        str | None, typer.Option("--theme", help="textual-dark (default), textual-light, or any Textual theme.")
    ] = None,
) -> None:
    """Chat with the agent in a terminal UI: history from git, fork and rewind a keystroke away."""
    from textual.theme import BUILTIN_THEMES

    from gitagent.tui.app import ChatApp
    from gitagent.tui.session import ChatSession

    if new and name:
        fail("pass a NAME or --new, not both")
    repo = repository()
    head_commit(repo)  # what would stop the first prompt is said now: no commit to start from,
    if model:
        check_spec(model)  # a model that cannot be, a script that cannot be read
    run_options = RunOptions(model, sandbox, allow_network, approval, base_url, trust_repo, max_steps)
    session = ChatSession(repo, run_options)
    session.open(None if new else name or session.most_recent(), must_exist=False)
    chosen = theme or config_value(repo, "gitagent.theme")
    if chosen and chosen not in BUILTIN_THEMES:
        fail(f"unknown theme {chosen!r}", f"choose one of: {', '.join(sorted(BUILTIN_THEMES))}")
    ChatApp(session, theme=chosen).run()


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
