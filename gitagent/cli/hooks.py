"""`gitagent hooks list` and `gitagent hooks test`: what runs for which event, and what it decides."""

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pygit2
import typer

from gitagent.agent.trust import trusted_ids
from gitagent.cli.common import dispatch, fail, new_group, print_json, repository
from gitagent.hooks import EVENTS, Hook, HookOutcome, HookRunner, discover
from gitagent.hooks.events import FIRED
from gitagent.hooks.payloads import hook_input, tool_response
from gitagent.store.repo import workdir
from gitagent.userdir import user_config_dir
from gitagent.workspace.sessionenv import SessionEnv, read_script

SUMMARY = "List the hooks that run for each event, or try them on a sample event."

app, hooks_app = new_group("hooks", SUMMARY)

SAMPLE_TOOL_INPUTS: dict[str, dict[str, Any]] = {
    "Bash": {"command": "echo hello", "description": "a sample command"},
    "Read": {"file_path": "README.md"},
    "Write": {"file_path": "README.md", "content": "# sample\n"},
    "Edit": {"file_path": "README.md", "old_string": "a", "new_string": "b"},
}
SAMPLE_METADATA: dict[str, dict[str, Any]] = {
    "Bash": {"stdout": "hello", "stderr": "", "timed_out": False},
    "Read": {"content": "a\n", "start_line": 1, "num_lines": 2, "total_lines": 2},
    "Write": {"existed": False, "original": None},
    "Edit": {"original": "a\n", "updated": "b\n"},
}
TOOL_USE_ID = "toolu_hooks_test"
TOOL_EVENTS = ("PreToolUse", "PermissionRequest", "PostToolUse", "PostToolUseFailure")


