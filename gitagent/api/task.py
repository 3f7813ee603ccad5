"""Tasks: a typed function signature and docstring as an agent task (`@gitagent.task`).

Calling the function runs one turn in a new conversation of its own, named after the function
(`risky-changes`, `risky-changes-2`…), whose prompt is the docstring and the call's arguments as JSON;
the return annotation is the output type, so the call returns a validated instance. An `async def` task
returns a coroutine (the turn runs in a worker thread). Without a return annotation, or with `-> str`,
the call returns the final answer's text.
"""

import functools
import inspect
import json
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitagent.api.conversation import Conversation, Repository
from gitagent.api.result import Result, TurnFailed
from gitagent.api.typed import contract_for


class Task:
    """A function whose body the agent carries out; see the module docstring."""

    def __init__(self, fn: Callable[..., Any], repo: str | Path | Repository | None, name: str | None,
                 options: dict[str, Any]) -> None:  # fmt: skip
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.repo = repo
        self.options = options
        self.signature = inspect.signature(fn)
        returns = _return_type(fn, self.signature)
        self.output = None if returns in (None, str, type(None), inspect.Signature.empty) else returns
        contract_for(self.output)  # an output type Pydantic cannot describe fails here, not at the first call
        self.stem = name or fn.__name__.strip("_").replace("_", "-").lower() or "task"
        self.is_async = inspect.iscoroutinefunction(fn)

    def prompt(self, *args: Any, **kwargs: Any) -> str:
        """The user message a call with these arguments sends."""
        bound = self.signature.bind(*args, **kwargs)
        bound.apply_defaults()
        lines = [f"Task: {self.fn.__name__}{self.signature}", "", inspect.getdoc(self.fn) or "Carry out this task."]
        if bound.arguments:
            lines += ["", "Arguments:", *(f"- {key} = {_json(value)}" for key, value in bound.arguments.items())]
        if self.output is not None:
            lines += ["", "Give the task's return value with the StructuredOutput tool."]
        return "\n".join(lines)

    def turn(self, *args: Any, **kwargs: Any) -> Result:
        """Run the task with these arguments in a new conversation; the whole Result."""
        repository = self.repo if isinstance(self.repo, Repository) else Repository(self.repo)
        conversation = Conversation(repository, None, stem=self.stem)
        return conversation.turn(self.prompt(*args, **kwargs), output=self.output, **self.options)

    async def aturn(self, *args: Any, **kwargs: Any) -> Result:
        """`turn` for async code."""
        import asyncio  # only async callers need it (see Conversation.aturn)

        return await asyncio.to_thread(lambda: self.turn(*args, **kwargs))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return self._acall(*args, **kwargs)
        return self._answer(self.turn(*args, **kwargs))

    async def _acall(self, *args: Any, **kwargs: Any) -> Any:
        return self._answer(await self.aturn(*args, **kwargs))

    def _answer(self, result: Result) -> Any:
        if not result.ok:
            raise TurnFailed(result)
        return result.output if self.output is not None else result.text


def task(
    fn: Callable[..., Any] | None = None, /, *, repo: str | Path | Repository | None = None,
    name: str | None = None, **options: Any,
) -> Any:  # fmt: skip
    """Make `fn` an agent task: `@gitagent.task`, or `@gitagent.task(model=..., repo=..., name=...)`.

    `repo`: the repository (a path or a Repository; default: the one containing the current directory at
    call time); `name`: the stem of the conversations' names (default: the function's name); `options`: as
    for `gitagent.open` (model, max_steps, max_cost, sandbox, approve…).
    """

    def wrap(function: Callable[..., Any]) -> Task:
        return Task(function, repo, name, options)

    return wrap(fn) if fn is not None else wrap


def _return_type(fn: Callable[..., Any], signature: inspect.Signature) -> Any:
    try:
        return typing.get_type_hints(fn).get("return", inspect.Signature.empty)
    except NameError:  # an annotation naming a class local to a function: use it as written
        return signature.return_annotation


def _json(value: Any) -> str:
    from pydantic_core import to_jsonable_python

    return json.dumps(to_jsonable_python(value, fallback=repr), ensure_ascii=False)
