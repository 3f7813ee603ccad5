"""Typed turns through the Python API with the scripted model: valid answers, corrections, failures, and
Pydantic models, dataclasses, enums, nested objects and arrays as output types."""

import enum
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel, field_validator

import gitagent
from tests.conftest import conversation_head, git, text, tool


class Severity(enum.Enum):
    HIGH = "high"
    LOW = "low"


@dataclass
class Risk:
    path: str
    severity: Severity
    lines: list[int]


class Section(BaseModel):
    heading: str
    items: list[str]


class ReleaseNotes(BaseModel):
    version: str
    sections: list[Section]
    risks: list[Risk]

    @field_validator("version")
    @classmethod
    def semantic(cls, value: str) -> str:
        if value.count(".") != 2:
            raise ValueError("must be MAJOR.MINOR.PATCH")
        return value


NOTES = {
    "version": "2.0.0",
    "sections": [{"heading": "Added", "items": ["typed results", "tasks"]}],
    "risks": [{"path": "gitagent/api.py", "severity": "high", "lines": [3, 9]}],
}


def answer(value: object) -> dict:
    return tool("StructuredOutput", **value) if isinstance(value, dict) else tool("StructuredOutput", result=value)


def record(repo: Path, name: str) -> dict:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)


def test_a_pydantic_model_with_nested_objects_enums_and_arrays(repo: Path, script) -> None:
    model = script([text("Reading the log."), tool("Read", file_path="README.md")], [answer(NOTES)])
    convo = gitagent.open(repo, model=model).conversation("notes")
    notes = convo.run("Write release notes for 2.0.0", output=ReleaseNotes)
    assert isinstance(notes, ReleaseNotes) and notes.version == "2.0.0"
    assert notes.sections[0] == Section(heading="Added", items=["typed results", "tasks"])
    assert notes.risks == [Risk("gitagent/api.py", Severity.HIGH, [3, 9])]
    turn = record(repo, "notes")
    assert turn["structured_output"] == NOTES and turn["status"] == "complete"
    assert turn["output_schema"]["properties"]["risks"]["items"] == {"$ref": "#/$defs/Risk"}
    assert "Gitagent-Tools: Read, StructuredOutput" in conversation_head(repo, "notes").message


def test_a_dataclass_list_is_wrapped_in_an_object_and_unwrapped(repo: Path, script) -> None:
    risks = [{"path": "a.py", "severity": "low", "lines": []}, {"path": "b.py", "severity": "high", "lines": [1]}]
    result = gitagent.open(repo, model=script([answer(risks)])).conversation("r").turn("risks?", output=list[Risk])
    assert result.ok and result.output == [Risk("a.py", Severity.LOW, []), Risk("b.py", Severity.HIGH, [1])]
    assert result.structured_output == risks and json.loads(result.text) == risks
    schema = record(repo, "r")["output_schema"]
    assert schema["type"] == "array" and "Risk" in schema["$defs"]


def test_an_invalid_answer_is_corrected_on_the_second_try_with_the_errors_shown(repo: Path, script) -> None:
    wrong = {**NOTES, "version": "two", "risks": [{"path": "a.py", "severity": "urgent", "lines": ["x"]}]}
    model = script([answer(wrong)], [answer({**NOTES, "version": "2"})], [answer(NOTES)])
    result = gitagent.open(repo, model=model).conversation("fix").turn("notes", output=ReleaseNotes)
    assert result.ok and result.output.version == "2.0.0"
    results = [e for e in record(repo, "fix")["events"] if e["type"] == "tool_result"]
    assert [r["is_error"] for r in results] == [True, True, False]
    assert results[0]["content"].splitlines() == [
        "Output does not match the required schema:",
        "- /risks/0/lines/0: 'x' is not of type 'integer'",
        "- /risks/0/severity: 'urgent' is not one of ['high', 'low']",
    ]
    assert "- /version: Value error, must be MAJOR.MINOR.PATCH" in results[1]["content"]  # Pydantic's own check


