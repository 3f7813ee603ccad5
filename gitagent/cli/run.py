"""`gitagent run`: one turn, headless."""

import json
import sys
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer

from gitagent.agent.events import (
    AssistantMessage,
    Event,
    Notice,
    ToolFinished,
    ToolStarted,
    TurnFinished,
    TurnOutcome,
    TurnStarted,
    Verdict,
)
from gitagent.agent.permissions import call_subject
from gitagent.agent.session import discard_turn, new_conversation_name, resume_turn, run_turn
from gitagent.agent.setup import RunOptions, turn_settings
from gitagent.agent.turn import TurnInterrupted
from gitagent.cli import options
from gitagent.cli.common import dispatch, fail, new_app, repository
from gitagent.models import TextDelta

app = new_app()


class OutputFormat(StrEnum):
    """How `run` prints: text as it streams, one JSON object at the end, or one JSON event per line."""

    text = "text"
    json = "json"
    stream_json = "stream-json"


@app.command()
def run(
    prompt: Annotated[str | None, typer.Argument(help="What to ask; '-' reads it from standard input.")] = None,
    conversation: Annotated[
        str | None, typer.Option("--conversation", "-c", help="Continue (or start) this conversation.")
    ] = None,
    model: options.Model = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--output-format", help="text, json or stream-json.")
    ] = OutputFormat.text,
    max_steps: options.MaxSteps = 100,
    resume: Annotated[bool, typer.Option("--resume", help="Finish the interrupted turn of -c NAME.")] = False,
    discard: Annotated[bool, typer.Option("--discard", help="Drop the interrupted turn of -c NAME.")] = False,
    sandbox: options.Sandbox = None,
    allow_network: options.AllowNetwork = False,
    approval: options.Approval = None,
    base_url: options.BaseUrl = None,
    trust_repo: options.TrustRepo = False,
    repo_map: Annotated[
        bool, typer.Option("--repo-map/--no-repo-map", help="Put a code map in a new conversation's prompt.")
    ] = True,
    executor: options.Executor = None,
    executor_arg: options.ExecutorArg = None,
) -> None:
    """Run one turn of a conversation headless and print the answer."""
    repo = repository()
    if resume or discard:
        if not conversation or prompt is not None or (resume and discard):
            fail("--resume and --discard take -c NAME and no PROMPT (and not both)")
        if discard:
            number = discard_turn(repo, conversation)
            print(f"discarded the interrupted turn {number} of {conversation!r}", file=sys.stderr)
            return
    elif prompt is None:
        fail("a PROMPT is needed", "e.g. gitagent run 'add a README' (or --resume -c NAME)")
    text = sys.stdin.read() if prompt == "-" else prompt
    if text is not None and not text.strip():
        fail("the prompt is empty")
    name = conversation or new_conversation_name(repo, text or "")
    run_options = RunOptions(
        model, sandbox, allow_network, approval, base_url, trust_repo, max_steps, repo_map, executor,
        tuple(executor_arg or ()),
    )  # fmt: skip
    settings = turn_settings(repo, name, run_options, _printer(output_format), on_retry=_retrying)
    try:
        outcome = resume_turn(repo, name, settings) if resume else run_turn(repo, name, text or "", settings)
    except KeyboardInterrupt:
        _interrupted(name, output_format, "interrupted", 130)
    except TurnInterrupted as e:
        _interrupted(name, output_format, e.message, 1)
    if output_format is OutputFormat.json:
        print(json.dumps(outcome_json(outcome), ensure_ascii=False))
    if outcome.is_error:
        print(f"gitagent: the turn ended without an answer ({outcome.status})", file=sys.stderr)
        raise SystemExit(1)


def _retrying(attempt: int, wait_s: float, reason: str) -> None:
    # A retried stream starts its answer again, so text already shown may appear twice: say so plainly.
    print(f"\ngitagent: {reason}; retrying in {wait_s:.0f}s (attempt {attempt}; the answer restarts)", file=sys.stderr)


