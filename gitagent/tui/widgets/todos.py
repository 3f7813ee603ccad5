"""The plan above the prompt: the checklist the agent keeps with its TodoWrite tool, updated as it calls it,
shown while any item is unfinished (a finished plan stays readable in the TodoWrite call's block)."""

from typing import Any

from rich.text import Text
from textual.widgets import Static

from gitagent.tools.todo import MARKS
from gitagent.tui.literal import literal

STYLES = {"pending": "", "in_progress": "bold", "completed": "dim strike"}
SHOWN = 8
"""Items shown at most; a longer plan shows the ones around the item in progress."""


def plan_text(todos: list[dict[str, Any]]) -> Text:
    """`Plan 1/3` and one line per item (the one in progress in its active form)."""
    done = sum(1 for t in todos if t.get("status") == "completed")
    text = Text(f"Plan {done}/{len(todos)}", style="bold")
    start = _window(todos)
    for item in todos[start : start + SHOWN]:
        status = str(item.get("status", ""))
        words = item.get("activeForm") if status == "in_progress" else item.get("content")
        text.append(f"\n {MARKS.get(status, '?')} ")
        text.append(literal(str(words or ""), style=STYLES.get(status, "")))
    if len(todos) > SHOWN:
        text.append(f"\n   … {len(todos) - SHOWN} more", style="dim")
    return text


def _window(todos: list[dict[str, Any]]) -> int:
    current = next((i for i, t in enumerate(todos) if t.get("status") != "completed"), len(todos))
    return max(0, min(current - 2, len(todos) - SHOWN))


class TodoView(Static):
    """The agent's current plan; hidden when there is none or every item is done."""

    def __init__(self) -> None:
        super().__init__("", id="todos")
        self.todos: list[dict[str, Any]] = []
        self.display = False

    def show_plan(self, todos: list[dict[str, Any]] | None) -> None:
        """Show `todos` (None or []: no plan)."""
        self.todos = list(todos or [])
        unfinished = any(t.get("status") != "completed" for t in self.todos)
        self.display = unfinished
        if unfinished:
            self.update(plan_text(self.todos))
