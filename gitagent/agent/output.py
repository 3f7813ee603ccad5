"""Typed results: a turn that must end with a value valid against a JSON Schema.

The model gives its final answer by calling the `StructuredOutput` tool, whose input schema is the schema
(the mechanism Claude Code uses for `--json-schema`). A tool call works alike on every provider (Anthropic,
OpenAI's Responses and Chat Completions, any compatible server) and with the scripted model, and each try
is recorded in the turn like any other call. The call is checked with `jsonschema` (draft 2020-12 unless
the schema's `$schema` names another draft, formats included), then by an optional `check` (the Python
API's Pydantic validation, the review's line order). An invalid call is answered with the errors, so the
model corrects itself; a prose answer without the call is answered with a reminder. Each counts as a try;
after `tries` of them the turn ends with status `invalid_output`. A valid call ends the turn at once.

Tool inputs must be JSON objects, so a schema whose root is not `"type": "object"` (an array, a string, a
union) is wrapped as the `result` property of one; its `$defs` move up with it so `$ref`s still resolve.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gitagent.agent.limits import OutputInvalid
from gitagent.agent.record import TurnRecord
from gitagent.errors import GitagentError
from gitagent.models.base import OUTPUT_FEEDBACK_PREFIX, Block
from gitagent.tools.base import ToolContext, ToolResult

TOOL_NAME = "StructuredOutput"
DEFAULT_TRIES = 5
WRAPPER = "result"
MAX_ERRORS = 20
MISMATCH = "Output does not match the required schema:"
ENFORCE = (
    f"{OUTPUT_FEEDBACK_PREFIX}This request needs its answer as structured output: call the {TOOL_NAME} tool "
    "now with your final answer."
)
NO_CALL = f"the model answered without calling the {TOOL_NAME} tool"
_DEFS = ("$defs", "definitions")


@dataclass(frozen=True)
class OutputContract:
    """The schema a turn's answer must match, how many tries the model gets, and any further check."""

    schema: dict[str, Any]
    tries: int = DEFAULT_TRIES
    check: Callable[[Any], list[tuple[list[str | int], str]]] | None = field(default=None, compare=False)
    """Errors beyond the schema's (Pydantic validators, cross-field rules) as (path in the answer, message);
    called only on answers the schema accepts."""

    def __post_init__(self) -> None:
        if not isinstance(self.schema, dict):
            raise GitagentError("the output schema must be a JSON object", 'e.g. {"type": "object", ...}')
        if self.tries < 1:
            raise GitagentError("the output needs at least one try")
        self._validator  # noqa: B018 -- a bad schema is reported now, before any model call

    @property
    def wrapped(self) -> bool:
        """Whether the answer travels as the `result` property of the tool's input (a non-object schema)."""
        return self.schema.get("type") != "object"

    @cached_property
    def tool_schema(self) -> dict[str, Any]:
        """The StructuredOutput tool's input schema."""
        if not self.wrapped:
            return self.schema
        inner = {k: v for k, v in self.schema.items() if k not in (*_DEFS, "$schema")}
        wrapper: dict[str, Any] = {"type": "object", "properties": {WRAPPER: inner}, "required": [WRAPPER]}
        wrapper["additionalProperties"] = False
        return wrapper | {k: self.schema[k] for k in (*_DEFS, "$schema") if k in self.schema}

    @cached_property
    def _validator(self) -> Any:
        import jsonschema

        cls = jsonschema.validators.validator_for(self.schema, default=jsonschema.Draft202012Validator)
        try:
            cls.check_schema(self.schema)  # the user's schema first, so an error's place is in their terms
            cls.check_schema(self.tool_schema)
        except jsonschema.SchemaError as e:
            where = "/" + "/".join(str(p) for p in e.path)
            raise GitagentError(
                f"the output schema is not a valid JSON Schema: {e.message} (at {where})",
                "check it against https://json-schema.org/draft/2020-12",
            ) from e
        return cls(self.tool_schema, format_checker=cls.FORMAT_CHECKER)

    def tool(self) -> "StructuredOutputTool":
        """The final-answer tool the model calls."""
        return StructuredOutputTool(self)

    def errors(self, tool_input: Any) -> list[str]:
        """What is wrong with a StructuredOutput call's input ([] when it is valid)."""
        found = sorted(self._validator.iter_errors(tool_input), key=lambda e: list(map(str, e.absolute_path)))
        errors = [f"{_pointer(e.absolute_path)}: {e.message}" for e in found]
        if not errors and self.check is not None:
            prefix: list[str | int] = [WRAPPER] if self.wrapped else []
            errors = [f"{_pointer(prefix + path)}: {message}" for path, message in self.check(self.value(tool_input))]
        return errors[:MAX_ERRORS] + ([f"... and {len(errors) - MAX_ERRORS} more"] if len(errors) > MAX_ERRORS else [])

    def value(self, tool_input: dict[str, Any]) -> Any:
        """The answer a valid call carries (unwrapped)."""
        return tool_input[WRAPPER] if self.wrapped else tool_input

    def accept(self, call: Block, result: ToolResult, record: TurnRecord) -> None:
        """Keep the answer of a StructuredOutput call that passed (the call as it ran, after any hook)."""
        if call["name"] == TOOL_NAME and not result.is_error:
            record.set_structured_output(self.value(call.get("input") or {}))

    def settle(self, record: TurnRecord) -> bool:
        """Whether the turn may end: its last response gave a valid answer. A prose answer gets a reminder
        (recorded); raises OutputInvalid once the tries are used up."""
        last = next((i for i in range(len(record.events) - 1, -1, -1) if record.events[i]["type"] == "assistant"), None)
        if last is None:
            return False
        later = record.events[last + 1 :]
        if any(e["type"] in ("stop_feedback", "output_feedback") for e in later):
            return False
        calls = [b for b in record.events[last]["content"] if b.get("type") == "tool_use"]
        results = {e["tool_use_id"]: e for e in later if e["type"] == "tool_result"}
        if any(call["id"] not in results for call in calls):
            return False
        if any(call["name"] == TOOL_NAME and not results[call["id"]]["is_error"] for call in calls):
            return True
        used = self.attempts(record) + (0 if calls else 1)  # a prose answer is a try of its own
        if used >= self.tries:
            raise OutputInvalid(self.tries, [NO_CALL] if not calls else self.last_errors(record))
        if not calls:
            record.add_output_feedback(ENFORCE)
        return False

    def attempts(self, record: TurnRecord) -> int:
        """Tries used so far: failed StructuredOutput calls and prose answers that were reminded."""
        return sum(1 for e in record.events if e["type"] == "output_feedback" or _failed_try(e))

    def last_errors(self, record: TurnRecord) -> list[str]:
        """The errors of the last failed try."""
        for event in reversed(record.events):
            if _failed_try(event):
                lines = event["content"].splitlines()
                return [line[2:] for line in lines if line.startswith("- ")] or [event["content"]]
            if event["type"] == "output_feedback":
                return [NO_CALL]
        return [NO_CALL]


