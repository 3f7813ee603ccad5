"""The conversation as a JSONL file that hooks can read (`transcript_path` in their input).

One line per message, shaped like Claude Code's transcripts (`{"type": "user"|"assistant", "message":
{...}}`), so hook scripts written for it read ours. Written only when a hook is about to run.
"""

import json
from pathlib import Path

import pygit2

from gitagent.agent.record import TurnRecord, turn_messages
from gitagent.models.base import Message
from gitagent.store.repo import state_dir


def transcript_path(repo: pygit2.Repository, conversation: str) -> Path:
    """Where the transcript of `conversation` is written for its hooks."""
    return state_dir(repo) / "transcripts" / f"{conversation}.jsonl"


class Transcript:
    """The transcript file of one conversation: earlier turns, then the current turn as it stands."""

    def __init__(self, path: Path, history: list[Message]) -> None:
        self.path = path
        self.history_lines = "".join(_line(m) for m in history)

    def write(self, record: TurnRecord) -> None:
        """Rewrite the file with the history and the current turn so far."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        current = "".join(_line(m) for m in turn_messages(record.events))
        self.path.write_text(self.history_lines + current, encoding="utf-8")


def _line(message: Message) -> str:
    return json.dumps({"type": message["role"], "message": message}, ensure_ascii=False) + "\n"
