"""`gitagent run --output-schema` and `--output-last-message`: with the scripted model, and with the real
Anthropic and OpenAI SDKs talking to the fake servers."""

import json
import signal
from pathlib import Path

import pytest

from tests.conftest import conversation_head, git, run_cli, text, tool, worktree
from tests.fakes.anthropic_server import API_KEY as ANTHROPIC_KEY
from tests.fakes.openai_server import API_KEY as OPENAI_KEY
from tests.fakes.server import Reply

SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "files": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"path": {"type": "string"}, "kind": {"enum": ["source", "docs", "test"]}},
                "required": ["path", "kind"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["summary", "files"],
    "additionalProperties": False,
}
GOOD = {"summary": "One readme.", "files": [{"path": "README.md", "kind": "docs"}]}
BAD = {"summary": "One readme.", "files": [{"path": "README.md", "kind": "markdown", "size": 7}]}
BAD_ERRORS = [
    "/files/0: Additional properties are not allowed ('size' was unexpected)",
    "/files/0/kind: 'markdown' is not one of ['source', 'docs', 'test']",
]


def answer(value: dict) -> dict:
    return tool("StructuredOutput", **value)


@pytest.fixture
def schema_file(tmp_path: Path) -> Path:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(SCHEMA))
    return path


def turn_record(repo: Path, name: str) -> dict:
    return json.loads(conversation_head(repo, name).tree["turn.json"].data)


def test_a_valid_result_is_structured_output_in_the_json_and_the_turn(repo: Path, cli, script, schema_file) -> None:
    model = script([text("Looking."), tool("Glob", pattern="*")], [answer(GOOD)])
    result = cli("run", "-c", "f", "-m", model, "--output-schema", str(schema_file), "--output-format", "json", "list")
    data = json.loads(result.out)
    assert data["structured_output"] == GOOD and data["is_error"] is False and data["errors"] == []
    assert json.loads(data["result"]) == GOOD
    turn = turn_record(repo, "f")
    assert turn["structured_output"] == GOOD and turn["output_schema"] == SCHEMA
    text_mode = cli("run", "-c", "g", "-m", script([answer(GOOD)]), "--output-schema", json.dumps(SCHEMA), "list")
    assert json.loads(text_mode.out) == GOOD  # the text output is the JSON, indented


def test_an_invalid_result_is_corrected_on_the_second_try(repo: Path, cli, script, schema_file) -> None:
    model = script([answer(BAD)], [answer(GOOD)])
    result = cli("run", "-c", "c", "-m", model, "--output-schema", str(schema_file), "--output-format", "json", "x")
    assert json.loads(result.out)["structured_output"] == GOOD
    results = [e for e in turn_record(repo, "c")["events"] if e["type"] == "tool_result"]
    assert results[0]["is_error"] and results[0]["content"].splitlines()[1:] == [f"- {e}" for e in BAD_ERRORS]


def test_an_invalid_result_after_the_last_try_exits_1_with_the_errors(repo: Path, cli, script, schema_file) -> None:
    model = script(*[[answer(BAD)]] * 5)
    result = cli("run", "-c", "b", "-m", model, "--output-schema", str(schema_file), "-o", "last.txt", "x", expect=1)
    assert "gitagent: the turn ended without a valid structured output (invalid_output)" in result.err
    assert all(f"  {error}" in result.err.splitlines() for error in BAD_ERRORS)
    assert f"  ✗ {BAD_ERRORS[0]} (and 1 more)" in result.err.splitlines()  # each try says what to fix
    turn = turn_record(repo, "b")
    assert turn["status"] == "invalid_output" and turn["structured_output"] is None
    assert sum(e["type"] == "assistant" for e in turn["events"]) == 5  # five tries, as Claude Code gives
    as_json = cli("run", "-c", "b", "-m", model, "--output-schema", str(schema_file), "-o", "last.txt",
                  "--output-format", "json", "again", expect=1)  # fmt: skip
    data = json.loads(as_json.out)
    assert data["is_error"] and data["status"] == "invalid_output" and data["errors"] == BAD_ERRORS


def test_output_last_message_writes_the_final_answer(repo: Path, cli, script, schema_file, tmp_path: Path) -> None:
    cli("run", "-c", "t", "-m", script([text("All done.")]), "--output-last-message", str(tmp_path / "m.txt"), "hi")
    assert (tmp_path / "m.txt").read_text() == "All done."
    cli("run", "-m", script([answer(GOOD)]), "--output-schema", str(schema_file), "-o", str(tmp_path / "j"), "x")
    assert json.loads((tmp_path / "j").read_text()) == GOOD


@pytest.mark.parametrize(
    ("schema", "error"),
    [
        ("missing.json", "gitagent: error: --output-schema: cannot read missing.json: No such file or directory"),
        ('{"type": "object",', "gitagent: error: --output-schema:1:19: invalid JSON: Expecting property name"),
        ('{"type": "objekt"}', "gitagent: error: the output schema is not a valid JSON Schema: 'objekt' is not valid"),
        (
            '{"type": "object", "properties": {"n": {"minimum": "1"}}}',
            "gitagent: error: the output schema is not a "
            "valid JSON Schema: '1' is not of type 'number' (at /properties/n/minimum)",
        ),
        (
            '{"type": "array", "items": {"type": 3}}',
            "gitagent: error: the output schema is not a valid JSON Schema: "
            "3 is not valid under any of the given schemas (at /items/type)",
        ),
    ],
)
def test_a_bad_schema_is_one_line_that_names_the_problem(repo: Path, cli, script, schema: str, error: str) -> None:
    result = cli("run", "-m", script([text("x")]), "--output-schema", schema, "x", expect=1)
    assert result.err.startswith(error) and "Traceback" not in result.err
    assert git(repo, "for-each-ref", "refs/gitagent/") == ""  # refused before the turn began


