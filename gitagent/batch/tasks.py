"""A batch's tasks: read from a JSON Lines file, checked, and named as conversations.

One task a line: `{"id": "...", "prompt": "...", "repo"?, "rev"?, "model"?, "output_schema"?, "max_steps"?,
"max_cost"?, "executor"?}`. Blank lines and lines starting with `#` are skipped. Each task runs as the
conversation `batch/<batch-id>/<task-id>`.
"""

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pygit2

from gitagent.errors import GitagentError
from gitagent.store.conversations import nesting_conflict

PREFIX = "batch"
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
KNOWN = {"id", "prompt", "repo", "rev", "model", "output_schema", "max_steps", "max_cost", "executor"}
EXECUTORS = ("gitagent",)
"""The executors a task may name; others (Claude Code, Codex) come with the Executor seam."""


@dataclass(frozen=True)
class BatchTask:
    """One task of a batch, as its line gave it (`output_schema` read when it named a file)."""

    id: str
    prompt: str
    repo: str | None = None
    rev: str | None = None
    model: str | None = None
    output_schema: dict[str, Any] | None = None
    max_steps: int | None = None
    max_cost: float | None = None
    executor: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The task as a JSON object, without the fields it left out."""
        return {key: value for key, value in asdict(self).items() if value is not None}


def conversation_name(batch_id: str, task_id: str) -> str:
    """The conversation a task runs as."""
    return f"{PREFIX}/{batch_id}/{task_id}"


def batch_id_of(path: Path, given: str | None) -> str:
    """The batch's id: `given`, else the tasks file's name without its extension (so a re-run resumes)."""
    batch_id = given if given is not None else path.name.split(".")[0]
    if not ID.fullmatch(batch_id):
        raise GitagentError(
            f"invalid batch id {batch_id!r}", "use letters, digits, '.', '_' and '-' (name it with --name ID)"
        )
    return batch_id


def load_tasks(path: Path) -> list[BatchTask]:
    """The tasks of a JSON Lines file; any problem is one error naming its line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise GitagentError(f"cannot read {path}: {e.strerror}") from e
    tasks: list[BatchTask] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        task = _task(json_line(path, number, line), f"{path}:{number}", path.parent)
        if task.id in seen:
            raise GitagentError(f"{path}:{number}: task id {task.id!r} is used twice", "give each task its own id")
        seen.add(task.id)
        tasks.append(task)
    if not tasks:
        raise GitagentError(f"{path} has no tasks", 'one JSON object a line: {"id": "fix-1", "prompt": "..."}')
    return tasks


def json_line(path: Path, number: int, line: str) -> dict[str, Any]:
    """One line's JSON object."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        raise GitagentError(f"{path}:{number}:{e.colno}: invalid JSON: {e.msg}") from e
    if not isinstance(data, dict):
        raise GitagentError(f"{path}:{number}: a task is a JSON object", '{"id": "fix-1", "prompt": "..."}')
    return data


def _task(data: dict[str, Any], where: str, folder: Path) -> BatchTask:
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise GitagentError(f"{where}: unknown field {unknown[0]!r}", f"known: {', '.join(sorted(KNOWN))}")
    task_id, prompt = data.get("id"), data.get("prompt")
    if not isinstance(task_id, str) or not ID.fullmatch(task_id):
        raise GitagentError(f"{where}: invalid or missing id {task_id!r}", "use letters, digits, '.', '_', '-'")
    if not isinstance(prompt, str) or not prompt.strip():
        raise GitagentError(f"{where}: task {task_id!r} has no prompt")
    for key in ("repo", "rev", "model", "executor"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise GitagentError(f"{where}: {key} must be a string")
    _check_number(data, "max_steps", int, where)
    _check_number(data, "max_cost", (int, float), where)
    if data.get("executor") not in (None, *EXECUTORS):
        raise GitagentError(f"{where}: unknown executor {data['executor']!r}", f"known: {', '.join(EXECUTORS)}")
    repo = data.get("repo")
    if repo is not None and _is_path(repo):
        repo = str((folder / repo).resolve())
    cost = data.get("max_cost")
    return BatchTask(
        id=task_id, prompt=prompt, repo=repo, rev=data.get("rev"), model=data.get("model"),
        output_schema=_schema(data.get("output_schema"), where, folder), max_steps=data.get("max_steps"),
        max_cost=float(cost) if cost is not None else None, executor=data.get("executor"),
    )  # fmt: skip


def _check_number(data: dict[str, Any], key: str, kind: Any, where: str) -> None:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kind) or value <= 0):
        raise GitagentError(f"{where}: {key} must be a positive number")


def _is_path(repo: str) -> bool:
    return "://" not in repo and not re.match(r"^[\w.-]+@[\w.-]+:", repo)


def _schema(value: Any, where: str, folder: Path) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise GitagentError(f"{where}: output_schema is a JSON Schema object or the path of a file holding one")
    from gitagent.agent.output import schema_from_text

    path = folder / value
    try:
        return schema_from_text(path.read_text(encoding="utf-8"), str(path))
    except OSError as e:
        raise GitagentError(f"{where}: cannot read output_schema {value}: {e.strerror}") from e


def check_names(repo: pygit2.Repository, batch_id: str, tasks: list[BatchTask]) -> None:
    """Refuse a batch whose conversations git could not hold: git cannot have both a ref `a` and a ref `a/b`,
    so no conversation may be named `batch` or `batch/<id>` (or lie below a task's name) while the batch's live
    there."""
    for task in tasks:
        other = nesting_conflict(repo, conversation_name(batch_id, task.id))
        if other is not None:
            raise GitagentError(
                f"a conversation named {other!r} is in the way of batch {batch_id!r} (git cannot hold refs "
                f"a and a/b at once)",
                f"rename it: `gitagent fork {other} NEW && gitagent rm {other}`",
            )
