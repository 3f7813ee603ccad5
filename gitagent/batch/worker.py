"""One task of a batch, run where a worker is: in the user's repository, or in a clone of its own.

`run_task(spec)` is what a local worker process and a Ray slot both call. It runs the task through gitagent's
Python API and returns a small JSON summary; in the worker's clone (`clones`) it first brings the base commit
(a shallow fetch where the server allows, none when the clone has it) and the task's conversation so far,
and afterwards pushes the conversation to the batch's destination. A task whose conversation ended complete
is not run again; an interrupted one is resumed.
"""

import os
import socket
import time
from pathlib import Path
from typing import Any

import pygit2

from gitagent import api
from gitagent.agent import codemap
from gitagent.batch import clones
from gitagent.batch.summary import head_summary, summary_of
from gitagent.errors import GitagentError
from gitagent.models.errors import ProviderUnavailable
from gitagent.store import inflight, turns
from gitagent.store.locate import Location
from gitagent.store.refs import conversation_ref, read_ref


def run_task(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one task described by `spec` (see `gitagent.batch.runner.task_spec`); its summary, never raising."""
    started = time.monotonic()
    try:
        in_place = spec.get("source") is None
        summary = _run_in(Location(spec["git_dir"], spec["repo_path"]), spec) if in_place else _run_in_clone(spec)
    except GitagentError as e:
        summary = _failure(spec, e.message, transient=_transient(e))
    except Exception as e:  # a bug or an unexpected failure: reported, not retried
        summary = _failure(spec, f"{type(e).__name__}: {e}", transient=False)
    summary["worker_ms"] = _ms(time.monotonic() - started)
    summary["host"], summary["pid"] = socket.gethostname(), os.getpid()
    return summary


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _transient(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ProviderUnavailable | clones.GitFailed | ConnectionError | TimeoutError):
            return True
        cause = cause.__cause__
    return False


def _failure(spec: dict[str, Any], message: str, transient: bool) -> dict[str, Any]:
    return {"id": spec["task"]["id"], "conversation": spec["name"], "status": "error", "error": message,
            "transient": transient}  # fmt: skip


def _run_in(where: Path | Location, spec: dict[str, Any]) -> dict[str, Any]:
    try:
        return _turn_in(where, spec)
    finally:
        codemap.settle()  # the code map's background work ends with its task: its clone goes next, or this worker
        # runs another task


def _turn_in(where: Path | Location, spec: dict[str, Any]) -> dict[str, Any]:
    task, name = spec["task"], spec["name"]
    repository = api.Repository(where, **{**spec["options"], **({"model": task["model"]} if task.get("model") else {})})
    # max_cost is in the options already: the task's own, or less when the batch's budget is nearly spent
    overrides = {"max_steps": task["max_steps"]} if task.get("max_steps") is not None else {}
    conversation = repository.conversation(name, base=spec.get("rev"))
    repo = repository.handle()
    schema = task.get("output_schema")
    if inflight.load(repo, name) is not None:
        return summary_of(conversation.resume(output=schema, **overrides))
    head = read_ref(repo, conversation_ref(name))
    if head is not None and turns.read_turn(repo[head].peel(pygit2.Commit)).get("status") == "complete":
        return head_summary(repo, spec["task"]["id"], name, skipped=True)
    return summary_of(conversation.turn(task["prompt"], output=schema, **overrides))


def _run_in_clone(spec: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    folder = clones.prepare(spec)
    cloned = time.monotonic()
    try:
        summary = _run_in(folder, spec)
        ran = time.monotonic()
        if summary.get("commit") and not summary.get("skipped"):
            ref = conversation_ref(spec["name"])
            clones.git(folder, "push", "--quiet", spec["push"], f"{ref}:{ref}")
        summary.update(clone_ms=_ms(cloned - started), push_ms=_ms(time.monotonic() - ran))
        return summary
    finally:
        clones.finish(folder, spec["name"])
