"""Executors: what runs a conversation's turns. gitagent's own loop by default; Claude Code or Codex CLI with
`--executor claude-code|codex` (or `git config gitagent.executor`). A conversation keeps the executor its
last turn ran with until told otherwise, and may change it at any turn."""

import os

import pygit2

from gitagent.agent.executors.base import BUILTIN, BuiltinExecutor, Executor
from gitagent.agent.executors.claude_code import ClaudeCode
from gitagent.agent.executors.codex import Codex
from gitagent.agent.executors.external import ExternalExecutor, Kind
from gitagent.agent.executors.programs import find_program
from gitagent.agent.modelchoice import last_model
from gitagent.errors import GitagentError
from gitagent.models.keys import api_key
from gitagent.models.registry import endpoint
from gitagent.store import inflight, turns
from gitagent.store.refs import conversation_ref, read_ref
from gitagent.store.repo import config_value

NAMES = (BUILTIN, "claude-code", "codex")

__all__ = ["BUILTIN", "NAMES", "BuiltinExecutor", "Executor", "ExternalExecutor", "choose_executor", "external"]


def choose_executor(repo: pygit2.Repository, flag: str | None, conversation: str) -> str:
    """`--executor`, else `git config gitagent.executor`, else the executor of the conversation's last turn,
    else gitagent's own loop."""
    name = flag or config_value(repo, "gitagent.executor") or last_executor(repo, conversation) or BUILTIN
    if name not in NAMES:
        raise GitagentError(f"unknown executor {name!r}", f"choose one of: {', '.join(NAMES)}")
    return name


def last_executor(repo: pygit2.Repository, conversation: str) -> str | None:
    """The executor of the conversation's interrupted turn, else of its head turn (None: no turn yet)."""
    commit = inflight.load(repo, conversation) if conversation else None
    if commit is None and conversation:
        head = read_ref(repo, conversation_ref(conversation))
        commit = repo[head].peel(pygit2.Commit) if head is not None else None
    if commit is None:
        return None
    return (turns.read_turn(commit).get("executor") or {}).get("name", BUILTIN)


def external(
    repo: pygit2.Repository, name: str, conversation: str, model: str | None, base_url: str | None, args: list[str]
) -> ExternalExecutor:
    """The outside executor `name` for `conversation`, with its program, key, server and model (`--model`);
    raises with the fix when its program or its key is missing."""
    url = base_url or config_value(repo, "gitagent.baseUrl")
    kind: Kind = ClaudeCode() if name == "claude-code" else Codex(endpoint("openai", url))
    program = find_program(repo, name)
    variable, key = _key(kind)
    env = {variable: key, **kind.fixed_env(endpoint(kind.provider, url))}
    env |= {passed: os.environ[passed] for passed in kind.passed_on if passed in os.environ}
    chosen = _model_name(kind, model) if model else _configured_model(repo, kind, conversation)
    return ExternalExecutor(kind, program, chosen, env, [key], list(args))


def _configured_model(repo: pygit2.Repository, kind: Kind, conversation: str) -> str | None:
    """The model `GITAGENT_MODEL`, `git config gitagent.model` or the conversation's last turn names, when it is
    of the executor's provider (else None: the executor's own default)."""
    spec = os.environ.get("GITAGENT_MODEL") or config_value(repo, "gitagent.model")
    spec = spec or (last_model(repo, conversation) if conversation else None)
    provider, _, name = (spec or "").partition(":")
    return name if provider == kind.provider and name else None


def _key(kind: Kind) -> tuple[str, str]:
    """Its key variable and value: from gitagent's environment, else the key `gitagent auth set` stored."""
    variables = kind.key_variables
    for variable in variables:
        if os.environ.get(variable):
            return variable, os.environ[variable]
    stored = api_key(kind.provider)
    if stored:
        return variables[0], stored
    raise GitagentError(
        f"--executor {kind.name} needs a {kind.provider} key and none is set",
        f"set {' or '.join(variables)} (or `gitagent auth set {kind.provider}`)",
    )


def _model_name(kind: Kind, spec: str) -> str:
    """The model `--model` names, for the executor's command line: it must be of the executor's provider."""
    provider, sep, name = spec.partition(":")
    if not sep:
        return spec
    if provider != kind.provider:
        raise GitagentError(
            f"--executor {kind.name} runs {kind.provider} models, not {spec!r}",
            f"pass --model {kind.provider}:NAME, or leave --model out to use {kind.name}'s own default",
        )
    return name
