"""Plain-text listings the chat draws inline for /log, /diff, /skills and /hooks."""

import pygit2
from rich.text import Text

from gitagent.agent.trust import trusted_ids
from gitagent.hooks import EVENTS, discover
from gitagent.humanize import human_tokens
from gitagent.models.base import Usage
from gitagent.skills import discover_skills
from gitagent.store import turns
from gitagent.store.conversations import Conversation, base_commit, chain, resolve_rev
from gitagent.store.repo import workdir
from gitagent.tui.widgets.blocks import colour_diff
from gitagent.userdir import user_config_dir

LOG_LIMIT = 50


def log_text(conversation: Conversation) -> str:
    """One line per turn, newest first: number, commit, subject, tools, tokens."""
    lines = []
    for index, commit in enumerate(chain(conversation.head)):
        if index == LOG_LIMIT:
            lines.append(f"… {turns.turn_number(commit)} earlier turns (gitagent log {conversation.name})")
            break
        turn = turns.read_turn(commit)
        tools = ",".join(sorted({e["name"] for e in turn["events"] if e["type"] == "tool_result"})) or "-"
        tokens = human_tokens(Usage.from_json(turn.get("usage")).total)
        subject = commit.message.splitlines()[0] if commit.message else ""
        lines.append(f"{turn['turn']:>4} {commit.short_id}  {subject[:40]:<40}  {tools[:20]:<20} {tokens:>6}")
    return "\n".join(lines)


def diff_of(repo: pygit2.Repository, conversation: Conversation, rev: str | None) -> Text:
    """The code change of one turn (`rev`, default the latest), or of the whole conversation (`base`)."""
    if rev == "base":
        head = conversation.head
        old, new, title = base_commit(repo, head).tree, repo[turns.workspace_tree(head)], "since the base"
    else:
        commit = resolve_rev(repo, conversation, rev) if rev else conversation.head
        old = repo[turns.workspace_tree(commit.parents[0])] if commit.parents else base_commit(repo, commit).tree
        new, title = repo[turns.workspace_tree(commit)], f"turn {turns.turn_number(commit)}"
    patch = repo.diff(old, new).patch or ""
    if not patch:
        return Text(f"no code change {title}")
    return Text(f"diff {title}\n", style="bold") + colour_diff(patch.splitlines())


def skills_text(repo: pygit2.Repository) -> str:
    """The skills in effect here, with where each comes from and whether it is trusted."""
    root = workdir(repo)
    found = discover_skills(root, root)
    trusted = trusted_ids(repo)
    if not found.skills:
        return "No skills. Add one as .gitagent/skills/NAME/SKILL.md."
    lines = []
    for skill in found.skills:
        untrusted = skill.source == "repo" and skill.content_id not in trusted
        lines.append(f"{skill.name}  ({skill.source}{', untrusted' if untrusted else ''})")
        lines.append(f"    {skill.description[:150]}")
    return "\n".join(lines)


def hooks_text(repo: pygit2.Repository) -> str:
    """The hooks that run for each event, and whether each is trusted."""
    found = discover(workdir(repo), user_config_dir())
    trusted = trusted_ids(repo)
    if not found.hooks:
        return f"No hooks. Put executables in .gitagent/hooks/<Event>/; events: {', '.join(EVENTS)}"
    lines = []
    for event in EVENTS:
        for hook in (h for h in found.hooks if h.event == event):
            is_trusted = not hook.needs_trust or hook.content_id in trusted
            status = "not run" if hook.problem else "trusted" if is_trusted else "untrusted"
            matcher = f" [{hook.matcher}]" if hook.matcher else ""
            lines.append(f"{event:<16} {status:<9} {hook.source:<8} {hook.label}{matcher}")
    lines += [f"problem: {p}" for p in found.problems]
    return "\n".join(lines)
