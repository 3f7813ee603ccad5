"""The options every command that runs turns takes (`run`, `chat`), declared once so they read the same."""

from typing import Annotated

import typer

Model = Annotated[str | None, typer.Option("--model", "-m", help="PROVIDER:NAME, e.g. scripted:demo.json.")]
MaxSteps = Annotated[int, typer.Option("--max-steps", min=1, help="Most model calls in a turn.")]
Sandbox = Annotated[str | None, typer.Option("--sandbox", help="bwrap (default) or none.")]
AllowNetwork = Annotated[bool, typer.Option("--allow-network", help="Let commands reach the network.")]
Approval = Annotated[str | None, typer.Option("--approval", help="auto (default) or ask.")]
BaseUrl = Annotated[str | None, typer.Option("--base-url", help="Another server for the provider (e.g. Ollama).")]
TrustRepo = Annotated[bool, typer.Option("--trust-repo", help="Run this repository's untrusted hooks and skills too.")]
Executor = Annotated[
    str | None, typer.Option("--executor", help="What runs the turns: gitagent (default), claude-code or codex.")
]
ExecutorArg = Annotated[
    list[str] | None,
    typer.Option("--executor-arg", metavar="ARG", help="Pass ARG on to claude-code's or codex's command line."),
]
