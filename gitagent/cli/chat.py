"""`gitagent chat`: the interactive TUI."""

from typing import Annotated

import typer

from gitagent.agent.setup import RunOptions
from gitagent.cli.common import dispatch, fail, new_app, repository
from gitagent.store.repo import config_value

app = new_app()


@app.command()
def chat(
    name: Annotated[
        str | None, typer.Argument(help="Conversation to open or start (default: the most recent one).")
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a new conversation.")] = False,
    model: Annotated[str | None, typer.Option("--model", "-m", help="PROVIDER:NAME, e.g. scripted:demo.json.")] = None,
    max_steps: Annotated[int, typer.Option("--max-steps", min=1, help="Most model calls per turn.")] = 100,
    sandbox: Annotated[str | None, typer.Option("--sandbox", help="bwrap (default) or none.")] = None,
    allow_network: Annotated[bool, typer.Option("--allow-network", help="Let commands reach the network.")] = False,
    approval: Annotated[str | None, typer.Option("--approval", help="auto (default) or ask.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Another server for the provider (e.g. Ollama).")
    ] = None,
    trust_repo: Annotated[
        bool, typer.Option("--trust-repo", help="Run this repository's untrusted hooks and skills too.")
    ] = False,
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
    options = RunOptions(model, sandbox, allow_network, approval, base_url, trust_repo, max_steps)
    session = ChatSession(repo, options)
    session.open(None if new else name or session.most_recent(), must_exist=False)
    chosen = theme or config_value(repo, "gitagent.theme")
    if chosen and chosen not in BUILTIN_THEMES:
        fail(f"unknown theme {chosen!r}", f"choose one of: {', '.join(sorted(BUILTIN_THEMES))}")
    ChatApp(session, theme=chosen).run()


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
