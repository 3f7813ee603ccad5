"""Moving a conversation's code out: a diff, uncommitted changes in the user's checkout, or a branch."""

import os
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.store.conversations import chain
from gitagent.store.repo import repo_options, workdir
from gitagent.workspace.git import run_git

_MAX_REF_PART = 250
"""Bytes of a ref name between slashes: a file name (at most 255) with room for git's `.lock`."""


def apply_to_checkout(repo: pygit2.Repository, old: pygit2.Oid, new: pygit2.Oid) -> list[str]:
    """Apply the change from tree `old` to tree `new` to the user's files (`repo`'s work tree), uncommitted; all
    or nothing.

    Returns the paths changed (as `os.fsdecode` gives names that are not UTF-8). Everything is checked
    before anything is written: on any conflict nothing is written and the error names the paths. Files
    are written as a checkout writes them (smudge filters and line endings applied).
    """
    root, named = workdir(repo), repo_options(repo)
    changes = _changes(root, named, old, new)
    if not changes:
        return []
    in_the_way = _in_the_way(root, changes)
    if in_the_way:
        shown = "; ".join(in_the_way[:5]) + (f"; and {len(in_the_way) - 5} more" if len(in_the_way) > 5 else "")
        raise GitagentError(
            f"the changes do not apply to your checkout; nothing was changed: {shown}",
            "move those paths out of the way (or commit or stash them), then apply again",
        )
    patch = run_git([*named, "diff", "--binary", "--full-index", str(old), str(new)], cwd=root).stdout
    check = run_git([*named, "apply", "--check", "--whitespace=nowarn", "-"], cwd=root, input=patch, check=False)
    if check.returncode != 0:
        raise GitagentError(
            "the changes do not apply cleanly to your checkout; nothing was changed",
            check.stderr.decode(errors="replace").strip(),
        )
    run_git([*named, "apply", "--whitespace=nowarn", "-"], cwd=root, input=patch)
    return [os.fsdecode(path) for _, path in changes]


def _changes(root: Path, named: list[str], old: pygit2.Oid, new: pygit2.Oid) -> list[tuple[bytes, bytes]]:
    """(status letter, path) of each path the change touches: A, D, M or T (renames as a D and an A)."""
    args = [*named, "diff", "--name-status", "--no-renames", "-z", str(old), str(new)]
    fields = run_git(args, cwd=root).stdout.split(b"\0")
    return list(zip(fields[0:-1:2], fields[1::2], strict=True))


def _in_the_way(root: Path, changes: list[tuple[bytes, bytes]]) -> list[str]:
    """What in the checkout would stop a path being written that `git apply --check` does not see: a file
    (or symlink) where the change has a directory, or a directory where it has a file."""
    deleted = {path for status, path in changes if status == b"D"}
    base = os.fsencode(root)
    problems: dict[bytes, str] = {}
    for status, path in changes:
        if status == b"D":
            continue
        parts = path.split(b"/")
        for depth in range(1, len(parts)):
            parent = b"/".join(parts[:depth])
            full = os.path.join(base, parent)
            if parent not in deleted and os.path.lexists(full) and (os.path.islink(full) or not os.path.isdir(full)):
                problems[parent] = f"{os.fsdecode(parent)} is a file in your checkout, a directory in the change"
        full = os.path.join(base, path)
        if status == b"A" and os.path.isdir(full) and not os.path.islink(full):
            problems[path] = f"{os.fsdecode(path)} is a directory in your checkout, a file in the change"
    return list(problems.values())


def export_branch(
    repo: pygit2.Repository,
    branch: str,
    base: pygit2.Commit,
    tree: pygit2.Oid,
    message: str,
    author: pygit2.Signature,
    force: bool = False,
) -> pygit2.Oid:
    """Create branch `branch` (a name, or a full `refs/heads/` one) with one commit of `tree` on top of `base`;
    the checkout is not touched."""
    refname = branch_ref(branch)
    if refname in repo.references and not force:
        raise GitagentError(f"branch {branch!r} already exists", "pick another name, or pass --force to replace it")
    if repo.head_is_detached is False and repo.head.name == refname:
        raise GitagentError(f"branch {branch!r} is checked out; export to another branch")
    oid = repo.create_commit(None, author, author, message, tree, [base.id])
    try:
        repo.create_reference_direct(refname, oid, force, message="gitagent: export")
    except (pygit2.GitError, OSError) as e:  # `a` when `a/b` exists (or the reverse), a name the file system refuses
        raise GitagentError(
            f"cannot create branch {branch!r}: {e}", "pick another name (a branch cannot be both a and a/b)"
        ) from e
    return oid


def branch_ref(branch: str) -> str:
    """The ref of branch `branch`, given as `feature/x` or `refs/heads/feature/x`; GitagentError for a name git
    would not take for a branch (`HEAD`, another kind of ref, a leading `-`)."""
    refname = branch if branch.startswith("refs/") else f"refs/heads/{branch}"
    short = refname.removeprefix("refs/heads/")
    fits = all(len(os.fsencode(part)) <= _MAX_REF_PART for part in short.split("/"))  # each part is a file
    valid = fits and branch.isprintable() and pygit2.reference_is_valid_name(refname)
    if not valid or not refname.startswith("refs/heads/") or short == "HEAD" or short.startswith("-"):
        raise GitagentError(
            f"invalid branch name {branch!r}",
            "name a branch, e.g. feature/x or refs/heads/feature/x (not HEAD, and no other kind of ref)",
        )
    return refname


def export_message(name: str, head: pygit2.Commit) -> str:
    """The commit message of an exported conversation: its first prompt, then one line per turn."""
    commits = list(reversed(list(chain(head))))
    subject = commits[0].message.splitlines()[0]
    body = "\n".join(f"- turn {turns.turn_number(c)}: {c.message.splitlines()[0]}" for c in commits)
    return (
        f"{subject}\n\nMade with gitagent in conversation {name}:\n{body}\n\n"
        f"Gitagent-Conversation: {name}\nGitagent-Head: {head.id}\n"
    )
