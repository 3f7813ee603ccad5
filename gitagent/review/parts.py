"""One part of a review: a turn of the review conversation, run read-only with the reviewer's own tools.

Parts run in parallel threads, each with its own in-flight ref (`refs/gitagent/review-inflight/<key>/<head>/<n>`,
its write lock and crash record) and its own repository handle. They commit one at a time, in the order
they finish, as consecutive turns of one chain on `refs/gitagent/reviews/<key>/<head>`: `git log` of that
ref is the whole review, and running the review again on the same head adds turns instead of losing any.
"""

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pygit2

from gitagent.agent.compaction import Compactor
from gitagent.agent.events import AssistantMessage, Event, Notice, TurnOutcome
from gitagent.agent.guard import Guard
from gitagent.agent.loop import Agent
from gitagent.agent.record import TurnRecord
from gitagent.agent.turn import Turn, TurnSettings
from gitagent.errors import GitagentError
from gitagent.models.base import Model
from gitagent.models.catalog import model_info
from gitagent.review.baseconfig import ReviewerConfig
from gitagent.review.diff import FileChange
from gitagent.review.findings import Finding, findings_of, part_contract
from gitagent.sandbox import Sandbox
from gitagent.store import inflight, turns
from gitagent.store.packs import ObjectBatch
from gitagent.store.refs import abandoned_ref, cas_delete, cas_update, read_ref
from gitagent.store.repo import state_dir
from gitagent.tools import Bash, Glob, Grep, Read, Tool
from gitagent.tools.base import ToolContext
from gitagent.tools.code import FindSymbol, Outline, RepoMap
from gitagent.tools.skill import SkillTool
from gitagent.workspace.snapshot import Snapshot
from gitagent.workspace.worktree import Worktree


@dataclass
class ReviewTurn(Turn):
    """A turn with the reviewer's prompt and tools that commits onto whatever the review's head is by then."""

    system: str = ""
    tools: list[Tool] = field(default_factory=list)
    chain: threading.Lock = field(default_factory=threading.Lock)
    reviewed: str = ""
    """The head commit under review, checked out (read-only) in the worktree."""
    review_trailers: list[tuple[str, str]] = field(default_factory=list)
    """`Gitagent-Review-Run` and `Gitagent-Review-Part`: which run and part this turn is."""

    def content(self, workspace: pygit2.Oid | None = None) -> turns.TurnContent:
        """The turn's content, with the review's own trailers after the turn's."""
        content = super().content(workspace)
        return dataclasses.replace(content, trailers=content.trailers + self.review_trailers)

    def agent(self) -> Agent:
        """The reviewer: no Write or Edit, instructions and skills from the base commit (not the worktree)."""
        s = self.settings
        context = ToolContext(self.worktree.path, self.sandbox)
        return Agent(s.model, self.system, self.tools, context, s.max_steps, s.guard, s.compactor, output=s.output)

    def prepare_snapshot(self) -> None:
        """Nothing to prepare: the snapshot is the reviewed commit's tree."""

    def snapshot(self) -> Snapshot:
        """The reviewed commit's tree: the worktree is read-only, so scanning it could only find that again."""
        return Snapshot(self.repo[self.reviewed].peel(pygit2.Commit).tree_id)

    def commit(self, status: str) -> TurnOutcome:
        """Commit as the next turn of the review's chain (parts finish in any order; one commits at a time)."""
        with self.chain:
            oid = read_ref(self.repo, self.state.head_ref)
            self.head = self.repo[oid].peel(pygit2.Commit) if oid else None
            self.state.parent = oid
            self.record.data["turn"] = turns.turn_number(self.head) + 1 if self.head else 1
            return super().commit(status)


@dataclass
class PartSetup:
    """What every part of one review shares."""

    repo_path: str
    reviewed: str
    """The head commit under review."""
    name: str
    """`reviews/<key>/<head>`: the conversation's name, as its ref reads."""
    head_ref: str
    lock_ref: Callable[[int], str]
    conversation_blob: pygit2.Oid
    worktree: Worktree
    make_sandbox: Callable[[Worktree], Sandbox]
    model: Model
    config: ReviewerConfig
    system: str
    max_steps: int
    run: str
    """The run's id."""
    parts: int
    ready: Callable[[], None]
    """Returns once the head's files are in `worktree`."""
    chain: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class PartOutcome:
    """How a part ended: its turn (None if it failed), its findings, and the failure."""

    outcome: TurnOutcome | None
    findings: list[Finding]
    error: str | None = None


