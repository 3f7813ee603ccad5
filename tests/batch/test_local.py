"""`gitagent batch` with local worker processes: tasks become conversations, a re-run resumes, transient
failures are retried, the budget and the timeout stop what they must, a killed worker loses nothing."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pygit2

from gitagent.store import turns
from tests.batch.conftest import PRICED, conversations, fake_env, fsck, workspace_file, write_tasks
from tests.conftest import git, run_cli, text, tool
from tests.fakes.per_task import PerTaskAnthropic, holding_answer, write_then_answer
from tests.fakes.server import Fail, Reply

IDS = [f"t{n:02d}" for n in range(1, 13)]


def test_twelve_tasks_run_three_at_a_time_each_as_its_own_conversation(repo: Path, tmp_path: Path, script) -> None:
    model = script([tool("Bash", command="sleep 1; echo done > out.txt")], [text("Wrote out.txt.")])
    tasks = write_tasks(tmp_path / "fleet.jsonl", IDS)
    result = run_cli(repo, "batch", str(tasks), "--jobs", "3", "--model", model, "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    counts = {k: summary["totals"][k] for k in ("tasks", "complete", "interrupted", "skipped", "not_started", "failed")}
    assert counts == {"tasks": 12, "complete": 12, "interrupted": 0, "skipped": 0, "not_started": 0, "failed": 0}
    assert [t["id"] for t in summary["tasks"]] == IDS and summary["slots"] == 3
    heads = conversations(repo, "fleet")
    assert sorted(heads) == IDS
    for task in summary["tasks"]:
        head = heads[task["id"]]
        assert task["commit"] == str(head.id) and task["status"] == "complete" and task["turns"] == 1
        assert task["changed_files"] == ["out.txt"] and workspace_file(head, "out.txt") == "done\n"
        assert head.message.splitlines()[0] == f"[task {task['id']}] Write {task['id']}.txt"
    spans = [_span(turns.read_turn(h)) for h in heads.values()]
    assert _most_overlapping(spans) <= 3
    assert fsck(repo) == ""
    shown = run_cli(repo, "batch", "show", "fleet", "--json")
    assert json.loads(shown.out)["tasks"] == summary["tasks"]
    table = run_cli(repo, "batch", "show", "fleet").out
    assert "t07   complete" in table and "batch fleet: 12/12 complete" in table


def test_the_fake_server_sees_every_task_answered_in_parallel_and_a_rerun_only_runs_new_tasks(
    repo: Path, tmp_path: Path, per_task
) -> None:
    server = per_task(write_then_answer(delay=0.4))
    tasks = write_tasks(tmp_path / "fix.jsonl", ["a", "b", "c", "d", "e", "f"])
    first = run_cli(repo, "batch", str(tasks), "--jobs", "3", "--model", PRICED, env=fake_env(server))
    assert first.code == 0, first.err
    assert dict(server.per_task) == dict.fromkeys("abcdef", 2)
    assert server.most_at_once == 3
    assert "batch fix: 6/6 complete" in first.out and "$0.0072 this run" in first.out
    write_tasks(tasks, ["a", "b", "c", "d", "e", "f", "g", "h"])
    again = run_cli(repo, "batch", str(tasks), "--jobs", "3", "--model", PRICED, env=fake_env(server))
    assert again.code == 0, again.err
    assert dict(server.per_task) == {**dict.fromkeys("abcdef", 2), "g": 2, "h": 2}
    assert "batch fix: 8/8 complete" in again.out and "(6 done earlier)" in again.out
    assert "a: complete (earlier run)" in again.err
    assert all(turns.turn_number(h) == 1 for h in conversations(repo, "fix").values())
    record = pygit2.Repository(str(repo)).references["refs/gitagent/batches/fix"].peel(pygit2.Commit)
    assert record.message.startswith("batch fix: 8/8 complete") and len(record.parents) == 1


def test_a_transient_failure_is_retried_and_succeeds_and_lasting_ones_are_not_retried(
    repo: Path, tmp_path: Path, per_task
) -> None:
    failures = {"left": 5}  # the model client's own five attempts, all refused: the task fails once
    normal = write_then_answer()

    def plan(task: str, step: int) -> Reply | Fail:
        if task == "broken":
            return Fail(400, "messages: bad request", "invalid_request_error")
        if task == "flaky" and failures["left"] > 0:
            failures["left"] -= 1
            return Fail(529, "Overloaded", "overloaded_error", headers={"retry-after-ms": "0"})
        return normal(task, step)

    server = per_task(plan)
    capped = {"max_cost": 0.0005}  # less than one answer: the turn stops after its first call
    tasks = write_tasks(tmp_path / "retry.jsonl", ["steady", "flaky", "broken", "capped"], capped=capped)
    result = run_cli(repo, "batch", str(tasks), "--model", PRICED, "--json", env=fake_env(server))
    assert result.code == 1
    by_id = {t["id"]: t for t in json.loads(result.out)["tasks"]}
    assert by_id["flaky"]["status"] == "complete" and by_id["flaky"]["attempts"] == 2
    assert by_id["steady"]["attempts"] == 1
    assert "flaky: anthropic is unavailable" in result.err and "retrying (1/2)" in result.err
    head = conversations(repo, "retry")["flaky"]
    assert turns.turn_number(head) == 1 and workspace_file(head, "flaky.txt") == "flaky\n"
    assert server.per_task["flaky"] == 5 + 2
    broken = by_id["broken"]
    assert broken["status"] == "error" and broken["attempts"] == 1 and "bad request" in broken["error"]
    assert server.per_task["broken"] == 1
    assert by_id["capped"]["status"] == "max_cost" and by_id["capped"]["attempts"] == 1
    assert server.per_task["capped"] == 1


def test_max_cost_stops_starting_tasks_with_a_clear_summary_and_a_rerun_finishes(
    repo: Path, tmp_path: Path, per_task
) -> None:
    server = per_task()
    ids = ["a", "b", "c", "d", "e", "f"]
    tasks = write_tasks(tmp_path / "budget.jsonl", ids)
    args = ("batch", str(tasks), "--jobs", "1", "--model", PRICED)
    result = run_cli(repo, *args, "--max-cost", "0.004", env=fake_env(server))
    assert result.code == 1
    # $0.0012 a task: after three ($0.0036), a fourth's worst case (the costliest so far) would pass $0.004.
    assert "batch budget: 3/6 complete, 0 failed, 0 interrupted, 3 not started; $0.0036 this run" in result.out
    assert "stopped early: --max-cost $0.00: $0.0036 spent, and starting another task could pass it" in result.out
    assert sum(server.per_task.values()) == 6 and sorted(conversations(repo, "budget")) == ["a", "b", "c"]
    assert "d: not_started: not started: budget" in result.err
    rest = run_cli(repo, *args, env=fake_env(server))
    assert rest.code == 0 and "6/6 complete" in rest.out and "(3 done earlier)" in rest.out
    assert dict(server.per_task) == dict.fromkeys(ids, 2)


def test_a_task_over_the_timeout_is_stopped_as_interrupted_and_resumed_by_a_rerun(
    repo: Path, tmp_path: Path, per_task
) -> None:
    release = threading.Event()
    server = per_task(holding_answer("slow", release))  # the model thinks until the test lets it answer
    tasks = write_tasks(tmp_path / "slow.jsonl", ["quick", "slow"])
    args = ("batch", str(tasks), "--model", PRICED, "--json")
    result = run_cli(repo, *args, "--timeout", "6", env=fake_env(server))
    assert result.code == 1
    by_id = {t["id"]: t for t in json.loads(result.out)["tasks"]}
    assert by_id["quick"]["status"] == "complete"
    assert by_id["slow"]["status"] == "interrupted" and by_id["slow"]["error"] == "stopped after 6s (--timeout)"
    r = pygit2.Repository(str(repo))
    assert r.references.get("refs/gitagent/inflight/batch/slow/slow") is not None  # its Write is kept
    release.set()
    again = run_cli(repo, *args, env=fake_env(server))
    assert again.code == 0, again.err
    slow = {t["id"]: t for t in json.loads(again.out)["tasks"]}["slow"]
    assert slow["status"] == "complete" and slow["turns"] == 1 and slow["changed_files"] == ["slow.txt"]
    assert r.references.get("refs/gitagent/inflight/batch/slow/slow") is None
    assert server.per_task["slow"] == 3  # the write, the held call, and the held call again: not the write again


def test_a_worker_killed_mid_task_is_retried_and_its_turn_finished(repo: Path, tmp_path: Path, per_task) -> None:
    release = threading.Event()
    server = per_task(holding_answer("victim", release))
    tasks = write_tasks(tmp_path / "kill.jsonl", ["victim", "bystander"])
    proc = _batch_in_background(repo, tasks, server)
    pid = _wait_for_owner(repo, "batch/kill/victim", lambda: server.per_task["victim"] >= 2)
    os.kill(pid, signal.SIGKILL)
    release.set()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    victim = {t["id"]: t for t in json.loads(out)["tasks"]}["victim"]
    assert victim["status"] == "complete" and victim["attempts"] == 2 and victim["turns"] == 1
    assert f"victim: the task's process ended with signal {signal.SIGKILL.value}; retrying (1/2)" in err
    assert workspace_file(conversations(repo, "kill")["victim"], "victim.txt") == "victim\n"


def _batch_in_background(repo: Path, tasks: Path, server: PerTaskAnthropic) -> subprocess.Popen[str]:
    """`gitagent batch TASKS --json` against `server`, running while the test goes on."""
    return subprocess.Popen(
        [sys.executable, "-m", "gitagent", "batch", str(tasks), "--model", PRICED, "--json"], cwd=repo,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **fake_env(server)},
    )  # fmt: skip


def _wait_for_owner(repo: Path, name: str, ready) -> int:
    """The pid of the worker writing conversation `name`, once `ready()`."""
    r = pygit2.Repository(str(repo))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ref = r.references.get(f"refs/gitagent/inflight/{name}")
        if ref is not None and ready():
            return turns.read_turn(ref.peel(pygit2.Commit))["owner"]["pid"]
        time.sleep(0.05)
    raise AssertionError(f"no worker started {name}")


def _span(turn: dict) -> tuple[datetime, datetime]:
    return datetime.fromisoformat(turn["started_at"]), datetime.fromisoformat(turn["ended_at"])


def _most_overlapping(spans: list[tuple[datetime, datetime]]) -> int:
    points = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans], key=lambda p: (p[0], p[1]))
    most = running = 0
    for _, step in points:
        running += step
        most = max(most, running)
    return most


def test_a_task_with_a_rev_starts_from_that_commit_and_the_others_from_head(repo: Path, tmp_path: Path, script) -> None:
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "NEW.md").write_text("later\n")
    git(repo, "add", "NEW.md")
    git(repo, "commit", "-q", "-m", "second")
    model = script([tool("Write", file_path="out.txt", content="x\n")], [text("ok")])
    tasks = write_tasks(tmp_path / "revs.jsonl", ["old", "new"], old={"rev": "HEAD~1"})
    result = run_cli(repo, "batch", str(tasks), "--model", model)
    assert result.code == 0, result.err
    heads = conversations(repo, "revs")
    assert turns.read_conversation(heads["old"])["base"] == first
    assert "NEW.md" not in heads["old"].tree["workspace"].peel(pygit2.Tree)
    assert workspace_file(heads["new"], "NEW.md") == "later\n"
    assert run_cli(repo, "diff", "batch/revs/old", "--since-base", "--stat").out.count("out.txt") == 1


def test_workers_ask_claude_through_the_drivers_sdk_server_without_loading_the_sdk(
    repo: Path, tmp_path: Path, per_task
) -> None:
    release = threading.Event()
    server = per_task(holding_answer("held", release))
    tasks = write_tasks(tmp_path / "relay.jsonl", ["held", "other"])
    proc = _batch_in_background(repo, tasks, server)
    try:
        worker = _wait_for_owner(repo, "batch/relay/held", lambda: server.per_task["held"] >= 2)
        loaded = Path(f"/proc/{worker}/maps").read_text()
    finally:
        release.set()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert [t["status"] for t in json.loads(out)["tasks"]] == ["complete", "complete"]
    assert "/jiter" not in loaded  # a compiled module the Anthropic SDK loads: the worker never imported it
