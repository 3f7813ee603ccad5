"""The system-prompt listing: names and descriptions, within a budget, saying what was left out."""

from pathlib import Path

from gitagent.skills import Skill, skills_prompt, validate_skill
from tests.skills.conftest import write_skill


def make(tmp_path: Path, name: str, description: str, extra: str = "") -> Skill:
    skill, problems = validate_skill(write_skill(tmp_path, name, f"name: {name}\ndescription: {description}\n{extra}"))
    assert skill is not None, problems
    return skill


def test_everything_listed_when_it_fits(tmp_path: Path) -> None:
    skills = [make(tmp_path, "alpha", "Does alpha things."), make(tmp_path, "beta", "Does beta things.")]
    text = skills_prompt(skills)
    assert text.startswith("# Skills\n")
    assert text.endswith("- alpha: Does alpha things.\n- beta: Does beta things.")
    assert "Skill tool" in text and "budget" not in text


def test_no_skills_no_section(tmp_path: Path) -> None:
    assert skills_prompt([]) == ""


def test_skills_that_refuse_model_invocation_are_not_listed(tmp_path: Path) -> None:
    hidden = make(tmp_path, "manual-only", "Only when the user asks.", "disable-model-invocation: true\n")
    shown = make(tmp_path, "auto", "Any time.")
    text = skills_prompt([hidden, shown])
    assert "manual-only" not in text and "- auto: Any time." in text


def test_long_descriptions_are_shortened_with_a_note(tmp_path: Path) -> None:
    skills = [make(tmp_path, f"skill-{i}", f"Skill number {i}. " + "word " * 150) for i in range(5)]
    text = skills_prompt(skills, budget=2000)
    assert len(text) <= 2000
    assert all(f"- skill-{i}: Skill number {i}." in text for i in range(5))
    assert "…" in text
    assert text.endswith(
        "(To fit this list's budget: 5 descriptions shortened. Any skill can still be loaded with the Skill tool "
        "by name.)"
    )


def test_skills_beyond_the_budget_are_left_out_and_named(tmp_path: Path) -> None:
    skills = [make(tmp_path, f"skill-{i:02}", "A description of useful length. " * 3) for i in range(60)]
    text = skills_prompt(skills, budget=3000)
    assert len(text) <= 3000
    listed = [line.split(":")[0][2:] for line in text.splitlines() if line.startswith("- skill-")]
    assert listed == [f"skill-{i:02}" for i in range(len(listed))] and 10 < len(listed) < 60
    left = 60 - len(listed)
    note = text.splitlines()[-1]
    assert note.startswith(
        f"(To fit this list's budget: {len(listed)} descriptions shortened; {left} skills not listed: "
    )
    assert f"skill-{len(listed):02}, skill-{len(listed) + 1:02}" in note
    assert note.endswith("Any skill can still be loaded with the Skill tool by name.)")
