"""The CLI's text output (`run`, `show`, `log`, `conversations`, errors) never passes a control sequence from a
prompt, a model, a tool's output or a file name on to the terminal: it shows it escaped."""

import os

from tests.conftest import run_cli, text, tool
from tests.fakes.anthropic_server import API_KEY
from tests.fakes.server import Fail
from tests.hostile import INVALID_UTF8, ONE_LINE, is_safe, visible_forms

SHELL_CORPUS = ONE_LINE.replace("\x1b", "\\033").replace("'", "").replace("%", "%%")


def assert_escaped(output: str) -> None:
    assert is_safe(output), "a control character reached the terminal"
    for form in visible_forms():
        assert form in output, f"{form!r} is not shown as typed"


def test_run_show_and_log_print_hostile_text_escaped(repo, cli, script):
    model = script(
        [text(ONE_LINE), tool("Bash", command=f"printf '\\033[2J\\033]52;c;eA==\\007{SHELL_CORPUS}'")],
        [tool("Write", file_path="app/[id]/page.tsx", content=ONE_LINE)],
        [text("Done. " + ONE_LINE)],
    )
    ran = cli("run", "-c", "evil", "--model", model, "\x1b[2J[/] " + ONE_LINE)
    assert_escaped(ran.out)
    assert is_safe(ran.err) and "✓ \\x1b[2J\\x1b]52;c;eA==\\x07Explain" in ran.err
    assert_escaped(cli("show", "evil").out)
    logged = cli("log", "evil").out
    assert is_safe(logged) and "\\x1b[2J[/] Explain arr[/] and [red]why[/red]" in logged
    for args in (("log", "--all"), ("conversations",)):
        assert is_safe(cli(*args).out)


def test_a_prompt_that_is_not_utf8_is_refused_and_shown_escaped(repo, script):
    prompt = os.fsdecode(INVALID_UTF8)  # what Python makes of such bytes in argv
    ran = run_cli(repo, "run", "-c", "bytes", "--model", script([text("ok")]), prompt)
    assert ran.code == 1 and "not valid UTF-8: not utf-8: \\xff\\xfe\\xc3(" in ran.err  # refused: issue 14
    assert is_safe(ran.err)


def test_an_error_message_from_a_hostile_server_is_escaped(repo, anthropic):
    anthropic.push(Fail(400, "bad request\x1b[2J\x1b]52;c;eA==\x07", "invalid_request_error"))
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": anthropic.base_url}
    failed = run_cli(repo, "run", "-c", "e", "--model", "anthropic:claude-sonnet-4-5", "hi", env=env)
    assert failed.code == 1 and "bad request\\x1b[2J\\x1b]52;c;eA==\\x07" in failed.err
    assert is_safe(failed.err)


def test_map_prints_file_names_and_code_with_control_characters_escaped(repo):
    (repo / "esc\x1b[2J.py").write_text('def evil():\n    """\x1b]52;c;eA==\x07"""\n    return 2\n')
    (repo / os.fsdecode(b"bad\xffname.py")).write_text("class Cart:\n    pass\n")
    mapped = run_cli(repo, "map")
    assert mapped.code == 0 and is_safe(mapped.out) and is_safe(mapped.err)
    assert "esc\\x1b[2J.py" in mapped.out and "def evil" in mapped.out and "Cart" in mapped.out
