"""CLAUDE_ENV_FILE as Claude Code has it: SessionStart hooks append shell lines; every Bash command runs them first.

The reference is `fixtures/envfile.json`, recorded from the real Claude Code by `record_envfile.py` on the
scenario of `envfile_scenario.py`. gitagent runs the same sessions (scripted model, real bwrap, and unconfined)
as turns of one conversation (a `run -c` of an existing conversation is a resumed session) and of a second one.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.envfile_scenario import SESSIONS, make_repo, outcome, responses
from tests.conformance.hooks_scenario import RECORDED_EVENTS, RECORDER
from tests.conftest import conversation_head, git, run_cli

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "envfile.json").read_text())


def _repo(tmp: Path) -> Path:
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    make_repo(repo)
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "scenario")
    return repo


def _run(repo: Path, name: str, session: str, sandbox: str, log: Path | None = None) -> list[dict[str, Any]]:
    script = repo.parent / f"{session}.json"
    script.write_text(json.dumps({"responses": responses(session)}))
    env = {**SESSIONS[session].get("env", {}), **({"ORACLE_HOOK_LOG": str(log)} if log else {})}
    result = run_cli(repo, "run", "-c", name, "-m", f"scripted:{script}", "--trust-repo", "--sandbox", sandbox,
                     "show the environment", env=env)  # fmt: skip
    assert result.code == 0, result.err
    events = json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]
    return [outcome(e["content"], e["is_error"]) for e in events if e["type"] == "tool_result"]


def _files(repo: Path, name: str) -> dict[str, list[str]]:
    folder = repo / ".git" / "gitagent" / "session-env" / name
    return {p.name: p.read_text().splitlines() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


@pytest.fixture(scope="module", params=["bwrap", "none"])
def recorded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """gitagent's run of the three sessions, under `--sandbox` bwrap or none: hook calls, Bash outcomes, files."""
    tmp = tmp_path_factory.mktemp("envfile")
    repo = _repo(tmp)
    recorder = tmp / "record-hook.py"
    recorder.write_text(RECORDER)
    recorder.chmod(0o755)
    hooks = {event: [{"hooks": [{"type": "command", "command": f"{recorder} {event}"}]}] for event in RECORDED_EVENTS}
    (repo / ".claude" / "settings.local.json").write_text(json.dumps({"hooks": hooks}))
    log = tmp / "hooks.jsonl"
    sandbox = request.param
    sessions = {"new": {"bash": _run(repo, "env", "new", sandbox, log), "files": _files(repo, "env")}}
    sessions["resumed"] = {"bash": _run(repo, "env", "resumed", sandbox), "files": _files(repo, "env")}
    sessions["broken"] = {"bash": _run(repo, "broken", "broken", sandbox), "files": _files(repo, "broken")}
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return {"repo": repo, "calls": calls, "sessions": sessions}


def test_only_session_start_hooks_get_the_file(recorded: dict[str, Any]) -> None:
    got = sorted({c["argv"][0] for c in recorded["calls"] if "CLAUDE_ENV_FILE" in c["env"]})
    assert got == FIXTURE["events_with_env_file"] == ["SessionStart"]
    assert set(FIXTURE["events_without"]) <= {c["argv"][0] for c in recorded["calls"]}


@pytest.mark.parametrize("session", list(SESSIONS))
def test_bash_commands_run_the_lines_first_as_in_claude_code(recorded: dict[str, Any], session: str) -> None:
    """Each command in a fresh shell with the lines run first (an export does not carry over); CLAUDE_ENV_FILE
    itself is not in the command's environment; a resumed session's hooks append again; a line that is not
    valid shell stops every command."""
    assert recorded["sessions"][session]["bash"] == FIXTURE["sessions"][session]["bash"]


@pytest.mark.parametrize("session", list(SESSIONS))
def test_each_hook_has_its_own_file_kept_across_a_resume(recorded: dict[str, Any], session: str) -> None:
    assert recorded["sessions"][session]["files"] == FIXTURE["sessions"][session]["files"]
