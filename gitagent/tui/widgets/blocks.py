"""The blocks a conversation is drawn with: prompts, answers, tool calls, diffs and notices. The same blocks
show a turn live and a turn read back from git."""

import difflib
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown, Static

from gitagent.agent.attachments import Attachment, attachment_summary
from gitagent.agent.permissions import call_subject
from gitagent.tui.literal import literal, safe

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SHELL = "!"
"""The name a `!command` the person ran is shown under, as if it were a tool."""
PREVIEW_LINES = 20
PREVIEW_HEAD = 6
"""A result shows its first 6 and last 14 lines: a command's summary (tests, builds) is at its end."""
DIFF_LINES = 60
DIFF_HEAD = 40
FULL_OUTPUT_HINT = "ctrl+o: full output"


def head_and_tail(lines: list[str], keep: int, head: int) -> tuple[list[str], int, list[str]]:
    """The first `head` and the last `keep - head` of `lines`, and how many lines lie hidden between them."""
    if len(lines) <= keep:
        return lines, 0, []
    return lines[:head], len(lines) - keep, lines[len(lines) - (keep - head) :]


def hidden_marker(count: int, hint: str = FULL_OUTPUT_HINT) -> str:
    """The line standing for the lines left out of a preview."""
    return f"… {count} lines hidden ({hint}) …" if hint else f"… {count} lines hidden …"


class PromptBlock(Static):
    """What the person asked, and what went with it (`@` files, `!command` output, a command's instructions)."""

    def __init__(self, text: str, attachments: list[Attachment] | None = None) -> None:
        content = literal(text)
        for attachment in attachments or []:
            content.append(literal(f"\n+ {attachment_summary(attachment)}", style="dim"))
        super().__init__(content, classes="prompt")


class AnswerBlock(Markdown):
    """The assistant's words, as Markdown; `stream` appends while the model is still answering."""

    def __init__(self, text: str = "") -> None:
        super().__init__(safe(text), classes="answer")


class NoticeBlock(Static):
    """Something outside the dialogue: a hook's verdict, an approval, an error with its fix."""

    def __init__(self, text: str, kind: str = "info") -> None:
        super().__init__(literal(text), classes=f"notice {kind}")


