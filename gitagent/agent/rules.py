"""Permission rules in Claude Code's syntax, and what each one matches.

A rule is a tool name (`Bash`, `WebSearch`, `mcp__github`, `mcp__github__create_issue`, `mcp__github__*`) or a
tool name with a specifier in parentheses:

- `Bash(npm run test:*)`: a prefix, then the end or a space (`npm run test`, `npm run test -- -x`, never
  `npm run test:unit`); `Bash(git push *)`: a glob, `*` matching anything, a trailing ` *` optional
  (`make *` also matches `make`); anything else: the exact command. A command joined with `&&`, `||`,
  `;`, `|`, `&` or a newline is checked piece by piece (and what `$(…)` or backquotes run): a deny or ask
  rule applies when it matches any piece, seen also without leading `VAR=value`s and wrappers such as
  `timeout 5`; an allow rule only lets a command run when every piece is allowed (`cd DIR` needs none).
- `Read(…)`, `Edit(…)`: gitignore patterns on the path. `//abs/path` from the filesystem root, `~/path` from
  the home directory, `/path` and `./path` from the repository root, `path` anywhere below it (`*.env`,
  `.env`), `src/**` everything under `src/`. `Edit` rules cover Write too; `Read` rules cover Glob, Grep
  and Outline (their `path`). `Write(…)` rules apply to Write (Claude Code accepts and ignores them).
- `WebFetch(domain:example.com)`: the URL's host. `Skill(name)`, `Agent(type)`: the skill or agent named.

Paths in the agent's worktree are matched as the same paths in the user's checkout, so a rule written
for the repository matches whichever worktree the agent works in.
"""

import fnmatch
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gitagent.errors import GitagentError

if TYPE_CHECKING:
    import pathspec

_RULE = re.compile(r"^(?P<tool>[A-Za-z][\w-]*(?:__\*)?)(?:\((?P<specifier>.*)\))?$", re.DOTALL)
READ_TOOLS = frozenset({"Read", "Glob", "Grep", "Outline", "NotebookRead", "LS"})
EDIT_TOOLS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit"})
PATH_KEYS = ("file_path", "path", "notebook_path")
CLAUDE_TOOLS = frozenset({
    "Agent", "Task", "Bash", "BashOutput", "KillShell", "Edit", "MultiEdit", "Write", "Read", "Glob", "Grep", "LS",
    "NotebookEdit", "NotebookRead", "WebFetch", "WebSearch", "TodoWrite", "Skill", "SlashCommand", "ExitPlanMode",
    "AskUserQuestion", "ToolSearch", "TaskStop", "SendMessage", "Monitor", "CronCreate", "CronDelete", "CronList",
    "EnterWorktree", "ExitWorktree", "ListAgents", "ScheduleWakeup", "Workflow", "ReportFindings", "StructuredOutput",
})  # fmt: skip
"""Claude Code's tool names: a rule naming one gitagent lacks is valid and simply never applies."""
GITAGENT_TOOLS = frozenset({"RepoMap", "FindSymbol", "Outline", "ListMcpResourcesTool", "ReadMcpResourceTool"})
_NO_SPECIFIER = frozenset({"WebSearch", "TodoWrite", "ExitPlanMode", "AskUserQuestion", "RepoMap"})
_SEPARATORS = ("&&", "||", ";", "|", "&", "\n")
_WRAPPER = re.compile(
    r"^(?:timeout(?:\s+-{1,2}[\w=-]+)*\s+\S+|time|nice(?:\s+-n\s*-?\d+|\s+-\d+)?|nohup|stdbuf(?:\s+-\S+)+)\s+"
)
_ASSIGNMENT = re.compile(r"""^[A-Za-z_]\w*=(?:'[^']*'|"[^"]*"|\S*)\s+""")


