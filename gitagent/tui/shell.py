"""`!command` in the chat: the person runs a shell command in the conversation's sandbox (the same bwrap
sandbox as the agent's Bash, in its worktree), sees the output, and the output goes with the next prompt.

A conversation without a turn has no worktree yet; its commands then run in the user's checkout, which the
worktree will start from, mounted read-only (they can look, build into /tmp, run tests; not change files).
"""

from pathlib import Path

from gitagent.agent.attachments import Attachment, shell_attachment
from gitagent.agent.sandboxing import network_allowed, sandbox_choice, sandbox_factory
from gitagent.agent.session import ensure_worktree
from gitagent.sandbox import BwrapSandbox, Sandbox, UnconfinedSandbox
from gitagent.store.repo import git_dir, workdir
from gitagent.tools.base import ToolResult
from gitagent.tools.bash import DEFAULT_TIMEOUT_MS, format_result
from gitagent.tui.session import ChatSession
from gitagent.workspace.worktree import worktree_for


def shell_place(session: ChatSession) -> tuple[Sandbox, Path]:
    """The sandbox a `!command` runs in, and its working directory."""
    repo = session.repo
    choice = sandbox_choice(repo, session.options.sandbox)
    network = network_allowed(repo, session.name or "", session.options.allow_network)
    conversation = session.conversation
    worktree = worktree_for(repo, session.name) if session.name else None
    if conversation is not None:
        head = conversation.head
        worktree = ensure_worktree(repo, conversation.name, head, head.tree["conversation.json"].id)
    if worktree is not None and worktree.exists:  # (an interrupted first turn has a worktree, not a head)
        return sandbox_factory(repo, choice, network)(worktree), worktree.path
    root = workdir(repo)
    if choice == "none":
        return UnconfinedSandbox(), root
    return BwrapSandbox(root, git_dir(repo), allow_network=network, read_only=True), root


def run_shell(session: ChatSession, command: str) -> tuple[ToolResult, Attachment]:
    """Run `command` (blocking; Esc interrupts it like a turn) and return what it printed, as the chat
    shows it and as the next prompt carries it."""
    sandbox, cwd = shell_place(session)
    result = sandbox.run(command, cwd=cwd, timeout=DEFAULT_TIMEOUT_MS / 1000)
    shown = format_result(result, DEFAULT_TIMEOUT_MS)
    return shown, shell_attachment(command, shown.output, result.exit_code)