def test_an_invalid_answer_after_the_last_try_fails_the_turn_with_the_errors(repo: Path, script) -> None:
    model = script(*[[answer({"version": 2})]] * 3)
    convo = gitagent.open(repo, model=model, output_tries=3).conversation("bad")
    with pytest.raises(gitagent.TurnFailed) as failed:
        convo.run("notes", output=ReleaseNotes)
    result = failed.value.result
    assert result.status == "invalid_output" and result.output is None and result.structured_output is None
    assert (
        "/: 'sections' is a required property" in result.errors
        and "/version: 2 is not of type 'string'" in result.errors
    )
    assert "ended without a valid structured output (invalid_output)" in str(failed.value)
    turn = record(repo, "bad")
    assert turn["status"] == "invalid_output" and turn["structured_output"] is None
    assert turn["events"][-1]["type"] == "error" and "after 3 tries" in turn["events"][-1]["message"]


def test_a_prose_answer_gets_a_reminder_that_uses_a_try(repo: Path, script) -> None:
    model = script([text("The version is 2.0.0.")], [answer({"result": "2.0.0"})])
    result = gitagent.open(repo, model=model).conversation("v").turn("version?", output={"type": "string"})
    assert result.ok and result.output == "2.0.0"
    events = record(repo, "v")["events"]
    assert [e["type"] for e in events] == ["user", "assistant", "output_feedback", "assistant", "tool_result"]
    assert "call the StructuredOutput tool" in events[2]["text"]
    only_prose = gitagent.open(repo, model=script(), output_tries=2).conversation("p").turn("x", output=ReleaseNotes)
    assert only_prose.status == "invalid_output"
    assert only_prose.errors == ["the model answered without calling the StructuredOutput tool"]


def test_a_schema_dict_gives_json_and_plain_turns_give_text(repo: Path, script) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}, "required": ["n"]}
    model = script([answer({"n": 0})], [answer({"n": 3})])
    assert gitagent.open(repo, model=model).conversation("d").run("count", output=schema) == {"n": 3}
    assert gitagent.open(repo, model=script([text("Hello.")])).conversation("t").run("hi") == "Hello."


def test_a_type_pydantic_cannot_describe_is_a_clear_error(repo: Path, script) -> None:
    class Opaque:
        pass

    with pytest.raises(gitagent.GitagentError, match="cannot use Opaque as an output type"):
        gitagent.open(repo, model=script()).conversation("x").turn("x", output=Opaque)
    with pytest.raises(gitagent.GitagentError, match="not a valid JSON Schema: 'nope' is not valid"):
        gitagent.open(repo, model=script()).conversation("x").turn("x", output={"type": "nope"})
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""  # refused before any turn began


def test_openais_responses_api_gets_the_function_and_the_errors_back(repo: Path, openai, monkeypatch) -> None:
    from gitagent.models import openai as chat
    from gitagent.models.openai_responses import OpenAIResponsesModel
    from tests.fakes.openai_server import API_KEY
    from tests.fakes.server import Reply

    # The Responses API is chosen for api.openai.com only; the fake lives on 127.0.0.1.
    monkeypatch.setattr(chat, "OpenAIChatModel", OpenAIResponsesModel)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    wrong = {**NOTES, "risks": [{"path": "a.py", "severity": "urgent", "lines": [1]}]}
    openai.push(Reply([answer(wrong)]), Reply([answer(NOTES)]))
    repository = gitagent.open(repo, model="openai:gpt-5", base_url=openai.base_url)
    notes = repository.conversation("resp").run("notes", output=ReleaseNotes)
    assert notes.risks == [Risk("gitagent/api.py", Severity.HIGH, [3, 9])]
    assert [r.path for r in openai.requests] == ["/v1/responses", "/v1/responses"]
    function = {t["name"]: t for t in openai.bodies[0]["tools"]}["StructuredOutput"]
    assert function["parameters"] == record(repo, "resp")["output_schema"] and function["strict"] is False
    returned = [i for i in openai.bodies[1]["input"] if i.get("type") == "function_call_output"][-1]["output"]
    assert "- /risks/0/severity: 'urgent' is not one of ['high', 'low']" in returned.splitlines()
