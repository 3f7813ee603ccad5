"""gitagent's own state and the paths configured as secret are invisible to the agent's commands, wherever
they live: a stored key never reaches turn.json, the transcript, the output or a hook's input."""

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitagent.sandbox.bwrap import bwrap_argv
from gitagent.sandbox.limits import Limits
from tests.conftest import git, run_cli, text, tool
from tests.mcp.conftest import stdio, tool_results, turn_json, write_mcp_json

KEY = "sk-ant-leaktest-0123456789abcdef"
VAULT_SECRET = "vault-secret-fixture"
FILE_SECRET = "single-file-secret-fixture"


def _reachable_bytes(repo: Path) -> bytes:
    objects = git(repo, "rev-list", "--objects", "--all", "--glob=refs/gitagent/*").split()
    ids = "\n".join(line for line in objects if len(line) == 40)
    batch = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, input=ids.encode(), capture_output=True)
    return batch.stdout


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A directory outside both /tmp (private in the sandbox anyway) and home, as a server's /srv would be."""
    try:
        path = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="gitagent-secrets-"))
    except OSError:
        pytest.skip("/var/tmp is not writable here")
    yield path
    shutil.rmtree(path)


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
@pytest.mark.parametrize("where", ["outside home and /tmp", "inside the checkout"])
def test_stored_key_and_configured_secrets_never_reach_the_record(
    repo: Path, script, tmp_path: Path, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    home = outside_tmp / "gitagent" if where == "outside home and /tmp" else repo / ".private" / "gitagent"
    monkeypatch.setenv("GITAGENT_HOME", str(home))
    (repo / ".git" / "info" / "exclude").write_text(".private/\ndeploy.key\n")
    assert run_cli(repo, "auth", "set", "anthropic", input=KEY + "\n").code == 0
    vault = outside_tmp / "vault"
    vault.mkdir()
    (vault / "token.txt").write_text(VAULT_SECRET)
    single = repo / "deploy.key"
    single.write_text(FILE_SECRET)
    git(repo, "config", "--add", "gitagent.sandboxHide", str(vault))
    git(repo, "config", "--add", "gitagent.sandboxHide", "deploy.key")  # relative: to the checkout
    hook_input = tmp_path / "hook-input.jsonl"
    hook = home / "hooks" / "PostToolUse" / "record"
    hook.parent.mkdir(parents=True)
    hook.write_text(f"#!/bin/sh\ncat >> {hook_input}\necho >> {hook_input}\n")
    hook.chmod(0o755)
    command = f"cat {home}/credentials.json; ls -a {home}; cat {vault}/token.txt; cat {single}; echo listed"
    result = run_cli(repo, "run", "-c", "leak", "--model", script([tool("Bash", command=command)]), "look")
    assert result.code == 0, result.err
    assert "listed" in hook_input.read_text()  # the command ran, and the hook saw its result
    places = {
        "output": (result.out + result.err).encode(),
        "git objects": _reachable_bytes(repo),
        "transcript": (repo / ".git" / "gitagent" / "transcripts" / "leak.jsonl").read_bytes(),
        "hook input": hook_input.read_bytes(),
    }
    for place, data in places.items():
        for secret in (KEY, VAULT_SECRET, FILE_SECRET):
            assert secret.encode() not in data, f"{secret} leaked into the {place}"
    assert (home / "credentials.json").read_text().count(KEY) == 1  # hidden, not harmed


def test_secret_paths_are_mounted_last_so_nothing_bound_later_uncovers_them() -> None:
    wt, gd = Path("/r/.git/gitagent/worktrees/w"), Path("/r/.git")
    argv = bwrap_argv(
        "true", cwd=wt, worktree=wt, git_dir=gd, hidden=[Path("/home/u")], readonly=[Path("/r")],
        env={}, limits=Limits(), secret_dirs=[Path("/srv/gitagent")], secret_files=[Path("/r/.env")],
    )  # fmt: skip
    flat = " ".join(argv)
    assert flat.index("--bind /r/.git/gitagent/worktrees/w") < flat.index("--ro-bind /dev/null /r/.env")
    assert flat.index("--bind /r/.git/gitagent/worktrees/w") < flat.index("--tmpfs /srv/gitagent")
    assert "--remount-ro /srv/gitagent" in flat


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap (bwrap) is not installed")
def test_mcp_servers_in_the_sandbox_do_not_see_secrets_either(
    repo: Path, script, outside_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = outside_tmp / "gitagent"
    monkeypatch.setenv("GITAGENT_HOME", str(home))
    assert run_cli(repo, "auth", "set", "anthropic", input=KEY + "\n").code == 0
    vault = outside_tmp / "vault"
    vault.mkdir()
    (vault / "token.txt").write_text(VAULT_SECRET)
    git(repo, "config", "--add", "gitagent.sandboxHide", str(vault))
    write_mcp_json(repo, {"probe": stdio("probe.py")})
    assert run_cli(repo, "trust").code == 0
    reads = [home / "credentials.json", vault / "token.txt", repo / "README.md"]
    model = script(*[[tool("mcp__probe__read_file", path=str(path))] for path in reads], [text("done")])
    result = run_cli(repo, "run", "-c", "mcp-leak", "--model", model, "look")
    assert result.code == 0, result.err
    credentials, token, readme = [r["content"] for r in tool_results(turn_json(repo, "mcp-leak"))]
    assert readme == "# demo\n"  # the server ran, and reads what it may
    assert credentials.startswith("refused") and token.startswith("refused"), (credentials, token)
    assert KEY.encode() not in _reachable_bytes(repo) and VAULT_SECRET.encode() not in _reachable_bytes(repo)