@hooks_app.command("list")
def list_hooks(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show which hooks run for which event, where they come from, and whether they are trusted."""
    repo = repository()
    found = discover(workdir(repo), user_config_dir())
    trusted = _trust(repo, trust_repo=False)
    if as_json:
        print_json({"hooks": [_hook_json(h, trusted(h)) for h in found.hooks], "problems": found.problems})
        return
    if not found.hooks:
        print("no hooks: put executables in .gitagent/hooks/<Event>/ or declare them in .gitagent/hooks.toml")
        print(f"events: {', '.join(EVENTS)}")
    untrusted = 0
    for event in EVENTS:
        hooks = [h for h in found.hooks if h.event == event]
        if hooks:
            print(f"{event}:")
        for hook in hooks:
            status = "not run" if hook.problem else "trusted" if trusted(hook) else "untrusted"
            untrusted += status == "untrusted"
            what = f"[{hook.matcher}] {hook.label}" if hook.matcher else hook.label
            print(f"  {status:<9}  {hook.source:<15}  {what}")
            where = hook.problem or (f"from {hook.origin}, " if not hook.is_file else "") + f"id {hook.content_id}"
            print(f"  {'':<9}  {'':<15}  {where}")
    if found.problems:
        print("problems:")
        for problem in found.problems:
            print(f"  {problem}")
    if untrusted:
        print(
            f"{untrusted} repository hook{'s' * (untrusted != 1)} will not run until trusted: "
            "read them, then `gitagent trust` (or run with --trust-repo)"
        )
    idle = sorted({hook.event for hook in found.hooks if hook.event not in FIRED}, key=EVENTS.index)
    if idle:
        print(
            f"accepted, never run: gitagent has no moment for {', '.join(idle)} (Claude Code events: no "
            "teammates, tasks, elicitations or file watchers here)"
        )


@hooks_app.command("test")
def test_hooks(
    event: Annotated[str, typer.Argument(help=f"The event: {', '.join(EVENTS)}.")],
    tool: Annotated[str, typer.Option("--tool", help="Tool name for the tool events (PreToolUse…).")] = "Bash",
    input_json: Annotated[
        str | None,
        typer.Option("--input", help="JSON: the tool's input (tool events), else fields added to the payload."),
    ] = None,
    prompt: Annotated[str, typer.Option("--prompt", help="The prompt for UserPromptSubmit.")] = "hello",
    trust_repo: Annotated[bool, typer.Option("--trust-repo", help="Run untrusted repository hooks too.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the merged outcome as JSON.")] = False,
) -> None:
    """Run the hooks of an event on a sample payload and show what each decided."""
    if event not in EVENTS:
        fail(f"no hook event {event!r}; events: {', '.join(EVENTS)}")
    repo = repository()
    payload = _sample_payload(repo, event, tool, prompt, _parse_input(input_json))
    root = workdir(repo)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as transcript, tempfile.TemporaryDirectory() as env:
        runner = HookRunner(
            root,
            root,
            is_trusted=_trust(repo, trust_repo),
            user_dir=user_config_dir(),
            session_id="hooks-test",
            transcript_path=transcript.name,
            session_env=SessionEnv(Path(env)),  # a SessionStart hook's CLAUDE_ENV_FILE: thrown away after
        )
        hooks = runner.hooks_for(event, payload)
        outcome = runner.run(event, payload)
        env_lines = read_script(Path(env))
    if as_json:
        print_json(outcome.to_json())
        return
    if not hooks:
        print(f"no hooks run for {event}" + (f" with tool {tool}" if "tool_name" in payload else ""))
        return
    print(f"{event} with {json.dumps(payload, ensure_ascii=False)}")
    _print_outcome(outcome)
    if env_lines:
        print("CLAUDE_ENV_FILE (run before each Bash command):")
        print("\n".join(f"  {line}" for line in env_lines.splitlines()))


def _trust(repo: pygit2.Repository, trust_repo: bool):
    ids = trusted_ids(repo)
    return lambda hook: trust_repo or not hook.needs_trust or hook.content_id in ids


def _hook_json(hook: Hook, trusted: bool) -> dict[str, Any]:
    return {
        "event": hook.event,
        "source": hook.source,
        "origin": hook.origin,
        "command": hook.command,
        "matcher": hook.matcher,
        "timeout": hook.timeout,
        "content_id": hook.content_id,
        "trusted": trusted,
        "problem": hook.problem,
    }


def _parse_input(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as e:
        fail(f"--input is not valid JSON: {e}")
    if not isinstance(value, dict):
        fail('--input must be a JSON object, e.g. \'{"command": "git push"}\'')
    return value


def _sample_payload(
    repo: pygit2.Repository, event: str, tool: str, prompt: str, given: dict[str, Any] | None
) -> dict[str, Any]:
    """What the loop would send for `event`, with sample values."""
    if event in TOOL_EVENTS:
        view = hook_input(tool, given if given is not None else SAMPLE_TOOL_INPUTS.get(tool, {}), workdir(repo))
        payload: dict[str, Any] = {"tool_name": tool, "tool_input": view, "tool_use_id": TOOL_USE_ID}
        if event == "PostToolUse":
            response = tool_response(tool, view, "(sample tool output)", SAMPLE_METADATA.get(tool, {}))
            payload = {"tool_name": tool, "tool_input": view, "tool_response": response, "tool_use_id": TOOL_USE_ID}
        elif event == "PostToolUseFailure":
            payload.update(error="Exit code 1\n(sample error)", is_interrupt=False)
        elif event == "PermissionRequest":
            del payload["tool_use_id"]
            payload["permission_suggestions"] = []
        return payload
    samples: dict[str, dict[str, Any]] = {
        "UserPromptSubmit": {"prompt": prompt},
        "Stop": {"stop_hook_active": False, "last_assistant_message": "Done.", "background_tasks": [],
                 "session_crons": []},
        "SessionStart": {"source": "startup"},
        "SubagentStart": {"agent_id": "hooks-test.agents/1", "agent_type": "general-purpose"},
        "SubagentStop": {"stop_hook_active": False, "agent_id": "hooks-test.agents/1", "agent_type": "general-purpose",
                         "agent_transcript_path": "(sample path)", "last_assistant_message": "Done.",
                         "background_tasks": [], "session_crons": []},
        "Notification": {"message": f"gitagent needs your permission to use {tool}",
                         "notification_type": "permission_prompt"},
        "PreCompact": {"trigger": "manual", "custom_instructions": None},
        "PostCompact": {"trigger": "manual", "compact_summary": "(sample summary)"},
        "SessionEnd": {"reason": "other"},
        "PreTurnCommit": {"conversation": "hooks-test", "turn": 1, "prompt": prompt},
        "PostTurnCommit": {"conversation": "hooks-test", "turn": 1, "commit": _head(repo)},
    }  # fmt: skip
    return {**samples.get(event, {}), **(given or {})}


def _head(repo: pygit2.Repository) -> str:
    return "" if repo.head_is_unborn else str(repo.head.target)


def _print_outcome(outcome: HookOutcome) -> None:
    for record in outcome.records:
        exit_code = "" if record["exit"] is None else f", exit {record['exit']}"
        print(
            f"  {record['verdict']:<17}  {record['hook']}  ({record['source']}{exit_code}, {record['duration_ms']} ms)"
        )
        for line in record.get("message", "").splitlines():
            print(f"  {'':<17}    {line}")
    if outcome.stop:
        print(f"result: the agent stops: {outcome.stop_reason}")
    elif outcome.blocked:
        what = {"PreToolUse": "the tool does not run", "PermissionRequest": "denied without asking the person",
                "Stop": "the agent keeps working"}.get(outcome.event, "blocked")  # fmt: skip
        print(f"result: {what}: {outcome.reason}")
    elif outcome.permission:
        reason = f": {outcome.permission_reason}" if outcome.permission_reason else ""
        print(f"result: permission {outcome.permission}{reason}")
    else:
        print("result: go ahead")
    if outcome.updated_input is not None:
        print(f"updated input: {json.dumps(outcome.updated_input, ensure_ascii=False)}")
    for context in outcome.additional_context:
        print(f"context for the model: {context}")
    for key, value in outcome.trailers:
        print(f"trailer: {key}: {value}")
    for message in outcome.system_messages:
        print(f"message: {message}")
    for error in outcome.errors:
        print(f"error: {error}")
    if outcome.skipped_untrusted:
        print(
            f"{len(outcome.skipped_untrusted)} untrusted repository hook(s) skipped; "
            "trust them with `gitagent trust`, or pass --trust-repo to try them"
        )


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
