"""`gitagent conversations`, `log`, `show` and `diff`: reading what the agent did."""

import itertools
import re
import subprocess
from datetime import UTC, datetime
from typing import Annotated, Any

import pygit2
import typer

from gitagent.cli.common import dispatch, fail, new_app, print_json, print_table, repository
from gitagent.cli.render import render_turn
from gitagent.humanize import human_tokens, relative_time
from gitagent.printable import printable
from gitagent.store import inflight, turns
from gitagent.store.conversations import (
    base_commit,
    chain,
    get_conversation,
    list_conversations,
    previous_workspace,
    resolve_target,
)
from gitagent.store.refs import inflight_ref, read_ref
from gitagent.store.repo import workdir
from gitagent.workspace.share import diff_trees

app = new_app()


@app.command()
def conversations(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the conversations of this repository."""
    repo = repository()
    rows = [conversation_summary(repo, c.name, c.head) for c in list_conversations(repo)]
    rows += _interrupted_first_turns(repo, {r["name"] for r in rows})
    if as_json:
        print_json(rows)
        return
    if not rows:
        print("No conversations yet. Start one with: gitagent run PROMPT")
        return
    table = [("NAME", "TURNS", "LAST ACTIVITY", "HEAD", "MODEL", "STATE")]
    for r in rows:
        when = relative_time(int(datetime.fromisoformat(r["last_activity"]).timestamp()))
        table.append((r["name"], str(r["turns"]), when, (r["head"] or "")[:7], r["model"], r["state"]))
    print_table(table)


def conversation_summary(repo: pygit2.Repository, name: str, head: pygit2.Commit) -> dict[str, Any]:
    """A conversation's row in `gitagent conversations --json` (and the MCP server's list)."""
    tr = turns.trailers(head)
    return {
        "name": name,
        "turns": turns.turn_number(head),
        "head": str(head.id),
        "last_activity": datetime.fromtimestamp(head.commit_time, UTC).isoformat(),
        "model": tr.get("Gitagent-Model", ""),
        "state": _state(repo, name),
    }


def _state(repo: pygit2.Repository, name: str) -> str:
    commit = inflight.load(repo, name)
    if commit is None:
        return ""
    return "running" if inflight.is_alive(turns.read_turn(commit).get("owner", {})) else "interrupted"


def _interrupted_first_turns(repo: pygit2.Repository, known: set[str]) -> list[dict[str, Any]]:
    rows = []
    for name in inflight.names(repo):
        if name not in known:
            commit = repo[read_ref(repo, inflight_ref(name))].peel(pygit2.Commit)
            rows.append(
                {
                    "name": name,
                    "turns": 0,
                    "head": None,
                    "model": turns.read_turn(commit)["model"],
                    "last_activity": datetime.fromtimestamp(commit.commit_time, UTC).isoformat(),
                    "state": _state(repo, name) or "interrupted",
                }
            )
    return rows


@app.command()
def log(
    name: Annotated[str | None, typer.Argument(help="Conversation (default: the most recent).")] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every conversation, fork and abandoned tip, as a tree.")
    ] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most N turns.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the turns of a conversation, one line each."""
    repo = repository()
    if show_all:
        _log_all(repo, limit)
        return
    conversation = get_conversation(repo, name) if name else _most_recent(repo)
    entries = [log_entry(c) for c in itertools.islice(chain(conversation.head), limit)]
    if as_json:
        print_json({"conversation": conversation.name, "turns": entries})
        return
    for e in entries:
        tokens = human_tokens(sum(e["tokens"].values()))
        tools = f"  [{', '.join(e['tools'])}]" if e["tools"] else ""
        cost = f"  ${e['cost_usd']:.4f}" if e["cost_usd"] is not None else ""
        print(printable(f"{e['turn']:>4}  {e['commit'][:7]}  {e['subject']}{tools}  {tokens} tokens{cost}"))


def _most_recent(repo: pygit2.Repository):
    found = list_conversations(repo)
    if not found:
        fail("no conversations yet", "start one with `gitagent run PROMPT`")
    return found[0]


