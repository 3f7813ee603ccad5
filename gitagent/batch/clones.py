"""A worker's clone of its tasks' repository, kept from one task to the next.

A worker (a Ray slot, or a local worker for tasks naming a `repo`) runs task after task, most often on the same
repository and base commit. It keeps one clone, in `$TMPDIR/gitagent-clone-<pid>-*`: the next task on the same
source fetches only what the clone lacks (nothing, for the same base), and finds the code map's cache of the
last one warm. Before each task the clone loses every gitagent ref (what it holds of the task's conversation
comes from the destination again); after it, the task's worktree goes (in the background). A task on another
source replaces the clone. A clone whose worker died (killed for its timeout) is deleted by the next worker on
that machine that makes a clone or ends.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.processes import running
from gitagent.store.locate import without_location
from gitagent.store.refs import conversation_ref
from gitagent.workspace import worktree as wt
from gitagent.workspace.git import git_failure

PREFIX = "gitagent-clone-"
QUIET_CONFIG = {"gc.auto": "0", "maintenance.auto": "false"}
"""A clone lives for one batch: no housekeeping process after each fetch."""


class GitFailed(GitagentError):
    """A git command a worker ran failed (a network or server problem, worth another try)."""


@dataclass
class _Clone:
    source: str
    path: Path


_kept: _Clone | None = None
_deleting: dict[str, threading.Thread] = {}
"""The worktrees being deleted in the background, by task name."""


def prepare(spec: dict[str, Any]) -> Path:
    """This worker's clone of the task's source at its base commit (`spec["rev"]` set to that commit's id),
    holding the task's conversation so far from its destination (`spec["push"]`) and no other gitagent state."""
    global _kept
    if (deleting := _deleting.pop(spec["name"], None)) is not None:
        deleting.join()  # the same task again (a retry): its old worktree must be gone before it makes a new one
    if _kept is not None and (_kept.source != spec["source"] or not _kept.path.is_dir()):
        discard()
    if _kept is None:
        _kept = _Clone(spec["source"], _new_clone())
    try:
        _bring_to_base(_kept.path, spec)
        _bring_conversation(_kept.path, spec)
    except BaseException:
        discard()  # a half-done fetch or checkout: the next task starts from a new clone
        raise
    return _kept.path


def finish(path: Path, name: str) -> None:
    """Delete the worktree task `name` used in the clone at `path` (its turns stay in the destination), in the
    background: a large checkout takes a while to delete, and the worker can take its next task meanwhile (git
    adds and removes one worktree at a time in a repository, see `worktree.registering`)."""
    worktree = wt.worktree_for(pygit2.Repository(str(path)), name)
    deleting = threading.Thread(target=_delete, args=(worktree,), name="gitagent-worktree-deletion", daemon=True)
    deleting.start()
    _deleting[name] = deleting


def _delete(worktree: wt.Worktree) -> None:
    with contextlib.suppress(GitagentError, OSError):  # one left behind goes with the clone
        wt.remove(worktree)


def settle() -> None:
    """Wait for the worktrees being deleted in the background."""
    for name in list(_deleting):
        _deleting.pop(name).join()


def close() -> None:
    """This worker is done: delete its clone, and those of workers gone from this machine (killed for their
    timeout, say) that no worker after them deleted."""
    discard()
    sweep()


def discard() -> None:
    """Delete this worker's clone, if it has one."""
    global _kept
    settle()
    if _kept is not None:
        shutil.rmtree(_kept.path, ignore_errors=True)
        _kept = None


def _new_clone() -> Path:
    parent = Path(tempfile.gettempdir())
    sweep(parent)
    path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    repo = pygit2.init_repository(str(path))  # in this process: a git command fewer
    for key, value in QUIET_CONFIG.items():
        repo.config[key] = value
    return path


def sweep(parent: Path | None = None) -> None:
    """Delete the clones in `parent` (where workers make them: the temporary directory) of workers that are gone,
    and any of this process's id (an earlier process's, since this one keeps its own in memory: `discard`
    deletes it)."""
    for old in (parent or Path(tempfile.gettempdir())).glob(f"{PREFIX}*"):
        owner = old.name.removeprefix(PREFIX).split("-")[0]
        if owner.isdigit() and (int(owner) == os.getpid() or not running(int(owner))):
            shutil.rmtree(old, ignore_errors=True)


def _bring_to_base(path: Path, spec: dict[str, Any]) -> None:
    repo = pygit2.Repository(str(path))
    repo.config["user.name"], repo.config["user.email"] = spec["identity"]
    for ref in [r for r in repo.references if r.startswith("refs/gitagent/")]:
        repo.references.delete(ref)
    rev = spec.get("rev")
    base = _commit(repo, rev) if rev else None
    if base is None:
        base = _fetch_base(path, spec)
    if repo.head_is_unborn or repo.head.target != base:
        git(path, "checkout", "--quiet", "--detach", str(base))
    spec["rev"] = str(base)


def _commit(repo: pygit2.Repository, rev: str) -> pygit2.Oid | None:
    """`rev` if it is a commit's full id that the clone holds (a name may have moved at the source)."""
    try:
        oid = pygit2.Oid(hex=rev)
    except ValueError:
        return None
    found = repo.get(oid)
    return oid if isinstance(found, pygit2.Commit) else None


def _fetch_base(path: Path, spec: dict[str, Any]) -> pygit2.Oid:
    source, rev = spec["source"], spec.get("fetch") or spec.get("rev") or "HEAD"
    if subprocess.run(["git", "fetch", "--quiet", "--depth", "1", source, rev], cwd=path, env=_ENV,
                      capture_output=True).returncode != 0:  # fmt: skip
        git(path, "fetch", "--quiet", source, rev)  # servers that refuse a shallow fetch of a commit id
    return pygit2.Repository(str(path)).revparse_single("FETCH_HEAD").peel(pygit2.Commit).id


def _bring_conversation(path: Path, spec: dict[str, Any]) -> None:
    ref = conversation_ref(spec["name"])
    found = subprocess.run(["git", "ls-remote", spec["push"], ref], cwd=path, env=_ENV, capture_output=True, text=True)
    if found.returncode != 0:
        raise GitFailed(f"cannot reach {spec['push']}: {git_failure(found.stderr, found.returncode)}")
    if found.stdout.strip():
        git(path, "fetch", "--quiet", spec["push"], f"{ref}:{ref}")


_ENV = without_location(os.environ)
"""git in a clone acts on the clone, whatever `GIT_DIR` the user's batch was started with."""


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd`; its output, or GitFailed with git's own message."""
    proc = subprocess.run(["git", *args], cwd=cwd, env=_ENV, capture_output=True, text=True)
    if proc.returncode != 0:
        raise GitFailed(f"git {args[0]} failed: {git_failure(proc.stderr, proc.returncode)}")
    return proc.stdout
