"""Asking the person about a tool call from the turn's thread, and remembering "allow for this session".

The turn's thread shows the dialog on the app's thread and waits for the answer itself, in short slices: so
Esc or quitting reaches it at once, and a chat that closes with the dialog open denies the call instead of
leaving the thread (and the process) waiting forever.
"""

from concurrent.futures import Future
from concurrent.futures import TimeoutError as NotYet
from pathlib import Path
from typing import Any

from textual.app import App

from gitagent.agent.permissions import Decision
from gitagent.tui.interrupt import WAIT_SLICE_S
from gitagent.tui.screens.approval import ApprovalScreen

CLOSED = Decision(False, "person", "the chat was closed")


def session_key(call: dict[str, Any]) -> tuple[str, str]:
    """What "allow for this session" covers: every edit, or this exact command."""
    if call["name"] in ("Write", "Edit"):
        return ("edit", "*")
    return (call["name"], str((call.get("input") or {}).get("command", "")))


class Approvals(App[None]):
    """The part of the chat app that asks for approvals."""

    allowed_for_session: set[tuple[str, str]]
    pending_approval: "Future[Decision] | None"

    def approval_root(self) -> Path:
        """Where the files an edit changes are (the dialog diffs against them)."""
        raise NotImplementedError

    def approval_opened(self, call: dict[str, Any]) -> None:
        """The dialog is up (the app may say it is waiting)."""

    def approval_closed(self) -> None:
        """The dialog was answered."""

    def approve(self, call: dict[str, Any]) -> Decision:
        """Called by the guard in the turn's thread (or a subagent's: the call then carries `agent`, which the
        dialog names): ask on the app's thread, wait here."""
        answer: Future[Decision] = Future()
        if not self.is_running:  # a background agent asking after the chat closed
            return CLOSED
        self.call_from_thread(self._ask, call, answer)
        while True:
            try:
                return answer.result(timeout=WAIT_SLICE_S)
            except NotYet:
                continue

    def _ask(self, call: dict[str, Any], answer: "Future[Decision]") -> None:
        key = session_key(call)
        if key in self.allowed_for_session:
            answer.set_result(Decision(True, "person", "allowed for this session"))
            return
        scope = "all edits this session" if key[1] == "*" else "this command this session"

        def answered(decision: Decision | None) -> None:
            self.pending_approval = None
            self.approval_closed()
            decision = decision or CLOSED
            if decision.allowed and decision.reason.endswith("this session"):
                self.allowed_for_session.add(key)
            if not answer.done():
                answer.set_result(decision)

        self.pending_approval = answer
        self.approval_opened(call)
        agent = call.get("agent")  # a subagent's call: its files are in its own worktree
        root = Path(agent["root"]) if agent else self.approval_root()
        self.push_screen(ApprovalScreen(call, scope, root), callback=answered)

    def deny_pending(self) -> None:
        """Answer an open dialog with a denial (the chat is closing)."""
        if isinstance(self.screen, ApprovalScreen):
            self.screen.action_deny()
        if self.pending_approval is not None and not self.pending_approval.done():
            self.pending_approval.set_result(CLOSED)
