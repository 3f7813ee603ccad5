"""Bash: run a shell command in the worktree, through the conversation's sandbox."""

from typing import Any

from gitagent.sandbox import CommandResult
from gitagent.tools.base import OUTPUT_LIMIT, ToolContext, ToolResult, truncate
from gitagent.tools.paths import run_checked
from gitagent.workspace.sessionenv import with_session_env

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000

_BASH_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "description": "The shell command to run (with bash -c)."},
        "timeout": {
            "type": "integer",
            "minimum": 1000,
            "maximum": MAX_TIMEOUT_MS,
            "description": "Timeout in milliseconds (default 120000, max 600000).",
        },
        "description": {"type": "string", "description": "What the command does, in 5-10 words."},
    },
    "required": ["command"],
    "additionalProperties": False,
}


class Bash:
    """Run one shell command in the worktree and report its output and exit code."""

    name = "Bash"
    description = (
        "Run a bash command in the worktree root, with stdin closed. Each call starts a fresh shell: "
        "`cd` and variables do not carry over, so chain commands with `&&`. The command and anything it "
        "started are killed after timeout milliseconds (default 120000, max 600000). Output shows stdout, "
        "then stderr, then the exit code if it is not 0; long output keeps its beginning and end. Prefer "
        "Read, Edit, Glob and Grep over cat, sed, find and grep."
    )
    input_schema = _BASH_SCHEMA

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Run `command` in the sandbox with the requested timeout."""
        return run_checked(self.input_schema, tool_input, lambda args: _bash(args, ctx))


def _bash(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    timeout_ms: int = args.get("timeout", DEFAULT_TIMEOUT_MS)
    command = with_session_env(ctx.session_env(), args["command"])
    result = ctx.sandbox.run(command, cwd=ctx.root, timeout=timeout_ms / 1000)
    return format_result(result, timeout_ms)


def format_result(result: CommandResult, timeout_ms: int) -> ToolResult:
    """What the model sees of a command: its output, notes on what was cut, and how it ended."""
    stdout = result.stdout.decode("utf-8", errors="backslashreplace")
    stderr = result.stderr.decode("utf-8", errors="backslashreplace")
    body = [stdout.removesuffix("\n")] if stdout else []
    if stderr:
        body.append("[stderr]\n" + stderr.removesuffix("\n"))
    footer = _cut_notes(result)
    failed = True
    if result.timed_out:
        footer.append(f"Command timed out after {timeout_ms / 1000:g} s and was killed.")
    elif result.exit_code is None or result.exit_code < 0:
        signal = f" {-result.exit_code}" if result.exit_code else ""
        footer.append(f"Command was killed by signal{signal}.")
    elif result.exit_code != 0:
        footer.append(f"Exit code {result.exit_code}")
    else:
        failed = False
    if not body and not footer:
        body = ["(no output)"]
    tail = "\n".join(footer)
    # The footer is kept whole, since the model must always learn how the command ended; 64 characters
    # are left for truncate()'s own marker, which it adds on top of the limit.
    text = truncate("\n".join(body), OUTPUT_LIMIT - len(tail) - 64)
    output = "\n".join(part for part in (text, tail) if part)
    metadata = {
        "exit_code": result.exit_code,
        "timed_out": result.timed_out,
        "duration_ms": result.duration_ms,
        # for hooks' tool_response, as Claude Code gives it: each stream whole, trailing newlines dropped
        "stdout": stdout.rstrip("\n"),
        "stderr": stderr.rstrip("\n"),
    }
    return ToolResult(output, is_error=failed, metadata=metadata)


def _cut_notes(result: CommandResult) -> list[str]:
    notes = []
    for stream, cut in (("stdout", result.stdout_cut), ("stderr", result.stderr_cut)):
        if cut:
            notes.append(f"[{cut} bytes cut from the middle of {stream}; redirect to a file to see it all]")
    return notes
