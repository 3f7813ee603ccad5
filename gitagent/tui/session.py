"""What the chat screen works on, without any widgets: the open conversation, the options turns run with,
the session's running totals, and the git operations behind the slash commands. Blocking calls here run in
worker threads; the app only renders."""

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pygit2

from gitagent.agent.compact import Compacted, compact_conversation
from gitagent.agent.compaction import Compactor
from gitagent.agent.events import EventSink, TurnOutcome
from gitagent.agent.guard import Guard
from gitagent.agent.hooksession import HookSession
from gitagent.agent.modelchoice import choose_model, model_choice
from gitagent.agent.permissions import Approver, permissions_for
from gitagent.agent.rules import parse_rule
from gitagent.agent.sandboxing import network_allowed, sandbox_choice
from gitagent.agent.session import (
    close_interrupted_turn,
    discard_turn,
    new_conversation_name,
    resume_turn,
    run_turn,
    unused_name,
)
from gitagent.agent.setup import RunOptions, hook_runner, turn_settings
from gitagent.agent.turn import TurnSettings
from gitagent.errors import GitagentError
from gitagent.models.base import Usage
from gitagent.models.catalog import context_window
from gitagent.models.keys import require_sign_in
from gitagent.models.registry import check_spec
from gitagent.store import inflight, operations, turns
from gitagent.store.conversations import Conversation, base_commit, get_conversation, list_conversations
from gitagent.store.refs import conversation_ref, read_ref, validate_name
from gitagent.store.repo import user_identity, workdir
from gitagent.subagents.setup import install_for_chat
from gitagent.tui.interrupt import Interruptible
from gitagent.tui.prompting import Prompt
from gitagent.tui.undo import undo_rewind
from gitagent.workspace.share import apply_to_checkout, export_branch, export_message
from gitagent.workspace.worktree import worktree_for

AFTER_INTERRUPT = "type your next message to carry on from here, /resume finishes the turn, /discard drops it"
"""What a person can do once a turn was interrupted."""


@dataclass
class Totals:
    """Tokens and cost of the open conversation's turns, and the context its last request filled."""

    tokens: int = 0
    cost_usd: float = 0.0
    context_tokens: int = 0
    usage: Usage = field(default_factory=Usage)
    turns: int = 0

    def add(self, outcome: TurnOutcome) -> None:
        """Count a finished turn."""
        self.tokens += outcome.usage.total
        self.cost_usd += outcome.cost_usd or 0.0
        self.usage.add(outcome.usage)
        self.turns += 1

    def saw_request(self, usage: Usage) -> None:
        """Note how much of the context window the latest request used."""
        self.context_tokens = usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens


