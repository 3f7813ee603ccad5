"""The conversation pane: recorded turns read back from git (the recent ones first, older ones loaded on
scroll), and the running turn drawn from the loop's events as they arrive."""

import asyncio
from typing import Any

import pygit2
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownStream

from gitagent.agent.attachments import Attachment
from gitagent.agent.events import (
    AssistantMessage,
    Event,
    Notice,
    ToolFinished,
    ToolStarted,
    TurnFinished,
    TurnStarted,
    Verdict,
)
from gitagent.models.base import TextDelta
from gitagent.store import turns
from gitagent.tui.format import outcome_footer, turn_footer
from gitagent.tui.literal import literal, safe
from gitagent.tui.widgets.blocks import AnswerBlock, NoticeBlock, PromptBlock, ToolBlock, ToolOutcome

FIRST_PAGE = 6
PAGE = 12
"""Turns drawn at a time: a long history opens with its latest few turns, earlier ones come on scroll."""


def turn_widgets(commit: pygit2.Commit) -> list[Widget]:
    """The blocks of one recorded turn, in the order it happened."""
    turn = turns.read_turn(commit)
    events = turn.get("events", [])
    results = {e["tool_use_id"]: e for e in events if e["type"] == "tool_result"}
    widgets: list[Widget] = []
    for event in events:
        widgets.extend(_event_widgets(event, results))
    if turn.get("kind") == "compaction":
        widgets.insert(0, NoticeBlock(f"compacted: {commit.message.splitlines()[0]}"))
    widgets.append(Static(literal(turn_footer(turn)), classes="footer"))
    return widgets


def _event_widgets(event: dict[str, Any], results: dict[str, dict[str, Any]]) -> list[Widget]:
    kind = event["type"]
    if kind == "user":
        return [PromptBlock(event["text"], event.get("attachments"))]
    if kind == "assistant":
        out: list[Widget] = []
        for block in event["content"]:
            if block.get("type") == "text" and block["text"].strip():
                out.append(AnswerBlock(block["text"]))
            elif block.get("type") == "tool_use":
                result = results.get(block["id"])
                outcome = ToolOutcome(result["content"], result["is_error"]) if result else None
                out.append(ToolBlock(block, outcome or ToolOutcome("(no result: the turn was interrupted)", True)))
        return out
    if kind == "permission":
        verdict = Verdict.of_permission(event)
        return [NoticeBlock(verdict.text, "info" if verdict.allowed else "warning")]
    if kind == "hook":
        verdict = Verdict.of_hook(event)
        return [NoticeBlock(verdict.text, "info" if verdict.allowed else "warning")]
    if kind == "error":
        return [NoticeBlock(event["message"], "error")]
    if kind == "stop_feedback":
        return [NoticeBlock(f"↺ a Stop hook kept the agent working: {event['text']}")]
    if kind == "output_feedback":
        return [NoticeBlock("↺ reminded to give the answer with StructuredOutput")]
    return []


