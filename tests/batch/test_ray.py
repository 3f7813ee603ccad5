"""`gitagent batch --ray`: a real Ray cluster started here (`ray start --head`, two CPUs, this machine only),
workers cloning into their own directories and pushing to a bare repository, the driver pulling back."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pygit2
import pytest

from gitagent.store import turns
from tests.batch.cluster import Cluster
from tests.batch.conftest import PRICED, conversations, every_object, fake_env, fsck, workspace_file, write_tasks
from tests.conftest import git, run_cli
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.per_task import holding_answer, write_then_answer

if not os.environ.get("CI"):  # CI installs the extra (./install.sh --dev), so there it must be present
    pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A Ray cluster for the module's tests (started once: it takes seconds)."""
    started = Cluster(Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp")))
    yield started
    started.stop()


def test_twelve_tasks_on_ray_land_in_the_remote_and_come_back_with_the_key_nowhere_in_git_or_rays_logs(
    repo: Path, tmp_path: Path, cluster: Cluster, per_task
) -> None:
    server = per_task(write_then_answer(steps=3))
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    ids = [f"pkg{n:02d}" for n in range(1, 13)]
    tasks = write_tasks(tmp_path / "migrate.jsonl", ids)
    args = ("batch", str(tasks), "--ray", cluster.address, "--remote", str(remote), "--model", PRICED, "--json")
    result = run_cli(repo, *args, env=fake_env(server) | cluster.env)
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["backend"] == "ray" and summary["slots"] == 2
    assert [t["status"] for t in summary["tasks"]] == ["complete"] * 12
    assert dict(server.per_task) == dict.fromkeys(ids, 3)
    slots = {(t["host"], t["pid"]) for t in summary["tasks"]}
    assert len(slots) == 2  # two slots (the cluster's two CPUs), each running task after task in its process
    started = [t for t in summary["tasks"] if "slot_start_ms" in t]
    assert len(started) == 2 and {(t["host"], t["pid"]) for t in started} == slots  # each paid its start once
    heads = conversations(repo, "migrate")
    assert sorted(heads) == ids
    for task in summary["tasks"]:
        head = heads[task["id"]]
        assert task["commit"] == str(head.id) and task["changed_files"] == [f"{task['id']}.txt"]
        assert workspace_file(head, f"{task['id']}.txt") == f"{task['id']}\n"
        assert turns.read_conversation(head)["base"] == git(repo, "rev-parse", "HEAD").strip()
    assert not (repo / ".git" / "gitagent" / "worktrees" / "batch").exists()  # they ran in the workers' clones
    assert {k: str(v.id) for k, v in conversations(remote, "migrate").items()} == {
        t["id"]: t["commit"] for t in summary["tasks"]
    }
    assert pygit2.Repository(str(remote)).references.get("refs/gitagent/batches/migrate") is not None
    assert fsck(repo) == "" and fsck(remote) == ""
    for place in (every_object(repo), every_object(remote), result.out.encode(), result.err.encode()):
        assert API_KEY.encode() not in place
    assert _files_holding(cluster.root, API_KEY) == []  # Ray's logs, its session's files, the workers' clones
    assert run_cli(repo, "diff", "batch/migrate/pkg03").out.count("+pkg03") == 1
    assert list(cluster.clones.glob("gitagent-clone-*")) == []  # each slot deleted its clone when the batch ended
    assert list(cluster.clones.rglob("sdk-*.sock")) == []  # the slots asked through the driver's SDK server

    again = run_cli(repo, *args, env=fake_env(server) | cluster.env)
    assert again.code == 0, again.err
    assert dict(server.per_task) == dict.fromkeys(ids, 3)  # nothing ran again
    assert json.loads(again.out)["totals"]["skipped"] == 12


def test_a_ray_worker_killed_mid_task_is_retried_and_not_lost(
    repo: Path, tmp_path: Path, cluster: Cluster, per_task
) -> None:
    release = threading.Event()
    server = per_task(holding_answer("victim", release))
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    tasks = write_tasks(tmp_path / "crash.jsonl", ["victim", "bystander"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "batch", str(tasks), "--ray", cluster.address, "--remote", str(remote),
         "--model", PRICED, "--json"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **fake_env(server), **cluster.env},
    )  # fmt: skip
    pid = _worker_pid(cluster, "crash", "victim", lambda: server.per_task["victim"] >= 2)
    os.kill(pid, signal.SIGKILL)
    release.set()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    victim = {t["id"]: t for t in json.loads(out)["tasks"]}["victim"]
    assert victim["status"] == "complete" and victim["attempts"] == 2 and victim["pid"] != pid
    assert "victim: the Ray worker was lost" in err and "retrying (1/2)" in err
    assert workspace_file(conversations(repo, "crash")["victim"], "victim.txt") == "victim\n"
    assert list(cluster.clones.glob("gitagent-clone-*")) == []  # the killed slot's too, by the slot after it


def test_a_ray_task_over_the_timeout_is_stopped_with_its_process_and_the_others_complete(
    repo: Path, tmp_path: Path, cluster: Cluster, per_task
) -> None:
    release = threading.Event()
    server = per_task(holding_answer("slow", release))  # the model thinks until the test lets it answer
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    tasks = write_tasks(tmp_path / "late.jsonl", ["slow", "quick1", "quick2", "quick3"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "batch", str(tasks), "--ray", cluster.address, "--remote", str(remote),
         "--model", PRICED, "--timeout", "20", "--json"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **fake_env(server), **cluster.env},
    )  # fmt: skip
    try:
        pid = _worker_pid(cluster, "late", "slow", lambda: server.per_task["slow"] >= 2)
        out, err = proc.communicate(timeout=300)
    finally:
        release.set()
        if proc.poll() is None:  # the test failed before the batch ended: it must not outlive the test
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err
    by_id = {t["id"]: t for t in json.loads(out)["tasks"]}
    assert by_id["slow"]["status"] == "interrupted" and by_id["slow"]["error"] == "stopped after 20s (--timeout)"
    assert [by_id[t]["status"] for t in ("quick1", "quick2", "quick3")] == ["complete"] * 3
    assert sorted(conversations(repo, "late")) == ["quick1", "quick2", "quick3"]
    assert _gone(pid)  # the slot that ran it was killed, not left running the task


def test_a_local_ray_instance_pushes_straight_into_the_repository(repo: Path, tmp_path: Path, script) -> None:
    model = script([{"type": "tool_use", "name": "Write", "input": {"file_path": "a.txt", "content": "a\n"}}])
    tasks = write_tasks(tmp_path / "solo.jsonl", ["one", "two", "three"])
    env = {"TMPDIR": tempfile.mkdtemp(prefix="rl-", dir="/tmp")}  # Ray's socket paths must stay short
    try:
        result = run_cli(repo, "batch", str(tasks), "--ray", "--jobs", "2", "--model", model, env=env)
    finally:
        shutil.rmtree(env["TMPDIR"], ignore_errors=True)
    assert result.code == 0, result.err
    assert "batch solo: 3/3 complete" in result.out
    assert "Token authentication" not in result.err and "WARNING" not in result.err  # Ray's notice of its default
    assert sorted(conversations(repo, "solo")) == ["one", "three", "two"]
    assert fsck(repo) == ""


def _gone(pid: int) -> bool:
    """Whether process `pid` has ended (within a few seconds: Ray kills a slot asynchronously)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _files_holding(root: Path, text: str) -> list[Path]:
    """The files under `root` that contain `text` (passing over those gone meanwhile)."""
    found = []
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file() and text.encode() in path.read_bytes():
                found.append(path)
    return found


def _worker_pid(cluster: Cluster, batch: str, task: str, ready) -> int:
    """The pid of the Ray worker running `task` of `batch`: the owner of the in-flight turn in its clone."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for clone in cluster.clones.glob("gitagent-clone-*"):
            try:
                ref = pygit2.Repository(str(clone)).references.get(f"refs/gitagent/inflight/batch/{batch}/{task}")
            except pygit2.GitError:  # the clone is still being made
                continue
            if ref is not None and ready():
                return turns.read_turn(ref.peel(pygit2.Commit))["owner"]["pid"]
        time.sleep(0.05)
    raise AssertionError(f"no Ray worker started {task}")
