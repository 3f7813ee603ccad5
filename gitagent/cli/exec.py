"""`gitagent exec`: run a command in a conversation's worktree, confined as its agent's commands are."""

import shlex
import signal
import sys
from typing import Annotated

import typer

from gitagent.agent.sandboxing import conversation_sandbox
from gitagent.cli.common import dispatch, fail, new_app, repository
from gitagent.workspace.sessionenv import read_script, session_env_dir, with_session_env

SUMMARY = "Run a command in a conversation's worktree, in its sandbox (for hooks that run agent code)."
TIMED_OUT = 124
"""The exit status of a command killed at its time limit (as timeout(1) has it)."""

app = new_app()


@app.command(
    name="exec",
    context_settings={"allow_interspersed_args": False},
    epilog=(
        "Examples:\n\n"
        "  gitagent exec -c fix-login -- pytest -q\n\n"
        '  gitagent exec -c fix-login -- "npm ci && npm test"   (one argument: a bash command line)\n\n'
        'In a hook: "$GITAGENT_BIN" exec -c "$GITAGENT_CONVERSATION" -- make test'
    ),
)
def exec_command(
    command: Annotated[
        list[str],
        typer.Argument(
            help="The command and its arguments, after `--`; a single argument is run as a bash command line.",
        ),
    ],
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation",
            "-c",
            envvar="GITAGENT_CONVERSATION",
            help="The conversation whose worktree and sandbox to use (in a hook: $GITAGENT_CONVERSATION).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds before the command and all it started are killed.")
    ] = 600,
    allow_network: Annotated[bool, typer.Option("--allow-network", help="Let the command reach the network.")] = False,
) -> None:
    """Run a command in a conversation's worktree, in its sandbox (for hooks that run agent code).

    The command runs exactly as the agent's Bash commands do: after the lines SessionStart hooks left in the conversation's CLAUDE_ENV_FILE, under bubblewrap, with the worktree the only writable place, no network (unless the conversation allows it, or --allow-network), no API keys, and stdin closed.

    Its output is printed, and its exit status is gitagent's (124 when --timeout killed it).

    Hooks run on the host, as you: use this for the code the agent wrote (its tests, a linter).
    """  # noqa: E501  (typer rewraps each paragraph; a line break inside one would show)
    if conversation is None:
        fail("which conversation? give -c NAME", "in a hook, $GITAGENT_CONVERSATION names the one running")
    if not command:
        fail("no command to run", "e.g. gitagent exec -c NAME -- pytest -q")
    repo = repository()
    worktree, sandbox = conversation_sandbox(repo, conversation, allow_network)
    line = command[0] if len(command) == 1 else shlex.join(command)
    line = with_session_env(read_script(session_env_dir(repo, conversation)), line)
    result = sandbox.run(line, cwd=worktree.path, timeout=timeout)
    sys.stdout.buffer.write(result.stdout)
    sys.stdout.flush()
    sys.stderr.buffer.write(result.stderr)
    if result.timed_out:
        print(f"gitagent: exec: killed after {timeout:g} s (--timeout)", file=sys.stderr)
        raise SystemExit(TIMED_OUT)
    code = result.exit_code if result.exit_code is not None else 128 + signal.SIGKILL
    raise SystemExit(code if code >= 0 else 128 - code)


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
