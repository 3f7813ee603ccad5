"""The ReAct loop: ask the model, run the tools it calls, feed the results back, until it answers."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitagent.agent.compaction import Compactor
from gitagent.agent.events import AssistantMessage, EventSink, ToolFinished, ToolStarted
from gitagent.agent.guard import Guard, unguarded
from gitagent.agent.limits import CostLimitReached, StepLimitReached
from gitagent.agent.output import OutputContract
from gitagent.agent.record import TurnRecord, turn_messages
from gitagent.models.base import Block, Message, Model, ModelRequest, ModelResponse, TextDelta
from gitagent.models.errors import INVALID_TOOL_INPUT, ContextTooLong
from gitagent.tools.base import Tool, ToolContext, ToolResult, ToolSource

INTERRUPTED = (
    "This tool call was interrupted before it finished (gitagent was stopped), so it may have run partly or not "
    "at all. Check the current state before repeating it."
)


class Children(Protocol):
    """The subagents a turn started (`gitagent.subagents`), as the loop sees them."""

    def notes(self) -> list[tuple[str, str]]:
        """(name, notification) for each background child that finished since the last call."""
        ...

    def wait(self) -> list[tuple[str, str]]:
        """Wait for the running children; their notifications."""
        ...

    def cost(self) -> float:
        """USD the children have spent."""
        ...


@dataclass
class Agent:
    """What the loop works with: a model, a system prompt, tools and where they act."""

    model: Model
    system: str
    tools: list[Tool]
    context: ToolContext
    max_steps: int
    guard: Guard = field(default_factory=unguarded)
    compactor: Compactor | None = None
    extra: ToolSource | None = None
    """Tools that may change from request to request (MCP)."""
    output: OutputContract | None = None
    """The schema the answer must match: its StructuredOutput tool joins the tools."""
    max_cost: float | None = None
    """USD the turn may spend on model calls (checked before each call; None: no limit)."""
    children: Children | None = None
    """The turn's subagents: their notifications join the next request; the turn waits for them to end."""

    def __post_init__(self) -> None:
        if self.output is not None:
            self.tools = [*self.tools, self.output.tool()]

    @property
    def all_tools(self) -> list[Tool]:
        """The tools the next request offers."""
        return self.tools + (self.extra.visible() if self.extra else [])

    @property
    def schemas(self) -> list[dict[str, Any]]:
        """The tool definitions sent with the next request."""
        return [{"name": t.name, "description": t.description, "input_schema": t.input_schema} for t in self.all_tools]

    def finished(self, record: TurnRecord) -> bool:
        """Whether the turn has its answer: a final response, or for a typed turn a valid StructuredOutput."""
        return record.answered if self.output is None else self.output.settle(record)


def run_loop(
    agent: Agent, history: list[Message], record: TurnRecord, emit: EventSink, save: Callable[[], None]
) -> None:
    """Drive `record` to a final answer, calling `save` after every step so a crash loses nothing.

    Picks up wherever the record stands. Tool calls a crash cut off are not run again (a command may have
    half-happened): the model is told they were interrupted and decides what to do.
    """
    for call in record.unanswered_tool_calls():
        record.add_tool_result(call, ToolResult(INTERRUPTED, is_error=True), 0)
        save()
    while True:
        while not agent.finished(record):
            _step(agent, history, record, emit, save)
        instruction = agent.guard.before_stop(record)
        if instruction is None:
            # a background child still running would be lost to this turn: wait, and let the model see its end
            if agent.children is None or not _notify(agent.children.wait(), record, save):
                return
            continue
        record.add_stop_feedback(instruction)
        save()


def _notify(notes: list[tuple[str, str]], record: TurnRecord, save: Callable[[], None]) -> bool:
    for name, text in notes:
        record.add_agent_notification(name, text)
    if notes:
        save()
    return bool(notes)


