"""A fake Anthropic server for batches: many conversations at once, each answered by its own script.

A request's task is the `[task ID]` marker in its first user message; its step is the number of assistant
messages so far. `plan(task_id, step)` gives the Reply or Fail for it, so concurrent tasks never take each
other's answers, whatever order their requests arrive in. It counts requests per task and how many it
answered at once.
"""

import json
import re
import threading
from collections import Counter
from collections.abc import Callable

from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.server import Fail, Recorded, Reply, _Handler

Plan = Callable[[str, int], Reply | Fail]
MARKER = re.compile(r"\[task ([\w.-]+)\]")


class PerTaskAnthropic(FakeAnthropic):
    """FakeAnthropic whose answer to each request comes from `plan(task_id, step)`; counts requests per task."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.per_task: Counter[str] = Counter()
        self.most_at_once = 0
        """The most requests being answered at the same time."""
        self._active = 0
        self._lock = threading.Lock()
        self._current = threading.local()

    def handle(self, handler: _Handler, request: Recorded) -> None:
        self._current.request = request
        with self._lock:
            self._active += 1
            self.most_at_once = max(self.most_at_once, self._active)
        try:
            super().handle(handler, request)
        finally:
            with self._lock:
                self._active -= 1

    def next_step(self) -> Reply | Fail:
        messages = self._current.request.body["messages"]
        found = MARKER.search(json.dumps(messages[0]))
        task = found.group(1) if found else "?"
        step = sum(1 for m in messages if m["role"] == "assistant")
        with self._lock:
            self.per_task[task] += 1
        return self.plan(task, step)


def write_then_answer(delay: float = 0.0, steps: int = 2) -> Plan:
    """Each task writes `<id>.txt` (and, with more steps, runs `cat` on it), then answers; `delay` per reply."""

    def plan(task: str, step: int) -> Reply | Fail:
        if step == 0:
            call = {"type": "tool_use", "name": "Write", "input": {"file_path": f"{task}.txt", "content": f"{task}\n"}}
            return Reply([call], delay=delay)
        if step < steps - 1:
            return Reply([{"type": "tool_use", "name": "Bash", "input": {"command": f"cat {task}.txt"}}], delay=delay)
        return Reply([{"type": "text", "text": f"Wrote {task}.txt."}], delay=delay)

    return plan


def holding_answer(held_task: str, release: threading.Event) -> Plan:
    """`write_then_answer`, with `held_task`'s answer held (the model thinking) until `release` is set."""
    normal = write_then_answer()

    def plan(task: str, step: int) -> Reply | Fail:
        reply = normal(task, step)
        if task == held_task and step == 1:
            reply.hold = release
        return reply

    return plan
