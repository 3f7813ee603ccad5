"""Running a conversation's children: in the foreground or in background threads, within the tree's limits.

Children run in threads of the parent's process: a turn spends its time waiting on the model and on
sandboxed commands (neither holds the GIL), threads share the parent's loaded code and start in
microseconds, and a child's whole state is in git anyway, so a process boundary would buy nothing: if the
parent dies, its children die with it and each resumes from its own in-flight record (`run --resume` on the
parent resumes them). Each child runs through the Python API, the same turn `gitagent run` takes.
"""

import atexit
import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygit2

from gitagent.agent.events import EventSink, Notice
from gitagent.agent.interruption import raise_in_thread
from gitagent.agent.permissions import Approver, Decision
from gitagent.errors import GitagentError
from gitagent.store import inflight, turns
from gitagent.subagents.definitions import AgentDefinition, AgentDiscovery
from gitagent.subagents.models import continued_model
from gitagent.subagents.notify import Finished, notification, report
from gitagent.subagents.start import Task, agent_info, start_child, unfinished_children
from gitagent.workspace.worktree import worktree_for

if TYPE_CHECKING:
    from collections.abc import Callable

    from gitagent.agent.turn import Turn
    from gitagent.api.conversation import Conversation, Repository
    from gitagent.api.options import Options
    from gitagent.api.result import Result
    from gitagent.tools.base import Tool

DEFAULT_MAX_AGENTS = 4
DEFAULT_MAX_DEPTH = 2
WAIT_SLICE_S = 0.1
"""How long a thread waits at a time for a child or its turn to ask: an interruption reaches it within this."""
EXIT_WAIT_S = 5.0
"""How long a process that is leaving waits for its interrupted background children to save themselves."""


@dataclass
class AgentTree:
    """What a conversation and all its descendants share in this process: the slots, the depth and cost limits."""

    max_agents: int = DEFAULT_MAX_AGENTS
    max_depth: int = DEFAULT_MAX_DEPTH
    max_cost: float | None = None
    slots: threading.Semaphore = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)
    costs: dict[str, float] = field(default_factory=dict)
    asking: threading.Lock = field(default_factory=threading.Lock)
    """Held while a person is asked about a call of the tree: one question at a time."""

    def __post_init__(self) -> None:
        self.slots = threading.BoundedSemaphore(self.max_agents)

    def add_cost(self, cost: float | None) -> None:
        """Count what a child's turn cost against the tree's limit."""
        with self.lock:
            self.costs["children"] = self.costs.get("children", 0.0) + (cost or 0.0)

    @property
    def children_cost(self) -> float:
        """USD the children's turns have cost so far."""
        with self.lock:
            return self.costs.get("children", 0.0)

    def one_at_a_time(self, approver: Approver) -> Approver:
        """`approver` asking one question of the tree at a time (children run in parallel; the person is one)."""

        def ask(call: dict[str, Any]) -> Decision:
            with self._turn_to_ask():
                return approver(call)

        return ask

    @contextlib.contextmanager
    def _turn_to_ask(self) -> Iterator[None]:
        while not self.asking.acquire(timeout=WAIT_SLICE_S):
            pass
        try:
            yield
        finally:
            self.asking.release()


@dataclass(frozen=True)
class Lineage:
    """Where a conversation stands in a tree of agents: the shared tree, its depth, its definition."""

    tree: AgentTree
    depth: int = 0
    definition: AgentDefinition | None = None
    approver: Approver | None = None
    """Where a child's calls that need a person's approval go: its parent's approver (the chat's dialog, the
    API's `approve`), told which agent asks. None: no one can approve them, as in a headless run."""


@dataclass(eq=False)
class Child:
    """A child conversation this host started or resumed, while it runs and until its end is reported."""

    name: str
    task: Task
    start: str
    started: float = field(default_factory=time.monotonic)
    thread: threading.Thread | None = None
    finished: Finished | None = None
    reported: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    """Set when its run ends. Waited on rather than joining the thread: a join cut short by Ctrl-C marks a
    thread that still runs as stopped (Python 3.11), and the child must still be waited for and interrupted."""