def log_entry(commit: pygit2.Commit) -> dict[str, Any]:
    """A turn's row in `gitagent log --json` (and the MCP server's log)."""
    tr = turns.trailers(commit)
    tools = tr.get("Gitagent-Tools", "none")
    return {
        "turn": turns.number_trailer(tr),
        "commit": str(commit.id),
        "subject": commit.message.splitlines()[0],
        "tools": [] if tools == "none" else tools.split(", "),
        "tokens": turns.parse_tokens_trailer(tr.get("Gitagent-Tokens", "")),
        "model": tr.get("Gitagent-Model", ""),
        "status": tr.get("Gitagent-Status", ""),
        "cost_usd": float(tr["Gitagent-Cost"].split()[0]) if "Gitagent-Cost" in tr else None,
        "time": datetime.fromtimestamp(commit.commit_time, UTC).isoformat(),
    }


_DECORATION = re.compile(r"refs/gitagent/(conversations|abandoned)/([^,)]+?)(?:/([0-9a-f]{40}))?(?=[,)])")


def _log_all(repo: pygit2.Repository, limit: int | None) -> None:
    fmt = "%h%d turn %(trailers:key=Gitagent-Turn,valueonly,separator=) %s"
    args = [
        "git",
        "log",
        "--graph",
        "--date-order",
        f"--format={fmt}",
        "--decorate-refs=refs/gitagent/",
        "--glob=refs/gitagent/conversations/*",
        "--glob=refs/gitagent/abandoned/*",
    ]
    if limit:
        args.append(f"-n{limit}")
    out = subprocess.run(args, cwd=workdir(repo), capture_output=True, text=True).stdout
    if not out.strip():
        print("No conversations yet. Start one with: gitagent run PROMPT")
        return

    def label(m: re.Match[str]) -> str:
        return m[2] if m[1] == "conversations" else f"abandoned {m[2]}"

    print(printable(_DECORATION.sub(label, out)), end="")
    tree = agent_tree(repo)
    if tree:
        print("\nagents (child conversations under their parents):")
        print(printable("\n".join(tree)))


def agent_tree(repo: pygit2.Repository) -> list[str]:
    """Each conversation that started subagents, with its children indented under it (grandchildren deeper)."""
    children: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for conversation in list_conversations(repo):
        info = turns.read_conversation(conversation.head).get("agent")
        if info:
            children.setdefault(info["parent"], []).append((conversation.name, info))
    roots = sorted(parent for parent in children if not any(parent == c for kids in children.values() for c, _ in kids))

    def lines(name: str, depth: int) -> list[str]:
        out = []
        for child, info in sorted(children.get(name, []), key=lambda item: _agent_number(item[0])):
            out.append(f"{'  ' * depth}└─ {child}  {info['type']}: {info.get('description', '')}")
            out += lines(child, depth + 1)
        return out

    return [line for root in roots for line in [root, *lines(root, 1)]]


def _agent_number(name: str) -> int:
    tail = name.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else 0


@app.command()
def show(
    target: Annotated[str, typer.Argument(help="NAME, NAME@REV (turn number, ~N or commit id).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the turn's turn.json.")] = False,
) -> None:
    """Show one turn: the prompt, every step the agent took, the answer."""
    repo = repository()
    conversation, commit = resolve_target(repo, target)
    if as_json:
        print_json(turns.read_turn(commit))
        return
    stats = repo.diff(repo[previous_workspace(repo, commit)], repo[turns.workspace_tree(commit)]).stats
    print(printable(render_turn(conversation.name, commit, stats)))


@app.command()
def diff(
    target: Annotated[str, typer.Argument(help="NAME or NAME@REV: the turn whose change to show.")],
    since_base: Annotated[bool, typer.Option("--since-base", help="The whole conversation up to that turn.")] = False,
    stat: Annotated[bool, typer.Option("--stat", help="Only a summary of files changed.")] = False,
) -> None:
    """Show the code change of a turn, or of the whole conversation."""
    repo = repository()
    _, commit = resolve_target(repo, target)
    old = base_commit(repo, commit).tree.id if since_base else previous_workspace(repo, commit)
    status = diff_trees(workdir(repo), old, turns.workspace_tree(commit), ["--stat"] if stat else [])
    raise typer.Exit(status)


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