def run_part(
    setup: PartSetup, number: int, prompt: str, files: dict[str, FileChange], emit: Callable[[Event], None]
) -> PartOutcome:
    """Run and commit one part's turn, which answers with its summary and findings (checked against
    `PART_SCHEMA`); a failure is returned (its turn so far stays in its in-flight ref)."""
    repo = pygit2.Repository(setup.repo_path)  # one handle per thread
    ObjectBatch(repo)  # its turn's objects go to packs (written before each save moves a ref), not loose files
    name = f"{setup.name}/{number}"
    state = inflight.InFlight(name, None, head_ref=setup.head_ref, lock_ref=setup.lock_ref(number))
    sandbox = setup.make_sandbox(setup.worktree)
    hooks = setup.config.hooks(setup.worktree.path, name, state_dir(repo) / "transcripts" / f"{name}.jsonl")
    for problem in hooks.problems:
        emit(Notice(problem))
    settings = TurnSettings(
        model=setup.model, make_sandbox=setup.make_sandbox, max_steps=setup.max_steps, emit=emit,
        guard=Guard(setup.config.permissions(), hooks=hooks), compactor=Compactor(), skills=setup.config.skills,
        repo_map_tokens=0, output=part_contract(),
    )  # fmt: skip
    record = TurnRecord.start(
        conversation=setup.name, turn=1, model=setup.model.spec, prompt=prompt, owner=inflight.owner(),
        sandbox=sandbox.name,
    )  # fmt: skip
    tools: list[Tool] = [Read(), Glob(), Grep(), Bash(), RepoMap(), FindSymbol(), Outline()]
    if setup.config.skills:
        tools.append(SkillTool(setup.config.skills))
    turn = ReviewTurn(
        repo, state, record, setup.conversation_blob, setup.worktree, sandbox, None, settings,
        system=setup.system, tools=tools, chain=setup.chain, reviewed=setup.reviewed,
        review_trailers=[("Gitagent-Review-Run", setup.run), ("Gitagent-Review-Part", f"{number}/{setup.parts}")],
    )  # fmt: skip
    try:
        _drop_stale_lock(repo, state.lock_ref, setup.name)
        if hooks.hooks_for("SessionStart") or hooks.hooks_for("UserPromptSubmit", {"prompt": prompt}):
            setup.ready()  # these run before the first answer, in the checkout
        turn.start_hooks(resumed=False)
        turn.save()
        outcome = turn.run(resumed=False)
    except GitagentError as e:
        return PartOutcome(None, [], e.message)
    except Exception as e:  # one part's failure must not lose the others' findings
        return PartOutcome(None, [], f"{type(e).__name__}: {e}")
    if outcome.structured_output is None:
        return PartOutcome(outcome, [], "; ".join(outcome.errors) or f"the part ended {outcome.status}")
    return PartOutcome(outcome, findings_of(outcome.structured_output, files, number))


def _drop_stale_lock(repo: pygit2.Repository, lock_ref: str, name: str) -> None:
    """An in-flight part left by a killed run of the same review is kept under abandoned/, then replaced."""
    oid = read_ref(repo, lock_ref)
    if oid is None:
        return
    who = turns.read_turn(repo[oid].peel(pygit2.Commit)).get("owner", {})
    if inflight.is_alive(who):
        raise GitagentError(f"{lock_ref} is being written by another process (pid {who.get('pid')})")
    cas_update(repo, abandoned_ref(name, oid), oid, None, "gitagent: interrupted review part")
    cas_delete(repo, lock_ref, oid)


class CostMeter:
    """Thread-safe running cost of a review's model calls (None while the model has no known price)."""

    def __init__(self, spec: str) -> None:
        self.info = model_info(spec)
        self.total = 0.0
        self._lock = threading.Lock()

    @property
    def priced(self) -> bool:
        """Whether the model's prices are known, so `--max-cost` can be enforced."""
        return self.info is not None

    def watch(self, event: Event) -> None:
        """Count an assistant message's tokens."""
        if isinstance(event, AssistantMessage) and self.info is not None:
            with self._lock:
                self.total += self.info.cost(event.response.usage)
