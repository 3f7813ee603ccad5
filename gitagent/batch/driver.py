"""Running a whole batch: read the tasks, skip what is done, run the rest on a backend, bring every
conversation into the user's repository (and to --remote), and record the run in git."""

import time
from pathlib import Path
from typing import Any

import pygit2

from gitagent.agent.record import now_iso
from gitagent.batch import record
from gitagent.batch.backend import Backend
from gitagent.batch.local import LocalBackend
from gitagent.batch.plan import Planned, Settings, fetch_done, plan, push_done, remote_url
from gitagent.batch.progress import Progress
from gitagent.batch.runner import Scheduler
from gitagent.batch.tasks import check_names, conversation_name, load_tasks
from gitagent.errors import GitagentError

DEFAULT_JOBS = 4
SCHEMA = 1


def run_batch(
    repo: pygit2.Repository, tasks_file: Path, batch_id: str, settings: Settings, progress: Progress | None = None
) -> dict[str, Any]:
    """Run the batch in `tasks_file` as `batch_id`; its record (as `gitagent batch show` prints it)."""
    tasks = load_tasks(tasks_file)
    check_names(repo, batch_id, tasks)
    remote = remote_url(repo, settings.remote)
    if settings.ray not in (None, "local") and remote is None:
        raise GitagentError(
            "--ray ADDRESS needs --remote URL: workers on other machines push their conversations there",
            "give a git remote every node can reach, e.g. --remote git@host:team/repo.git",
        )
    progress = progress or Progress(len(tasks))
    if remote is not None:
        _quietly(lambda: fetch_done(repo, batch_id, remote), progress)
    to_run, done = plan(repo, batch_id, tasks, settings)
    for summary in done:
        progress.task_done(summary)
    started, clock = now_iso(), time.monotonic()
    stopped: str | None = None
    ran: list[dict[str, Any]] = []
    slots = 0
    if to_run:
        backend = make_backend(settings, sorted({p.spec["task"]["model"].split(":")[0] for p in to_run}))
        slots = backend.slots
        try:
            outcome = Scheduler(backend, settings, progress).run(to_run)
        finally:
            backend.close()
            progress.close()
        ran, stopped = outcome.summaries, outcome.stopped
        _gather(repo, batch_id, to_run, remote, progress)
    data = _record(batch_id, tasks_file, settings, remote, slots, {s["id"]: s for s in [*done, *ran]}, tasks)
    data.update(started_at=started, finished_at=now_iso(), wall_s=round(time.monotonic() - clock, 3), stopped=stopped)
    data["record"] = record.save(repo, batch_id, data)
    if remote is not None:
        problem = push_done(repo, batch_id, remote, [record.batch_ref(batch_id)])
        if problem:
            progress.event(f"could not push the results to {remote}: {problem}")
    return data


def make_backend(settings: Settings, providers: list[str]) -> Backend:
    """Ray (`--ray`) or local processes (forked from a server that imported `providers`' SDKs)."""
    if settings.ray is not None:
        from gitagent.batch.raycluster import RayBackend

        address = None if settings.ray == "local" else settings.ray
        return RayBackend(address, settings.jobs, providers, sdk_server(providers))
    preload = [p for p in providers if p in ("anthropic", "openai")]
    return LocalBackend(settings.jobs or DEFAULT_JOBS, preload, sdk_server(providers))


def sdk_server(providers: list[str]) -> tuple[str, str] | None:
    """For Anthropic tasks, this machine's SDK server, found or started (it is, as the command starts): workers on
    this machine ask Claude through it, and need not load the SDK themselves."""
    if "anthropic" not in providers:
        return None
    from gitagent.models import sdkproc

    sdkproc.prestart(executor_named=True)
    return sdkproc.address()


def _gather(repo: pygit2.Repository, batch_id: str, ran: list[Planned], remote: str | None, progress: Progress) -> None:
    """Bring the conversations workers pushed to --remote into this repository."""
    if remote is None or all(p.spec["source"] is None for p in ran):
        return
    _quietly(lambda: fetch_done(repo, batch_id, remote), progress)


def _quietly(action: Any, progress: Progress) -> None:
    try:
        action()
    except GitagentError as e:
        progress.event(f"warning: {e.message}")


def _record(
    batch_id: str, tasks_file: Path, settings: Settings, remote: str | None, slots: int,
    summaries: dict[str, dict[str, Any]], tasks: list[Any],
) -> dict[str, Any]:  # fmt: skip
    rows = [summaries.get(t.id) or {"id": t.id, "status": "not_started"} for t in tasks]
    for row, task in zip(rows, tasks, strict=True):
        row.setdefault("conversation", conversation_name(batch_id, task.id))
        row.pop("transient", None)
    count = {status: sum(1 for r in rows if r["status"] == status) for status in ("complete", "interrupted")}
    fresh = [r for r in rows if not r.get("skipped")]
    usage = {k: sum(int((r.get("usage") or {}).get(k, 0)) for r in fresh) for k in ("input_tokens", "output_tokens")}
    return {
        "schema": SCHEMA, "batch": batch_id, "tasks_file": str(tasks_file),
        "backend": "local" if settings.ray is None else "ray", "ray": settings.ray, "slots": slots,
        "remote": remote, "max_cost": settings.max_cost, "timeout": settings.timeout, "retries": settings.retries,
        "totals": {
            "tasks": len(rows), **count, "skipped": sum(1 for r in rows if r.get("skipped")),
            "not_started": sum(1 for r in rows if r["status"] == "not_started"),
            "failed": sum(1 for r in rows if r["status"] not in ("complete", "interrupted", "not_started")),
            "cost_usd": round(sum(r.get("cost_usd") or 0 for r in fresh), 6), **usage,
        },
        "tasks": rows,
    }  # fmt: skip
