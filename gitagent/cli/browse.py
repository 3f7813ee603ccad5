"""`gitagent conversations`, `log`, `show` and `diff`: reading what the agent did."""

import re
from datetime import UTC, datetime
from typing import Any

from gitagent.cli import args
from gitagent.cli.common import fail, print_json, print_table
from gitagent.humanize import human_tokens, relative_time
from gitagent.printable import printable
from gitagent.store import turnmeta
from gitagent.store.gitread import Commit
from gitagent.store.reads import STAT_PINNED, Conversation, History


def conversations(*, as_json: bool) -> None:
    """List the conversations of this repository."""
    with History() as history:
        rows = conversation_rows(history)
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


def conversation_rows(history: History) -> list[dict[str, Any]]:
    """Every conversation's row in `gitagent conversations --json` (and the MCP server's list), most recently
    active first, then the first turns still in flight."""
    inflight = history.inflight()
    states, first_turns = _in_flight(history, inflight) if inflight else ({}, [])
    return [conversation_summary(c, states.get(c.name, "")) for c in history.conversations()] + first_turns


def conversation_summary(conversation: Conversation, state: str) -> dict[str, Any]:
    """A conversation's row: name, turns, head, last activity, model, state (running, interrupted or "")."""
    head = conversation.head
    return {
        "name": conversation.name,
        "turns": conversation.turns,
        "head": head.id,
        "last_activity": datetime.fromtimestamp(head.commit_time, UTC).isoformat(),
        "model": turnmeta.trailers(head).get("Gitagent-Model", ""),
        "state": state,
    }


def _in_flight(history: History, names: list[str]) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """The state (running or interrupted) of each conversation with an in-flight turn, and the rows of those
    whose first turn it is.

    In-flight turns have the store's own rules (a stale one, whose turn was committed, is dropped here), so
    this rare case reads through the store and pygit2.
    """
    from gitagent.store import inflight, turns
    from gitagent.store.refs import conversation_ref, read_ref
    from gitagent.store.repo import open_located

    repo = open_located(history.git.location)
    states: dict[str, str] = {}
    first_turns = []
    for name in names:
        commit = inflight.load(repo, name)
        if commit is None:
            continue
        turn = turns.read_turn(commit)
        state = inflight.state(repo, name, turn.get("owner", {}))
        states[name] = state
        if read_ref(repo, conversation_ref(name)) is None:
            first_turns.append(
                {
                    "name": name,
                    "turns": 0,
                    "head": None,
                    "model": turn["model"],
                    "last_activity": datetime.fromtimestamp(commit.commit_time, UTC).isoformat(),
                    "state": state,
                }
            )
    return states, first_turns


def log(*, name: str | None, show_all: bool, limit: int | None, as_json: bool) -> None:
    """Show the turns of a conversation, one line each."""
    with History() as history:
        if show_all:
            _log_all(history, limit)
            return
        conversation = history.get(name) if name else _most_recent(history)
        entries = [log_entry(c) for c in history.log(conversation, limit)]
    if as_json:
        print_json({"conversation": conversation.name, "turns": entries})
        return
    lines = []
    for e in entries:
        tokens = human_tokens(sum(e["tokens"].values()))
        tools = f"  [{', '.join(e['tools'])}]" if e["tools"] else ""
        cost = f"  ${e['cost_usd']:.4f}" if e["cost_usd"] is not None else ""
        lines.append(f"{e['turn']:>4}  {e['commit'][:7]}  {e['subject']}{tools}  {tokens} tokens{cost}\n")
    print(printable("".join(lines)), end="")


def _most_recent(history: History) -> Conversation:
    found = history.conversations()
    if not found:
        for name in history.inflight():
            history.refuse_first_turn(name)
        fail("no conversations yet", "start one with `gitagent run PROMPT`")
    return found[0]


