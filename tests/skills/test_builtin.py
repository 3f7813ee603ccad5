"""gitagent's own skills: plain folders at the top of the repository, each valid, found by discovery."""

from pathlib import Path

import pytest

from gitagent.skills import builtin_skills_dir, validate_skill

REPO_SKILLS = Path(__file__).resolve().parents[2] / "skills"
NAMES = sorted(p.name for p in REPO_SKILLS.iterdir() if p.is_dir())


def test_the_builtin_directory_is_the_top_level_skills_folder() -> None:
    assert builtin_skills_dir() == REPO_SKILLS
    assert {"code-review", "commit-message", "gitagent-history"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_builtin_skill_validates_without_warnings(name: str) -> None:
    skill, problems = validate_skill(REPO_SKILLS / name, "builtin")
    assert problems == []
    assert skill is not None and skill.body.strip()
    assert len(skill.body.splitlines()) < 500, "the standard recommends keeping SKILL.md under 500 lines"


def test_code_review_defines_the_severities_and_the_finding_fields() -> None:
    skill, _ = validate_skill(REPO_SKILLS / "code-review")
    assert skill is not None
    for word in ("**error**", "**warning**", "**note**", "**file**", "**line range**", "**title**", "new"):
        assert word in skill.body


def test_commit_message_states_the_subject_rules() -> None:
    skill, _ = validate_skill(REPO_SKILLS / "commit-message")
    assert skill is not None
    assert "72 characters" in skill.body and "imperative" in skill.body


def test_gitagent_history_names_the_refs_and_the_turn_tree() -> None:
    skill, _ = validate_skill(REPO_SKILLS / "gitagent-history")
    assert skill is not None
    for fact in ("refs/gitagent/conversations/", "refs/gitagent/abandoned/", "turn.json", "conversation.json",
                 "workspace/", "Gitagent-Turn", "read-only"):  # fmt: skip
        assert fact in skill.body