def diff_text(old: str, new: str, path: str, limit: int | None = DIFF_LINES) -> Text:
    """A coloured unified diff of one file's text, cut to `limit` lines (None: whole)."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), f"a/{path}", f"b/{path}", lineterm=""))
    return colour_diff(lines, limit)


def colour_diff(lines: list[str], limit: int | None = DIFF_LINES, hint: str = FULL_OUTPUT_HINT) -> Text:
    """Colour the lines of a unified diff: additions green, removals red, hunk headers cyan. A diff longer
    than `limit` lines keeps its head and tail around a marker saying how many lines are hidden."""
    head, hidden, tail = head_and_tail(lines, limit, DIFF_HEAD) if limit else (lines, 0, [])
    text = Text()
    for line in head:
        _diff_line(text, line)
    if hidden:
        text.append(hidden_marker(hidden, hint) + "\n", style="dim")
    for line in tail:
        _diff_line(text, line)
    return text


def _diff_line(text: Text, line: str) -> None:
    style = ""
    if line.startswith(("+++", "---")):
        style = "bold"
    elif line.startswith("+"):
        style = "green"
    elif line.startswith("-"):
        style = "red"
    elif line.startswith("@@"):
        style = "cyan"
    text.append(safe(line) + "\n", style=style)


def call_detail(name: str, tool_input: dict[str, Any], limit: int | None = DIFF_LINES) -> Text:
    """What a tool call asks for, in the form a person reads best (a diff for edits, cut to `limit` lines)."""
    path = str(tool_input.get("file_path", ""))
    if name == "Edit":
        return diff_text(str(tool_input.get("old_string", "")), str(tool_input.get("new_string", "")), path, limit)
    if name == "Write":
        return diff_text("", str(tool_input.get("content", "")), path, limit)
    if name in ("Bash", SHELL):
        return literal("$ " + str(tool_input.get("command", "")), style="bold")
    return literal(", ".join(f"{k}={v!r}" for k, v in tool_input.items()))


def summary(tool_input: dict[str, Any]) -> str:
    """The argument a person wants to see first, on one line."""
    subject = call_subject(tool_input)
    if subject is None:
        return ""
    first = subject.splitlines()[0] if subject else ""
    return first[:60] + ("…" if len(first) > 60 or "\n" in subject else "")


@dataclass(frozen=True)
class ToolOutcome:
    """How a tool call ended, live or as recorded."""

    output: str
    is_error: bool
    exit_code: int | None = None


class ToolBlock(Vertical):
    """One tool call: a one-line title (spinner while it runs, then ✓ or ✗); a click or Enter expands it to
    its input (a diff for edits) and result. The details are built only when expanded, so a long history
    of tool calls stays cheap to draw."""

    can_focus = True
    FOCUS_ON_CLICK = False  # a click expands it; the keyboard stays with the prompt
    BINDINGS = [("enter", "toggle", "Expand")]

    def __init__(self, call: dict[str, Any], result: ToolOutcome | None = None) -> None:
        super().__init__(classes="tool")
        self.call = call
        self.outcome = result
        self.frame = 0
        self.expanded = False
        self.heading = Static(literal(self._title()), classes="title")
        self.set_class(result is not None and result.is_error, "failed")

    @property
    def title(self) -> str:
        """The one-line summary as shown."""
        return safe(self._title())

    def compose(self) -> ComposeResult:
        yield self.heading

    def on_mount(self) -> None:
        if self.outcome is None:
            self.spinner = self.set_interval(0.1, self._spin)

    def on_click(self) -> None:
        self.action_toggle()

    def action_toggle(self) -> None:
        """Show or hide the call's input and result."""
        self.expanded = not self.expanded
        if self.expanded:
            detail = Static(call_detail(self.call["name"], self.call.get("input") or {}), classes="detail")
            self.mount(detail, Static(self._result_text(), classes="result"))
        else:
            self.query(".detail, .result").remove()
        self.heading.update(literal(self._title()))

    def finish(self, outcome: ToolOutcome) -> None:
        """Show how the call ended: its mark, exit status and the start of its result."""
        self.outcome = outcome
        if hasattr(self, "spinner"):
            self.spinner.stop()
        self.heading.update(literal(self._title()))
        self.set_class(outcome.is_error, "failed")
        for result in self.query(".result"):
            result.update(self._result_text())

    def _title(self) -> str:
        about = summary(self.call.get("input") or {})
        outcome = self.outcome
        if outcome is None:
            mark, tail = SPINNER[self.frame % len(SPINNER)], ""
        else:
            mark = "✗" if outcome.is_error else "✓"
            first = (outcome.output.strip().splitlines() or [""])[0][:50]
            code = outcome.exit_code
            tail = f"(exit {code})" if code not in (None, 0) else ("— " + first if outcome.is_error else "")
        arrow = "▼" if self.expanded else "▶"
        return " ".join(part for part in (arrow, mark, self.call["name"], about, tail) if part)

    def _spin(self) -> None:
        self.frame += 1
        self.heading.update(literal(self._title()))

    def _result_text(self) -> Text:
        if self.outcome is None:
            return Text("running…", style="dim")
        return result_text(self.outcome, PREVIEW_LINES)


def result_text(outcome: ToolOutcome, limit: int | None = PREVIEW_LINES) -> Text:
    """A tool's result as shown: its head and tail around a marker when it is longer than `limit` lines
    (None: all of it)."""
    style = "red" if outcome.is_error else ""
    if limit is None:
        return literal(outcome.output, style=style)
    head, hidden, tail = head_and_tail(outcome.output.splitlines(), limit, PREVIEW_HEAD)
    text = literal("\n".join(head), style=style)
    if hidden:
        text.append("\n" + hidden_marker(hidden), style="dim")
        text.append(literal("\n" + "\n".join(tail), style=style))
    return text