def log_entry(commit: Commit) -> dict[str, Any]:
    """A turn's row in `gitagent log --json` (and the MCP server's log)."""
    tr = turnmeta.trailers(commit)
    tools = tr.get("Gitagent-Tools", "none")
    return {
        "turn": turnmeta.number_trailer(tr),
        "commit": commit.id,
        "subject": commit.message.splitlines()[0],
        "tools": [] if tools == "none" else tools.split(", "),
        "tokens": turnmeta.parse_tokens_trailer(tr.get("Gitagent-Tokens", "")),
        "model": tr.get("Gitagent-Model", ""),
        "status": tr.get("Gitagent-Status", ""),
        "cost_usd": float(tr["Gitagent-Cost"].split()[0]) if "Gitagent-Cost" in tr else None,
        "time": datetime.fromtimestamp(commit.commit_time, UTC).isoformat(),
    }


_DECORATION = re.compile(r"refs/gitagent/(conversations|abandoned)/([^,)]+?)(?:/([0-9a-f]{40}))?(?=[,)])")


def _log_all(history: History, limit: int | None) -> None:
    fmt = "%h%d turn %(trailers:key=Gitagent-Turn,valueonly,separator=) %s"
    args = [
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
    out = history.git.run(args, check=False).decode("utf-8", "replace")
    if not out.strip():
        print("No conversations yet. Start one with: gitagent run PROMPT")
        return

    def label(m: re.Match[str]) -> str:
        return m[2] if m[1] == "conversations" else f"abandoned {m[2]}"

    print(printable(_DECORATION.sub(label, out)), end="")
    tree = agent_tree(history)
    if tree:
        print("\nagents (child conversations under their parents):")
        print(printable("\n".join(tree)))


def agent_tree(history: History) -> list[str]:
    """Each conversation that started subagents, with its children indented under it (grandchildren deeper)."""
    children: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for conversation in history.conversations():
        info = history.read_conversation(conversation.head).get("agent")
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


def show(*, target: str, as_json: bool) -> None:
    """Show one turn: the prompt, every step the agent took, the answer."""
    with History() as history:
        if as_json:
            print_json(history.read_turn(history.resolve(target)[1]))
            return
        text = show_text(history, target)
    print(printable(text))


def show_text(history: History, target: str) -> str:
    """One turn as `gitagent show` prints it (and the MCP server's show)."""
    from gitagent.cli.render import show_turn  # textwrap and the rest: only for show

    conversation, commit = history.resolve(target)
    return show_turn(history, conversation.name, commit)


def diff(*, target: str, since_base: bool, stat: bool) -> None:
    """Show the code change of a turn, or of the whole conversation."""
    with History() as history:
        _, commit = history.resolve(target)
        old = history.before(commit, since_base)
        status = history.show_diff(old, f"{commit.id}:workspace", ["--stat", *STAT_PINNED] if stat else [])
    raise SystemExit(status)


COMMANDS: dict[str, args.Command] = {
    "conversations": (conversations, [args.flag("--json", "as_json", "Print JSON.")]),
    "log": (
        log,
        [
            args.argument("name", "Conversation (default: the most recent)."),
            args.flag("--all", "show_all", "Every conversation, fork and abandoned tip, as a tree."),
            args.number(("--limit", "-n"), "limit", "Show at most N turns.", minimum=1),
            args.flag("--json", "as_json", "Print JSON."),
        ],
    ),
    "show": (
        show,
        [
            args.argument("target", "NAME, NAME@REV (turn number, ~N or commit id).", required=True),
            args.flag("--json", "as_json", "Print the turn's turn.json."),
        ],
    ),
    "diff": (
        diff,
        [
            args.argument("target", "NAME or NAME@REV: the turn whose change to show.", required=True),
            args.flag("--since-base", "since_base", "The whole conversation up to that turn."),
            args.flag("--stat", "stat", "Only a summary of files changed."),
        ],
    ),
}


def run_command(argv: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app` (without typer for a plain command line)."""
    args.run(COMMANDS, argv)


def __getattr__(name: str) -> Any:
    if name == "app":  # the typer app, built on demand: what `gitagent.cli.app`'s table is checked against
        return args.typer_app(COMMANDS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
