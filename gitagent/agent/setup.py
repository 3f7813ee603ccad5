"""Assembling what a turn runs with from the user's options and the repository: model, sandbox,
permissions, hooks, skills and trust. The CLI and the TUI both start turns through `turn_settings`."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pygit2

from gitagent.agent.compaction import DEFAULT_SHARE, Compactor
from gitagent.agent.events import EventSink, Notice
from gitagent.agent.executors import BUILTIN, choose_executor, external
from gitagent.agent.executors.external import EXECUTOR_LIMITS
from gitagent.agent.executors.programs import install_root
from gitagent.agent.executors.sessions import executor_home
from gitagent.agent.guard import Guard
from gitagent.agent.instructions import Instructions, load_instructions
from gitagent.agent.modelchoice import model_choice
from gitagent.agent.permissions import Permissions, permissions_for
from gitagent.agent.sandboxing import network_allowed, sandbox_choice, sandbox_factory, start_bwrap_check
from gitagent.agent.transcript import transcript_path
from gitagent.agent.trust import trusted_ids
from gitagent.agent.turn import DEFAULT_MAP_TOKENS, TurnSettings
from gitagent.hooks import HookRunner
from gitagent.models.catalog import model_info, retirement_notice
from gitagent.store.repo import config_value, workdir
from gitagent.workspace.sessionenv import SessionEnv, session_env_dir
from gitagent.workspace.worktree import worktree_for

if TYPE_CHECKING:
    from gitagent.skills import Skill


@dataclass(frozen=True)
class RunOptions:
    """What the user chose on the command line (None: use git config or the default)."""

    model: str | None = None
    sandbox: str | None = None
    allow_network: bool = False
    approval: str | None = None
    base_url: str | None = None
    trust_repo: bool = False
    max_steps: int = 100
    repo_map: bool = True
    executor: str | None = None
    executor_args: tuple[str, ...] = ()
    """Passed on to an outside executor's command line, word by word."""
    max_cost: float | None = None


def turn_settings(
    repo: pygit2.Repository,
    name: str,
    options: RunOptions,
    emit: EventSink,
    on_retry: Callable[[int, float, str], None] | None = None,
) -> TurnSettings:
    """Everything the next turn of conversation `name` needs; problems worth knowing are emitted as notices."""
    executor = choose_executor(repo, options.executor, name)
    if executor != BUILTIN:
        return executor_settings(repo, name, executor, options, emit)
    from gitagent.mcp.setup import mcp_setup  # the built-in loop's: not loaded for an outside executor's turn

    chosen = model_choice(repo, options.model, name, options.base_url)
    model = chosen.load(on_retry)  # first: a provider's SDK loads while the rest is set up
    root = workdir(repo)
    trusted = trusted_ids(repo)
    choice = sandbox_choice(repo, options.sandbox)
    bwrap_checked = start_bwrap_check(choice)
    mcp = mcp_setup(repo, options.trust_repo, choice, lambda text: emit(Notice(text)))
    worktree = worktree_for(repo, name)
    if mcp is not None and worktree.exists:
        mcp.start(worktree.path)  # the servers start while the rest is set up; the turn picks them up

    def is_trusted(content_id: str) -> bool:
        return options.trust_repo or content_id in trusted

    skills = _skills(root, is_trusted, emit)
    hooks = hook_runner(repo, name, options.trust_repo, emit)
    if choice == "none":
        emit(Notice("warning: --sandbox none: commands run UNCONFINED on this machine"))
    network = network_allowed(repo, name, options.allow_network)
    if retiring := retirement_notice(chosen.spec):
        emit(Notice(retiring))
    if options.max_cost is not None and model_info(chosen.spec) is None:
        emit(Notice(f"the cost limit is not enforced: {chosen.spec} has no known price"))
    bwrap_checked()
    return TurnSettings(
        model=model,
        make_sandbox=sandbox_factory(repo, choice, network, extra_ro=[skill.path for skill in skills]),
        max_steps=options.max_steps,
        emit=emit,
        guard=Guard(_permissions(repo, options, emit), hooks=hooks),
        compactor=Compactor(float(config_value(repo, "gitagent.compactAt") or DEFAULT_SHARE)),
        instructions=_instructions(root, emit),
        skills=skills,
        repo_map_tokens=int(config_value(repo, "gitagent.repoMapTokens") or DEFAULT_MAP_TOKENS)
        if options.repo_map
        else 0,
        max_cost=options.max_cost,
        mcp=mcp,
    )


