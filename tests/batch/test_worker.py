"""A batch worker runs task after task in one process (a local worker, a Ray slot): a task must leave nothing
of its own running into the next one, and a worker keeps its clone of the tasks' repository between them."""

import os
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
import pytest

from gitagent.batch import clones
from gitagent.batch.plan import Settings, plan
from gitagent.batch.tasks import load_tasks
from gitagent.batch.worker import run_task
from tests.batch.conftest import conversations, workspace_file, write_tasks
from tests.conftest import git, text


def test_a_task_leaves_no_code_map_work_running_into_the_next_one(repo: Path, tmp_path: Path, script) -> None:
    for n in range(150):  # a map that takes a moment to build, and then to keep for the next build
        (repo / f"mod{n:03d}.py").write_text(f"def f{n}(x):\n    return x + {n}\n\n\nclass C{n}:\n    pass\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "modules")
    model = script([text("Done.")])
    tasks = load_tasks(write_tasks(tmp_path / "mapped.jsonl", ["one"]))
    [planned], _ = plan(pygit2.Repository(str(repo)), "mapped", tasks, Settings(model=model))
    planned.spec["options"]["max_cost"] = None
    before = set(threading.enumerate())
    summary = run_task(planned.spec)
    assert summary["status"] == "complete", summary
    assert [t.name for t in threading.enumerate() if t not in before] == []


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This process's temporary directory, where a worker keeps its clone; the clone is deleted after the test."""
    place = tmp_path / "tmp"
    place.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(place))
    yield place
    clones.discard()


def _specs(repo: Path, tmp_path: Path, models: dict[str, str], remote: Path) -> list[dict[str, Any]]:
    """Workers' specs as a Ray batch with `remote` as --remote makes them (each task on a clone), task `id` asking
    `models[id]`."""
    lines = write_tasks(tmp_path / "spread.jsonl", list(models), **{i: {"model": m} for i, m in models.items()})
    planned, _ = plan(pygit2.Repository(str(repo)), "spread", load_tasks(lines), Settings(ray="x", remote=str(remote)))
    for p in planned:
        p.spec["options"]["max_cost"] = None
    return [p.spec for p in planned]


def _bare(tmp_path: Path, name: str) -> Path:
    remote = tmp_path / name
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    return remote


def test_a_worker_keeps_its_clone_for_the_next_task_with_none_of_the_last_ones_state(
    repo: Path, tmp_path: Path, temp: Path, script
) -> None:
    def writes(name: str) -> str:
        return script([{"type": "tool_use", "name": "Write", "input": {"file_path": name, "content": "x\n"}}],
                      [text("Done.")])  # fmt: skip

    remote = _bare(tmp_path, "shared.git")
    first, second = _specs(repo, tmp_path, {"one": writes("f.txt"), "two": writes("g.txt")}, remote)
    assert run_task(first)["status"] == "complete"
    [clone] = temp.glob(f"gitagent-clone-{os.getpid()}-*")
    fetched = (clone / ".git" / "FETCH_HEAD").stat().st_mtime_ns
    clones.settle()
    assert not (clone / ".git" / "gitagent" / "worktrees" / "batch" / "spread" / "one").exists()
    assert (clone / ".git" / "gitagent" / "cache").is_dir()  # the code map's, warm for the next task

    assert run_task(second)["status"] == "complete"
    assert list(temp.iterdir()) == [clone]
    assert (clone / ".git" / "FETCH_HEAD").stat().st_mtime_ns == fetched  # its base was there: nothing fetched
    kept = [r for r in pygit2.Repository(str(clone)).references if r.startswith("refs/gitagent/")]
    assert kept == ["refs/gitagent/conversations/batch/spread/two"]  # none of the first task's
    pushed = conversations(remote, "spread")
    assert sorted(pushed) == ["one", "two"]
    assert workspace_file(pushed["one"], "f.txt") == workspace_file(pushed["two"], "g.txt") == "x\n"
    with pytest.raises(KeyError):
        workspace_file(pushed["two"], "f.txt")  # the second task's worktree started from the base, clean

    clones.close()
    assert list(temp.iterdir()) == []


def test_a_task_on_another_repository_replaces_the_clone_and_a_failed_one_leaves_none(
    repo: Path, tmp_path: Path, temp: Path, script
) -> None:
    [first] = _specs(repo, tmp_path, {"one": script([text("Done.")])}, _bare(tmp_path, "a.git"))
    assert run_task(first)["status"] == "complete"
    [old] = temp.iterdir()
    [second] = _specs(repo, tmp_path, {"two": script([text("Done.")])}, _bare(tmp_path, "b.git"))
    assert run_task(second)["status"] == "complete"
    [new] = temp.iterdir()
    assert new != old

    [failing] = _specs(repo, tmp_path, {"three": script([text("Done.")])}, _bare(tmp_path, "c.git"))
    failing["push"] = str(tmp_path / "nowhere.git")
    summary = run_task(failing)
    assert summary["status"] == "error" and summary["transient"] and "cannot reach" in summary["error"]
    assert list(temp.iterdir()) == []
    [missing] = _specs(repo, tmp_path, {"four": script([text("Done.")])}, _bare(tmp_path, "d.git"))
    missing.update(source=str(tmp_path / "gone.git"), rev=None, fetch=None)
    summary = run_task(missing)  # git's reason, not the last line of its advice
    assert "git fetch failed: '" in summary["error"] and "does not appear to be a git repository" in summary["error"]


def test_the_clones_of_workers_that_are_gone_are_swept_and_a_running_ones_kept(tmp_path: Path) -> None:
    ended = subprocess.Popen(["true"])
    ended.wait()
    gone = tmp_path / f"gitagent-clone-{ended.pid}-x"
    alive = tmp_path / f"gitagent-clone-{os.getppid()}-y"
    other = tmp_path / "something-else"
    for path in (gone, alive, other):
        (path / ".git").mkdir(parents=True)
    clones.sweep(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other.name])
