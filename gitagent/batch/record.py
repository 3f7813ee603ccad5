"""A batch's record in git: `refs/gitagent/batches/<id>`, one commit per run holding `batch.json` (the
settings, the totals and every task's summary), each run's commit on top of the previous run's. `gitagent
batch show` reads it; `gitagent push`/`pull` share it with the conversations."""

from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.store import turns
from gitagent.store.refs import PREFIX, cas_update, read_ref
from gitagent.store.repo import user_identity

BATCHES = PREFIX + "batches/"
FILE = "batch.json"


def batch_ref(batch_id: str) -> str:
    """The ref of a batch's record."""
    return BATCHES + batch_id


def save(repo: pygit2.Repository, batch_id: str, data: dict[str, Any]) -> str:
    """Commit this run's record on top of the batch's earlier ones; returns the commit id."""
    ref = batch_ref(batch_id)
    parent = read_ref(repo, ref)
    builder = repo.TreeBuilder()
    builder.insert(FILE, turns.write_blob_json(repo, data), pygit2.GIT_FILEMODE_BLOB)
    totals = data["totals"]
    subject = f"batch {batch_id}: {totals['complete']}/{totals['tasks']} complete"
    name, email = user_identity(repo)
    oid = repo.create_commit(
        None, pygit2.Signature(name, email), pygit2.Signature(*turns.COMMITTER), subject + "\n", builder.write(),
        [parent] if parent is not None else [],
    )  # fmt: skip
    cas_update(repo, ref, oid, parent, f"gitagent: batch {batch_id}")
    return str(oid)


def load(repo: pygit2.Repository, batch_id: str) -> dict[str, Any]:
    """The latest run's record of a batch."""
    oid = read_ref(repo, batch_ref(batch_id))
    if oid is None:
        known = ", ".join(batches(repo)) or "none"
        raise GitagentError(f"no batch named {batch_id!r}", f"batches here: {known}")
    return turns.read_json(repo[oid].peel(pygit2.Commit), FILE)


def batches(repo: pygit2.Repository) -> list[str]:
    """The ids of the batches recorded here."""
    return sorted(ref.removeprefix(BATCHES) for ref in repo.references if ref.startswith(BATCHES))
