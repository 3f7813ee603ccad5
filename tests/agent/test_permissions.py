"""Approval modes and allow/deny rules, as the loop applies them to real tool calls."""

from pathlib import Path

import pytest

from gitagent.agent.permissions import Decision, Permissions, load_permissions, parse_rule
from gitagent.errors import GitagentError


def _call(name: str, **tool_input: str) -> dict:
    return {"type": "tool_use", "id": "t", "name": name, "input": tool_input}


def _rules(*texts: str) -> list:
    return [parse_rule(t, "test") for t in texts]


@pytest.mark.parametrize(
    ("rule", "call", "matches"),
    [
        ("Bash(git push *)", _call("Bash", command="git push origin main"), True),
        ("Bash(git push *)", _call("Bash", command="git status"), False),
        ("Bash", _call("Bash", command="anything"), True),
        ("Read(.env)", _call("Read", file_path=".env"), True),
        ("Read(.env)", _call("Read", file_path="src/.env.example"), False),
        ("Edit(src/*)", _call("Edit", file_path="src/deep/x.py"), True),
        ("Write", _call("Edit", file_path="x"), False),
    ],
)
def test_rule_matching(rule: str, call: dict, matches: bool) -> None:
    assert parse_rule(rule, "t").matches(call["name"], call["input"]) is matches


def test_deny_wins_in_every_mode() -> None:
    for mode in ("auto", "ask"):
        permissions = Permissions(mode, allow=_rules("Bash"), deny=_rules("Bash(git push *)"))
        decision = permissions.decide(_call("Bash", command="git push --force"))
        assert not decision.allowed and "git push" in decision.reason


def test_ask_mode_needs_a_rule_or_a_person_for_commands_and_edits() -> None:
    permissions = Permissions("ask", allow=_rules("Bash(make test*)"))
    assert permissions.decide(_call("Bash", command="make test")).allowed
    assert permissions.decide(_call("Read", file_path="x")).allowed
    refused = permissions.decide(_call("Write", file_path="x", content=""))
    assert not refused.allowed and "headless" in refused.reason
    asked = permissions.decide(_call("Edit", file_path="x"), approver=lambda call: Decision(True, "user", "ok"))
    assert asked == Decision(True, "user", "ok")


def test_an_untrusted_repository_config_can_only_tighten(tmp_path: Path) -> None:
    repo_config = tmp_path / "repo.toml"
    repo_config.write_text('[permissions]\nmode = "auto"\nallow = ["Bash"]\ndeny = ["Bash(rm *)"]\n')
    user_config = tmp_path / "user.toml"
    user_config.write_text('[permissions]\nmode = "ask"\n')
    untrusted = load_permissions([(repo_config, False), (user_config, True)], None)
    assert untrusted.mode == "ask" and untrusted.allow == [] and untrusted.deny[0].text == "Bash(rm *)"
    trusted = load_permissions([(repo_config, True)], None)
    assert trusted.mode == "auto" and trusted.allow[0].text == "Bash"
    strict = tmp_path / "strict.toml"
    strict.write_text('[permissions]\nmode = "ask"\n')
    assert load_permissions([(strict, False)], None).mode == "ask"


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[permissions\n")
    with pytest.raises(GitagentError, match=str(path)):
        load_permissions([(path, True)], None)
    with pytest.raises(GitagentError, match="unknown approval mode 'sometimes'"):
        load_permissions([], "sometimes")
    with pytest.raises(GitagentError, match="cannot read permission rule"):
        parse_rule("Bash(unclosed", "x")