class Subagents:
    """The children of one conversation's turn: starts them, runs them, reports them back to the parent."""

    def __init__(
        self, repository: "Repository", options: "Options", lineage: Lineage, agents: AgentDiscovery, emit: EventSink
    ) -> None:
        self.repository, self.options, self.lineage, self.agents, self.emit = repository, options, lineage, agents, emit
        self.children: dict[str, Child] = {}
        self.turn: Turn | None = None
        self.lock = threading.Lock()

    @property
    def can_spawn(self) -> bool:
        """Whether this conversation may start children (the tree's depth limit)."""
        return self.lineage.depth < self.lineage.tree.max_depth

    def attach(self, turn: "Turn") -> None:
        """Serve `turn` (its worktree, record and hooks)."""
        self.turn = turn

    def tools(self) -> list["Tool"]:
        """Agent (within the depth limit), SendMessage and MergeAgent."""
        from gitagent.subagents.tools import subagent_tools

        return subagent_tools(self)

    def spawn(self, task: Task, definition: AgentDefinition | None, model: str) -> tuple[str, str]:
        """Start a child: its name and, in the foreground, its report (after waiting), else that it started."""
        assert self.turn is not None
        repo = self.repository.handle()
        name, start = start_child(repo, self.turn, task, model)
        child = Child(name, task, str(start))
        self._hook_start(child)
        self.emit(Notice(f"agent {name} started: {task.description or task.agent_type}"))
        options = self._child_options(model)
        report = self._launch(child, lambda c: c.turn(task.prompt, **options), definition)
        return name, report or (
            f"Started agent {name} in the background ({task.description}). You will be notified when it "
            "finishes; its changes stay in its own worktree until you merge them with MergeAgent."
        )

    def _launch(
        self, child: Child, call: "Callable[[Conversation], Result]", definition: AgentDefinition | None
    ) -> str | None:
        """Run `call` on the child's conversation: in the foreground, then its report; else in a thread (None)."""
        with self.lock:
            self.children[child.name] = child
        if not child.task.background:
            self._run(child, call, definition)
            return self.collect(child)
        child.thread = threading.Thread(
            target=self._run, args=(child, call, definition), name=f"gitagent-{child.name}", daemon=True
        )
        with _BACKGROUND_LOCK:
            _BACKGROUND.add(child)
        child.thread.start()
        return None

    def continue_child(self, name: str, message: str, background: bool) -> str:
        """A new turn of finished child `name` with `message` (its context intact); its report, or that it started."""
        repo = self.repository.handle()
        head = _child_head(repo, name)
        info = agent_info(head)
        assert self.turn is not None
        if info is None or info.get("parent") != self.turn.state.name:
            raise GitagentError(f"{name!r} is not an agent of this conversation")
        with self.lock:
            running = self.children.get(name)
            if running is not None and running.finished is None:
                raise GitagentError(f"agent {name} is still running; wait for its notification")
        task = Task(info["type"], info.get("description", ""), message, info.get("tool_use_id", ""), background)
        recorded = turns.read_turn(head).get("model") or self.turn.settings.model.spec
        options = self._child_options(
            continued_model(self.turn.settings.model.spec, recorded, task.agent_type, message)
        )
        report = self._launch(Child(name, task, info["start"]), lambda c: c.turn(message, **options), None)
        return report or f"Sent the message to agent {name}; it runs in the background and you will be notified."

    def resume_interrupted(self) -> list[str]:
        """Resume (in the background) every child of this conversation a crash left unfinished: one with an
        in-flight turn, or one whose first turn never started. Returns their names."""
        assert self.turn is not None
        repo = self.repository.handle()
        resumed = []
        for conversation in unfinished_children(repo, self.turn.state.name):
            name = conversation.name
            if name in self.children:
                continue
            info = agent_info(conversation.head)
            assert info is not None
            interrupted = inflight.load(repo, name) is not None
            task = Task(info["type"], info.get("description", ""), info["prompt"], info.get("tool_use_id", ""), True)
            opts = self._child_options(turns.read_conversation(conversation.head).get("model"))
            call = (
                (lambda c, o=opts: c.resume(**o)) if interrupted else (lambda c, o=opts, p=task.prompt: c.turn(p, **o))
            )
            self._launch(Child(name, task, info["start"]), call, None)
            resumed.append(name)
            self.emit(Notice(f"agent {name} was interrupted; resuming it in the background"))
        return resumed

    def _child_options(self, model: str | None) -> dict[str, Any]:
        """The parent turn's options (sandbox, approval, trust…) with the child's model and what is left to spend."""
        limit = self.lineage.tree.max_cost
        remaining = None if limit is None else max(0.0, limit - self.lineage.tree.children_cost - self._own_cost())
        inherited = {f.name: getattr(self.options, f.name) for f in fields(self.options)}
        return {**inherited, "model": model, "max_cost": remaining}

    def _own_cost(self) -> float:
        return (self.turn.record.cost_usd or 0.0) if self.turn else 0.0

    def _run(self, child: Child, call: Any, definition: AgentDefinition | None) -> None:
        from gitagent.api.conversation import Conversation

        conversation = Conversation(self.repository, child.name)
        definition = definition or self._definition_of(child)
        conversation.lineage = Lineage(self.lineage.tree, self.lineage.depth + 1, definition, self._approver(child))
        try:
            with self.lineage.tree.slots:
                result = call(conversation)
            self.lineage.tree.add_cost(result.cost_usd)
            child.finished = Finished.of(self.repository.handle(), child.name, child.start, result)
        except KeyboardInterrupt:  # the person interrupted the parent, or the process is leaving: it is saved
            child.finished = Finished.failed(child.name, "interrupted", time.monotonic() - child.started)
            if child.thread is None:  # in the foreground the parent's turn is interrupted with it
                raise
            return
        except Exception as e:  # a child's failure is reported to the parent, never raised in its thread
            message = e.message if isinstance(e, GitagentError) else f"{type(e).__name__}: {e}"
            child.finished = Finished.failed(child.name, message, time.monotonic() - child.started)
        finally:
            with _BACKGROUND_LOCK:
                _BACKGROUND.discard(child)
            child.done.set()
        self.emit(Notice(f"agent {child.name} finished: {child.finished.status}"))

    def _approver(self, child: Child) -> Approver | None:
        """The parent's approver for `child`'s calls, each carrying `agent`: the asking child's name, task and
        worktree (a grandchild's call keeps its own)."""
        assert self.turn is not None
        parent = self.turn.settings.guard.approver
        if parent is None:
            return None
        root = worktree_for(self.repository.handle(), child.name).path
        about = {"name": child.name, "description": child.task.description, "root": str(root)}
        return lambda call: parent({**call, "agent": call.get("agent") or about})

    def _definition_of(self, child: Child) -> AgentDefinition | None:
        kind = child.task.agent_type
        return None if kind == "fork" else self.agents.get(kind)

    def collect(self, child: Child) -> str:
        """The report of a finished child, as the tool result of a foreground call (SubagentStop runs)."""
        assert child.finished is not None
        child.reported = True
        self._hook_stop(child)
        return report(child.name, child.task, child.finished)

    def notes(self) -> list[tuple[str, str]]:
        """A notification for each background child that finished since the last call (SubagentStop runs)."""
        with self.lock:
            done = [c for c in self.children.values() if c.finished is not None and not c.reported]
            for child in done:
                child.reported = True
        for child in done:
            self._hook_stop(child)
        return [(c.name, notification(c.name, c.task, c.finished)) for c in done if c.finished is not None]

    def running(self) -> list[Child]:
        """The children still running."""
        with self.lock:
            return [c for c in self.children.values() if c.finished is None]

    def wait(self) -> list[tuple[str, str]]:
        """Wait for every running child, then their notifications (none when none was running or unreported)."""
        for child in self.running():
            while not child.done.wait(WAIT_SLICE_S):  # in slices: the chat's Esc interrupts this thread
                pass
        return self.notes()

    def cost(self) -> float:
        """What this tree's children have cost so far (counted against `--max-cost`)."""
        return self.lineage.tree.children_cost

    def _hook_start(self, child: Child) -> None:
        assert self.turn is not None
        fields = {"agent_id": child.name, "agent_type": child.task.agent_type}
        self.turn.settings.guard.run_hooks("SubagentStart", fields, self.turn.record)

    def _hook_stop(self, child: Child) -> None:
        assert self.turn is not None and child.finished is not None
        guard = self.turn.settings.guard
        if guard.hooks is None or not guard.hooks.hooks_for("SubagentStop", {}):
            return
        fields = {
            "stop_hook_active": False, "agent_id": child.name, "agent_type": child.task.agent_type,
            "agent_transcript_path": str(_write_transcript(self.repository.handle(), child.name)),
            "last_assistant_message": child.finished.text,
            "background_tasks": [
                {"id": c.name, "type": "subagent", "status": "running", "description": c.task.description,
                 "agent_type": c.task.agent_type} for c in self.running()
            ],
            "session_crons": [],
        }  # fmt: skip
        self.turn.settings.guard.run_hooks("SubagentStop", fields, self.turn.record)


