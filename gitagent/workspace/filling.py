"""Writing a worktree's files in a background thread while its user gets on with something slower.

A checkout of a large repository takes seconds (at 50,000 files on a slow disk, half a minute); a model's
first answer takes a while too. So a worktree that has to be filled (a review's head, a conversation's new
worktree) is filled in a thread while the first model request is under way, and whatever reads the files
(an answer's tool calls, hooks, the snapshot) first waits for it (`wait`).
"""

import threading
from collections.abc import Callable

import pygit2

from gitagent.errors import GitagentError

WAIT_SLICE_S = 0.1
"""`wait` waits in slices this long, so that an interruption raised in the waiting thread (the chat's Esc)
reaches it at once rather than when the files are all written."""


class Filling:
    """`fill` running in a background thread; `wait` returns once it is done (and raises if it failed).

    `tree`, when known, is what the files will be once written: a reader that can make do with git's objects
    (the first prompt's code map) need not wait for them."""

    def __init__(self, fill: Callable[[], None], failure: str, tree: pygit2.Oid | None = None) -> None:
        self.failure = failure
        self.tree = tree
        self.error: str | None = None
        self._fill = fill
        # Waiters wait on this, never on `Thread.join` with a timeout: an interruption raised in a thread waiting
        # in that join can mark the filling thread as ended while it still writes (CPython's bpo-45274).
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gitagent-fill", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._fill()
        except GitagentError as e:
            self.error = e.message
        except Exception as e:  # reported by `wait` in the thread that needs the files, never lost here
            self.error = f"{type(e).__name__}: {e}"
        finally:
            self._done.set()

    def join(self) -> None:
        """Wait until the fill has ended, successfully or not, even through interruptions (the first is raised
        once it has ended): the caller lets go of the worktree only after it."""
        interrupted: KeyboardInterrupt | None = None
        while not self._done.is_set():
            try:
                self._done.wait(WAIT_SLICE_S)
            except KeyboardInterrupt as e:
                interrupted = interrupted or e
        if interrupted is not None:
            raise interrupted

    def wait(self) -> None:
        """Return once the files are written; raise the fill's error, naming what failed, if it failed."""
        while not self._done.wait(WAIT_SLICE_S):
            pass
        if self.error is not None:
            raise GitagentError(f"{self.failure}: {self.error}")
