"""gitagent's typed turns against Claude Code's `--json-schema` (recorded in `fixtures/structured_output.json`
by `record_structured_output.py`): the same tool, the same reminder and retries, the same number of tries."""

import json
from pathlib import Path

import pytest

from gitagent.agent.output import TOOL_NAME, OutputContract
from gitagent.agent.record import turn_messages
from tests.conformance.structured_scenario import PROMPT, SCENARIOS, SCHEMA, followers
from tests.conftest import conversation_head, run_cli

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "structured_output.json").read_text())
SUBTYPES = {"complete": "success", "invalid_output": "error_max_structured_output_retries"}


def test_the_fixture_is_of_this_scenario() -> None:
    assert FIXTURE["claude_code"] == "2.1.328" and FIXTURE["schema"] == SCHEMA


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_a_typed_turn_goes_as_claude_codes(name: str, repo: Path, tmp_path: Path) -> None:
    recorded = FIXTURE[name]
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"responses": SCENARIOS[name]}))
    args = ("run", "-c", name, "-m", f"scripted:{script}", "--output-schema", json.dumps(SCHEMA), "--output-format")
    result = run_cli(repo, *args, "json", PROMPT)
    data = json.loads(result.out)
    events = json.loads(conversation_head(repo, name).tree["turn.json"].data)["events"]
    requests = [followers(turn_messages(events[:n])) for n, e in enumerate(events) if e["type"] == "assistant"]
    assert requests == recorded["requests"]
    assert {"name": TOOL_NAME, "input_schema": OutputContract(SCHEMA).tool_schema} == recorded["tool"]
    assert data["is_error"] is recorded["is_error"] and result.code == (1 if recorded["is_error"] else 0)
    assert data["structured_output"] == recorded["structured_output"]
    assert SUBTYPES[data["status"]] == recorded["subtype"]
