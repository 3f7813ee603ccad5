"""Record `fixtures/structured_output.json` from the real Claude Code (needs node; run by hand, not by the
suite):

    python -m tests.conformance.record_structured_output

For each scenario of `structured_scenario.py` it runs `claude -p --json-schema` through the oracle and keeps
only what `test_structured_output.py` compares: the StructuredOutput tool's name and input schema, what
each model request answered (the prompt, a reminder, a failed or accepted tool call), and the result's
`is_error`, `structured_output` and `subtype`.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conformance.record_hooks import ORACLE
from tests.conformance.structured_scenario import PROMPT, SCENARIOS, SCHEMA, followers

FIXTURE = Path(__file__).parent / "fixtures" / "structured_output.json"


def record(name: str, responses: list, tmp: Path) -> tuple[str, dict]:
    repo, out, script = tmp / name, tmp / f"{name}-out", tmp / f"{name}.json"
    repo.mkdir()
    (repo / "README.md").write_text("# demo\n")
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=o", "-c", "user.email=o@example.com", "commit", "-qm", "init"], cwd=repo,
                   check=True)  # fmt: skip
    script.write_text(json.dumps({"responses": responses}))
    command = [str(ORACLE), "run", "--repo", str(repo), "--script", str(script), "--prompt", PROMPT, "--out",
               str(out), "--", "--json-schema", json.dumps(SCHEMA)]  # fmt: skip
    said = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    requests = [json.loads(line)["body"] for line in (out / "requests.jsonl").read_text().splitlines()]
    tool = next(t for t in requests[0]["tools"] if t["name"] == "StructuredOutput")
    result = json.loads((out / "result.json").read_text())
    return said.split()[1].rstrip(":"), {
        "tool": {"name": tool["name"], "input_schema": tool["input_schema"]},
        "requests": [followers(r["messages"]) for r in requests],
        "is_error": result["is_error"],
        "structured_output": result.get("structured_output"),
        "subtype": result["subtype"],
    }


def main() -> None:
    fixture: dict = {"recorded_with": "python -m tests.conformance.record_structured_output", "schema": SCHEMA}
    with tempfile.TemporaryDirectory(prefix="structured-oracle-") as tmp:
        for name, responses in SCENARIOS.items():
            fixture["claude_code"], fixture[name] = record(name, responses, Path(tmp))
    FIXTURE.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    main()