class StructuredOutputTool:
    """The final-answer tool: its input schema is the requested schema; it answers with what is wrong."""

    name = TOOL_NAME
    description = (
        "Give the final answer of this request in the structured form it requires. Call it once, when the work "
        "is done, with an input that matches its schema exactly; the turn ends when it accepts. If it answers "
        "with errors, correct the input and call it again."
    )

    def __init__(self, contract: OutputContract) -> None:
        self.contract = contract
        self.input_schema = contract.tool_schema

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Accept a valid answer; list the errors of an invalid one."""
        errors = self.contract.errors(tool_input)
        if errors:
            return ToolResult("\n".join([MISMATCH, *(f"- {e}" for e in errors)]), is_error=True)
        return ToolResult("Structured output accepted.")


def _failed_try(event: dict[str, Any]) -> bool:
    return event["type"] == "tool_result" and event["name"] == TOOL_NAME and event["is_error"]


def _pointer(path: Any) -> str:
    """A JSON Pointer to where an error is (`/` for the root)."""
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_from_text(text: str, where: str) -> dict[str, Any]:
    """A schema given as JSON text; errors name `where` it came from and the line and column."""
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as e:
        raise GitagentError(f"{where}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from e
    if not isinstance(schema, dict):
        raise GitagentError(f"{where}: a JSON Schema must be a JSON object", 'e.g. {"type": "object", ...}')
    return schema
