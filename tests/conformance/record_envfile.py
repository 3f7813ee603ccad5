"""Record `fixtures/envfile.json` from the real Claude Code (needs node; run by hand, not by the suite):

    python -m tests.conformance.record_envfile

It builds the scenario's repository (`envfile_scenario.py`) in a temporary directory and runs its three
sessions with `../shared/oracle/claude-code run` (the first with --capture-hooks), and keeps only what
`test_envfile.py` compares: which hook events got CLAUDE_ENV_FILE, the names of the files left in the session's
folder and their lines, and each Bash call's outcome.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conformance.envfile_scenario import SESSIONS, make_repo, outcome, responses
from tests.conformance.record_hooks import ORACLE

FIXTURE = Path(__file__).parent / "fixtures" / "envfile.json"


def _session(tmp: Path, repo: Path, home: Path, session: str, extra: list[str]) -> tuple[str, Path]:
    out = tmp / f"out-{session}"
    script = tmp / f"{session}.json"
    script.write_text(json.dumps({"responses": responses(session)}))
    command = [str(ORACLE), "run", "--repo", str(repo), "--script", str(script), "--prompt", "show the environment",
               "--out", str(out), "--home", str(home), "--permission-mode", "bypassPermissions",
               *(["--capture-hooks"] if session == "new" else []), "--", *extra]  # fmt: skip
    env = {**os.environ, **SESSIONS[session].get("env", {})}
    subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    stream = [json.loads(line) for line in (out / "stream.jsonl").read_text().splitlines() if line.startswith("{")]
    session_id = next(e["session_id"] for e in stream if e.get("session_id"))
    return session_id, out


def _outcomes(out: Path) -> list[dict[str, Any]]:
    stream = [json.loads(line) for line in (out / "stream.jsonl").read_text().splitlines() if line.startswith("{")]
    return [outcome(block["content"], bool(block.get("is_error")))
            for e in stream if e.get("type") == "user" for block in e["message"]["content"]
            if isinstance(block, dict) and block.get("type") == "tool_result"]  # fmt: skip


def _files(folder: Path) -> dict[str, list[str]]:
    return {p.name: p.read_text().splitlines() for p in sorted(folder.iterdir())}


def _version() -> str:
    binary = subprocess.run([str(ORACLE), "install"], capture_output=True, text=True, check=True).stdout.strip()
    return next(part for part in Path(binary).parts if part.startswith("claude-code-")).removeprefix("claude-code-")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="envfile-oracle-") as name:
        tmp = Path(name)
        repo, home = tmp / "repo", tmp / "home"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        make_repo(repo)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        identity = ["-c", "user.name=oracle", "-c", "user.email=oracle@example.com"]
        subprocess.run(["git", *identity, "commit", "-qm", "init"], cwd=repo, check=True)
        first, out = _session(tmp, repo, home, "new", [])
        calls = [json.loads(line) for line in (out / "hooks.jsonl").read_text().splitlines()]
        sessions: dict[str, Any] = {"new": {"bash": _outcomes(out)}}
        sessions["new"]["files"] = _files(home / ".claude" / "session-env" / first)
        _, out = _session(tmp, repo, home, "resumed", ["--resume", first])
        sessions["resumed"] = {"bash": _outcomes(out), "files": _files(home / ".claude" / "session-env" / first)}
        broken, out = _session(tmp, repo, home, "broken", [])
        sessions["broken"] = {"bash": _outcomes(out), "files": _files(home / ".claude" / "session-env" / broken)}
    fixture = {
        "claude_code": _version(),
        "recorded_with": "python -m tests.conformance.record_envfile (oracle: claude-code run)",
        "events_with_env_file": sorted({c["argv"][0] for c in calls if "CLAUDE_ENV_FILE" in c["env"]}),
        "events_without": sorted({c["argv"][0] for c in calls if "CLAUDE_ENV_FILE" not in c["env"]}),
        "sessions": sessions,
    }
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    main()
