"""A hook session, as Claude Code has them: SessionStart once when it begins, SessionEnd once when it ends.

A `gitagent run` is one session, as `claude -p` is: SessionStart before its turn, SessionEnd (reason
`other`) after its Stop hooks, before the turn is committed, so both are in the turn's record. A chat window
is one session per conversation it shows: SessionStart at its first turn (recorded there), SessionEnd when
the window closes (`prompt_input_exit`), or when it moves to a new conversation (`clear`) or another one
(`resume`); a SessionEnd at the window's end has no open turn to be recorded in.

SessionStart's `source`: `startup` for a new conversation, `resume` for one that has turns (or an
interrupted turn being finished), `clear` after the chat's /new; a compaction fires SessionStart again with
`compact` (see `Guard.after_compaction`).

Each session's SessionStart hooks may add to the conversation's session environment (`CLAUDE_ENV_FILE`, see
`gitagent.workspace.sessionenv`); a new conversation's starts empty.
"""

import contextlib
from dataclasses import dataclass

from gitagent.agent.guard import Guard, HookStop
from gitagent.agent.record import TurnRecord

NEW_SESSION_SOURCES = ("startup", "clear")
"""SessionStart sources that begin a new conversation: its session environment starts empty, as a new
Claude Code session id's does (a name may be used again after `gitagent rm`)."""


@dataclass
class HookSession:
    """Whether a session has begun, and the guard whose hooks will end it."""

    ends_with_turn: bool = True
    """True for `run` (the session is its one turn); False for the chat (the window ends it)."""
    next_source: str | None = None
    """The `source` of the next SessionStart when it is not simply startup/resume (`clear`)."""
    started: bool = False
    guard: Guard | None = None

    def start(self, guard: Guard, record: TurnRecord, existing: bool) -> list[str]:
        """Run SessionStart unless this session already began; returns the context its hooks gave.

        `existing`: the conversation has turns, or an interrupted one is being finished."""
        self.guard = guard
        if self.started:
            return []
        self.started = True
        source = self.next_source or ("resume" if existing else "startup")
        self.next_source = None
        if source in NEW_SESSION_SOURCES and guard.hooks is not None and guard.hooks.session_env is not None:
            guard.hooks.session_env.reset()
        out = guard.run_hooks("SessionStart", {"source": source}, record)
        return out.additional_context if out is not None else []

    def end(self, reason: str, record: TurnRecord | None = None, next_source: str | None = None) -> None:
        """Run SessionEnd if the session began (once); `next_source` is for the session after it."""
        self.next_source = next_source
        if not self.started or self.guard is None:
            return
        self.started = False
        with contextlib.suppress(HookStop):  # the session is ending anyway
            self.guard.run_hooks("SessionEnd", {"reason": reason}, record)