def _interrupted(name: str, output_format: OutputFormat, reason: str, code: int) -> NoReturn:
    if output_format is not OutputFormat.text:
        print(json.dumps({"type": "result", "conversation": name, "is_error": True, "error": reason}))
    print(f"\ngitagent: {reason}", file=sys.stderr)
    print(
        f"  the turn so far is saved: finish it with `gitagent run --resume -c {name}`"
        f" or drop it with `gitagent run --discard -c {name}`",
        file=sys.stderr,
    )
    raise SystemExit(code)


def outcome_json(outcome: TurnOutcome) -> dict[str, Any]:
    """The object `--output-format json` prints (and `stream-json` ends with)."""
    return {
        "type": "result",
        "conversation": outcome.conversation,
        "turn": outcome.turn,
        "commit": outcome.commit,
        "model": outcome.model,
        "status": outcome.status,
        "result": outcome.result,
        "usage": outcome.usage.to_json(),
        "cost_usd": outcome.cost_usd,
        "tool_calls": outcome.tool_calls,
        "is_error": outcome.is_error,
        "duration_ms": outcome.duration_ms,
        "left_out": outcome.left_out,
    }


def _printer(output_format: OutputFormat):
    if output_format is OutputFormat.text:
        return _TextPrinter()
    if output_format is OutputFormat.stream_json:
        return _stream_json
    return lambda event: None


def _stream_json(event: Event) -> None:
    data = _event_json(event)
    if data is not None:
        print(json.dumps(data, ensure_ascii=False), flush=True)


def _event_json(event: Event) -> dict[str, Any] | None:
    match event:
        case TurnStarted():
            return {
                "type": "turn_started",
                "conversation": event.conversation,
                "turn": event.turn,
                "model": event.model,
                "resumed": event.resumed,
            }
        case TextDelta():
            return {"type": "text", "text": event.text}
        case AssistantMessage():
            r = event.response
            return {
                "type": "assistant",
                "step": event.step,
                "content": r.content,
                "stop_reason": r.stop_reason,
                "usage": r.usage.to_json(),
            }
        case ToolStarted():
            return {
                "type": "tool_use",
                "id": event.call["id"],
                "name": event.call["name"],
                "input": event.call.get("input", {}),
            }
        case ToolFinished():
            return {
                "type": "tool_result",
                "tool_use_id": event.call["id"],
                "name": event.call["name"],
                "output": event.result.output,
                "is_error": event.result.is_error,
                "duration_ms": event.duration_ms,
            }
        case TurnFinished():
            return outcome_json(event.outcome)
        case Notice():
            return {"type": "notice", "text": event.text}
        case Verdict():
            return {"type": "verdict", "text": event.text, "allowed": event.allowed}
    return None


class _TextPrinter:
    """Answer text to stdout as it streams; tool activity and the turn's record to stderr."""

    def __init__(self) -> None:
        self.at_line_start = True

    def __call__(self, event: Event) -> None:
        match event:
            case TextDelta():
                sys.stdout.write(event.text)
                sys.stdout.flush()
                self.at_line_start = event.text.endswith("\n")
            case AssistantMessage() if not self.at_line_start:
                print(flush=True)
                self.at_line_start = True
            case ToolStarted():
                print(f"→ {event.call['name']} {summarize_input(event.call.get('input', {}))}", file=sys.stderr)
            case ToolFinished():
                first = (event.result.output.strip().splitlines() or [""])[0][:100]
                mark = "✗" if event.result.is_error else "✓"
                print(f"  {mark} {first}", file=sys.stderr)
            case Notice():
                print(f"gitagent: {event.text}", file=sys.stderr)
            case TurnFinished():
                o = event.outcome
                print(f"[{o.conversation} turn {o.turn} → {o.commit[:7]}]", file=sys.stderr)


def summarize_input(tool_input: dict[str, Any]) -> str:
    """The argument a person wants to see first (the one permission rules match), cut to one line."""
    subject = call_subject(tool_input)
    if subject is None:
        return json.dumps(tool_input, ensure_ascii=False)[:100]
    return subject.splitlines()[0][:100] if subject else ""


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
