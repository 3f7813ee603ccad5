"""The chat's slash commands: what each is called, takes and does, and completing a partial one."""

from dataclasses import dataclass

from gitagent.errors import GitagentError


@dataclass(frozen=True)
class SlashCommand:
    """One slash command as `/help` lists it."""

    name: str
    args: str
    help: str
    min_args: int = 0
    max_args: int = 0


COMMANDS = [
    SlashCommand("fork", "[NAME]", "Fork this conversation at its latest turn and switch to the fork", 0, 1),
    SlashCommand("rewind", "", "Pick a turn to go back to, code and dialogue together"),
    SlashCommand("undo", "", "Undo the last rewind: the turns it left come back, code and dialogue"),
    SlashCommand("log", "", "List the turns of this conversation"),
    SlashCommand("transcript", "", "Print the whole conversation into your terminal's scrollback"),
    SlashCommand("diff", "[REV|base]", "Show a turn's code change (the latest; `base`: the whole conversation)", 0, 1),
    SlashCommand("apply", "", "Apply the conversation's changes to your checkout, uncommitted"),
    SlashCommand("export", "BRANCH", "Create BRANCH with the conversation's changes as one commit", 1, 1),
    SlashCommand("model", "[SPEC]", "Pick the model for the next turns (or use SPEC)", 0, 1),
    SlashCommand("compact", "", "Summarise the history so later turns send less"),
    SlashCommand("init", "", "Have the agent write an AGENTS.md for this repository"),
    SlashCommand("cost", "", "Tokens and cost of this session and of the conversation"),
    SlashCommand("skills", "", "List the skills the agent can use"),
    SlashCommand("hooks", "", "List the hooks that run, and whether they are trusted"),
    SlashCommand("mcp", "", "List the MCP servers, their state, tools and prompts (/mcp__SERVER__PROMPT runs one)"),
    SlashCommand("agents", "[N]", "List this conversation's subagents (running, cost); /agents N opens one", 0, 1),
    SlashCommand("new", "", "Start a new conversation"),
    SlashCommand("clear", "", "Start a new conversation (as /new; the old one is kept)"),
    SlashCommand("switch", "NAME", "Open another conversation of this repository", 1, 1),
    SlashCommand("resume", "", "Finish the interrupted turn"),
    SlashCommand("discard", "", "Drop the interrupted turn (kept until `gitagent prune`)"),
    SlashCommand("help", "", "List the commands and keys"),
    SlashCommand("quit", "", "Leave the chat (Ctrl+C twice does too)"),
]
BY_NAME = {command.name: command for command in COMMANDS}


def parse(text: str) -> tuple[SlashCommand, list[str]]:
    """Split `/name args…` and check the command and its argument count."""
    name, *args = text[1:].split()
    command = BY_NAME.get(name)
    if command is None:
        close = complete("/" + name)
        hint = f"did you mean {', '.join(close)}?" if close else "type /help for the list"
        raise GitagentError(f"unknown command /{name}", hint)
    if not command.min_args <= len(args) <= command.max_args:
        raise GitagentError(f"usage: /{command.name} {command.args}".rstrip())
    return command, args


def complete(text: str, custom: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The commands (built-in, then the `custom` names) a partial `/na` could be."""
    if not text.startswith("/") or " " in text:
        return []
    from gitagent.tui.mcp import prompt_commands

    names = [c.name for c in COMMANDS] + [n for n in custom if n not in BY_NAME]
    builtin = [f"/{name}" for name in names if name.startswith(text[1:])]
    return builtin + [command for command in prompt_commands() if command.startswith(text)]


KEYS = [
    ("Enter", "send"),
    ("Shift+Enter, Ctrl+J", "new line"),
    ("Up / Down", "earlier prompts (this repository's, across sessions)"),
    ("Ctrl+R", "search earlier prompts"),
    ("@path", "attach a file or directory (Tab/Enter completes)"),
    ("!command", "run a command in the sandbox; its output goes with the next prompt"),
    ("Esc", "interrupt the running turn (its work is kept; type to carry on)"),
    ("Esc Esc", "on an empty prompt: pick a turn to rewind to"),
    ("PageUp / PageDown", "scroll the conversation (Ctrl+Home / Ctrl+End: its start / end)"),
    ("Ctrl+O", "the full output of the selected (or latest) tool call"),
    ("Ctrl+G", "a running subagent's conversation, live (again: the next one)"),
    ("Shift+Tab", "switch the approval mode (auto / ask)"),
    ("Ctrl+B", "show or hide the side panel"),
    ("Ctrl+P", "command palette (themes too)"),
    ("Ctrl+C", "copy the selected text; with none, clear the prompt"),
    ("Ctrl+C Ctrl+C", "quit"),
]


def help_text(custom: list[tuple[str, str]] | None = None) -> str:
    """The `/help` listing: commands, the `custom` ones (usage, description), then keys."""
    rows = [(f"/{c.name} {c.args}".rstrip(), c.help) for c in COMMANDS]
    extra = custom or []
    width = max(len(k) for k, _ in [*rows, *extra, *KEYS])
    lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
    if extra:
        lines += ["", "Custom commands:", *(f"{k.ljust(width)}  {v}" for k, v in extra)]
    return "\n".join([*lines, "", *(f"{k.ljust(width)}  {v}" for k, v in KEYS)])
