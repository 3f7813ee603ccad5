"""Repositories and conversations as objects: open one, run turns in it, get results and events.

Every turn here is the same turn `gitagent run` takes (the command is built on this module): it runs in
the conversation's worktree and sandbox, with the repository's hooks, skills and permission rules, and is
committed under `refs/gitagent/conversations/<name>`, so `gitagent log`, `show`, `fork` and `rewind` work
on it like on any other. Each call opens its own handle on the repository, so turns may run in threads.
"""

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pygit2

from gitagent.agent.events import Event, EventSink
from gitagent.agent.executors.base import BUILTIN
from gitagent.agent.output import OutputContract
from gitagent.agent.session import discard_turn, new_conversation_name, resume_turn, run_turn, unused_name
from gitagent.agent.setup import turn_settings
from gitagent.agent.turn import TurnSettings
from gitagent.api.options import Options
from gitagent.api.result import Result, TurnFailed
from gitagent.api.stream import TurnStream
from gitagent.api.typed import Convert, contract_for
from gitagent.errors import GitagentError
from gitagent.store import inflight, operations, turns
from gitagent.store.conversations import get_conversation
from gitagent.store.locate import Location
from gitagent.store.refs import conversation_ref, read_ref, validate_name
from gitagent.store.repo import location, open_located, open_repository, workdir

if TYPE_CHECKING:
    from gitagent.subagents.host import Lineage

_naming = threading.Lock()
_taken: set[str] = set()
"""Names of new conversations whose first turn runs in this process (two threads must not pick the same)."""


class Repository:
    """A git repository gitagent works in, and the default options of the turns run through it."""

    def __init__(self, path: str | Path | Location | None = None, **options: Any) -> None:
        # a Location: found earlier, by another process (a batch's driver), named outright
        if isinstance(path, Location):
            repo = open_located(path)
        else:
            repo = open_repository(Path(path) if path is not None else None)
        self.location = location(repo)
        """Its git directory and work tree, as found once (`GIT_DIR` and `GIT_WORK_TREE` are read then only)."""
        self.path = workdir(repo)
        """The user's checkout."""
        self.options = Options().merged(**options)

    def handle(self) -> pygit2.Repository:
        """A fresh pygit2 handle (one per thread)."""
        return open_located(self.location)

    def conversation(self, name: str | None = None, *, base: str | None = None) -> "Conversation":
        """Conversation `name` (started by its first turn if it does not exist); None: a new one, named
        from its first prompt. `base`: the commit (any revision) a new conversation starts from, default HEAD."""
        if name is not None:
            validate_name(name)
        return Conversation(self, name, base=base)

    def conversations(self) -> list[str]:
        """The names of the repository's conversations, most recently active first."""
        from gitagent.store.conversations import list_conversations

        return [c.name for c in list_conversations(self.handle())]

    def __repr__(self) -> str:
        return f"gitagent.Repository({str(self.path)!r})"


def open(path: str | Path | None = None, **options: Any) -> Repository:
    """The repository containing `path` (default: the current directory), with default `options` for its turns
    (model, sandbox, allow_network, approval, approve, base_url, trust_repo, max_steps, max_cost, repo_map,
    output_tries, executor, executor_args, on_retry)."""
    return Repository(path, **options)