_BACKGROUND: set[Child] = set()
_BACKGROUND_LOCK = threading.Lock()


def _interrupt_background() -> None:
    """When the process leaves (Ctrl-C of `gitagent run`, quitting the chat), interrupt every background child
    still running, as the parent's turn was, and give them `EXIT_WAIT_S` to save themselves: each records the
    interruption in its in-flight turn, which `run --resume` on the parent picks up. One blocked where an
    interruption cannot reach it (a model's answer being read) stays as its last step saved it."""
    with _BACKGROUND_LOCK:
        running = list(_BACKGROUND)
        for child in running:  # still inside its run (the registry says so, not a join a Ctrl-C may have cut)
            if child.thread is not None and child.thread.ident is not None:
                raise_in_thread(child.thread.ident)
    deadline = time.monotonic() + EXIT_WAIT_S
    try:
        for child in running:
            child.done.wait(max(0.0, deadline - time.monotonic()))
    except KeyboardInterrupt:  # a second Ctrl-C: leave now; what each child saved so far stays
        pass


atexit.register(_interrupt_background)


def _write_transcript(repo: pygit2.Repository, name: str) -> Path:
    """The child's transcript (Claude Code's JSONL), written from its latest turn for SubagentStop hooks."""
    from gitagent.agent.history import conversation_messages
    from gitagent.agent.record import TurnRecord
    from gitagent.agent.transcript import Transcript, transcript_path

    path = transcript_path(repo, name)
    try:
        head = _child_head(repo, name)
    except GitagentError:
        return path
    earlier = conversation_messages(head.parents[0]) if head.parents else []
    Transcript(path, earlier).write(TurnRecord(turns.read_turn(head)))
    return path


def _child_head(repo: pygit2.Repository, name: str) -> pygit2.Commit:
    from gitagent.store.conversations import get_conversation

    return get_conversation(repo, name).head
