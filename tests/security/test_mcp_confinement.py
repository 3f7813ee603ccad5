"""A stdio MCP server from a trusted repository runs confined by default: it cannot write the user's checkout
or `.git`, read `~/.ssh`, reach the network or see the model's API key; the secrets its entry gives it reach
it and nothing else. An entry that opts out (`"sandbox": "none"`) runs on the host, and still never gets the
model's key. Driven through the real CLI, with the probe server (tests/mcp/servers/probe.py) reporting."""

import json
import shutil
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import git, run_cli, text, tool
from tests.mcp.conftest import stdio, tool_results, turn_json, write_mcp_json

Record = Callable[[str, str, bool], None]
API_KEY = "sk-ant-mcp-confinement-0123456789abcdef"
PROBE_TOKEN = "probe-token-fedcba9876543210"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text("ssh-secret-fixture\n")
    return home


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts connections (the network a confined server must not reach)."""
    server = socket.create_server(("127.0.0.1", 0))
    yield server.getsockname()[1]
    server.close()


def _turn(repo: Path, home: Path, script, name: str, port: int) -> list[dict[str, Any]]:
    checkout = repo.resolve()
    model = script(
        [tool(f"mcp__{name}__write_file", path=str(checkout / "README.md"), text="evil\n")],
        [tool(f"mcp__{name}__write_file", path=str(checkout / ".git" / "config"), text="evil\n")],
        [tool(f"mcp__{name}__write_file", path="made-by-server.txt", text="mine\n")],
        [tool(f"mcp__{name}__read_file", path=str(home / ".ssh" / "id_ed25519"))],
        [tool(f"mcp__{name}__environment")],
        [tool(f"mcp__{name}__connect", host="127.0.0.1", port=port)],
        [tool(f"mcp__{name}__echo_secret")],
        [text("done")],
    )
    env = {"HOME": str(home), "ANTHROPIC_API_KEY": API_KEY, "PROBE_TOKEN": PROBE_TOKEN}
    result = run_cli(repo, "run", "-c", name, "--model", model, "probe the walls", env=env)
    assert result.code == 0, result.err
    return [r["content"] for r in tool_results(turn_json(repo, name))]


def _everything_in_git(repo: Path) -> str:
    batch = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True)
    return batch.stdout.decode(errors="replace")


def test_a_trusted_repositorys_server_is_confined_unless_it_opts_out(
    repo: Path, home: Path, script, listener: int, record: Record
) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed (CI installs it: apt-get install bubblewrap)")
    secret_env = {"env": {"PROBE_TOKEN": "${PROBE_TOKEN}"}}
    write_mcp_json(
        repo, {"boxed": stdio("probe.py", **secret_env), "host": stdio("probe.py", sandbox="none", **secret_env)}
    )
    assert run_cli(repo, "trust").code == 0
    config_before = (repo / ".git" / "config").read_text()

    readme, git_config, own, ssh, environment, network, echo = _turn(repo, home, script, "boxed", listener)
    seen = json.loads(environment)
    key = "present" if API_KEY in environment else "absent"
    worktree = repo / ".git" / "gitagent" / "worktrees" / "boxed"
    checks = [
        ("MCP server writes the user's checkout", readme, readme.startswith("refused")),
        ("MCP server writes .git/config", git_config, git_config.startswith("refused")),
        ("MCP server reads ~/.ssh", ssh, "ssh-secret-fixture" not in ssh),
        ("MCP server reaches the network", network, network.startswith("refused")),
        ("MCP server sees the model's API key", f"ANTHROPIC_API_KEY {key}", API_KEY not in environment),
    ]
    for attempt, outcome, contained in checks:
        record(attempt, outcome, contained)
    assert all(contained for _, _, contained in checks), checks
    assert (repo / "README.md").read_text() == "# demo\n" and (repo / ".git" / "config").read_text() == config_before
    assert own == "written" and (worktree / "made-by-server.txt").read_text() == "mine\n"  # its worktree: writable
    assert seen["cwd"] == str(worktree.resolve()) and seen["env"]["HOME"] == "/tmp/home"
    assert seen["env"]["PROBE_TOKEN"] == "***" and echo == "my token is ***"  # it got its secret; nobody else sees it
    assert "made-by-server.txt" in git(repo, "ls-tree", "-r", "--name-only", "refs/gitagent/conversations/boxed")

    readme, git_config, own, ssh, environment, network, echo = _turn(repo, home, script, "host", listener)
    assert readme == "written" and (repo / "README.md").read_text() == "evil\n"  # opted out: on the host
    assert ssh == "ssh-secret-fixture\n" and network == "connected"
    assert API_KEY not in environment  # even unconfined, the model's key is not passed on
    everything = _everything_in_git(repo)
    assert PROBE_TOKEN not in everything and API_KEY not in everything
