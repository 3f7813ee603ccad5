"""`gitagent fork`, `rewind`, `rm` and `prune`: moving conversations without losing a turn."""

import sys
from typing import Annotated

import typer

from gitagent.agent.compact import compact_conversation
from gitagent.agent.compaction import Compactor
from gitagent.agent.guard import Guard
from gitagent.agent.modelchoice import model_choice
from gitagent.agent.permissions import Permissions
from gitagent.agent.setup import hook_runner
from gitagent.cli.common import dispatch, new_app, print_json, repository
from gitagent.store import operations, turns
from gitagent.store.conversations import get_conversation, resolve_turn

app = new_app()


@app.command()
def fork(
    source: Annotated[
        str, typer.Argument(help="NAME or NAME@REV to fork from (default: its latest turn), or a turn's commit id.")
    ],
    new: Annotated[str, typer.Argument(help="Name of the new conversation.")],
) -> None:
    """Start a new conversation from any turn of another."""
    repo = repository()
    name, commit = resolve_turn(repo, source)
    operations.fork(repo, commit, new)
    print(f"forked {name} at turn {turns.turn_number(commit)} ({commit.short_id}) as {new}")
    print(f"continue it with: gitagent run -c {new} PROMPT")


@app.command()
def rewind(
    name: Annotated[str, typer.Argument(help="Conversation to roll back.")],
    rev: Annotated[str, typer.Argument(help="Turn to go back to: a number (3), ~N, or a commit id.")],
    force: Annotated[bool, typer.Option("--force", help="Discard worktree changes no turn recorded.")] = False,
) -> None:
    """Roll a conversation back to an earlier turn, code and dialogue together."""
    repo = repository()
    conversation = get_conversation(repo, name)
    target = operations.rewind(repo, conversation, rev, force)
    dropped = conversation.turns - turns.turn_number(target)
    print(f"rewound {name} to turn {turns.turn_number(target)} ({target.short_id}); its worktree matches that turn")
    print(
        f"{dropped} later turn{'s' * (dropped != 1)} kept reachable as abandoned "
        f"(see `gitagent log --all`) until `gitagent prune`"
    )


@app.command()
def rm(
    name: Annotated[str, typer.Argument(help="Conversation to remove.")],
    force: Annotated[bool, typer.Option("--force", help="Discard worktree changes no turn recorded.")] = False,
) -> None:
    """Remove a conversation and its worktree (recoverable until prune)."""
    repo = repository()
    conversation = operations.remove(repo, name, force)
    print(f"removed {name} ({conversation.turns} turns); its turns stay reachable until `gitagent prune`")


@app.command()
def prune(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Drop abandoned turns and unused worktrees, and say what that freed."""
    report = operations.prune(repository())
    if as_json:
        print_json(
            {
                "tips": report.tips,
                "turns": report.turns,
                "worktrees": report.worktrees,
                "worktree_bytes": report.worktree_bytes,
            }
        )
        return
    if not report.tips and not report.worktrees:
        print("nothing to prune")
        return
    print(
        f"dropped {report.tips} abandoned tip{'s' * (report.tips != 1)} "
        f"({report.turns} turn{'s' * (report.turns != 1)} no longer reachable; `git gc` reclaims their objects)"
    )
    if report.worktrees:
        print(
            f"removed {len(report.worktrees)} unused worktree{'s' * (len(report.worktrees) != 1)} "
            f"({report.worktree_bytes / 1024:.1f} KiB): {', '.join(report.worktrees)}"
        )


@app.command()
def compact(
    name: Annotated[str, typer.Argument(help="Conversation to compact.")],
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model that writes the summary.")] = None,
    trust_repo: Annotated[
        bool, typer.Option("--trust-repo", help="Run this repository's untrusted hooks too.")
    ] = False,
) -> None:
    """Summarise a conversation's history so later turns send less; the full history stays in git."""
    repo = repository()
    choice = model_choice(repo, model, name)
    guard = Guard(Permissions(), hooks=hook_runner(repo, name, trust_repo, lambda notice: _warn(notice.text)))
    guard.notify = _warn
    summarizer = choice.load()
    done = compact_conversation(repo, name, summarizer, Compactor(), guard)
    print(f"compacted {name}: {done.replaced_messages} messages summarised in turn {done.turn} ({done.commit[:7]})")
    print(done.summary)


def _warn(text: str) -> None:
    print(f"gitagent: {text}", file=sys.stderr)


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
