"""Bad input gets a clear error and changes nothing."""

import json
from pathlib import Path

import pytest

from tests.conftest import git, run_cli, text


def _refs(repo: Path) -> str:
    return git(repo, "for-each-ref", "refs/gitagent/")


def test_outside_a_repository(tmp_path: Path, script) -> None:
    result = run_cli(tmp_path, "run", "--model", script([text("x")]), "hi")
    assert result.code == 1
    assert result.err.startswith("gitagent: error: not a git repository")
    assert "git init" in result.err and "Traceback" not in result.err


def test_bare_repository(tmp_path: Path, script) -> None:
    git(tmp_path, "init", "-q", "--bare", "bare.git")
    result = run_cli(tmp_path / "bare.git", "log")
    assert result.code == 1 and "is a bare repository; gitagent needs a work tree" in result.err


def test_repository_without_commits(tmp_path: Path, script) -> None:
    git(tmp_path, "init", "-q", "empty")
    result = run_cli(tmp_path / "empty", "run", "--model", script([text("x")]), "hi")
    assert result.code == 1 and "no commits yet" in result.err and "git commit --allow-empty" in result.err
    assert git(tmp_path / "empty", "for-each-ref") == ""


def test_unknown_conversation_lists_the_existing_ones(repo: Path, cli, script) -> None:
    cli("run", "-c", "alpha", "--model", script([text("x")]), "hi")
    cli("run", "-c", "beta", "--model", script([text("x")]), "hi")
    result = cli("log", "gamma", expect=1)
    assert "no conversation named 'gamma'" in result.err
    assert "existing conversations:" in result.err and "alpha" in result.err and "beta" in result.err
    assert "start one with" in cli("show", "nope", expect=1, cwd=_empty_repo(repo)).err


def _empty_repo(repo: Path) -> Path:
    other = repo.parent / "other"
    git(repo.parent, "clone", "-q", str(repo), str(other))
    return other


@pytest.mark.parametrize("name", ["has space", "a..b", "x@y", "-flag", "end.lock", "a~1b", "trailing/"])
def test_invalid_conversation_names(repo: Path, cli, script, name: str) -> None:
    result = cli("run", "-c", name, "--model", script([text("x")]), "hi", expect=1)
    assert "invalid conversation name" in result.err or "cannot read" in result.err
    assert _refs(repo) == ""


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"responses": [[{"type": "text", "text": "a"}]', ":1:"),
        ('{"answers": []}', 'expected an object with a "responses" list'),
        ('{"responses": [{"type": "text"}]}', "responses[0]: expected a list of blocks"),
        ('{"responses": [[{"type": "txt", "text": "a"}]]}', "responses[0][0]: unknown block type 'txt'"),
        (
            '{"responses": [[], [{"type": "tool_use", "name": "Write"}]]}',
            'responses[1][0]: a tool_use block needs an object "input"',
        ),
    ],
)
def test_malformed_script_says_what_and_where(repo: Path, cli, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = cli("run", "--model", f"scripted:{path}", "hi", expect=1)
    assert str(path) in result.err and message in result.err
    assert _refs(repo) == ""


def test_missing_script_and_unknown_provider(repo: Path, cli) -> None:
    assert "cannot read script" in cli("run", "--model", "scripted:nope.json", "hi", expect=1).err
    result = cli("run", "--model", "llama:big", "hi", expect=1)
    assert "unknown model provider 'llama'" in result.err


def test_no_model_configured(repo: Path, cli) -> None:
    result = cli("run", "hi", expect=1)
    assert "no model chosen" in result.err and "--model" in result.err


def test_model_from_git_config_and_environment(repo: Path, cli, script) -> None:
    git(repo, "config", "gitagent.model", script([text("from config")]))
    assert "from config" in cli("run", "-c", "a", "hi").out
    env_spec = script([text("from env")])
    result = run_cli(repo, "run", "-c", "b", "hi", env={"GITAGENT_MODEL": env_spec})
    assert "from env" in result.out


def test_empty_prompt_and_missing_prompt(repo: Path, cli) -> None:
    assert "the prompt is empty" in cli("run", "--model", "scripted:x", "  ", expect=1).err
    assert "a PROMPT is needed" in cli("run", expect=1).err


def test_unknown_command_suggests(repo: Path, cli) -> None:
    result = cli("lgo", expect=2)
    assert "no command 'lgo'" in result.err and "Did you mean 'log'?" in result.err


def test_unknown_sandbox(repo: Path, cli, script) -> None:
    assert "unknown sandbox 'docker'" in cli("run", "--sandbox", "docker", "--model", script([]), "x", expect=1).err


def test_apply_conflict_changes_nothing(repo: Path, cli, script) -> None:
    from tests.conftest import tool

    cli(
        "run",
        "-c",
        "c",
        "--model",
        script([tool("Write", file_path="README.md", content="# agent\n")], [text("ok")]),
        "x",
    )
    (repo / "README.md").write_text("# mine\n")
    result = cli("apply", "c", expect=1)
    assert "do not apply cleanly" in result.err and "nothing was changed" in result.err
    assert (repo / "README.md").read_text() == "# mine\n"


def test_export_refuses_an_existing_branch(repo: Path, cli, script) -> None:
    cli("run", "-c", "c", "--model", script([text("ok")]), "x")
    assert "branch 'main' already exists" in cli("export", "c", "main", expect=1).err
    assert json.loads(cli("conversations", "--json").out)[0]["name"] == "c"
