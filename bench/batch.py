"""Issue 20's batch benchmark: 16 tasks against the fake Anthropic server answering every request after 1 s,
3 requests a task, run by `gitagent batch` with `--jobs 4` and on a Ray cluster with 4 task slots.

The ideal is 4 rounds of 4 tasks, 3 s each: 12 s. Reported against it: the local pool's wall time (the whole
command, worker start included), and on Ray, the batch's wall time on a cluster already running (`ray start
--head --num-cpus 4` on this machine, as a real cluster is before a batch; its start is shown apart) with a
bare repository as `--remote`, so each task clones, pushes and is pulled back as on a real cluster. Ray's
per-task overhead is the worker's time beyond the turn's own (`worker_ms - duration_ms`: clone, fetch, the
API's set-up, push; clone and push also apart), each slot's start (its process's start to gitagent loaded, paid
once: a slot runs task after task), and the slots' idle time (slots starting, scheduling, pull-back) the batch's
wall time beyond its tasks' worker time spread over the 4 slots. Ray's own share is measured in the same run on
a new cluster (bench/ray_floor.py: 4 slots that load gitagent's worker, each turn a 3 s sleep): the ideal plus
what Ray costs here (its workers' start, the driver's connection), a floor no batch on Ray goes below; and the
floor of a design hosting all slots of a node in one process (`--per-node`: one Ray worker to start). The load
average is shown: on a shared machine it explains the figures. The server runs in its own process so its work
does not compete with the batch's.

Run: python bench/batch.py   (needs the ray extra: ./install.sh --dev)
"""

import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Check, byte_compile_gitagent, git, init_repo, report

from tests.batch.cluster import Cluster
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.per_task import PerTaskAnthropic, write_then_answer

TASKS = 16
SLOTS = 4
DELAY_S = 1.0
REQUESTS = 3
IDEAL_S = TASKS / SLOTS * REQUESTS * DELAY_S
TARGET = 1.3
MODEL = "anthropic:claude-sonnet-5-5"


def _serve(conn: Connection) -> None:
    server = PerTaskAnthropic(write_then_answer(delay=DELAY_S, steps=REQUESTS))
    conn.send(server.base_url)
    conn.recv()
    conn.send(dict(server.per_task))
    server.close()


def run_batch(repo: Path, name: str, base_url: str, *extra: str, env: dict[str, str] | None = None) -> tuple:
    """`gitagent batch` on 16 tasks: (seconds the command took, its JSON summary)."""
    tasks = repo.parent / f"{name}.jsonl"
    tasks.write_text("".join(json.dumps({"id": f"t{n:02d}", "prompt": f"[task {name}-{n:02d}] Write a file"}) + "\n"
                             for n in range(TASKS)))  # fmt: skip
    runtime = repo.parent / f"runtime-{name}"  # no SDK server kept warm by an earlier command: each run starts cold
    runtime.mkdir(mode=0o700)
    environment = {**os.environ, "ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": base_url,
                   "XDG_RUNTIME_DIR": str(runtime), **(env or {})}  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gitagent", "batch", str(tasks), "--model", MODEL, "--json", *extra],
                          cwd=repo, capture_output=True, text=True, env=environment)  # fmt: skip
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"batch {name} failed:\n{proc.stderr[-3000:]}")
    summary = json.loads(proc.stdout)
    assert summary["totals"]["complete"] == TASKS, summary["totals"]
    return took, summary


def ray_floor(*shape: str) -> float:
    """Seconds bench/ray_floor.py takes on a new cluster: Ray's own share of the batch, turns replaced by sleeps."""
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp")), cpus=SLOTS)
    try:
        floor = Path(__file__).with_name("ray_floor.py")
        args = [sys.executable, str(floor), cluster.address, str(SLOTS), str(TASKS // SLOTS), str(REQUESTS * DELAY_S),
                *shape]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env={**os.environ, **cluster.env})
        return time.perf_counter() - started
    finally:
        cluster.stop()


def overhead_ms(summary: dict) -> float:
    """The median of each task's worker time beyond its turn's own."""
    return statistics.median(t["worker_ms"] - t["duration_ms"] for t in summary["tasks"])


