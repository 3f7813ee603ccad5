"""`gitagent run`: one turn, headless."""

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from gitagent import api
from gitagent.agent.events import (
    AssistantMessage,
    Event,
    Notice,
    ToolFinished,
    ToolStarted,
    TurnFinished,
    TurnStarted,
    Verdict,
)
from gitagent.agent.output import TOOL_NAME, schema_from_text
from gitagent.agent.permissions import call_subject
from gitagent.agent.turn import TurnInterrupted
from gitagent.api.result import Result
from gitagent.cli import options
from gitagent.cli.common import check_utf8, dispatch, fail, new_app
from gitagent.errors import GitagentError, disk_error
from gitagent.models import TextDelta
from gitagent.printable import printable
from gitagent.store import inflight

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
    output_schema: Annotated[
        str | None,
        typer.Option("--output-schema", metavar="FILE|JSON", help="End with a result valid against this JSON Schema."),
    ] = None,
    output_last_message: Annotated[
        Path | None, typer.Option("--output-last-message", "-o", help="Also write the final answer to FILE.")
    ] = None,
    max_steps: options.MaxSteps = 100,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0, help="Stop the turn once it has cost this many USD.")
    ] = None,
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
    repo = api.open(
        model=model, sandbox=sandbox, allow_network=allow_network, approval=approval, base_url=base_url,
        trust_repo=trust_repo, max_steps=max_steps, max_cost=max_cost, repo_map=repo_map, on_retry=_retrying,
        executor=executor, executor_args=tuple(executor_arg or ()),
    )  # fmt: skip
    if resume or discard:
        if not conversation or prompt is not None or (resume and discard):
            fail("--resume and --discard take -c NAME and no PROMPT (and not both)")
        if discard:
            number = repo.conversation(conversation).discard()
            print(f"discarded the interrupted turn {number} of {conversation!r}", file=sys.stderr)
            return
    elif prompt is None:
        fail("a PROMPT is needed", "e.g. gitagent run 'add a README' (or --resume -c NAME)")
    text = _read_stdin() if prompt == "-" else prompt
    if text is not None and not text.strip():
        fail("the prompt is empty")
    schema = read_schema(output_schema) if output_schema is not None else None
    convo = repo.conversation(conversation)
    printer = _printer(output_format)
    try:
        if resume:
            result = convo.resume(output=schema, on_event=printer)
        else:
            result = convo.turn(text or "", output=schema, on_event=printer)
    except KeyboardInterrupt:
        _interrupted(repo, convo.name, output_format, GitagentError("interrupted"), 130)
    except TurnInterrupted as e:
        _interrupted(repo, convo.name, output_format, e, 1)
    except OSError as e:  # the end of the turn (its snapshot, its commit) on a full disk, say
        error = disk_error(e) or GitagentError(f"{type(e).__name__}: {e}")
        _interrupted(repo, convo.name, output_format, error, 1)
    _report(result, output_format, output_last_message)


def read_schema(value: str) -> dict[str, Any]:
    """`--output-schema`: JSON text (starting with `{`) or the path of a file holding it."""
    if value.lstrip().startswith("{"):
        return schema_from_text(value, "--output-schema")
    path = Path(value)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise GitagentError(
            f"--output-schema: cannot read {value}: {e.strerror}", "give a JSON Schema file, or the schema as JSON"
        ) from e
    return schema_from_text(text, value)


def _report(result: Result, output_format: OutputFormat, last_message: Path | None) -> None:
    if last_message is not None:
        try:
            last_message.write_text(result.text, encoding="utf-8")
        except OSError as e:  # the turn is committed: say where its answer is instead
            fail(f"cannot write {last_message}: {e.strerror} (the answer is in `gitagent show {result.conversation}`)")
    if output_format is not OutputFormat.text:
        print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
    elif result.ok and result.structured_output is not None:
        print(json.dumps(result.structured_output, indent=2, ensure_ascii=False))
    if not result.ok:
        what = "a valid structured output" if result.status == "invalid_output" else "an answer"
        print(f"gitagent: the turn ended without {what} ({result.status})", file=sys.stderr)
        for error in result.errors:
            print(f"  {error}", file=sys.stderr)
        raise SystemExit(1)


def _read_stdin() -> str:
    text = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
    check_utf8(text, "the prompt")
    return text


def _retrying(attempt: int, wait_s: float, reason: str) -> None:
    # A retried stream starts its answer again, so text already shown may appear twice: say so plainly.
    _say(f"\ngitagent: {reason}; retrying in {wait_s:.0f}s (attempt {attempt}; the answer restarts)")


def _interrupted(
    repo: api.Repository, name: str | None, output_format: OutputFormat, error: GitagentError, code: int
) -> NoReturn:
    if output_format is not OutputFormat.text:
        print(json.dumps({"type": "result", "conversation": name, "is_error": True, "error": error.message}))
    _say(f"\ngitagent: {error.message}")
    if error.hint:
        _say(f"  {error.hint}")
    if name is None or inflight.load(repo.handle(), name) is None:  # it failed before its first save
        print("  nothing was saved; run the command again", file=sys.stderr)
    else:
        print(
            f"  the turn so far is saved: finish it with `gitagent run --resume -c {name}`"
            f" or drop it with `gitagent run --discard -c {name}`",
            file=sys.stderr,
        )
        from gitagent.subagents.start import unfinished_children

        children = [c.name for c in unfinished_children(repo.handle(), name)]
        if children:
            agents = f"{len(children)} agent{'s' * (len(children) > 1)} {'were' if len(children) > 1 else 'was'}"
            print(f"  {agents} interrupted too ({', '.join(children)}); --resume resumes them", file=sys.stderr)
    raise SystemExit(code)


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
                sys.stdout.write(printable(event.text))
                sys.stdout.flush()
                self.at_line_start = event.text.endswith("\n")
            case AssistantMessage() if not self.at_line_start:
                print(flush=True)
                self.at_line_start = True
            case ToolStarted():
                _say(f"→ {event.call['name']} {summarize_input(event.call.get('input', {}))}")
            case ToolFinished():
                mark = "✗" if event.result.is_error else "✓"
                _say(f"  {mark} {_result_line(event)}")
            case Notice():
                _say(f"gitagent: {event.text}")
            case TurnFinished():
                o = event.outcome
                _say(f"[{o.conversation} turn {o.turn} → {o.commit[:7]}]")


def _say(line: str) -> None:
    print(printable(line), file=sys.stderr)


def _result_line(event: ToolFinished) -> str:
    """A tool result's first line; for a rejected structured output, its first error, which says what to fix."""
    lines = event.result.output.strip().splitlines() or [""]
    errors = [line[2:] for line in lines[1:] if line.startswith("- ")]
    if event.call["name"] == TOOL_NAME and event.result.is_error and errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"{errors[0][:100]}{more}"
    return lines[0][:100]


def summarize_input(tool_input: dict[str, Any]) -> str:
    """The argument a person wants to see first (the one permission rules match), cut to one line."""
    subject = call_subject(tool_input)
    if subject is None:
        return json.dumps(tool_input, ensure_ascii=False)[:100]
    return subject.splitlines()[0][:100] if subject else ""


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
