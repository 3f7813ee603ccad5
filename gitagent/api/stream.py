"""A turn's events as an iterator: the turn runs in a worker thread and hands each event over a queue."""

import queue
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from gitagent.agent.events import Event, EventSink

if TYPE_CHECKING:
    from gitagent.api.result import Result

_END = object()


class TurnStream:
    """Iterate for the events (TurnStarted, TextDelta, AssistantMessage, ToolStarted, ToolFinished, Notice,
    Verdict, TurnFinished); afterwards `result` holds the Result. An error of the turn is raised by the
    iteration. Leaving the loop early does not stop the turn: `wait()` waits for it."""

    def __init__(self, run: Callable[[EventSink], "Result"]) -> None:
        self._run = run
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="gitagent-turn", daemon=True)
        self._error: BaseException | None = None
        self._started = self._done = False
        self.result: Result | None = None

    def _work(self) -> None:
        try:
            self.result = self._run(self._queue.put)
        except BaseException as e:  # handed to the iterating thread, which raises it
            self._error = e
        finally:
            self._queue.put(_END)

    def __iter__(self) -> Iterator[Event]:
        if not self._started:
            self._started = True
            self._thread.start()
        while not self._done:
            item = self._queue.get()
            if item is _END:
                self._done = True
                break
            yield item  # type: ignore[misc]
        self._thread.join()
        if self._error is not None:
            raise self._error

    def wait(self) -> "Result":
        """Run the turn to its end (draining events not read) and return its result."""
        for _ in self:
            pass
        assert self.result is not None
        return self.result
