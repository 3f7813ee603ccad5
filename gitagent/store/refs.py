"""Ref names under `refs/gitagent/` and compare-and-swap updates of them."""

import time
from collections.abc import Callable
from pathlib import Path

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import locks, names
from gitagent.store.packs import flush_pending
from gitagent.store.repo import git_dir

# The ref names are plain strings in `names`, shared with the git-plumbing reader; the store's modules name
# them from here.
PREFIX = names.PREFIX
CONVERSATIONS = names.CONVERSATIONS
INFLIGHT = names.INFLIGHT
ABANDONED = names.ABANDONED
REVIEWS = names.REVIEWS
REVIEW_INFLIGHT = names.REVIEW_INFLIGHT
conversation_ref = names.conversation_ref
inflight_ref = names.inflight_ref
LOCK_STALE_S = 5.0
"""A ref's lock file older than this was left by a killed process: git and libgit2 hold one for milliseconds."""


class ConcurrentUpdate(GitagentError):
    """Another process moved a ref between our read and our write."""


def abandoned_ref(name: str, oid: pygit2.Oid) -> str:
    """Where a tip left behind by rewind or rm stays reachable until `gitagent prune`."""
    return f"{ABANDONED}{name}/{oid}"


def review_ref(key: str, head: str) -> str:
    """The ref holding the review conversation of change `key` (`pr-12`, `mr-3`, a branch) at commit `head`."""
    return f"{REVIEWS}{key}/{head}"


def review_inflight_ref(key: str, head: str, part: int) -> str:
    """The in-flight ref (and write lock) of one part of a review being written."""
    return f"{REVIEW_INFLIGHT}{key}/{head}/{part}"


MAX_NAME = 100
"""Characters a conversation name may have: it is a file name too (ref, lock, worktree), capped at 255 bytes."""


def validate_name(name: str) -> str:
    """Check a conversation name against git's ref-name rules (printable, not too long); return it unchanged."""
    if len(name) > MAX_NAME:
        raise GitagentError(f"conversation name of {len(name)} characters: at most {MAX_NAME}", "pick a shorter name")
    # isprintable: no control characters, and none of the lone surrogates that stand for bytes not in UTF-8.
    valid = name.isprintable() and pygit2.reference_is_valid_name(conversation_ref(name))
    if not valid or name.startswith("-") or "@" in name:
        raise GitagentError(
            f"invalid conversation name {name!r}",
            "use letters, digits, '-', '_', '.' and '/' (git ref-name rules; no spaces, '..', '@', '~', '^', ':')",
        )
    return name


def read_ref(repo: pygit2.Repository, refname: str) -> pygit2.Oid | None:
    """The oid a ref points at, or None when it does not exist."""
    ref = repo.references.get(refname)
    return None if ref is None else ref.target


def cas_update(
    repo: pygit2.Repository, refname: str, new: pygit2.Oid, expected: pygit2.Oid | None, message: str
) -> None:
    """Point `refname` at `new` only if it still points at `expected` (None: only if it does not exist)."""
    flush_pending(repo)

    def update(repo: pygit2.Repository) -> None:
        if expected is None:
            repo.create_reference_direct(refname, new, False, message=message)
            return
        ref = repo.references.get(refname)
        if ref is None or ref.target != expected:
            raise _moved(refname)
        ref.set_target(new, message)

    _clearing_stale_locks(repo, refname, update)


def cas_delete(repo: pygit2.Repository, refname: str, expected: pygit2.Oid) -> None:
    """Delete `refname` only if it still points at `expected`."""

    def delete(repo: pygit2.Repository) -> None:
        ref = repo.references.get(refname)
        if ref is None or ref.target != expected:
            raise _moved(refname)
        ref.delete()

    _clearing_stale_locks(repo, refname, delete)


def _clearing_stale_locks(repo: pygit2.Repository, refname: str, change: Callable[[pygit2.Repository], None]) -> None:
    """Run a ref change; a lock file in its way that is older than any live writer holds one is removed (it was
    left by a killed process) and the change tried again; a recent one is named, with how to remove it.

    The retry opens the repository afresh: after a failed delete, libgit2's cached packed refs already lack
    the ref, and deleting it again through the same object would report success and change nothing.
    """
    for attempt in (repo, None):
        try:
            change(attempt or pygit2.Repository(repo.path))
            return
        except pygit2.AlreadyExistsError as e:
            raise _moved(refname) from e
        except (pygit2.GitError, OSError) as e:
            lock = _lock_in_the_way(repo, refname)
            if lock is None:
                if any(word in str(e) for word in ("modified", "does not match")):
                    raise _moved(refname) from e
                raise GitagentError(f"cannot update {refname}: {e}") from e
            if attempt is not None and (time.time() - _mtime(lock) > LOCK_STALE_S or _writer_is_gone(repo, refname)):
                lock.unlink(missing_ok=True)
                continue
            raise ConcurrentUpdate(
                f"{refname} is locked by another process ({lock} exists)",
                f"if no gitagent or git command is running in this repository, remove {lock} and try again",
            ) from e


def _writer_is_gone(repo: pygit2.Repository, refname: str) -> bool:
    """An in-flight ref is written only under its conversation's lock: when this process holds that lock, a
    lock file on the ref was left by a writer that is dead, however recent it is."""
    return refname.startswith(INFLIGHT) and locks.held_here(repo, refname.removeprefix(INFLIGHT))


def _lock_in_the_way(repo: pygit2.Repository, refname: str) -> Path | None:
    common = git_dir(repo)
    for lock in (common / f"{refname}.lock", common / "packed-refs.lock"):
        if lock.exists():
            return lock
    return None


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _moved(refname: str) -> ConcurrentUpdate:
    return ConcurrentUpdate(
        f"{refname} was changed by another process while this one was writing it",
        "nothing was overwritten; check `gitagent log --all` and try again",
    )
