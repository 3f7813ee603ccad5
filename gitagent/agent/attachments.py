"""What a prompt carries besides its words: files mentioned with `@path`, the output of `!command`s run
before it, and the instructions of a slash command. Each is recorded in the turn's user event (`attachments`)
and becomes text blocks of the user's message, so a resumed or later turn sends exactly the same thing.

Claude Code attaches an `@file` as the result of a Read call placed before the prompt, and a directory as a
listing; a custom slash command's expanded instructions follow the command line. gitagent keeps that order.
"""

from typing import Any

Attachment = dict[str, Any]


def file_attachment(path: str, content: str) -> Attachment:
    """A file the prompt mentions (`content` as the Read tool shows it: numbered lines)."""
    return {"type": "file", "path": path, "content": content}


def directory_attachment(path: str, entries: list[str]) -> Attachment:
    """A directory the prompt mentions, with its entries."""
    return {"type": "directory", "path": path, "entries": entries}


def shell_attachment(command: str, output: str, exit_code: int | None) -> Attachment:
    """A `!command` the person ran before this prompt, with its output."""
    return {"type": "shell", "command": command, "output": output, "exit_code": exit_code}


def command_attachment(name: str, arguments: str, text: str) -> Attachment:
    """The expanded instructions of slash command `/name` (a custom one, or `/init`)."""
    return {"type": "command", "name": name, "arguments": arguments, "text": text}


def before_prompt(attachment: Attachment) -> bool:
    """Whether the model reads this attachment before the prompt (files, directories, shell output) or after
    it (a command's instructions, which the prompt's command line introduces)."""
    return attachment["type"] != "command"


def attachment_text(attachment: Attachment) -> str:
    """The text the model reads for one attachment."""
    kind = attachment["type"]
    if kind == "file":
        return f"The user attached the file {attachment['path']} (@{attachment['path']}):\n{attachment['content']}"
    if kind == "directory":
        listing = "\n".join(attachment["entries"]) or "(empty)"
        return f"The user attached the directory {attachment['path']} (@{attachment['path']}), which holds:\n{listing}"
    if kind == "shell":
        code = attachment["exit_code"]
        ended = "" if code == 0 else f" (exit {code})" if code is not None else " (it did not finish)"
        return (
            f"The user ran this command in the worktree before writing the prompt{ended}:\n"
            f"$ {attachment['command']}\n{attachment['output']}"
        )
    return attachment["text"]


def attachment_summary(attachment: Attachment) -> str:
    """One line naming an attachment, for `gitagent show` and the chat."""
    kind = attachment["type"]
    if kind == "file":
        return f"@{attachment['path']} ({_count(len(attachment['content'].splitlines()), 'line')})"
    if kind == "directory":
        return f"@{attachment['path']}/ ({_count(len(attachment['entries']), 'entry', 'entries')})"
    if kind == "shell":
        code = attachment["exit_code"]
        return f"!{attachment['command']}" + ("" if code == 0 else f" (exit {code})")
    return f"/{attachment['name']}: {_count(len(attachment['text'].splitlines()), 'line')} of instructions"


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
