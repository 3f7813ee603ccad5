"""Record what the real Claude Code does with permission rules and instruction files (not a test).

    python -m tests.conformance.record_rules [--oracle PATH]

Runs Claude Code through the oracle (`/work/shared/oracle/claude-code`, which needs node) on the repositories
of `rules_scenarios.py` and writes `fixtures/claude-permissions.json` and `fixtures/claude-instructions.json`,
keeping only what the tests compare: each call's outcome, and which files' contents Claude Code sent, in order.
"""

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.conformance.rules_scenarios import (
    FIXTURES,
    LOCAL_RULES,
    PERMISSION_CALLS,
    PROJECT_RULES,
    SUBDIR,
    USER_RULES,
    instruction_repo,
    permission_repo,
    with_paths,
)

ORACLE = "/work/shared/oracle/claude-code"
_DENIED = ("has been denied", "denied by your permission settings", "denied access")
_ASKED = ("requires approval", "requested permissions", "needs approval")
_CONTENTS = re.compile(r"^Contents of (.+?) \((?:project|user)[^)]*\):$", re.MULTILINE)


def _oracle(oracle: str, repo: Path, home: Path, responses: list[Any], out: Path, mode: str) -> dict[str, Any]:
    script = out.parent / f"{out.name}-script.json"
    script.write_text(json.dumps({"responses": responses}))
    command = [oracle, "run", "--repo", str(repo), "--script", str(script), "--prompt", "go", "--out", str(out),
               "--home", str(home), "--permission-mode", mode, "--timeout", "600"]  # fmt: skip
    subprocess.run(command, check=True)
    init = json.loads((out / "stream.jsonl").read_text().splitlines()[0])
    return {"version": init["claude_code_version"], "requests": _requests(out)}


def _requests(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line)["body"] for line in (out / "requests.jsonl").read_text().splitlines()]


def _trust(home: Path, repo: Path) -> None:
    """Accept Claude Code's workspace trust for `repo`, as gitagent's tests trust the repository's files."""
    (home / ".claude.json").write_text(json.dumps({"projects": {str(repo): {"hasTrustDialogAccepted": True}}}))


def _outcome(result: str) -> str:
    if any(marker in result for marker in _DENIED):
        return "deny"
    return "ask" if any(marker in result for marker in _ASKED) else "allow"


MODES = {"default": "ask", "bypassPermissions": "auto"}
"""Claude Code's permission modes recorded, and gitagent's approval mode that corresponds to each."""


def record_permissions(oracle: str, base: Path) -> dict[str, Any]:
    """Each call of `PERMISSION_CALLS` and whether Claude Code let it run, asked, or denied it, in each mode."""
    outcomes: dict[str, list[str]] = {}
    version = ""
    for mode in MODES:
        (base / mode).mkdir()
        repo, home = permission_repo(base / mode)
        _trust(home, repo)
        calls = with_paths(PERMISSION_CALLS, repo, home)
        run = _oracle(oracle, repo, home, [[{"type": "tool_use", **c}] for c in calls], base / mode / "out", mode)
        version = run["version"]
        outcomes[mode] = [_outcome(text) for text in _tool_results(run["requests"][-1]["messages"])]
    return {
        "claude_code": version, "modes": MODES,
        "rules": {"project": PROJECT_RULES, "local": LOCAL_RULES, "user": USER_RULES},
        "calls": [{"call": call, "outcomes": {mode: outcomes[mode][n] for mode in MODES}}
                  for n, call in enumerate(PERMISSION_CALLS)],
    }  # fmt: skip


def _tool_results(messages: list[dict[str, Any]]) -> list[str]:
    """The text of every tool result in a conversation, in order (one call per response: one result each)."""
    texts = []
    for message in messages:
        for block in message["content"] if isinstance(message["content"], list) else []:
            if block.get("type") == "tool_result":
                content = block["content"]
                texts.append(content if isinstance(content, str) else " ".join(c.get("text", "") for c in content))
    return texts


def record_instructions(oracle: str, base: Path) -> dict[str, Any]:
    """Which files' contents Claude Code sent in its first request, in order, working at the root and below."""
    runs: dict[str, list[str]] = {}
    version = ""
    for subdir in ("", SUBDIR):
        place = base / (subdir.replace("/", "-") or "root")
        place.mkdir()
        repo, home = instruction_repo(place)
        run = _oracle(oracle, repo / subdir, home, [[{"type": "text", "text": "ok"}]], place / "out", "default")
        version = run["version"]
        first = run["requests"][0]["messages"][0]["content"]
        text = "\n".join(b.get("text", "") for b in first) if isinstance(first, list) else first
        runs[subdir] = [_label(Path(p), repo, home) for p in _CONTENTS.findall(text)]
    return {"claude_code": version, "runs": runs}


def _label(path: Path, repo: Path, home: Path) -> str:
    if path.is_relative_to(repo):
        return path.relative_to(repo).as_posix()
    if path.is_relative_to(home):
        return "~/" + path.relative_to(home).as_posix()
    return "../" + path.relative_to(repo.parent).as_posix() if path.is_relative_to(repo.parent) else str(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--oracle", default=ORACLE)
    args = parser.parse_args()
    FIXTURES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="record-rules-") as tmp:
        (Path(tmp) / "p").mkdir()
        (Path(tmp) / "i").mkdir()
        fixtures = {
            "claude-permissions.json": record_permissions(args.oracle, Path(tmp) / "p"),
            "claude-instructions.json": record_instructions(args.oracle, Path(tmp) / "i"),
        }
        for name, data in fixtures.items():
            (FIXTURES / name).write_text(json.dumps(data, indent=1) + "\n")
            print(f"wrote {FIXTURES / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