def _step(agent: Agent, history: list[Message], record: TurnRecord, emit: EventSink, save: Callable[[], None]) -> None:
    if record.steps >= agent.max_steps:
        raise StepLimitReached(f"stopped after {agent.max_steps} model steps without a final answer")
    if agent.children is not None:
        _notify(agent.children.notes(), record, save)
    spent = record.cost_usd
    if agent.children is not None and agent.max_cost is not None:
        spent = (spent or 0.0) + agent.children.cost()
    if agent.max_cost is not None and spent is not None and spent >= agent.max_cost:
        raise CostLimitReached(f"stopped after spending {spent:.4f} USD (the limit is {agent.max_cost:g} USD)")
    if (
        agent.compactor
        and history
        and agent.compactor.needed(agent.model, agent.system, agent.schemas, history + turn_messages(record.events))
    ):
        compact(agent.model, agent.compactor, history, record, agent.guard, "auto")
        save()
    started = time.monotonic()
    try:
        response = _ask(agent, history + turn_messages(record.events), emit)
    except ContextTooLong:
        if not (agent.compactor and history):
            raise
        compact(agent.model, agent.compactor, history, record, agent.guard, "auto")  # the provider said: too long
        save()
        response = _ask(agent, history + turn_messages(record.events), emit)
    record.add_assistant(response, agent.model.spec, int((time.monotonic() - started) * 1000))
    emit(AssistantMessage(record.steps, response))
    save()
    done = []
    for call in response.tool_calls:
        call, result, duration_ms = _run_tool(agent, call, record, emit)
        record.add_tool_result(call, result, duration_ms)
        if agent.output is not None:
            agent.output.accept(call, result, record)
        done.append((call, result))
        save()
    if done:
        agent.guard.after_batch(done, record)


def _ask(agent: Agent, messages: list[Message], emit: EventSink) -> ModelResponse:
    request = ModelRequest(system=agent.system, messages=messages, tools=agent.schemas)
    for event in agent.model.stream(request):
        if isinstance(event, TextDelta):
            emit(event)
        else:
            return event
    raise RuntimeError(f"model {agent.model.spec} ended its stream without a response")


def compact(
    model: Model, compactor: Compactor, history: list[Message], record: TurnRecord, guard: Guard, trigger: str
) -> str | None:
    """Replace `history` (in place) with its summary, and note it in the record. A PreCompact hook may veto:
    then nothing changes and its reason is returned."""
    vetoed = guard.run_hooks("PreCompact", {"trigger": trigger, "custom_instructions": None}, record)
    if vetoed is not None and vetoed.blocked:
        return vetoed.reason or "a PreCompact hook kept the full history"
    replaced = len(history)
    history[:] = compactor.compact(model, history)
    record.add_compaction(replaced, history)
    summary = next(e["summary"] for e in reversed(record.events) if e["type"] == "compaction")
    record.add_context(guard.after_compaction(trigger, summary, model.spec, record))
    return None


def _run_tool(agent: Agent, call: Block, record: TurnRecord, emit: EventSink) -> tuple[Block, ToolResult, int]:
    """Guard and run one call: the call as it ran (a hook may have changed its input), its result, the time."""
    emit(ToolStarted(call))
    started = time.monotonic()
    call, result = agent.guard.before_tool(call, record)
    if result is None:  # a refused call never ran: no PostToolUse for it
        ran = time.monotonic()
        result = _execute(agent, call)
        result = agent.guard.after_tool(call, result, record, int((time.monotonic() - ran) * 1000))
    duration_ms = int((time.monotonic() - started) * 1000)
    emit(ToolFinished(call, result, duration_ms))
    return call, result, duration_ms


def _execute(agent: Agent, call: Block) -> ToolResult:
    tool_input = call.get("input") or {}
    if INVALID_TOOL_INPUT in tool_input:  # the model's arguments were not valid JSON: say so, not "missing x"
        return ToolResult(str(tool_input[INVALID_TOOL_INPUT]), is_error=True)
    tool = next((t for t in agent.tools if t.name == call["name"]), None)
    if tool is None and agent.extra is not None:
        tool = agent.extra.find(call["name"])
    if tool is None:
        known = ", ".join(t.name for t in agent.all_tools)
        return ToolResult(f"Unknown tool {call['name']!r}. Available tools: {known}", is_error=True)
    try:
        return tool.run(call.get("input") or {}, agent.context)
    except Exception as e:  # a tool bug must reach the model as an error, not end the turn
        return ToolResult(f"{call['name']} failed: {type(e).__name__}: {e}", is_error=True)
