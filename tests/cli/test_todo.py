"""The TodoWrite plan in `gitagent run`: recorded in turn.json, printed by `gitagent show`."""

import json

from tests.conftest import conversation_head, text, tool
from tests.tools.test_todo_tool import PLAN


def test_run_records_the_latest_plan_in_turn_json_and_show_prints_it(repo, cli, script) -> None:
    first = [dict(item, status="pending") for item in PLAN]
    model = script([tool("TodoWrite", todos=first)], [tool("TodoWrite", todos=PLAN)], [text("halfway")])
    cli("run", "-c", "plan", "--model", model, "fix the parser")
    turn = json.loads(cli("show", "plan", "--json").out)
    assert turn["todos"] == PLAN
    shown = cli("show", "plan").out
    assert "Plan (TodoWrite):\n  ☒ Read the parser\n  ◐ Fix the off-by-one\n  ☐ Run the tests" in shown
    assert conversation_head(repo, "plan").message.startswith("fix the parser")
