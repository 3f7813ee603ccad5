"""`gitagent batch --ray`: a real Ray cluster started here (`ray start --head`, two CPUs, this machine only),
workers cloning into their own directories and pushing to a bare repository, the driver pulling back."""

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
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
from tests.batch.conftest import PRICED, conversations, every_object, fake_env, fsck, workspace_file, write_tasks
from tests.conftest import GIT_ENV, PROVIDER_ENV, git, run_cli
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.per_task import write_then_answer
from tests.fakes.server import Fail, Reply

if not os.environ.get("CI"):  # CI installs the extra (./install.sh --dev), so there it must be present
    pytest.importorskip("ray")


class Cluster:
    """A Ray head node in its own process group, and the directory its workers' clones go in."""

    def __init__(self, root: Path) -> None:
        self.root = root  # short: Ray's socket paths must fit in 107 bytes
        self.clones = root / "tmp"
        self.clones.mkdir()
        self.log = root / "ray.log"
        self.env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
        """What a driver needs to join the cluster: Ray's token authentication, with this cluster's token."""
        env = {k: v for k, v in os.environ.items() if k not in PROVIDER_ENV}
        env.update(GIT_ENV)
        env.update(self.env, TMPDIR=str(self.clones), GITAGENT_HOME=str(root / "gitagent"), RAY_USAGE_STATS_ENABLED="0")
        with self.log.open("w") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "ray"), "start", "--head", "--block", "--port", str(_free_port()),
                 "--num-cpus", "2", "--include-dashboard", "false", "--temp-dir", str(root / "ray"),
                 "--disable-usage-stats"],
                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )  # fmt: skip
        try:
            self.address = self._wait_for_address()
        except AssertionError:
            self.stop()
            raise

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            found = re.search(r"--address='([^']+)'", self.log.read_text())
            if found and "--block" in self.log.read_text():
                return found.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"ray start failed:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
                time.sleep(1)  # the rest of the group ends with the head process
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A Ray cluster for the module's tests (started once: it takes seconds)."""
    started = Cluster(Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp")))
    yield started
    started.stop()


def test_twelve_tasks_on_ray_land_in_the_remote_and_come_back_with_the_key_nowhere_in_git(
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
    assert run_cli(repo, "diff", "batch/migrate/pkg03").out.count("+pkg03") == 1

    again = run_cli(repo, *args, env=fake_env(server) | cluster.env)
    assert again.code == 0, again.err
    assert dict(server.per_task) == dict.fromkeys(ids, 3)  # nothing ran again
    assert json.loads(again.out)["totals"]["skipped"] == 12


def test_a_ray_worker_killed_mid_task_is_retried_and_not_lost(
    repo: Path, tmp_path: Path, cluster: Cluster, per_task
) -> None:
    release = threading.Event()
    normal = write_then_answer()

    def plan(task: str, step: int) -> Reply | Fail:
        reply = normal(task, step)
        if task == "victim" and step == 1:
            reply.hold = release
        return reply

    server = per_task(plan)
    remote = tmp_path / "shared.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    tasks = write_tasks(tmp_path / "crash.jsonl", ["victim", "bystander"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitagent", "batch", str(tasks), "--ray", cluster.address, "--remote", str(remote),
         "--model", PRICED, "--json"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **fake_env(server), **cluster.env},
    )  # fmt: skip
    pid = _worker_pid(cluster, "victim", lambda: server.per_task["victim"] >= 2)
    os.kill(pid, signal.SIGKILL)
    release.set()
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    victim = {t["id"]: t for t in json.loads(out)["tasks"]}["victim"]
    assert victim["status"] == "complete" and victim["attempts"] == 2
    assert "victim: the Ray worker was lost" in err and "retrying (1/2)" in err
    assert workspace_file(conversations(repo, "crash")["victim"], "victim.txt") == "victim\n"


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
    assert sorted(conversations(repo, "solo")) == ["one", "three", "two"]
    assert fsck(repo) == ""


def _worker_pid(cluster: Cluster, task: str, ready) -> int:
    """The pid of the Ray worker running `task`: the owner of the in-flight turn in its clone."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for clone in cluster.clones.glob(f"{task}-*"):
            try:
                ref = pygit2.Repository(str(clone)).references.get(f"refs/gitagent/inflight/batch/crash/{task}")
            except pygit2.GitError:  # the clone is still being made
                continue
            if ref is not None and ready():
                return turns.read_turn(ref.peel(pygit2.Commit))["owner"]["pid"]
        time.sleep(0.05)
    raise AssertionError(f"no Ray worker started {task}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
