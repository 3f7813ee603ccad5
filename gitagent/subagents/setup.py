"""Giving a turn its subagents: the definitions it may use, the tree's limits, its place in the tree."""

from typing import TYPE_CHECKING

import pygit2

from gitagent.agent.events import EventSink, Notice
from gitagent.agent.setup import RunOptions
from gitagent.agent.trust import trusted_ids
from gitagent.agent.turn import TurnSettings
from gitagent.store.repo import config_value, workdir
from gitagent.subagents.definitions import discover_agents
from gitagent.subagents.host import DEFAULT_MAX_AGENTS, DEFAULT_MAX_DEPTH, AgentTree, Lineage, Subagents

if TYPE_CHECKING:
    from gitagent.api.conversation import Repository
    from gitagent.api.options import Options


def root_lineage(repo: pygit2.Repository, max_cost: float | None) -> Lineage:
    """The lineage of a conversation a person started: a new tree with the limits of `gitagent.maxAgents`
    and `gitagent.maxAgentDepth`, and `--max-cost` covering the whole tree."""
    agents = int(config_value(repo, "gitagent.maxAgents") or DEFAULT_MAX_AGENTS)
    depth = int(config_value(repo, "gitagent.maxAgentDepth") or DEFAULT_MAX_DEPTH)
    return Lineage(AgentTree(max(1, agents), max(0, depth), max_cost))


def install(
    settings: TurnSettings,
    repo: pygit2.Repository,
    repository: "Repository",
    options: "Options",
    lineage: Lineage | None,
    emit: EventSink,
) -> None:
    """Let the turn start children (with the Agent tool), and, for a child, run as its definition says and ask
    for approvals through its parent."""
    lineage = lineage or root_lineage(repo, options.max_cost)
    trusted = trusted_ids(repo)
    found = discover_agents(workdir(repo)).usable(lambda cid: options.trust_repo or cid in trusted)
    for problem in found.problems:
        emit(Notice(problem))
    if lineage.approver is not None:
        settings.guard.approver = lineage.approver
    elif settings.guard.approver is not None:  # the tree's root: its children ask through it
        settings.guard.approver = lineage.tree.one_at_a_time(settings.guard.approver)
    settings.subagents = Subagents(repository, options, lineage, found, emit)
    settings.role = lineage.definition


def install_for_chat(settings: TurnSettings, repo: pygit2.Repository, options: RunOptions, emit: EventSink) -> None:
    """`install` for a turn the chat starts from its own options: the children run through the Python API."""
    from gitagent.api.conversation import Repository
    from gitagent.api.options import Options

    install(settings, repo, Repository(workdir(repo)), Options(**options.__dict__), None, emit)
