"""Time from `gitagent run` starting to its first model request, with three stdio MCP servers vs none (issue 16).

Each run is a fresh `gitagent run` process in the same repository against a fake Anthropic server in this
process, which notes when the first request arrives: the first turn of a new conversation (its worktree is
made first, then the servers start in it) and a later turn of one (the servers start while the run sets up).
With servers, the user's config names three real stdio servers, sandboxed as gitagent runs them by default:
mcp-server-time, mcp-server-git and the test suite's probe server. In the same run, interleaved: each server's
own start (spawned under bwrap until its tools are listed, by the same client code in this process, where the
SDK is already loaded) and the three started together. Target: the servers start in parallel, so the delay
they add is at most the slowest server's own start plus 50 ms.

Run: python bench/mcp_startup.py [runs]
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Check, init_repo, report, runs_from_argv

from gitagent.mcp.config import ServerConfig, parse_server
from gitagent.mcp.hub import Hub
from gitagent.mcp.launch import Place
from gitagent.mcp.sources import toml_table
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Reply

BIN = Path(sys.executable).parent
SERVERS_DIR = Path(__file__).resolve().parent.parent / "tests" / "mcp" / "servers"
TARGET_MS = 50.0
MODEL = "anthropic:claude-sonnet-4-5"


def servers() -> dict[str, dict[str, Any]]:
    """The three servers, as the user's config.toml has them."""
    return {
        "time": {"command": str(BIN / "mcp-server-time")},
        "git": {"command": str(BIN / "mcp-server-git"), "args": ["--repository", "."]},
        "probe": {"command": sys.executable, "args": [str(SERVERS_DIR / "probe.py")], "readable": [str(SERVERS_DIR)]},
    }


class ClockedServer(FakeAnthropic):
    """The fake Anthropic API, noting when each request arrives (this process's `perf_counter`)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: list[float] = []

    def handle(self, handler: Any, request: Any) -> None:
        """Note the time, then answer as the fake server does."""
        self.arrivals.append(time.perf_counter())
        super().handle(handler, request)


def first_request_ms(repo: Path, server: ClockedServer, home: Path, name: str) -> float:
    """Start `gitagent run`; the time until its first model request reaches the server."""
    seen = len(server.arrivals)
    server.push(Reply([{"type": "text", "text": "ok"}]))
    env = {**os.environ, "GITAGENT_HOME": str(home), "ANTHROPIC_API_KEY": API_KEY,
           "ANTHROPIC_BASE_URL": server.base_url}  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "gitagent"), "run", "-c", name, "--model", MODEL, "hello"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    if done.returncode != 0 or len(server.arrivals) <= seen:
        raise SystemExit(f"gitagent run failed: {done.stderr}")
    return (server.arrivals[seen] - started) * 1000


def start_ms(configs: list[ServerConfig], place: Place) -> float:
    """Start `configs` together and wait until every one has listed its tools."""
    hub = Hub()
    started = time.perf_counter()
    connections = hub.attach(configs, place)
    for connection in connections:
        connection.wait_ready()
    elapsed = (time.perf_counter() - started) * 1000
    failed = [f"{c.name}: {c.error}" for c in connections if c.state != "connected"]
    hub.close_all(wait=5)
    if failed:
        raise SystemExit(f"a server did not start: {failed}")
    return elapsed


def main() -> list[Check]:
    """Interleave runs with and without servers and the servers' own starts; report the delay they add."""
    runs = runs_from_argv(7)
    with tempfile.TemporaryDirectory(prefix="gitagent-bench-") as tmp:
        root = Path(tmp)
        repo = init_repo(root / "repo", {"README.md": "# bench\n", "src/app.py": "print('hi')\n"})
        empty, configured = root / "home-none", root / "home-mcp"
        empty.mkdir()
        configured.mkdir()
        (configured / "config.toml").write_text("\n".join(toml_table(n, e) for n, e in servers().items()))
        configs = [parse_server(n, e, "user", "bench") for n, e in servers().items()]
        place = Place(Path(repo.workdir), Path(repo.path))
        server = ClockedServer()
        kinds = [f"{turn} {mcp}" for turn in ("new", "next") for mcp in ("none", "three")]
        samples: dict[str, list[float]] = {key: [] for key in (*kinds, "together", *servers())}
        try:
            start_ms(configs, place)  # warm up: load the SDK here, fill the page cache
            for n in range(runs + 1):
                for key in kinds if n % 2 else reversed(kinds):
                    turn, mcp = key.split()
                    name = f"{mcp}-{n}" if turn == "new" else f"next-{mcp}"
                    value = first_request_ms(Path(repo.workdir), server, configured if mcp == "three" else empty, name)
                    if n:
                        samples[key].append(value)
                for config in configs:
                    value = start_ms([config], place)
                    if n:
                        samples[config.name].append(value)
                if n:
                    samples["together"].append(start_ms(configs, place))
        finally:
            server.close()
    medians = {key: statistics.median(values) for key, values in samples.items()}
    slowest = max(medians[name] for name in servers())
    added = {turn: medians[f"{turn} three"] - medians[f"{turn} none"] for turn in ("new", "next")}
    figures = [
        f"median of {runs} runs, {turn} turn: first request {medians[f'{turn} none']:.0f} ms without servers, "
        f"{medians[f'{turn} three']:.0f} ms with three ({added[turn]:.0f} ms more)"
        for turn in ("new", "next")
    ]
    figures += [
        "each server's own start (spawn under bwrap to tools listed): "
        + ", ".join(f"{name} {medians[name]:.0f} ms" for name in servers()),
        f"the three started together by the same client: {medians['together']:.0f} ms",
    ]
    checks = [
        Check(f"delay three servers add − slowest start, {turn} turn", added[turn] - slowest, TARGET_MS, " ms",
              detail=f"{added[turn]:.0f} ms added; together {medians['together']:.0f} ms")
        for turn in ("new", "next")
    ]  # fmt: skip
    report("mcp startup", "gitagent run to its first model request: three stdio MCP servers vs none", figures, checks)
    return checks


if __name__ == "__main__":
    main()
