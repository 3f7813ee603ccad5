"""Output types: a JSON Schema dict, or a Python type (a Pydantic model, a dataclass, `list[Risk]`, an Enum…)
whose schema Pydantic's `TypeAdapter` writes and whose instances it builds from the validated answer."""

from collections.abc import Callable
from typing import Any

from gitagent.agent.output import DEFAULT_TRIES, OutputContract
from gitagent.errors import GitagentError

Convert = Callable[[Any], Any]


def contract_for(output: Any, tries: int = DEFAULT_TRIES) -> tuple[OutputContract | None, Convert]:
    """The contract a turn's answer must meet for `output`, and how to turn the answer into the caller's
    object. `output` is None (a prose answer), a JSON Schema (a dict; the answer stays JSON) or a type."""
    if output is None:
        return None, _same
    if isinstance(output, dict):
        return OutputContract(output, tries), _same
    adapter = _adapter(output)
    return OutputContract(adapter.json_schema(), tries, check=lambda value: _pydantic_errors(adapter, value)), (
        adapter.validate_python
    )


def _adapter(output: Any) -> Any:
    from pydantic import PydanticSchemaGenerationError, PydanticUserError, TypeAdapter

    try:
        adapter = TypeAdapter(output)
        adapter.json_schema()
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError) as e:
        name = getattr(output, "__name__", repr(output))
        raise GitagentError(
            f"cannot use {name} as an output type: {str(e).splitlines()[0]}",
            "use a Pydantic model, a dataclass, a TypedDict, a list or dict of those, a str/int/float/bool, "
            "an Enum or a Literal (or pass a JSON Schema dict)",
        ) from e
    return adapter


def _pydantic_errors(adapter: Any, value: Any) -> list[tuple[list[str | int], str]]:
    """What Pydantic's own validation (validators, constraints the schema cannot say) finds wrong."""
    from pydantic import ValidationError

    try:
        adapter.validate_python(value)
    except ValidationError as e:
        return [(list(error["loc"]), error["msg"]) for error in e.errors()]
    return []


def _same(value: Any) -> Any:
    return value
