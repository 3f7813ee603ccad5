"""What the chat says when a turn stops early, and what it keeps of it.

A turn stopped by Esc keeps what it did (the next prompt carries on from it). A turn that failed before the
model answered at all (no key, a refused request, a provider that stayed down) did nothing worth keeping,
so it is dropped: the person fixes the cause and sends the prompt again, with no /resume or /discard chore.
"""

from gitagent.agent.turn import TurnInterrupted
from gitagent.errors import GitagentError
from gitagent.store import inflight, turns
from gitagent.tui.session import AFTER_INTERRUPT, ChatSession

RESEND = "Nothing was saved: fix that and send the prompt again (Up brings it back)."


def error_text(error: BaseException) -> str:
    """A readable notice for any failure: the message and its fix, never a traceback."""
    if isinstance(error, TurnInterrupted) and isinstance(error.__cause__, GitagentError):
        error = error.__cause__  # it carries the fix (which variable to set, what to run)
    if isinstance(error, GitagentError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def interrupted_notice() -> str:
    """What Esc leaves behind."""
    return f"Interrupted; what the turn did is kept: {AFTER_INTERRUPT}."


def failure_notice(session: ChatSession, error: BaseException) -> str:
    """The notice for a turn that failed; a turn that had done nothing yet is dropped first."""
    text = error_text(error)
    if not isinstance(error, TurnInterrupted):
        return text
    if _did_nothing(session):
        session.discard()
        return f"{text}\n{RESEND}"
    return f"{text}\nThe turn so far is saved: {AFTER_INTERRUPT}."


def _did_nothing(session: ChatSession) -> bool:
    commit = inflight.load(session.repo, session.name) if session.name else None
    if commit is None:
        return False
    kinds = {event["type"] for event in turns.read_turn(commit)["events"]}
    return not kinds & {"assistant", "tool_result"}
