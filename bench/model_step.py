"""gitagent's own cost per model step, and how much of each Anthropic request is marked cacheable (issue 3).

A turn of 200 tool-using steps runs against a fake Anthropic server in another process (tests/fakes, the real
`anthropic` SDK on the client side). Each step is timed from one model response to the next. The baseline, in
the same run: the bare SDK sending the very same request (recorded at step 1 and at step 200) to the same server
and reading the whole stream. gitagent's overhead is the difference: building the request, parsing the stream,
the tool dispatch (a Read of a small file) and the in-flight save. Target: under 10 ms at step 1 and step 200.

The same server records every request of a 20-step turn; the share of input marked cacheable is the part of
each request up to its last `cache_control` breakpoint, summed over the turn. Target: at least 90%.

Run: python bench/model_step.py
"""

import functools
import itertools
import json
import statistics
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anthropic
from common import Check, init_repo, report, server_process

from gitagent.agent.events import AssistantMessage, Event
from gitagent.agent.session import run_turn
from gitagent.agent.turn import TurnSettings
from gitagent.models.anthropic import AnthropicModel
from gitagent.sandbox import UnconfinedSandbox
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

LONG_TURN = 200
BASELINE_RUNS = 15
CACHE_TURN = 20
STEP_TARGET_MS = 10.0
CACHE_TARGET = 0.9
READ = {"type": "tool_use", "name": "Read", "input": {"file_path": "README.md"}}


def _serve(conn: Connection, steps: int) -> None:
    server = FakeAnthropic()
    server.push(*[Reply([{"type": "text", "text": "Reading."}, READ]) for _ in range(steps)])
    server.push(Reply([{"type": "text", "text": "Done."}]))
    server.push(*[Reply([{"type": "text", "text": "Reading."}, READ]) for _ in range(2 * BASELINE_RUNS)])
    conn.send(server.base_url)
    while conn.recv() == "bodies":
        conn.send(server.bodies)
    server.close()


def run_against_server(steps: int) -> tuple[list[float], list[dict[str, Any]], list[float]]:
    """Run one `steps`-step turn; return every step's time (ms), the request bodies the server got, and the bare
    SDK's time for the first and the last request."""
    stamps: list[float] = []

    def emit(event: Event) -> None:
        if isinstance(event, AssistantMessage):
            stamps.append(time.perf_counter())

    with server_process(functools.partial(_serve, steps=steps)) as (server, base_url):
        with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
            repo = init_repo(Path(tmp) / "repo", {"README.md": "# bench\n" * 20})
            model = AnthropicModel("claude-sonnet-5-5", api_key=API_KEY, base_url=base_url)
            settings = TurnSettings(model, lambda worktree: UnconfinedSandbox(), max_steps=steps + 5, emit=emit,
                                    compactor=None, repo_map_tokens=0)  # fmt: skip
            run_turn(repo, "bench", "read the readme many times", settings)
        server.send("bodies")
        bodies: list[dict[str, Any]] = server.recv()
        baselines = [_bare_sdk_ms(base_url, bodies[i]) for i in (0, -1)]
    return [(b - a) * 1000 for a, b in itertools.pairwise(stamps)], bodies, baselines


def _bare_sdk_ms(base_url: str, body: dict[str, Any]) -> float:
    """Median time for the bare SDK to send `body` and read the whole streamed answer."""
    client = anthropic.Anthropic(api_key=API_KEY, base_url=base_url, max_retries=0)
    times = []
    for _ in range(BASELINE_RUNS):
        started = time.perf_counter()
        with client.messages.create(**{**body, "stream": True}) as stream:
            for _event in stream:
                pass
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def cacheable_share(bodies: list[dict[str, Any]]) -> float:
    """Characters up to each request's last cache breakpoint, over all characters sent, summed over requests."""
    cacheable = total = 0
    for body in bodies:
        head = len(json.dumps(body.get("system", ""))) + len(json.dumps(body.get("tools", [])))
        messages = body["messages"]
        sizes = [len(json.dumps(block)) for message in messages for block in message["content"]]
        marks = [i for i, block in enumerate(b for m in messages for b in m["content"]) if "cache_control" in block]
        total += head + sum(sizes)
        cacheable += head + (sum(sizes[: marks[-1] + 1]) if marks else 0)
    return cacheable / total


def main() -> list[Check]:
    """Time steps at the start and the end of a long turn; measure the cacheable share of a short one."""
    steps, _, (bare_first, bare_last) = run_against_server(LONG_TURN)
    early, late = statistics.median(steps[:10]), statistics.median(steps[-10:])
    _, bodies, _ = run_against_server(CACHE_TURN)
    share = cacheable_share(bodies)
    figures = [
        f"{LONG_TURN}-step turn, Read tool, fake server in another process: median step {early:.2f} ms "
        f"(steps 1-10), {late:.2f} ms (steps {LONG_TURN - 9}-{LONG_TURN})",
        f"the bare SDK sending the same requests to the same server: {bare_first:.2f} ms (step 1), "
        f"{bare_last:.2f} ms (step {LONG_TURN})",
        f"{CACHE_TURN}-step turn: {share:.1%} of input characters sit before the last cache breakpoint",
    ]
    checks = [
        Check("gitagent overhead per model step, step 1", early - bare_first, STEP_TARGET_MS, " ms"),
        Check(f"gitagent overhead per model step, step {LONG_TURN}", late - bare_last, STEP_TARGET_MS, " ms"),
        Check(f"cacheable share of input, {CACHE_TURN}-step turn", share, CACHE_TARGET, "", higher_is_better=True),
    ]
    report("model_step", "gitagent's overhead per model step; cacheable share of Anthropic requests", figures, checks)
    return checks


if __name__ == "__main__":
    main()