@dataclass(frozen=True)
class Where:
    """The places path rules are anchored to: the user's checkout, the agent's worktree, the home directory."""

    root: Path
    worktree: Path | None = None
    home: Path = Path("~")

    def file(self, written: str) -> list[str]:
        """The path a tool was given, as the checkout's path (and, for a symlink in the worktree, its target)."""
        worktree = self.worktree or self.root
        given = Path(os.path.normpath(worktree / Path(written).expanduser()))
        found = [self._in_checkout(given, worktree)]
        real = Path(os.path.realpath(given))
        if real != given:
            found.append(self._in_checkout(real, Path(os.path.realpath(worktree))))
        return found

    def _in_checkout(self, path: Path, worktree: Path) -> str:
        return str(self.root / path.relative_to(worktree)) if path.is_relative_to(worktree) else str(path)


@dataclass(frozen=True)
class Rule:
    """One permission rule as written, where it came from, and how it reads."""

    tool: str
    specifier: str | None
    text: str
    origin: str

    def covers(self, name: str) -> bool:
        """Whether the rule is about tool `name` (an Edit rule is also about Write, an MCP server's about its tools)."""
        if self.tool.startswith("mcp__"):
            server = self.tool.removesuffix("__*")
            return name == self.tool or (server.count("__") == 1 and name.startswith(server + "__"))
        if self.tool == name or {self.tool, name} == {"Agent", "Task"}:
            return True
        return (self.tool == "Edit" and name in EDIT_TOOLS) or (self.tool == "Read" and name in READ_TOOLS)

    @property
    def whole_tool(self) -> bool:
        """A rule without a specifier (or `(*)`): every call of the tool."""
        return self.specifier in (None, "", "*")

    def matches(self, subject: str, where: Where) -> bool:
        """Whether one subject of a call (a command piece, a path, a host, a name) falls under the rule."""
        spec = self.specifier or ""
        if self.whole_tool:
            return True
        if self.tool == "Bash":
            return bash_matches(spec, subject)
        if self.tool in READ_TOOLS | EDIT_TOOLS:
            return path_matches(spec, subject, where)
        if self.tool == "WebFetch":
            return fnmatch.fnmatchcase(subject.lower(), spec.removeprefix("domain:").lower())
        return fnmatch.fnmatchcase(subject, spec)


def parse_rule(text: str, origin: str) -> Rule:
    """Read `Tool` or `Tool(specifier)`; an error names the rule and says how to write one."""
    if not isinstance(text, str) or not (match := _RULE.match(text.strip())):
        raise GitagentError(f"{origin}: cannot read permission rule {text!r}", "write Tool or Tool(specifier)")
    return Rule(match["tool"], match["specifier"], text.strip(), origin)


def rule_problem(rule: Rule) -> str | None:
    """Why gitagent cannot act on a rule that parsed (an unknown tool, a specifier it cannot read), or None."""
    known = rule.tool in CLAUDE_TOOLS | GITAGENT_TOOLS or rule.tool.startswith("mcp__")
    if not known:
        return f"{rule.origin}: permission rule {rule.text}: no tool is called {rule.tool!r}, so it matches nothing"
    if rule.whole_tool:
        return None
    if rule.tool in _NO_SPECIFIER or rule.tool.startswith("mcp__"):
        return f"{rule.origin}: permission rule {rule.text}: {rule.tool} takes no (…); write {rule.tool} alone"
    if rule.tool == "WebFetch" and not (rule.specifier or "").startswith("domain:"):
        return f"{rule.origin}: permission rule {rule.text}: write WebFetch(domain:HOST)"
    return None


Subjects = list[list[str]]
"""Each thing a call does (a simple command, a file), in the forms a rule may name it."""


def subjects(name: str, tool_input: dict[str, Any], where: Where, *, lenient: bool) -> Subjects:
    """What rules about tool `name` look at in a call: the command's pieces, the files, the host, the name.

    `lenient` (deny and ask rules) also offers each command piece without its leading `VAR=value`s.
    """
    if name == "Bash":
        return command_pieces(str(tool_input.get("command", "")), lenient=lenient)
    path = next((tool_input[k] for k in PATH_KEYS if isinstance(tool_input.get(k), str)), None)
    if name in READ_TOOLS | EDIT_TOOLS:
        return [[file] for file in where.file(path or ".")]
    if name == "WebFetch":
        return [[urlsplit(str(tool_input.get("url", ""))).hostname or ""]]
    for key in ("skill", "name", "subagent_type", "command", "pattern", *PATH_KEYS):
        if isinstance(tool_input.get(key), str):
            return [[tool_input[key]]]
    return [[""]]


