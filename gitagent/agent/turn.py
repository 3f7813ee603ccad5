"""A turn being run: the agent it drives, its in-flight saves, its hooks, and its commit."""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pygit2

from gitagent.agent.codemap import BackgroundMap
from gitagent.agent.compaction import Compactor
from gitagent.agent.events import EventSink, Notice, TurnFinished, TurnOutcome, TurnStarted
from gitagent.agent.executors.base import BuiltinExecutor, Executor
from gitagent.agent.guard import Guard, HookStop, unguarded
from gitagent.agent.history import conversation_messages
from gitagent.agent.hooksession import HookSession
from gitagent.agent.limits import TurnLimit
from gitagent.agent.output import OutputContract
from gitagent.agent.record import TurnRecord, turn_messages
from gitagent.agent.transcript import Transcript, transcript_path
from gitagent.errors import GitagentError, disk_error
from gitagent.models.base import Model
from gitagent.models.errors import AuthenticationFailed
from gitagent.sandbox import Sandbox
from gitagent.store import inflight, turns
from gitagent.store.repo import git_dir, user_identity
from gitagent.testpoints import kill_point
from gitagent.tools.base import Tool, ToolContext
from gitagent.workspace import worktree as wt
from gitagent.workspace.filling import Filling
from gitagent.workspace.sessionenv import SessionEnv, session_env_dir
from gitagent.workspace.snapshot import PreparedSnapshot, Snapshot, take_snapshot

if TYPE_CHECKING:
    from gitagent.agent.loop import Agent
    from gitagent.mcp.setup import McpSetup
    from gitagent.mcp.toolset import McpToolset
    from gitagent.skills import Skill
    from gitagent.subagents.definitions import AgentDefinition
    from gitagent.subagents.host import Subagents

DEFAULT_MAP_TOKENS = 1024


START_EVENTS = ("SessionStart", "UserPromptSubmit")
"""The hooks a turn runs before its first model request."""


def landed_notice(name: str, landed: str) -> str:
    """What a user is told when a turn's conversation moved on before the turn could commit on it."""
    return (
        f"{name!r} moved on while this turn ran (a pull, or another process); the turn is kept: it was committed"
        f" as conversation {landed!r}, which forks {name!r} where the turn began; continue it with"
        f" `gitagent run -c {landed}`"
    )


class TurnInterrupted(GitagentError):
    """A turn stopped by a failure; what it had done is saved as its in-flight state."""


@dataclass
class TurnSettings:
    """How to run turns: executor, model, sandbox, step budget, where events go, the guard, compaction, skills."""

    model: Model | None
    """The built-in loop's model (None when an outside executor runs its own)."""
    make_sandbox: Callable[[wt.Worktree], Sandbox]
    max_steps: int = 100
    emit: EventSink = lambda event: None
    guard: Guard = field(default_factory=unguarded)
    compactor: Compactor | None = field(default_factory=Compactor)
    instructions: str = ""
    """The project's and the user's instruction files (`load_instructions`), read once for the session."""
    skills: "list[Skill]" = field(default_factory=list)
    repo_map_tokens: int = DEFAULT_MAP_TOKENS
    """Budget of the code map in the first turn's system prompt (0: none)."""
    session: HookSession = field(default_factory=HookSession)
    """The hook session the turn belongs to: by default its own (a `run`); the chat keeps one per window."""
    output: OutputContract | None = None
    """The schema the turn's answer must match (a typed turn), recorded as `output_schema` in `turn.json`."""
    max_cost: float | None = None
    """USD the turn may spend on model calls (None: no limit)."""
    mcp: "McpSetup | None" = None
    """The MCP servers the turn may start (None: none configured, or none trusted)."""
    executor: Executor = field(default_factory=BuiltinExecutor)
    """What runs the turn: the built-in loop, or Claude Code or Codex (`gitagent.agent.executors`)."""
    subagents: "Subagents | None" = None
    """The children the turn may start with the Agent tool (None: no Agent tool)."""
    role: "AgentDefinition | None" = None
    """A subagent's definition: its system prompt and the tools it may use (None: gitagent's own)."""

    @property
    def model_spec(self) -> str:
        """The model the turn runs, as recorded before it starts."""
        if self.executor.spec is not None:
            return self.executor.spec
        if self.model is None:
            raise ValueError("the built-in executor needs a model")
        return self.model.spec


