"""An outside executor's private home: a fresh one for every turn, the last one removed without holding the turn
up (moved aside at once, deleted in the background with whatever an earlier exit left half-deleted)."""

import threading
from pathlib import Path

import pygit2

from gitagent.agent.executors.sessions import DISCARDED, discard_home, executor_home, private_home


def _wait_for_removals() -> None:
    for thread in threading.enumerate():
        if thread.name == "gitagent-discard-home":
            thread.join()


def test_a_discarded_home_is_gone_at_once_and_its_files_are_deleted(repo: Path) -> None:
    handle = pygit2.Repository(str(repo))
    trash = executor_home(handle, DISCARDED)
    left_by_a_kill = trash / "tmp-cut-short" / "home" / ".claude"
    left_by_a_kill.mkdir(parents=True)
    (left_by_a_kill / "settings.json").write_text("{}")
    home = private_home(handle, "c")
    (home / ".claude" / "projects").mkdir(parents=True)
    (home / ".claude" / "projects" / "session.jsonl").write_text('{"type": "user"}\n')

    discard_home(handle, home)
    assert not home.exists()
    fresh = private_home(handle, "c")  # the next turn's, made at once in the same place
    assert fresh == home and list(fresh.iterdir()) == []

    _wait_for_removals()
    assert list(trash.iterdir()) == []  # the discarded home and the one a kill had left
    assert fresh.is_dir()
