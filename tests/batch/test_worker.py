"""A batch worker runs task after task in one process (a local worker, a Ray slot): a task must leave nothing
of its own running into the next one."""

import threading
from pathlib import Path

import pygit2

from gitagent.batch.plan import Settings, plan
from gitagent.batch.tasks import load_tasks
from gitagent.batch.worker import run_task
from tests.batch.conftest import write_tasks
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