@dataclass
class ChatSession:
    """The conversation open in the chat, and everything a slash command does to it."""

    repo: pygit2.Repository
    options: RunOptions
    name: str | None = None
    """None until the first prompt of a new conversation names it."""
    approver: Approver | None = None
    totals: Totals = field(default_factory=Totals)
    recorded: Totals = field(default_factory=Totals)
    """What the open conversation has used, all its turns (read from git in a worker when it opens and after
    each turn); the status bar shows it."""
    worker: threading.Thread | None = None
    """The thread running the current turn, so Esc can interrupt it."""
    hooks: HookSession = field(default_factory=lambda: HookSession(ends_with_turn=False))
    """The window's hook session: SessionStart at its first turn, SessionEnd when it closes or moves on."""
    guard: Guard | None = None
    """The guard of the latest turn, so a change of approval mode reaches a turn that is running."""

    @property
    def conversation(self) -> Conversation | None:
        """The open conversation as recorded, or None when it has no turn yet."""
        if self.name is None or read_ref(self.repo, conversation_ref(self.name)) is None:
            return None
        return get_conversation(self.repo, self.name)

    @property
    def interrupted(self) -> bool:
        """Whether the open conversation has a turn that was stopped before it committed."""
        return self.name is not None and inflight.load(self.repo, self.name) is not None

    @property
    def model_spec(self) -> str | None:
        """The model the next turn will use, or None when none can be chosen yet (no key, no flag)."""
        try:
            return choose_model(self.repo, self.options.model, self.name or "")
        except GitagentError:
            return None

    @property
    def context_share(self) -> float:
        """The share of the model's context window the last request filled."""
        spec = self.model_spec
        used = self.totals.context_tokens or self.recorded.context_tokens
        return used / context_window(spec) if spec else 0.0

    @property
    def sandbox_label(self) -> str:
        """What confines the agent's commands: bwrap, bwrap+network or none."""
        choice = sandbox_choice(self.repo, self.options.sandbox)
        if choice == "none":
            return "none (unconfined)"
        return "bwrap+network" if network_allowed(self.repo, self.name or "", self.options.allow_network) else choice

    @property
    def approval_mode(self) -> str:
        """auto or ask."""
        return permissions_for(self.repo, self.options.approval).mode

    @property
    def files_root(self) -> Path:
        """Where the conversation's files are: its worktree, or before its first turn the user's checkout."""
        worktree = worktree_for(self.repo, self.name) if self.name else None
        return worktree.path if worktree is not None and worktree.exists else workdir(self.repo)

    def open(self, name: str | None, must_exist: bool = True) -> None:
        """Open conversation `name` (None: a new one, named by its first prompt); `must_exist=False` lets a
        new conversation take `name`."""
        if name is not None:
            validate_name(name)
            unknown = read_ref(self.repo, conversation_ref(name)) is None and inflight.load(self.repo, name) is None
            if unknown and must_exist:
                get_conversation(self.repo, name)  # raises the error that lists the existing ones
        if self.hooks.started and (name != self.name or name is None):
            self.hooks.end("clear" if name is None else "resume", next_source="clear" if name is None else None)
        self.name = name
        self.totals.context_tokens = 0
        self.recorded = Totals()

    def close(self) -> None:
        """The window closes: the session's SessionEnd hooks run."""
        self.hooks.end("prompt_input_exit")

    def most_recent(self) -> str | None:
        """The most recently active conversation, if any."""
        found = list_conversations(self.repo)
        return found[0].name if found else None

    def run(self, prompt: str | Prompt, emit: EventSink) -> TurnOutcome:
        """Run one turn (blocking) and count it; a `Prompt` brings attachments and a command's settings. After
        an interruption, the interrupted turn is committed first as it stands (status `interrupted`), so the
        prompt carries on from what it did: Esc, then type."""
        request = prompt if isinstance(prompt, Prompt) else Prompt(prompt)
        if self.name is None:
            self.name = new_conversation_name(self.repo, request.text)
        settings = self._settings(emit, request)
        if self.interrupted:
            self.totals.add(close_interrupted_turn(self.repo, self.name, self._settings(lambda event: None)))
        outcome = run_turn(self.repo, self.name, request.text, settings, request.attachments)
        self.totals.add(outcome)
        return outcome

    def resume(self, emit: EventSink) -> TurnOutcome:
        """Finish the interrupted turn (blocking)."""
        if self.name is None:
            raise GitagentError("no conversation is open")
        outcome = resume_turn(self.repo, self.name, self._settings(emit))
        self.totals.add(outcome)
        return outcome

    def discard(self) -> int:
        """Drop the interrupted turn; returns its number."""
        if self.name is None:
            raise GitagentError("no conversation is open")
        return discard_turn(self.repo, self.name)

    def _settings(self, emit: EventSink, request: Prompt | None = None) -> TurnSettings:
        options = self.options
        if request is not None and request.model:
            options = RunOptions(**{**options.__dict__, "model": request.model})
        settings = turn_settings(self.repo, self.name or "", options, emit)
        if request is not None:
            settings.guard.permissions.allow += [parse_rule(rule, request.origin) for rule in request.allowed_tools]
        settings.guard.approver = self.approver
        settings.session = self.hooks
        self.guard = settings.guard
        if settings.model is not None:  # an outside executor's stream is read in slices already
            settings.model = Interruptible(settings.model)  # Esc must not wait for the model's next word
        install_for_chat(settings, self.repo, options, emit)
        return settings

    def fork(self, new_name: str | None) -> str:
        """Fork the open conversation at its latest turn and open the fork; returns the fork's name."""
        conversation = self._require_turns()
        new_name = new_name or unused_name(self.repo, f"{conversation.name}-fork")
        operations.fork(self.repo, conversation.head, new_name)
        self.open(new_name)
        return new_name

    def rewind(self, commit: pygit2.Commit, force: bool = False) -> pygit2.Commit:
        """Roll the open conversation back to turn `commit`, code and dialogue together."""
        return operations.rewind(self.repo, self._require_turns(), str(commit.id), force)

    def undo_rewind(self) -> tuple[pygit2.Commit, int]:
        """Bring back the turns the last rewind left; the new head and how many turns came back."""
        return undo_rewind(self.repo, self._require_turns())

    def apply(self) -> list[str]:
        """Apply the conversation's changes to the user's checkout, uncommitted; the paths changed."""
        head = self._require_turns().head
        return apply_to_checkout(self.repo, base_commit(self.repo, head).tree.id, turns.workspace_tree(head))

    def export(self, branch: str) -> pygit2.Oid:
        """Create `branch` with the conversation's changes as one commit on its base."""
        conversation = self._require_turns()
        head = conversation.head
        name, email = user_identity(self.repo)
        author = pygit2.Signature(name, email)
        message = export_message(conversation.name, head)
        base = base_commit(self.repo, head)
        return export_branch(self.repo, branch, base, turns.workspace_tree(head), message, author)

    def compact(self, emit: EventSink) -> Compacted:
        """Summarise the history so later turns send less (blocking: it asks the model)."""
        conversation = self._require_turns()
        choice = model_choice(self.repo, self.options.model, conversation.name, self.options.base_url)
        hooks = hook_runner(self.repo, conversation.name, self.options.trust_repo, emit)
        guard = Guard(permissions_for(self.repo, self.options.approval), hooks=hooks)
        model = choice.load()
        return compact_conversation(self.repo, conversation.name, model, Compactor(), guard)

    def set_approval(self, mode: str) -> None:
        """Use approval `mode` from now on, in the running turn too."""
        self.options = RunOptions(**{**self.options.__dict__, "approval": mode})
        if self.guard is not None:
            self.guard.permissions.mode = mode

    def set_model(self, spec: str) -> str:
        """Use `spec` for the next turns. It is checked now (a typo, a script that cannot be read, a provider with
        no key), so a prompt is never lost to it, but without loading the provider's SDK: that takes a second or
        two and happens in the turn's worker thread instead, so the screen never waits for it."""
        check_spec(spec)
        if not self.options.base_url:  # a --base-url server may need no key
            require_sign_in(spec)
        self.options = RunOptions(**{**self.options.__dict__, "model": spec})
        return spec

    def _require_turns(self) -> Conversation:
        conversation = self.conversation
        if conversation is None:
            raise GitagentError("this conversation has no turns yet", "send a prompt first")
        return conversation