class Conversation:
    """A conversation of a repository: a chain of turn commits and a worktree."""

    def __init__(
        self, repository: Repository, name: str | None, stem: str | None = None, base: str | None = None
    ) -> None:
        self.repository = repository
        self.name = name
        """None until the first prompt names a new conversation."""
        self._stem = stem
        self.base = base
        """The revision a new conversation starts from (None: the user's HEAD); ignored once it has turns."""
        self.lineage: Lineage | None = None
        """Its place in a tree of subagents (set by the parent for a child; None: a conversation of its own)."""

    @property
    def head(self) -> str | None:
        """The commit of the latest turn (None before the first)."""
        if self.name is None:
            return None
        oid = read_ref(self.repository.handle(), conversation_ref(self.name))
        return str(oid) if oid else None

    def turn(self, prompt: str, *, output: Any = None, on_event: EventSink | None = None, **options: Any) -> Result:
        """Run one turn and return its result, whatever its status (see `Result.status`).

        `output`: a type (Pydantic model, dataclass, `list[X]`…) or a JSON Schema dict the answer must match;
        `on_event` is called with each event as it happens; `options` override the repository's for this turn.
        """
        if not prompt.strip():
            raise GitagentError("the prompt is empty")
        opts = self.repository.options.merged(**options)
        contract, convert = contract_for(output, opts.output_tries)
        repo = self.repository.handle()
        with _Naming(self, repo, prompt):
            assert self.name is not None
            settings = self._settings(repo, opts, contract, on_event)
            outcome = run_turn(repo, self.name, prompt, settings, base=_commit_of(repo, self.base))
        return _result(repo, outcome, convert)

    def run(self, prompt: str, *, output: Any = None, on_event: EventSink | None = None, **options: Any) -> Any:
        """Run one turn and return its answer: an instance of `output` (or its JSON for a schema dict), else
        the final text. Raises TurnFailed (its `result` has the details) when the turn ends without one."""
        result = self.turn(prompt, output=output, on_event=on_event, **options)
        return _answer(result, output)

    def stream(self, prompt: str, *, output: Any = None, **options: Any) -> TurnStream:
        """Run one turn in a worker thread: iterate the returned stream for its events, then read `.result`."""
        return TurnStream(lambda emit: self.turn(prompt, output=output, on_event=emit, **options))

    async def aturn(self, prompt: str, *, output: Any = None, **options: Any) -> Result:
        """`turn` for async code (the turn runs in a worker thread)."""
        import asyncio  # only async callers need it, and it costs a headless turn 10 ms to import

        return await asyncio.to_thread(lambda: self.turn(prompt, output=output, **options))

    async def arun(self, prompt: str, *, output: Any = None, **options: Any) -> Any:
        """`run` for async code (the turn runs in a worker thread)."""
        return _answer(await self.aturn(prompt, output=output, **options), output)

    def resume(self, *, output: Any = None, on_event: EventSink | None = None, **options: Any) -> Result:
        """Finish the turn an interruption left (a crash, Ctrl-C). A typed turn keeps its recorded schema
        unless `output` is given again (give it to get the answer back as its type)."""
        name = self._require_name()
        opts = self.repository.options.merged(**options)
        repo = self.repository.handle()
        contract, convert = contract_for(output, opts.output_tries)
        if contract is None:
            contract = _recorded_contract(repo, name, opts.output_tries)
        outcome = resume_turn(repo, name, self._settings(repo, opts, contract, on_event))
        return _result(repo, outcome, convert)

    def discard(self) -> int:
        """Drop the interrupted turn (kept reachable until `gitagent prune`); returns its number."""
        return discard_turn(self.repository.handle(), self._require_name())

    def fork(self, name: str) -> "Conversation":
        """A new conversation `name` starting from this one's latest turn."""
        repo = self.repository.handle()
        operations.fork(repo, get_conversation(repo, self._require_name()).head, name)
        return Conversation(self.repository, name)

    def rewind(self, rev: str) -> None:
        """Move back to an earlier turn (`3`, `~1` or a commit id), code and dialogue together."""
        repo = self.repository.handle()
        operations.rewind(repo, get_conversation(repo, self._require_name()), rev)

    def _settings(
        self, repo: pygit2.Repository, opts: Options, contract: OutputContract | None, on_event: EventSink | None
    ) -> TurnSettings:
        assert self.name is not None
        settings = turn_settings(repo, self.name, opts.run_options(), on_event or _ignore, on_retry=opts.on_retry)
        if contract is not None and settings.executor.name != BUILTIN:
            raise GitagentError(
                f"a typed answer (--output-schema) needs gitagent's own executor, not {settings.executor.name}",
                "leave --output-schema out, or run the turn with --executor gitagent",
            )
        settings.guard.approver = opts.approver()
        settings.output = contract
        if settings.executor.name == BUILTIN:  # the Agent tool is the built-in loop's: no subagents elsewhere
            from gitagent.subagents.setup import install as install_subagents

            install_subagents(settings, repo, self.repository, opts, self.lineage, on_event or _ignore)
        return settings

    def _require_name(self) -> str:
        if self.name is None:
            raise GitagentError("this conversation has no turns yet", "run a turn first")
        return self.name

    def __repr__(self) -> str:
        return f"gitagent.Conversation({self.name!r})"


class _Naming:
    """Gives a new conversation its name for the length of its first turn, unique within this process."""

    def __init__(self, conversation: Conversation, repo: pygit2.Repository, prompt: str) -> None:
        self.conversation, self.repo, self.prompt = conversation, repo, prompt
        self.reserved: str | None = None

    def __enter__(self) -> None:
        c = self.conversation
        if c.name is not None:
            return
        with _naming:
            if c._stem is not None:
                name = unused_name(self.repo, c._stem, _taken)
            else:
                name = new_conversation_name(self.repo, self.prompt, _taken)
            _taken.add(name)
        c.name = self.reserved = name

    def __exit__(self, *exc: object) -> None:
        if self.reserved is not None:
            with _naming:
                _taken.discard(self.reserved)


def _commit_of(repo: pygit2.Repository, rev: str | None) -> pygit2.Oid | None:
    if rev is None:
        return None
    try:
        return repo.revparse_single(rev).peel(pygit2.Commit).id
    except (KeyError, ValueError, pygit2.GitError) as e:
        raise GitagentError(f"no commit {rev!r} in this repository", "give a branch, tag or commit id") from e


def _recorded_contract(repo: pygit2.Repository, name: str, tries: int) -> OutputContract | None:
    commit = inflight.load(repo, name)
    schema = turns.read_turn(commit).get("output_schema") if commit is not None else None
    return OutputContract(schema, tries) if schema is not None else None


def _result(repo: pygit2.Repository, outcome: Any, convert: Convert) -> Result:
    value = outcome.structured_output
    typed = convert(value) if outcome.status == "complete" and value is not None else None
    return Result.of(repo, outcome, typed)


def _answer(result: Result, output: Any) -> Any:
    if not result.ok:
        raise TurnFailed(result)
    return result.output if output is not None else result.text


def _ignore(event: Event) -> None:
    pass