@dataclass
class Turn:
    """One turn of a conversation from its first save to its commit."""

    repo: pygit2.Repository
    state: inflight.InFlight
    record: TurnRecord
    conversation_blob: pygit2.Oid
    worktree: wt.Worktree
    sandbox: Sandbox
    head: pygit2.Commit | None
    settings: TurnSettings
    extra_trailers: list[tuple[str, str]] = field(default_factory=list)
    filling: Filling | None = None
    """The worktree's files being written in the background (`session.turn_worktree`), or None: written."""
    next_snapshot: PreparedSnapshot | None = field(default=None, init=False)
    errors: list[str] = field(default_factory=list, init=False)
    code_map: BackgroundMap | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.executor_tree = turns.executor_tree(self.head)
        """The executors' session state (`executor/`): the head's, until an outside executor replaces it."""
        if self.settings.output is not None:
            self.record.data["output_schema"] = self.settings.output.schema
        self.history = list(self.record.context) if self.record.context else conversation_messages(self.head)
        guard = self.settings.guard  # one guard may serve many turns (the TUI): point it at this one
        guard.transcript = Transcript(transcript_path(self.repo, self.state.name), self.history)
        guard.notify = lambda text: self.settings.emit(Notice(text))
        guard.emit = self.settings.emit
        guard.stop_hook_active = False
        guard.permissions.worktree = self.worktree.path  # path rules see the agent's paths as the checkout's
        # Servers start now, in the background, while the hooks run and the turn is first saved.
        if self.settings.mcp:
            self.files_ready()  # a server may read the files as it starts
        self.mcp = self.settings.mcp.start(self.worktree.path) if self.settings.mcp else None
        guard.tool_fields = self.mcp.hook_fields if self.mcp else lambda name: {}
        if self.head is None and self.settings.repo_map_tokens > 0:  # a new conversation's prompt has a code map
            budget, emit = self.settings.repo_map_tokens, self.settings.emit
            tree = str(self.filling.tree) if self.filling and self.filling.tree else None
            self.code_map = BackgroundMap(self.worktree.path, git_dir(self.repo), budget, emit, tree, self.files_ready)

    def content(self, workspace: pygit2.Oid | None = None) -> turns.TurnContent:
        """The commit content of the turn as it stands."""
        record = self.record
        trailers = turns.turn_trailers(self.repo, record.data, record.usage.to_json(), record.tools_used, self.head)
        executor = record.data.get("executor")
        if executor:  # an outside executor and its version, for `git log` readers
            trailers.append(("Gitagent-Executor", f"{executor['name']} {executor['version']}".strip()))
        if record.agents:
            trailers.append(("Gitagent-Agents", ", ".join(record.agents)))
        return turns.TurnContent(
            record.data, self.conversation_blob, workspace, trailers + self.extra_trailers, record.prompt,
            record.answer, record.context, self.executor_tree,
        )  # fmt: skip

    def save(self) -> None:
        """Save the turn so far as the in-flight commit."""
        inflight.save(self.repo, self.state, self.content(), user_identity(self.repo))

    def files_ready(self) -> None:
        """Return once the worktree's files are all there (at once unless they are being written)."""
        if self.filling is not None:
            self.filling.wait()

    def start_hooks(self, resumed: bool) -> None:
        """SessionStart (once per session) and, for a new prompt, UserPromptSubmit: either may add context;
        the latter may refuse the prompt, which ends a one-turn session."""
        guard = self.settings.guard
        if guard.hooks is not None and any(h.event in START_EVENTS for h in guard.hooks.discovery.hooks):
            self.files_ready()  # the hooks may read the worktree
        self.record.add_context(self.settings.session.start(guard, self.record, resumed or self.head is not None))
        if resumed:
            return
        submitted = guard.run_hooks("UserPromptSubmit", {"prompt": self.record.prompt}, self.record)
        if submitted is not None and submitted.blocked:
            self.end_session()
            raise GitagentError(f"the prompt was refused by a UserPromptSubmit hook: {submitted.reason}")
        if submitted is not None:
            self.record.add_context(submitted.additional_context)

    def end_session(self) -> None:
        """SessionEnd, when this turn is the whole session (a `run`); recorded in the turn."""
        if self.settings.session.ends_with_turn:
            self.settings.session.end("other", self.record)

    def agent(self) -> "Agent":
        """The agent for this turn: prompt with project instructions and skills, tools, sandbox, guard."""
        # the built-in loop's own parts: a turn an outside executor runs never loads them
        from gitagent.agent.loop import Agent
        from gitagent.agent.prompt import system_prompt
        from gitagent.models.after import AnswersAfter
        from gitagent.skills import skills_prompt
        from gitagent.tools import default_tools
        from gitagent.tools.skill import SkillTool

        settings = self.settings
        if settings.model is None:
            raise ValueError("the built-in executor needs a model")
        skills = skills_prompt(settings.skills)
        code_map = self.code_map.prompt_text() if self.code_map else ""
        servers = ""
        if self.mcp is not None:
            self.mcp.ready(lambda text: settings.emit(Notice(text)))
            self.mcp.remember(self.history + turn_messages(self.record.events))
            servers = self.mcp.prompt_text()
        extra = "\n\n".join(p for p in (settings.instructions, skills, servers, code_map) if p)
        system = system_prompt(self.worktree.path, extra)
        tools = default_tools() + ([SkillTool(settings.skills)] if settings.skills else [])
        if settings.subagents is not None:
            settings.subagents.attach(self)
            tools += settings.subagents.tools()
        mcp = self.mcp
        if settings.role is not None:
            system = settings.role.system_prompt(self.worktree.path) + (f"\n\n{extra}" if extra else "")
            tools, mcp = self.role_tools(tools)
        context = ToolContext(self.worktree.path, self.sandbox, self.session_env().script)
        model = AnswersAfter(settings.model, self.files_ready) if self.filling is not None else settings.model
        return Agent(
            model, system, tools, context, settings.max_steps, settings.guard, settings.compactor, mcp,
            output=settings.output, max_cost=settings.max_cost, children=settings.subagents,
        )  # fmt: skip

    def session_env(self) -> SessionEnv:
        """The conversation's session environment: its hook runner's (which knows when hooks changed it)."""
        hooks = self.settings.guard.hooks
        if hooks is not None and hooks.session_env is not None:
            return hooks.session_env
        return SessionEnv(session_env_dir(self.repo, self.state.name))

    def role_tools(self, tools: list[Tool]) -> tuple[list[Tool], "McpToolset | None"]:
        """The tools a subagent's definition allows (its MCP tools only when it names some)."""
        role = self.settings.role
        assert role is not None
        if role.tools is None:
            return tools, self.mcp
        allowed = set(role.tools)
        unknown = sorted(allowed - {t.name for t in tools} - {n for n in allowed if n.startswith("mcp__")})
        if unknown:
            self.settings.emit(Notice(f"agent {role.name}: tools not available in gitagent: {', '.join(unknown)}"))
        keep_mcp = any(n.startswith("mcp__") for n in allowed)
        return [t for t in tools if t.name in allowed], self.mcp if keep_mcp else None

    def run(self, resumed: bool) -> TurnOutcome:
        """Have the executor drive the turn to an answer (or a limit, or a hook's stop) and commit; save and
        re-raise on failure."""
        settings = self.settings
        settings.emit(TurnStarted(self.state.name, self.record.data["turn"], settings.model_spec, resumed))
        if resumed and settings.subagents is not None:
            settings.subagents.attach(self)
            settings.subagents.resume_interrupted()
        status = "complete"
        try:
            settings.executor.run(self, resumed)
        except (TurnLimit, HookStop) as e:
            status = e.status if isinstance(e, TurnLimit) else "stopped"
            self.errors = e.errors if isinstance(e, TurnLimit) else [str(e)]
            self.record.add_error("\n".join([str(e), *(f"  {line}" for line in self.errors if line != str(e))]))
        except KeyboardInterrupt:
            self.record.add_error("interrupted by the user")
            self.save()  # first: a second Ctrl-C during SessionEnd must not lose the turn
            self.end_session()
            self.save()
            raise
        except Exception as e:
            if isinstance(e, AuthenticationFailed) and not resumed and not self.record.steps:
                self.end_session()
                self.abandon()  # the model never answered: nothing to resume, and the error names the key to set
                raise
            error = disk_error(e) if isinstance(e, OSError) else e if isinstance(e, GitagentError) else None
            message = error.message if error else f"{type(e).__name__}: {e}"
            self.record.add_error(message)
            self.end_session()
            with contextlib.suppress(OSError, pygit2.GitError):  # a full disk that failed the step fails this too
                self.save()
            raise TurnInterrupted(message, error.hint if error else None) from e
        finally:
            if self.code_map is not None:
                self.code_map.stop()
        return self.commit(status)

    def abandon(self) -> None:
        """Leave no trace of a turn that did nothing: no in-flight turn, and no worktree for a conversation that
        has no turn."""
        inflight.clear(self.repo, self.state)
        if self.head is None:
            if self.filling is not None:
                self.filling.join()  # removed once written, never while git writes it
            wt.remove(self.worktree)

    def prepare_snapshot(self) -> None:
        """Start reading what the end-of-turn snapshot needs, in the background while the model works (the
        executor calls this once its model is at work: the reading would hold up its start)."""
        self.next_snapshot = PreparedSnapshot(self.worktree, self.files_ready)

    def snapshot(self) -> Snapshot:
        """The worktree's files as a tree (a review's read-only worktree overrides this: it cannot change)."""
        self.files_ready()
        return self.next_snapshot.take() if self.next_snapshot else take_snapshot(self.worktree)

    def commit(self, status: str) -> TurnOutcome:
        """Snapshot the worktree and write the turn commit (PreTurnCommit hooks may add trailers)."""
        snapshot = self.snapshot()
        kill_point("turn-snapshot")
        left_out = [item.to_json() for item in snapshot.left_out]
        self.end_session()
        self.record.finish(status, left_out)
        about: dict[str, Any] = {"conversation": self.state.name, "turn": self.record.data["turn"]}
        before = self.settings.guard.run_hooks("PreTurnCommit", {**about, "prompt": self.record.prompt}, self.record)
        self.extra_trailers = before.trailers if before is not None else []
        oid = inflight.commit(self.repo, self.state, self.content(snapshot.tree), user_identity(self.repo))
        name = self.state.landed_as or self.state.name
        if self.state.landed_as:
            self.settings.emit(Notice(landed_notice(self.state.name, name)))
        self.settings.guard.run_hooks("PostTurnCommit", {**about, "commit": str(oid)}, self.record)
        record = self.record
        outcome = TurnOutcome(
            conversation=name, turn=record.data["turn"], commit=str(oid), model=record.data["model"],
            status=status, result=record.answer, usage=record.usage, cost_usd=record.cost_usd,
            tool_calls=record.tool_call_count, duration_ms=record.data["duration_ms"], left_out=left_out,
            structured_output=record.structured_output, errors=self.errors,
        )  # fmt: skip
        self.settings.emit(TurnFinished(outcome))
        return outcome
