"""`gitagent apply`, `export`, `push` and `pull`: getting a conversation's work out and shared."""

import sys
from typing import Annotated

import pygit2
import typer

from gitagent.cli.common import dispatch, fail, new_app, repository
from gitagent.errors import GitagentError
from gitagent.printable import one_line
from gitagent.store import sync, turns
from gitagent.store.conversations import base_commit, resolve_target
from gitagent.store.repo import user_identity
from gitagent.workspace.share import apply_to_checkout, branch_ref, export_branch, export_message

app = new_app()


@app.command()
def apply(
    target: Annotated[str, typer.Argument(help="NAME or NAME@REV whose changes to apply.")],
) -> None:
    """Apply a conversation's code changes to your checkout, uncommitted."""
    repo = repository()
    conversation, commit = resolve_target(repo, target)
    paths = apply_to_checkout(repo, base_commit(repo, commit).tree.id, turns.workspace_tree(commit))
    if not paths:
        print(f"{conversation.name} changed no files; nothing to apply")
        return
    print(
        f"applied {len(paths)} file{'s' * (len(paths) != 1)} from {conversation.name} to your checkout "
        "(uncommitted; review with `git diff`):"
    )
    for path in paths:
        print(f"  {one_line(path)}")


@app.command()
def export(
    target: Annotated[str, typer.Argument(help="NAME or NAME@REV to export.")],
    branch: Annotated[str, typer.Argument(help="Name of the branch to create.")],
    message: Annotated[str | None, typer.Option("--message", "-m", help="Commit message.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the branch if it exists.")] = False,
) -> None:
    """Create a branch with the conversation's changes as one commit on its base."""
    repo = repository()
    conversation, commit = resolve_target(repo, target)
    base = base_commit(repo, commit)
    name, email = user_identity(repo)
    author = pygit2.Signature(name, email)
    oid = export_branch(
        repo,
        branch,
        base,
        turns.workspace_tree(commit),
        message or export_message(conversation.name, commit),
        author,
        force,
    )
    shown = branch_ref(branch).removeprefix("refs/heads/")
    print(
        f"created branch {shown} at {str(oid)[:7]}: the changes of {conversation.name} "
        f"(turn {turns.turn_number(commit)}) on top of {base.short_id}"
    )


@app.command()
def push(
    remote: Annotated[str | None, typer.Argument(help="Remote (default: origin).")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite conversations that diverged on the remote.")
    ] = False,
) -> None:
    """Push every conversation (refs/gitagent/*) to a remote."""
    result = sync.push(repository(), remote, force)
    print(f"pushed: {', '.join(result.pushed) or 'nothing new'}")
    behind = [name for name, why in result.rejected if why.startswith("[rejected]")]
    refused = [
        f"{name} {why.removeprefix('[remote rejected] ')}"
        for name, why in result.rejected
        if not why.startswith("[rejected]")
    ]
    if behind:
        also = f"; the remote refused {', '.join(refused)}" if refused else ""
        fail(
            GitagentError(
                f"not pushed, the remote has turns this repository does not have: {', '.join(behind)}{also}",
                "get them with `gitagent pull` (where both sides added turns, keep yours first with "
                "`gitagent fork NAME NEW`), or replace the remote's with `gitagent push --force`",
            )
        )
    if refused:
        fail(GitagentError(f"the remote refused {', '.join(refused)}", "ask whoever runs the remote why"))


@app.command()
def pull(
    remote: Annotated[str | None, typer.Argument(help="Remote (default: origin).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite local conversations that diverged.")] = False,
) -> None:
    """Fetch conversations from a remote."""
    result = sync.pull(repository(), remote, force)
    print(f"updated: {', '.join(result.updated) or 'none'}")
    for name in result.worktrees_moved:
        print(f"moved the worktree of {name} to its new latest turn")
    for name in result.worktrees_kept:
        print(
            f"the worktree of {name} was left as it was (a turn of it is running or interrupted, or its unrecorded"
            f" changes conflict); `gitagent run -c {name}` moves it, or says why not",
            file=sys.stderr,
        )
    if result.rejected:
        fail(
            GitagentError(
                f"not updated, both sides added turns (kept as they are here): {', '.join(result.rejected)}",
                "to take the remote's, keep yours first with `gitagent fork NAME NEW`, then `gitagent pull --force`",
            )
        )


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
