"""`skills validate` is strict; at run time skills load as leniently as Claude Code loads them, with a warning.

The five cases where `gitagent skills validate` and the `skills-ref` reference validator (0.1.1) disagreed
are decided here, one test each; the decisions and their reasons are in `gitagent/skills/validate.py`.
"""

from pathlib import Path

import pytest

from gitagent.sandbox import UnconfinedSandbox
from gitagent.skills import discover_skills, skills_prompt, validate_skill
from gitagent.tools import ToolContext
from gitagent.tools.skill import SkillTool
from tests.skills.conftest import write_skill

DECISIONS = [
    # (folder, SKILL.md file, frontmatter, `skills validate` passes, loads at run time, skills-ref 0.1.1 passes)
    ("123", "SKILL.md", "name: 123\ndescription: Numbered.\n", False, True, True),
    ("yes-desc", "SKILL.md", "name: yes-desc\ndescription: yes\n", True, True, True),
    ("café", "SKILL.md", "name: café\ndescription: Unicode lowercase.\n", True, True, True),
    ("lower-file", "skill.md", "name: lower-file\ndescription: Lowercase file.\n", False, False, True),
    ("claude-keys", "SKILL.md", "name: claude-keys\ndescription: Keys.\nmodel: sonnet\n"
     "disable-model-invocation: false\nallowed-tools: Read\n", True, True, False),
]  # fmt: skip


def _folder(parent: Path, name: str, file: str, frontmatter: str) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / file).write_text(f"---\n{frontmatter}---\n\nBody of {name}.\n")
    return folder


@pytest.mark.parametrize(("name", "file", "frontmatter", "valid", "loads", "reference"), DECISIONS)
def test_the_five_cases_skills_ref_decided_otherwise(
    tmp_path: Path, home: Path, name: str, file: str, frontmatter: str, valid: bool, loads: bool, reference: bool
) -> None:
    folder = _folder(tmp_path / "repo" / ".claude" / "skills", name, file, frontmatter)
    skill, problems = validate_skill(folder)
    assert (skill is not None) is valid, problems
    found = discover_skills(tmp_path / "repo", tmp_path / "repo", env={}, home=home)
    assert (found.get(name) is not None) is loads
    assert (valid == reference) is (name in ("yes-desc", "café"))  # agreeing with the reference on these two only


def test_a_number_for_a_name_says_to_quote_it_and_loads_as_text(tmp_path: Path, home: Path) -> None:
    folder = _folder(tmp_path / "skills", "123", "SKILL.md", "name: 123\ndescription: Numbered.\n")
    assert [p.message for p in validate_skill(folder)[1]] == ['must be a string, got a number; quote it: name: "123"']
    skill, problems = validate_skill(folder, strict=False)
    assert skill is not None and skill.name == "123" and [p.relaxed for p in problems] == [True]


def test_yes_is_text_as_yaml_1_2_reads_it(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "yes-desc", "SKILL.md", "name: yes-desc\ndescription: yes\ncompatibility: on\n")
    skill, problems = validate_skill(folder)
    assert problems == [] and skill is not None and skill.description == "yes"
    assert skill.frontmatter["compatibility"] == "on"


def test_claude_code_keys_are_warnings_and_unknown_keys_errors(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "claude-keys", "SKILL.md", DECISIONS[4][2])
    skill, problems = validate_skill(folder)
    assert skill is not None and [(p.level, p.field) for p in problems] == [
        ("warning", "model"), ("warning", "disable-model-invocation")]  # fmt: skip
    odd = _folder(tmp_path, "odd", "SKILL.md", "name: odd\ndescription: d\nflavour: mint\n")
    assert validate_skill(odd)[0] is None
    assert validate_skill(odd, strict=False)[0] is not None


LONG = "Build apps with the Claude API. " * 34  # 1,088 characters, like the official claude-api skill's 1,068


@pytest.mark.parametrize(
    ("name", "frontmatter", "description", "why"),
    [
        ("claude-api", f"name: claude-api\ndescription: {LONG}\n", LONG.strip(), "description: must be at most 1024"),
        ("named-by-folder", "name: other-name\ndescription: d\n", "d", "must equal the skill's folder name"),
        ("Shouty", "name: Shouty\ndescription: d\n", "d", "must be lowercase"),
        ("no-description", "name: no-description\n", "Body of no-description.", "description: missing"),
        ("broken-yaml", "name: broken-yaml\ndescription: Use when: anything\n", "Use when: anything", "invalid YAML"),
        ("odd-key", "name: odd-key\ndescription: d\nflavour: mint\n", "d", "flavour: unknown key"),
    ],
)
def test_run_time_loads_what_claude_code_loads_and_warns(
    tmp_path: Path, home: Path, name: str, frontmatter: str, description: str, why: str
) -> None:
    repo = tmp_path / "repo"
    _folder(repo / ".claude" / "skills", name, "SKILL.md", frontmatter)
    assert validate_skill(repo / ".claude" / "skills" / name)[0] is None  # strict: invalid
    found = discover_skills(repo, repo, env={}, home=home)
    skill = found.get(name)
    assert skill is not None and skill.description == description and skill.source == "repo"
    assert [w for w in found.warnings if w.startswith(f"skill {name} loaded although") and why in w]
    assert f"- {name}: " in skills_prompt([skill])


def test_no_frontmatter_at_all_loads_named_after_its_folder(tmp_path: Path, home: Path) -> None:
    folder = tmp_path / "repo" / ".claude" / "skills" / "plain"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text("# Plain notes\n\nDo plain things.\n")
    skill = discover_skills(tmp_path / "repo", tmp_path / "repo", env={}, home=home).get("plain")
    assert skill is not None and skill.description == "Plain notes" and skill.frontmatter == {}


def test_an_unreadable_skill_is_still_skipped(tmp_path: Path, home: Path) -> None:
    folder = write_skill(tmp_path / "repo" / ".claude" / "skills", "latin")
    (folder / "SKILL.md").write_bytes(b"---\nname: latin\ndescription: caf\xe9\n---\n")
    found = discover_skills(tmp_path / "repo", tmp_path / "repo", env={}, home=home)
    assert found.get("latin") is None and any("not UTF-8" in w for w in found.warnings)


def test_a_skill_named_unlike_its_folder_is_listed_by_the_folder_and_loads_by_either(
    tmp_path: Path, home: Path
) -> None:
    """Claude Code lists `name: Confidence Check` in folder confidence-check as confidence-check, and its Skill tool
    takes either name."""
    repo = tmp_path / "repo"
    _folder(
        repo / ".claude" / "skills", "confidence-check", "SKILL.md", "name: Confidence Check\ndescription: Checks.\n"
    )
    skills = discover_skills(repo, repo, env={}, home=home).skills
    assert "- confidence-check: Checks." in skills_prompt(skills)
    tool = SkillTool(skills)
    for name in ("confidence-check", "Confidence Check"):
        loaded = tool.run({"skill": name}, ToolContext(root=repo, sandbox=UnconfinedSandbox()))
        assert not loaded.is_error and loaded.metadata["skill"] == "confidence-check", loaded.output
