"""Record `fixtures/hooks_turn.json` from the real Claude Code (needs node; run by hand, not by the suite):

    python -m tests.conformance.record_hooks

It builds the scenario's repository in a temporary directory, runs `../shared/oracle/claude-code run
--capture-hooks` on it (permission mode bypassPermissions: gitagent's auto), and keeps only what
`test_hooks.py` compares: each hook call's event, cwd, whether CLAUDE_PROJECT_DIR was set, and its
normalized stdin; and the calls Claude Code reported as denied.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conformance.hooks_scenario import PROMPT, make_repo, normalize, responses

_SHARED = next((p / "shared" for p in Path(__file__).parents if (p / "shared" / "oracle").is_dir()), Path("shared"))
ORACLE = Path(os.environ.get("GITAGENT_ORACLE") or _SHARED / "oracle" / "claude-code")
"""The oracle script (`$GITAGENT_ORACLE`, else `shared/oracle/claude-code` next to a parent of this checkout)."""
FIXTURE = Path(__file__).parent / "fixtures" / "hooks_turn.json"


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hooks-oracle-") as tmp:
        repo, out = Path(tmp, "repo"), Path(tmp, "out")
        repo.mkdir()
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        make_repo(repo)
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
        identity = ["-c", "user.name=oracle", "-c", "user.email=oracle@example.com"]
        subprocess.run(["git", *identity, "commit", "-qm", "init"], cwd=repo, check=True)
        script = Path(tmp, "script.json")
        script.write_text(json.dumps({"responses": responses(f"{repo}/")}))
        command = [str(ORACLE), "run", "--repo", str(repo), "--script", str(script), "--prompt", PROMPT,
                   "--out", str(out), "--capture-hooks", "--permission-mode", "bypassPermissions"]  # fmt: skip
        said = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # "claude 2.1.328: exit 0…"
        calls = [json.loads(line) for line in (out / "hooks.jsonl").read_text().splitlines()]
        result = json.loads((out / "result.json").read_text())
    fixture = {
        "claude_code": said.split()[1].rstrip(":"),
        "recorded_with": "python -m tests.conformance.record_hooks (oracle: claude-code run --capture-hooks)",
        "calls": normalize(calls, repo, repo),
        "denied": [{"tool_name": d["tool_name"], "tool_input": d["tool_input"]} for d in result["permission_denials"]],
    }
    fixture = json.loads(json.dumps(fixture).replace(str(repo), "<project>"))
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {FIXTURE} ({len(fixture['calls'])} hook calls)", file=sys.stderr)


if __name__ == "__main__":
    main()
