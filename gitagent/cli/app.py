"""`gitagent`: the entry point. Dispatches to one typer app per command group, importing only that one.

Start-up matters (`gitagent --help` should feel instant), so this module imports nothing heavy: the table
below names each command's module, and `--help`/`--version` are answered from it without loading typer.
`tests/cli/test_app.py` checks the table against the commands' own help, so the two cannot drift.
"""

import gc
import importlib
import os
import sys

from gitagent import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    "chat": (
        "gitagent.cli.chat",
        "Chat with the agent in a terminal UI: history from git, fork and rewind a keystroke away.",
    ),
    "run": ("gitagent.cli.run", "Run one turn of a conversation headless and print the answer."),
    "conversations": ("gitagent.cli.browse", "List the conversations of this repository."),
    "log": ("gitagent.cli.browse", "Show the turns of a conversation, one line each."),
    "show": ("gitagent.cli.browse", "Show one turn: the prompt, every step the agent took, the answer."),
    "diff": ("gitagent.cli.browse", "Show the code change of a turn, or of the whole conversation."),
    "fork": ("gitagent.cli.manage", "Start a new conversation from any turn of another."),
    "rewind": (
        "gitagent.cli.manage",
        "Roll a conversation back to an earlier turn, code and dialogue together.",
    ),
    "compact": (
        "gitagent.cli.manage",
        "Summarise a conversation's history so later turns send less; the full history stays in git.",
    ),
    "rm": ("gitagent.cli.manage", "Remove a conversation and its worktree (recoverable until prune)."),
    "prune": ("gitagent.cli.manage", "Drop abandoned turns and unused worktrees, and say what that freed."),
    "apply": ("gitagent.cli.share", "Apply a conversation's code changes to your checkout, uncommitted."),
    "export": (
        "gitagent.cli.share",
        "Create a branch with the conversation's changes as one commit on its base.",
    ),
    "push": ("gitagent.cli.share", "Push every conversation (refs/gitagent/*) to a remote."),
    "pull": ("gitagent.cli.share", "Fetch conversations from a remote."),
    "batch": (
        "gitagent.cli.batch",
        "Run many tasks, each as a conversation, in local processes or on a Ray cluster.",
    ),
    "review": (
        "gitagent.cli.review",
        "Review a change before it merges and report findings for CI (GitHub, GitLab, SARIF, JSON, Markdown).",
    ),
    "map": (
        "gitagent.cli.map",
        "Print a ranked map of the repository: its key files and their definitions' signatures.",
    ),
    "hooks": ("gitagent.cli.hooks", "List the hooks that run for each event, or try them on a sample event."),
    "exec": (
        "gitagent.cli.exec",
        "Run a command in a conversation's worktree, in its sandbox (for hooks that run agent code).",
    ),
    "skills": ("gitagent.cli.skills", "List, show and validate the skills (Agent Skills folders) available here."),
    "agents": (
        "gitagent.cli.agents",
        "List and show the subagent definitions (.gitagent/agents, .claude/agents, yours, built-in).",
    ),
    "mcp": (
        "gitagent.cli.mcp",
        "Configure, check and try MCP servers, or serve this repository's conversations over MCP.",
    ),
    "trust": (
        "gitagent.cli.trust",
        "Trust this repository's hooks, skills, commands, MCP servers and config as they are now.",
    ),
    "models": ("gitagent.cli.setup", "List known models with their context window and prices."),
    "auth": ("gitagent.cli.setup", "Store API keys for the model providers."),
    "doctor": (
        "gitagent.cli.setup",
        "Check git, the sandbox, keys, the model and its server, instructions and rules, as `run` would see them.",
    ),
}

USAGE = """Usage: gitagent COMMAND [ARGS]...

A git-native coding agent. Each conversation is a hidden git ref; each turn a commit
holding what the agent did and a snapshot of its worktree.

Options:
  --version  Show the version and exit.
  --help     Show this message and exit.

Commands:
{commands}

Run `gitagent COMMAND --help` for a command's options."""


def usage() -> str:
    """The top-level help text."""
    width = max(len(name) for name in COMMANDS)
    lines = [f"  {name.ljust(width)}  {summary}" for name, (_, summary) in COMMANDS.items()]
    return USAGE.format(commands="\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    """Run the gitagent command line."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        return
    if args[0] in ("-V", "--version"):
        print(f"gitagent {__version__}")
        return
    if args[0] not in COMMANDS:
        import difflib  # only for a mistyped command

        close = difflib.get_close_matches(args[0], COMMANDS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        print(f"gitagent: no command '{args[0]}'.{hint} See `gitagent --help`.", file=sys.stderr)
        sys.exit(2)
    batch_run = args[0] == "batch" and args[1:2] != ["show"]
    if (args[0] in ("run", "chat") or batch_run) and _will_ask_claude(args[1:]):
        from gitagent.models import sdkproc

        # the SDK loads in its own process while this one imports and sets up (or is loaded there already); a
        # batch's workers on this machine share it
        sdkproc.prestart(executor_named=_option(args, "--executor", None) is not None)
    gc.disable()  # loading modules makes little garbage: no collection passes over them while they load
    module = importlib.import_module(COMMANDS[args[0]][0])
    gc.enable()
    gc.freeze()  # what is loaded lives as long as the process: later collections need not walk it
    try:
        module.run_command(args)
    finally:
        gc.freeze()  # the interpreter's last collection would walk every object only to free it at exit


def _will_ask_claude(args: list[str]) -> bool:
    """Whether the command line (or GITAGENT_MODEL, or an Anthropic key and no model named) points at Claude, asked
    by gitagent's own loop (`--executor claude-code` asks through Claude Code)."""
    if "--help" in args or _option(args, "--executor", None) not in (None, "gitagent"):
        return False
    model = _option(args, "--model", "-m") or os.environ.get("GITAGENT_MODEL")
    return model.startswith("anthropic:") if model else bool(os.environ.get("ANTHROPIC_API_KEY"))


def _option(args: list[str], name: str, short: str | None) -> str | None:
    """The last value the command line gives option `name` (`--name V`, `--name=V`, `-s V`), if any."""
    value = None
    for i, arg in enumerate(args):
        if arg in (name, short) and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith(f"{name}="):
            value = arg.partition("=")[2]
    return value
