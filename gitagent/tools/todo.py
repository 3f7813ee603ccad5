"""TodoWrite: the agent's plan for a task, as a checklist it rewrites whole each time (Claude Code's shape).

The list lives in the turn's record (`todos` in turn.json, set from the result's metadata), so the chat
shows it as it changes and `gitagent show` prints it afterwards. The tool touches no file.
"""

from typing import Any

from gitagent.tools.base import ToolContext, ToolResult
from gitagent.tools.paths import ToolError, check_input, run_checked

STATUSES = ("pending", "in_progress", "completed")
MARKS = {"pending": "☐", "in_progress": "◐", "completed": "☒"}

_ITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "content": {"type": "string", "minLength": 1, "description": "The task, in the imperative (Run the tests)."},
        "status": {"type": "string", "enum": list(STATUSES)},
        "activeForm": {
            "type": "string",
            "minLength": 1,
            "description": "The task while it is being done, as a present participle (Running the tests).",
        },
    },
    "required": ["content", "status", "activeForm"],
    "additionalProperties": False,
}

_TODO_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "todos": {"type": "array", "items": _ITEM_SCHEMA, "description": "The whole updated list, in order."},
    },
    "required": ["todos"],
    "additionalProperties": False,
}


class TodoWrite:
    """Replace the turn's plan with the list given, and echo it back as a checklist."""

    name = "TodoWrite"
    description = (
        "Keep a checklist of the steps of a larger task (three steps or more) and show it to the user. "
        "Send the whole list each time, with each item's status: pending, in_progress or completed. Have "
        "exactly one item in_progress while working, mark each completed as soon as it is done, and add "
        "steps you discover. Skip it for a single, simple request."
    )
    input_schema = _TODO_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Check the list and record it (the result's metadata carries it into the turn's record)."""
        return run_checked(self.input_schema, tool_input, _write)


def _write(args: dict[str, Any]) -> ToolResult:
    todos = [_item(i, item) for i, item in enumerate(args["todos"])]
    working = sum(1 for t in todos if t["status"] == "in_progress")
    done = sum(1 for t in todos if t["status"] == "completed")
    lines = [f"The plan now has {len(todos)} items ({done} completed):", checklist(todos)]
    if working > 1:
        lines.append(f"Note: {working} items are in_progress; keep one at a time.")
    return ToolResult("\n".join(lines), metadata={"todos": todos})


def _item(index: int, item: Any) -> dict[str, str]:
    try:
        checked = check_input(_ITEM_SCHEMA, item)
    except ToolError as e:
        raise ToolError(f"todos[{index}]: {e}") from e
    for key in ("content", "activeForm"):
        if not checked[key].strip():
            raise ToolError(f"todos[{index}]: '{key}' must not be empty")
    return {"content": checked["content"], "status": checked["status"], "activeForm": checked["activeForm"]}


def checklist(todos: list[dict[str, str]]) -> str:
    """The list as lines `☐ task`, `◐ task` (in progress), `☒ task`."""
    return "\n".join(f"{MARKS.get(t['status'], '?')} {t['content']}" for t in todos)
