"""Writing a worktree's files in a background thread while its user gets on with something slower.

A checkout of a large repository takes seconds; a model's first answer takes longer. So a worktree that
has to be filled (a review's head, a conversation's new worktree) is filled in a thread while the first
model request is under way, and whatever reads the files (an answer's tool calls, hooks, the snapshot)
first waits for it (`wait`).
"""

import threading
from collections.abc import Callable

from gitagent.errors import GitagentError


class Filling:
    """`fill` running in a background thread; `wait` returns once it is done (and raises if it failed)."""

    def __init__(self, fill: Callable[[], None], failure: str) -> None:
        self.failure = failure
        self.error: str | None = None
        self._fill = fill
        self._thread = threading.Thread(target=self._run, name="gitagent-fill", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._fill()
        except GitagentError as e:
            self.error = e.message
        except Exception as e:  # reported by `wait` in the thread that needs the files, never lost here
            self.error = f"{type(e).__name__}: {e}"

    def join(self) -> None:
        """Wait until the fill has ended, successfully or not."""
        self._thread.join()

    def wait(self) -> None:
        """Return once the files are written; raise the fill's error, naming what failed, if it failed."""
        self._thread.join()
        if self.error is not None:
            raise GitagentError(f"{self.failure}: {self.error}")
