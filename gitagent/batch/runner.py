"""Scheduling a batch's tasks on a backend: as many at once as it has slots, within the budget, retrying
transient failures, stopping tasks that run past the timeout. The backend (local processes or Ray) does
the running; this only decides what starts when and what each outcome means."""

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from gitagent.batch.backend import Backend, Finished
from gitagent.batch.plan import Planned, Settings
from gitagent.batch.progress import Progress

POLL = 0.2


@dataclass
class _Running:
    planned: Planned
    attempt: int
    started: float
    worst: float
    """What this task may still cost at most, as far as the budget knows."""
    timed_out: bool = False


@dataclass
class Outcome:
    """What a run of the scheduler did: each task's summary (in finishing order) and why it stopped early."""

    summaries: list[dict[str, Any]] = field(default_factory=list)
    stopped: str | None = None


class Scheduler:
    """Runs planned tasks on `backend` under `settings`' budget, retries and timeout, reporting to `progress`."""

    def __init__(self, backend: Backend, settings: Settings, progress: Progress) -> None:
        self.backend, self.settings, self.progress = backend, settings, progress
        self.queue: deque[tuple[Planned, int]] = deque()
        self.running: dict[str, _Running] = {}
        self.outcome = Outcome()
        self.spent = 0.0
        self.costliest = 0.0

    def run(self, planned: list[Planned]) -> Outcome:
        """Run every task (or as many as the budget allows) and return their summaries."""
        self.queue.extend((p, 1) for p in planned)
        while self.queue or self.running:
            self._start_what_fits()
            for finished in self.backend.finished(POLL if self.running else 0):
                self._finish(finished)
            self._stop_overdue()
            self._show()
        return self.outcome

    def _start_what_fits(self) -> None:
        while self.queue and len(self.running) < self.backend.slots and self.outcome.stopped is None:
            planned, attempt = self.queue[0]
            cap = self._cap(planned)
            if cap is not None and cap <= 0:
                self._stop_starting()
                return
            self.queue.popleft()
            planned.spec["options"]["max_cost"] = cap
            self.backend.start(planned.task.id, planned.spec)
            worst = planned.task.max_cost if planned.task.max_cost is not None else self.costliest
            self.running[planned.task.id] = _Running(planned, attempt, time.monotonic(), worst)

    def _cap(self, planned: Planned) -> float | None:
        """The task's cost limit; with --max-cost, no more than the budget left once the running tasks' worst
        cases are reserved. Zero or less: starting it could pass the budget."""
        own = planned.task.max_cost
        if self.settings.max_cost is None:
            return own
        worst = own if own is not None else self.costliest
        left = self.settings.max_cost - self.spent - sum(r.worst for r in self.running.values())
        if left - worst < 0 or left <= 0:
            return 0.0
        return min(own, left) if own is not None else left

    def _stop_starting(self) -> None:
        self.outcome.stopped = (
            f"--max-cost ${self.settings.max_cost:.2f}: ${self.spent:.4f} spent, and starting another task could "
            "pass it"
        )
        self.progress.event(f"stopping: {self.outcome.stopped}")
        for planned, attempt in self.queue:
            self.outcome.summaries.append(_summary(planned, "not_started", attempt - 1, "not started: budget"))
        self.queue.clear()

    def _finish(self, finished: Finished) -> None:
        state = self.running.pop(finished.key)
        planned, attempt = state.planned, state.attempt
        summary = finished.summary
        if state.timed_out:
            summary = _summary(planned, "interrupted", attempt, f"stopped after {self.settings.timeout:g}s (--timeout)")
        elif summary is None:
            summary = _summary(planned, "error", attempt, finished.lost, transient=True)
        summary["attempts"] = attempt
        self.spent += summary.get("cost_usd") or 0.0
        self.costliest = max(self.costliest, summary.get("cost_usd") or 0.0)
        if summary["status"] == "error" and summary.get("transient"):
            if attempt <= self.settings.retries:
                tries = f"{attempt}/{self.settings.retries}"
                self.progress.event(f"{planned.task.id}: {summary['error']}; retrying ({tries})")
                self.queue.appendleft((planned, attempt + 1))
                return
            if finished.summary is None:  # the worker was lost every time: its turn may be half done
                summary["status"] = "interrupted"
        self.outcome.summaries.append(summary)
        self.progress.task_done(summary)

    def _stop_overdue(self) -> None:
        if self.settings.timeout is None:
            return
        now = time.monotonic()
        for key, state in self.running.items():
            if not state.timed_out and now - state.started > self.settings.timeout:
                state.timed_out = True
                self.backend.stop(key)

    def _show(self) -> None:
        summaries = self.outcome.summaries
        failed = sum(1 for s in summaries if s["status"] != "complete")
        self.progress.update(len(self.running), failed, self.spent, self._eta())

    def _eta(self) -> float | None:
        times = [s.get("worker_ms", 0) / 1000 for s in self.outcome.summaries if s.get("worker_ms")]
        if not times:
            return None
        left = len(self.queue) + len(self.running) / 2
        return sum(times) / len(times) * left / max(1, self.backend.slots)


def _summary(planned: Planned, status: str, attempts: int, error: str, transient: bool = False) -> dict[str, Any]:
    return {
        "id": planned.task.id, "conversation": planned.spec["name"], "status": status, "error": error,
        "transient": transient, "attempts": attempts,
    }  # fmt: skip