def executor_settings(
    repo: pygit2.Repository, name: str, executor: str, options: RunOptions, emit: EventSink
) -> TurnSettings:
    """The settings of a turn that outside executor `executor` runs: its program, key and model; the sandbox
    with the network shared (it must reach its model API) and its private home; the hooks and the session as
    for any turn; `--max-cost` as Claude Code's `--max-budget-usd`. The built-in loop's model, tools, skills, MCP
    servers and code map are not its."""
    args = list(options.executor_args)
    if options.max_cost is not None:
        if executor == "claude-code" and "--max-budget-usd" not in args:
            args += ["--max-budget-usd", f"{options.max_cost:g}"]
        elif executor != "claude-code":
            emit(Notice(f"--max-cost does not reach {executor}: it has no spending limit of its own"))
    choice = sandbox_choice(repo, options.sandbox)
    bwrap_checked = start_bwrap_check(choice)
    runner = external(repo, executor, name, options.model, options.base_url, args)
    if choice == "none":
        emit(Notice(f"warning: --sandbox none: {executor} runs UNCONFINED on this machine"))
    if options.approval == "ask":
        emit(Notice(f"--approval ask does not reach {executor}'s tool calls: its own permission mode decides"))
    guard = Guard(_permissions(repo, options, emit), hooks=hook_runner(repo, name, options.trust_repo, emit))
    bwrap_checked()
    return TurnSettings(
        model=None,
        make_sandbox=sandbox_factory(
            repo, choice, True, [install_root(runner.program)], executor_home(repo, name), EXECUTOR_LIMITS
        ),
        max_steps=options.max_steps,
        emit=emit,
        guard=guard,
        compactor=None,
        repo_map_tokens=0,
        executor=runner,
    )


def hook_runner(repo: pygit2.Repository, name: str, trust_repo: bool, emit: EventSink) -> HookRunner:
    """The hooks of the user's checkout and the user, run in the checkout on every turn (the conversation's
    worktree is theirs to look at, never where they run); repository hooks only when trusted. Problems with
    hook files are emitted."""
    trusted = trusted_ids(repo)
    hooks = HookRunner(
        workdir(repo), worktree_for(repo, name).path,
        is_trusted=lambda hook: trust_repo or hook.content_id in trusted,
        session_id=name, transcript_path=transcript_path(repo, name), conversation=name,
        session_env=SessionEnv(session_env_dir(repo, name)),
    )  # fmt: skip
    for problem in hooks.problems:
        emit(Notice(problem))
    return hooks


def _skills(root: Path, is_trusted: Callable[[str], bool], emit: EventSink) -> "list[Skill]":
    from gitagent.skills import discover_skills

    found = discover_skills(Path.cwd() if Path.cwd().is_relative_to(root) else root, root)
    for warning in found.warnings:
        emit(Notice(warning))
    usable = [s for s in found.skills if s.source != "repo" or is_trusted(s.content_id)]
    untrusted = [s.name for s in found.skills if s not in usable]
    if untrusted:
        emit(Notice(f"skipped untrusted repository skills: {', '.join(untrusted)} (trust them with `gitagent trust`)"))
    return usable


def _permissions(repo: pygit2.Repository, options: RunOptions, emit: EventSink) -> Permissions:
    permissions = permissions_for(repo, options.approval, options.trust_repo)
    for warning in permissions.warnings:
        emit(Notice(f"warning: {warning}"))
    return permissions


def instructions_here(root: Path) -> Instructions:
    """The instruction files a turn started here reads: from the user's checkout `root` (not the worktree,
    which the agent writes), down to the directory the user works in."""
    return load_instructions(root, _subdir(root))


def _instructions(root: Path, emit: EventSink) -> str:
    found = instructions_here(root)
    for notice in found.notices:
        emit(Notice(notice))
    return found.text


def _subdir(root: Path) -> str:
    cwd = Path.cwd().resolve()
    return cwd.relative_to(root).as_posix() if cwd.is_relative_to(root) else ""