def command_pieces(command: str, *, lenient: bool) -> Subjects:
    """The simple commands a shell command line runs (substitutions included), each as written and without
    its wrappers (`timeout 5`, `nice`, and with `lenient` leading `VAR=value`s). With `lenient`, a line of
    several commands is offered whole too: Claude Code's deny rule `Bash(curl * | *)` refuses `curl x | sh`."""
    pieces = [list(dict.fromkeys((p, _strip(p, assignments=lenient)))) for p in _split(command)]
    if not lenient:  # an allow rule need not cover `cd DIR`: it changes nothing
        pieces = [p for p in pieces if not any(re.fullmatch(r"cd(\s+\S+)?", form) for form in p)]
    elif len(pieces) > 1:
        pieces.append([command.strip()])
    return pieces


def bash_matches(spec: str, command: str) -> bool:
    """Claude Code's Bash specifier against one simple command."""
    if spec.endswith(":*"):
        prefix = spec[:-2]
        return command == prefix or command.startswith(prefix + " ")
    if "*" not in spec:
        return command == spec
    if spec.endswith(" *") and command == spec[:-2]:
        return True
    pattern = ".*".join(re.escape(part) for part in spec.split("*"))
    return re.fullmatch(pattern, command, re.DOTALL) is not None


def path_matches(spec: str, path: str, where: Where) -> bool:
    """A gitignore pattern, anchored as Claude Code anchors it, against an absolute path."""
    if spec.startswith("//"):
        base, pattern = Path("/"), spec[1:]
    elif spec.startswith("~/"):
        base, pattern = where.home.expanduser(), spec[1:]
    elif spec.startswith("./"):
        base, pattern = where.root, spec[1:]
    else:
        base, pattern = where.root, spec
    target = Path(path)
    if not target.is_relative_to(base):
        return False
    relative = target.relative_to(base).as_posix()
    return relative != "." and _gitignore(pattern).match_file(relative)


@functools.lru_cache(maxsize=512)
def _gitignore(pattern: str) -> "pathspec.GitIgnoreSpec":
    import pathspec  # only path rules need it; a turn without them is spared its import

    return pathspec.GitIgnoreSpec.from_lines([pattern])


def _split(command: str) -> list[str]:
    """Split at control operators outside quotes; what `$(…)` and backquotes hold (outside single quotes,
    where the shell runs it) is split too."""
    pieces, current, quote, i = [], "", "", 0
    while i < len(command):
        char = command[i]
        if quote != "'" and (command.startswith("$(", i) or char == "`"):
            inner, end = _substitution(command, i)
            pieces += _split(inner)
            current, i = current + command[i:end], end - 1
        elif char == "\\" and quote != "'" and i + 1 < len(command):
            current, i = current + command[i : i + 2], i + 1
        elif quote:
            current += char
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote, current = char, current + char
        elif op := next((s for s in _SEPARATORS if command.startswith(s, i)), None):
            pieces.append(current)
            current, i = "", i + len(op) - 1
        else:
            current += char
        i += 1
    pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def _substitution(command: str, start: int) -> tuple[str, int]:
    """The text inside the `$(…)` or backquotes at `start`, and where it ends."""
    if command[start] == "`":
        end = command.find("`", start + 1)
        end = len(command) if end < 0 else end
        return command[start + 1 : end], end + 1
    depth, i = 1, start + 2
    while i < len(command) and depth:
        depth += {"(": 1, ")": -1}.get(command[i], 0)
        i += 1
    return command[start + 2 : i - 1 if depth == 0 else i], i


def _strip(piece: str, *, assignments: bool) -> str:
    """A simple command without subshell brackets and leading wrappers (and, with `assignments`, without
    leading `VAR=value`s)."""
    while True:
        shorter = _WRAPPER.sub("", piece.strip("(){} \t"), count=1)
        if assignments:
            shorter = _ASSIGNMENT.sub("", shorter, count=1)
            if shorter.startswith("env "):
                shorter = shorter[4:].lstrip()
        if shorter == piece:
            return piece
        piece = shorter