class ConversationView(VerticalScroll):
    """Every turn of the open conversation, and the one being run."""

    def __init__(self) -> None:
        super().__init__(id="conversation")
        self.older: pygit2.Commit | None = None
        self.loading = False
        self.generation = 0
        """Counts redraws, so turns still being drawn for a conversation left are not drawn into the next."""
        self.answer: AnswerBlock | None = None
        self.stream: MarkdownStream | None = None
        self.tools: dict[str, ToolBlock] = {}
        self.in_turn = False
        self.aside: Widget | None = None
        """The first block a command drew while a turn ran: the turn's own blocks go above it, so a /diff typed
        meanwhile never splits the turn's answer."""
        self.below = Static(literal("↓ new output below · Ctrl+End"), id="below")
        self.following = True
        """Whether new output scrolls into view (False once the person scrolls away from the end)."""

    def compose(self) -> ComposeResult:
        yield self.below

    def on_mount(self) -> None:
        self.below.display = False
        self.anchor()

    async def show_history(self, head: pygit2.Commit | None) -> None:
        """Draw the latest turns up to `head` (None: an empty conversation): the latest at once, the few
        before it one by one above it, so the prompt takes keys before a long history is drawn."""
        self.generation += 1
        self.loading = True  # until the turns before the latest are drawn: no page may be loaded above them
        await self.remove_children([child for child in self.children if child is not self.below])
        self.older = head
        groups = self._turn_groups(FIRST_PAGE)
        if groups:
            await self.mount_all(groups.pop())
        self.follow()
        self.run_worker(self._mount_before(groups, self.generation), group="earlier", exclusive=True)

    def follow(self) -> None:
        """Scroll to the newest output and keep it in view as more comes (what the person asked for is there)."""
        self.below.display = False
        self.following = True
        self.anchor()

    async def _mount_before(self, groups: list[list[Widget]], generation: int) -> None:
        try:
            for group in reversed(groups):
                await asyncio.sleep(0)  # keys typed meanwhile are handled between turns
                if generation != self.generation:
                    return
                await self.mount_all(group, before=0)
            if self.older is not None and generation == self.generation:
                await self.mount(self._earlier_marker(), before=0)
        finally:
            if generation == self.generation:
                self.loading = False
        self.call_after_refresh(self._load_if_at_top)

    def _load_if_at_top(self) -> None:
        """A history too short to fill the view leaves nothing to scroll up to: load the next page now."""
        if self.scroll_y == 0 and self.older is not None and not self.loading:
            self.run_worker(self.load_earlier(), group="earlier")

    def release_anchor(self) -> None:
        """The person scrolled: new output no longer pulls the view down (Textual calls this)."""
        super().release_anchor()
        self.following = False

    def _added(self) -> None:
        """Something was drawn at the end: say so when the person has scrolled away from the end."""
        if not self.following:
            self.below.display = True

    async def load_earlier(self) -> None:
        """Draw the page of turns before the earliest one shown, keeping the view where it was."""
        if self.older is None or self.loading:
            return
        self.loading = True
        try:
            height = self.virtual_size.height
            await self.query(".earlier").remove()
            await self.mount_all(self._page(PAGE), before=0)
            self.call_after_refresh(self._keep_place, height)
        finally:
            self.loading = False

    def _keep_place(self, height_before: float) -> None:
        """Scroll so the turn that was at the top stays put; if the view is still at the top (nothing to
        scroll up to, so no scroll would ever ask again), load the next page now."""
        self.scroll_to(y=self.virtual_size.height - height_before, animate=False, immediate=True)
        if self.scroll_y == 0 and self.older is not None:
            self.run_worker(self.load_earlier(), group="earlier")

    def _page(self, size: int) -> list[Widget]:
        widgets = [w for group in self._turn_groups(size) for w in group]
        return ([self._earlier_marker()] if self.older is not None else []) + widgets

    def _turn_groups(self, size: int) -> list[list[Widget]]:
        """The blocks of up to `size` turns before the earliest shown, oldest turn first."""
        commits: list[pygit2.Commit] = []
        commit = self.older
        while commit is not None and len(commits) < size:
            commits.append(commit)
            commit = commit.parents[0] if commit.parents else None
        self.older = commit
        return [turn_widgets(c) for c in reversed(commits)]

    def _earlier_marker(self) -> Static:
        assert self.older is not None
        return Static(literal(f"▲ {turns.turn_number(self.older)} earlier turns: scroll up to load"), classes="earlier")

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new >= self.max_scroll_y and self.max_scroll_y > 0:
            self.below.display = False
            self.following = True
        if new == 0 and self.older is not None and self.is_mounted:
            self.run_worker(self.load_earlier(), group="earlier")

    async def show_prompt(self, text: str, attachments: list[Attachment] | None = None) -> None:
        """The person's prompt, drawn as soon as it is sent."""
        await self.query(".welcome").remove()
        await self.mount(PromptBlock(text, attachments))
        self.in_turn, self.aside = True, None
        self.follow()

    async def note(self, text: str, kind: str = "info") -> None:
        """A notice outside the dialogue."""
        await self.show(NoticeBlock(text, kind))

    async def show(self, widget: Widget) -> None:
        """Any other block (a diff, a list) a slash command draws inline, below the running turn if there is one."""
        await self.mount(widget)
        if self.in_turn and self.aside is None:
            self.aside = widget
        self._added()

    async def _add(self, widget: Widget) -> None:
        """A block of the running turn: after the turn's earlier blocks, above anything drawn meanwhile."""
        self.in_turn = True
        await self.mount(widget, before=self.aside)
        self._added()

    async def draw(self, event: Event) -> None:
        """Draw one event of the running turn."""
        match event:
            case TextDelta():
                if self.stream is None:
                    self.answer = AnswerBlock()
                    await self._add(self.answer)
                    self.stream = Markdown.get_stream(self.answer)
                await self.stream.write(safe(event.text))
            case AssistantMessage():
                await self._end_answer(event)
            case ToolStarted():
                block = ToolBlock(event.call)
                self.tools[event.call["id"]] = block
                await self._add(block)
            case ToolFinished():
                block = self.tools.pop(event.call["id"], None)
                if block is not None:
                    code = event.result.metadata.get("exit_code")
                    block.finish(ToolOutcome(event.result.output, event.result.is_error, code))
            case Notice():
                await self._add(NoticeBlock(event.text, "warning"))
            case Verdict():
                await self._add(NoticeBlock(event.text, "info" if event.allowed else "warning"))
            case TurnFinished():
                await self._add(Static(literal(outcome_footer(event.outcome)), classes="footer"))
            case TurnStarted():
                pass

    async def end_turn(self) -> None:
        """Settle what a turn that stopped early left open: a streaming answer, tool calls still spinning."""
        if self.stream is not None:
            await self.stream.stop()
        self.stream = self.answer = None
        for block in self.tools.values():
            block.finish(ToolOutcome("interrupted before it finished", True))
        self.tools.clear()
        self.in_turn, self.aside = False, None

    async def _end_answer(self, event: AssistantMessage) -> None:
        if self.stream is not None:
            await self.stream.stop()
        elif any(b.get("type") == "text" and b["text"].strip() for b in event.response.content):
            # A model that does not stream (the scripted one) gives its text only in the full response.
            text = "".join(b["text"] for b in event.response.content if b.get("type") == "text")
            await self._add(AnswerBlock(text))
        self.stream = None
        self.answer = None