def median_ms(summary: dict, key: str) -> float:
    """The median of a figure of each task's summary (`clone_ms`, `push_ms`)."""
    return statistics.median(t.get(key, 0) for t in summary["tasks"])


def slot_starts(summary: dict) -> str:
    """Each slot's start, as its first task reports it."""
    starts = sorted(t["slot_start_ms"] for t in summary["tasks"] if "slot_start_ms" in t)
    return f"{len(starts)} slots, " + ", ".join(f"{ms / 1000:.1f}" for ms in starts) + " s"


def idle_s(summary: dict) -> float:
    """The batch's wall time beyond its tasks' worker time spread evenly over the slots."""
    return summary["wall_s"] - sum(t["worker_ms"] for t in summary["tasks"]) / 1000 / SLOTS


def main() -> None:
    byte_compile_gitagent()
    load = os.getloadavg()[0]
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=_serve, args=(theirs,), daemon=True)
    server.start()
    base_url = ours.recv()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = root / "repo"
        init_repo(repo, {"README.md": "# bench\n"})
        local_s, local = run_batch(repo, "local", base_url, "--jobs", str(SLOTS))
        remote = root / "shared.git"
        git(["init", "--quiet", "--bare", str(remote)], root)
        started = time.perf_counter()
        cluster = Cluster(Path(tempfile.mkdtemp(prefix="ray-", dir="/tmp")), cpus=SLOTS)
        cluster_s = time.perf_counter() - started
        try:
            ray_s, on_ray = run_batch(repo, "ray", base_url, "--ray", cluster.address, "--remote", str(remote),
                                      env=cluster.env)  # fmt: skip
        finally:
            cluster.stop()
        floor_s = ray_floor()
        per_node_s = ray_floor("--per-node")
    ours.send("done")
    per_task = ours.recv()
    server.join(5)
    assert set(per_task.values()) == {REQUESTS}, per_task
    report(
        "batch",
        f"{TASKS} tasks x {REQUESTS} requests against a server answering after {DELAY_S:g} s, {SLOTS} at a time "
        f"(ideal {IDEAL_S:g} s)",
        [
            f"--jobs {SLOTS}: {local_s:.1f} s for the whole command ({local['wall_s']:.1f} s from the batch's start);"
            f" per task {overhead_ms(local):.0f} ms beyond the turn",
            f"Ray, {SLOTS} slots: {ray_s:.1f} s for the whole command, {on_ray['wall_s']:.1f} s from the batch's "
            f"start; the cluster's own start {cluster_s:.1f} s (not counted)",
            f"Ray per task: {overhead_ms(on_ray):.0f} ms beyond the turn, of which clone and fetch "
            f"{median_ms(on_ray, 'clone_ms'):.0f} ms, push {median_ms(on_ray, 'push_ms'):.0f} ms (medians); slots "
            f"idle (slots starting, scheduling, pull-back) {idle_s(on_ray):.1f} s of the batch's wall time",
            f"Ray slots' start (process to gitagent loaded, once per slot): {slot_starts(on_ray)}",
            f"Ray's own floor (bench/ray_floor.py: the same slots, each turn a {REQUESTS * DELAY_S:g} s sleep): "
            f"{floor_s:.1f} s ({floor_s / IDEAL_S:.2f}x the ideal); gitagent's share on Ray {ray_s - floor_s:.1f} s",
            f"Ray's floor with the {SLOTS} slots in one process (`--per-node`: one worker process to start, not "
            f"{SLOTS}): {per_node_s:.1f} s ({per_node_s / IDEAL_S:.2f}x)",
            f"median turn {statistics.median(t['duration_ms'] for t in local['tasks']) / 1000:.1f} s locally (ideal "
            f"{REQUESTS * DELAY_S:g} s); load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
            f"on {os.cpu_count()} CPUs",
        ],
        [
            Check(f"--jobs {SLOTS} / ideal", local_s / IDEAL_S, TARGET, "x", f"{local_s:.1f} s"),
            Check(f"Ray {SLOTS} slots / ideal", ray_s / IDEAL_S, TARGET, "x", f"{ray_s:.1f} s"),
        ],
    )


if __name__ == "__main__":
    main()