def test_anthropic_gets_the_schema_as_a_tool_and_the_errors_back(repo: Path, anthropic, schema_file) -> None:
    anthropic.push(Reply([answer(BAD)]), Reply([text("Fixing it."), answer(GOOD)]))
    env = {"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    args = ("run", "-c", "a", "-m", "anthropic:claude-sonnet-5-5", "--output-schema", str(schema_file))
    result = run_cli(repo, *args, "--output-format", "json", "list", env=env)
    assert result.code == 0, result.err
    assert json.loads(result.out)["structured_output"] == GOOD
    sent = {t["name"]: t for t in anthropic.bodies[0]["tools"]}["StructuredOutput"]
    assert sent["input_schema"] == SCHEMA
    returned = anthropic.bodies[1]["messages"][-1]["content"][0]
    assert returned["type"] == "tool_result" and returned["is_error"] is True
    assert all(error in returned["content"] for error in BAD_ERRORS)


def test_openai_gets_the_schema_as_a_function_and_the_errors_back(repo: Path, openai, schema_file) -> None:
    openai.push(Reply([answer(BAD)]), Reply([answer(GOOD)]))
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": openai.base_url}
    args = ("run", "-c", "o", "-m", "openai:gpt-5", "--output-schema", str(schema_file), "--output-format", "json")
    result = run_cli(repo, *args, "list", env=env)
    assert result.code == 0, result.err
    assert json.loads(result.out)["structured_output"] == GOOD
    functions = {t["function"]["name"]: t["function"] for t in openai.bodies[0]["tools"]}
    assert functions["StructuredOutput"]["parameters"] == SCHEMA
    returned = openai.bodies[1]["messages"][-1]
    assert returned["role"] == "tool" and returned["content"].startswith("Error: Output does not match")
    assert all(error in returned["content"] for error in BAD_ERRORS)


@pytest.mark.parametrize("provider", ["anthropic", "openai"])
def test_a_provider_wrong_at_every_try_exits_1(request, provider: str, repo: Path, schema_file) -> None:
    server = request.getfixturevalue(provider)
    server.push(*[Reply([answer(BAD)]) for _ in range(5)])
    if provider == "anthropic":
        model, env = "anthropic:claude-sonnet-5-5", {"ANTHROPIC_API_KEY": ANTHROPIC_KEY}
        env["ANTHROPIC_BASE_URL"] = server.base_url
    else:
        model, env = "openai:gpt-5", {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": server.base_url}
    args = ("run", "-c", "w", "-m", model, "--output-schema", str(schema_file), "--output-format", "json", "list")
    result = run_cli(repo, *args, env=env)
    assert result.code == 1, result.err
    data = json.loads(result.out)
    assert data["status"] == "invalid_output" and data["errors"] == BAD_ERRORS and data["structured_output"] is None
    assert "gitagent: the turn ended without a valid structured output (invalid_output)" in result.err
    assert len(server.bodies) == 5  # five tries, the last one's errors not sent back
    assert turn_record(repo, "w")["status"] == "invalid_output"


def test_a_non_object_schema_travels_wrapped_on_the_wire(repo: Path, anthropic) -> None:
    anthropic.push(Reply([tool("StructuredOutput", result=["a", "b"])]))
    env = {"ANTHROPIC_API_KEY": ANTHROPIC_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    schema = json.dumps({"type": "array", "items": {"type": "string"}})
    result = run_cli(repo, "run", "-m", "anthropic:claude-sonnet-5-5", "--output-schema", schema, "names", env=env)
    assert result.code == 0, result.err
    assert json.loads(result.out) == ["a", "b"]
    sent = {t["name"]: t for t in anthropic.bodies[0]["tools"]}["StructuredOutput"]["input_schema"]
    assert sent["type"] == "object" and sent["properties"]["result"] == json.loads(schema)


def test_show_tells_the_reminder_and_the_structured_output(repo: Path, cli, script, schema_file) -> None:
    cli("run", "-c", "s", "-m", script([text("It is one readme.")], [answer(GOOD)]), "--output-schema",
        str(schema_file), "list")  # fmt: skip
    shown = cli("show", "s").out
    assert "↺ reminded: This request needs its answer as structured output" in shown
    assert 'Structured output:\n  {\n    "summary": "One readme.",' in shown


def test_a_killed_typed_turn_resumes_with_its_recorded_schema(repo: Path, cli, script, schema_file) -> None:
    from tests.cli.test_crash import _start
    from tests.reliability.conftest import wait_for

    model = script([tool("Bash", command="touch started && sleep 30")], [answer(BAD)], [answer(GOOD)])
    proc = _start(repo, "run", "-c", "k", "-m", model, "--output-schema", str(schema_file), "list")
    wait_for(worktree(repo, "k") / "started")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    result = cli("run", "--resume", "-c", "k", "-m", model, "--output-format", "json")  # no schema given again
    assert json.loads(result.out)["structured_output"] == GOOD
    turn = turn_record(repo, "k")
    results = [(e["name"], e["is_error"]) for e in turn["events"] if e["type"] == "tool_result"]
    assert turn["output_schema"] == SCHEMA
    assert results == [("Bash", True), ("StructuredOutput", True), ("StructuredOutput", False)]
