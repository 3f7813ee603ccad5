"""Moving a conversation's code out: a diff, uncommitted changes in the user's checkout, or a branch."""

import subprocess
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.store.conversations import chain
from gitagent.workspace.git import run_git


def diff_trees(repo_workdir: Path, old: pygit2.Oid, new: pygit2.Oid, extra: list[str]) -> int:
    """Show `git diff` between two trees on the terminal (git's own colours and pager); return its status."""
    return subprocess.call(["git", "diff", *extra, str(old), str(new)], cwd=repo_workdir)


def apply_to_checkout(repo_workdir: Path, old: pygit2.Oid, new: pygit2.Oid) -> list[str]:
    """Apply the change from tree `old` to tree `new` to the user's files, uncommitted; all or nothing.

    Returns the paths changed. On any conflict nothing is written and the error names the paths.
    """
    patch = run_git(["diff", "--binary", "--full-index", str(old), str(new)], cwd=repo_workdir).stdout
    if not patch:
        return []
    check = run_git(["apply", "--check", "--whitespace=nowarn", "-"], cwd=repo_workdir, input=patch, check=False)
    if check.returncode != 0:
        raise GitagentError(
            "the changes do not apply cleanly to your checkout; nothing was changed",
            check.stderr.decode(errors="replace").strip(),
        )
    run_git(["apply", "--whitespace=nowarn", "-"], cwd=repo_workdir, input=patch)
    names = run_git(["diff", "--name-only", "-z", str(old), str(new)], cwd=repo_workdir).stdout
    return [n for n in names.decode().split("\0") if n]


def export_branch(
    repo: pygit2.Repository,
    branch: str,
    base: pygit2.Commit,
    tree: pygit2.Oid,
    message: str,
    author: pygit2.Signature,
    force: bool = False,
) -> pygit2.Oid:
    """Create branch `branch` with one commit of `tree` on top of `base`; the checkout is not touched."""
    refname = f"refs/heads/{branch}"
    if not pygit2.reference_is_valid_name(refname):
        raise GitagentError(f"invalid branch name {branch!r}")
    if refname in repo.references and not force:
        raise GitagentError(f"branch {branch!r} already exists", "pick another name, or pass --force to replace it")
    if repo.head_is_detached is False and repo.head.name == refname:
        raise GitagentError(f"branch {branch!r} is checked out; export to another branch")
    oid = repo.create_commit(None, author, author, message, tree, [base.id])
    repo.create_reference_direct(refname, oid, force, message="gitagent: export")
    return oid


def export_message(name: str, head: pygit2.Commit) -> str:
    """The commit message of an exported conversation: its first prompt, then one line per turn."""
    commits = list(reversed(list(chain(head))))
    subject = commits[0].message.splitlines()[0]
    body = "\n".join(f"- turn {turns.turn_number(c)}: {c.message.splitlines()[0]}" for c in commits)
    return (
        f"{subject}\n\nMade with gitagent in conversation {name}:\n{body}\n\n"
        f"Gitagent-Conversation: {name}\nGitagent-Head: {head.id}\n"
    )
