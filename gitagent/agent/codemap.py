"""The first turn's code map, built in the background so that a cold map never holds up the first request.

A new conversation's system prompt carries a map of its worktree (`repo_map_for_prompt`). Warm, the map comes from
the cache in a fraction of a second; cold, in a large repository, parsing takes seconds to minutes. The build starts
when the turn does and the prompt waits for it at most `WAIT_S`: past that the first request goes without the map,
the user is told how far the build got, and the RepoMap tool (whose build waits for this one, see `build_map`)
gives the model the map when it asks. At the end of the turn an unfinished build stops; what it parsed stays in the
cache, so the next build starts from there (a build still listing files is left to finish or die with the process;
a process that runs task after task waits for it between tasks, `settle`).
A new conversation's worktree is still being written when the turn starts: its map is built from the base commit's
tree in git's objects, and only parsing (a cache miss) waits for the files.
"""

import threading
from collections.abc import Callable
from pathlib import Path

from gitagent.agent.events import EventSink, Notice

WAIT_S = 1.0
PENDING = (
    "A map of the repository (its most referenced files and their definitions) is still being built; "
    "the RepoMap tool returns it once it is ready."
)


_BUILDS: list[threading.Thread] = []
"""This process's builds, for `settle`."""


class _Stopped(Exception):
    """Raised from the progress callback to stop a build the turn no longer needs."""


class BackgroundMap:
    """A map of `root` for the system prompt, built in a thread from the moment it is created.

    A worktree whose files are still being written (`workspace.filling`) is mapped from `tree`, its content
    in git's objects: the files and their blob ids come from there, and the tags from the cache, so a warm
    map needs no file; only a cache miss waits for the files (`files_ready`) before it is parsed."""

    def __init__(
        self,
        root: Path,
        git_dir: Path,
        budget: int,
        emit: EventSink,
        tree: str | None = None,
        files_ready: Callable[[], None] = lambda: None,
    ) -> None:
        self.root, self.git_dir, self.budget, self.emit = root, git_dir, budget, emit
        self.tree, self.files_ready = tree, files_ready
        self.done, self.total, self.phase = 0, 0, "listing"
        self.text: str | None = None
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._build, name="gitagent-first-map", daemon=True)
        self.thread.start()
        _BUILDS[:] = [*(t for t in _BUILDS if t.is_alive()), self.thread]

    def _build(self) -> None:
        from gitagent.repomap import repo_map_for_prompt
        from gitagent.repomap.files import list_tree

        try:
            listing = list_tree(self.git_dir, self.tree) if self.tree else None
            self.text = repo_map_for_prompt(self.root, self.git_dir, self.budget, self._progress, listing)
        except Exception:  # the tree cannot be listed, or the build was stopped: no map beats no turn
            self.text = None

    def _progress(self, done: int, total: int, phase: str) -> None:
        self.done, self.total, self.phase = done, total, phase
        if phase == "parsing" and not done:  # about to read the first file (`repomap.parse.PHASES`)
            self.files_ready()
        if self.stopping.is_set():
            raise _Stopped

    def prompt_text(self) -> str:
        """The map for the prompt if it is ready within `WAIT_S`; else a note that it is coming (and a notice)."""
        self.thread.join(WAIT_S)
        if not self.thread.is_alive():
            return self.text or ""
        so_far = f"{self.phase} {self.done:,} of {self.total:,} files" if self.total else self.phase
        self.emit(Notice(f"building the code map in the background ({so_far}); the first request goes without it"))
        return PENDING

    def stop(self) -> None:
        """Stop an unfinished build. Once it parses, wait for it, so that what it parsed stays cached; while it
        still lists the files (in a large fresh worktree, hashing them all: seconds), it has nothing to keep, and
        the turn does not wait for it."""
        self.stopping.set()
        if self.phase != "listing":
            self.thread.join()


def settle() -> None:
    """Wait for this process's code map builds (each stopped by its turn's end) and what they left to do in the
    background (`repomap.maps.settle`): a process that runs task after task (a batch worker) must not carry one
    task's work into the next."""
    builds, _BUILDS[:] = list(_BUILDS), []
    for thread in builds:
        thread.join()
    from gitagent.repomap.maps import settle as settle_maps

    settle_maps()
