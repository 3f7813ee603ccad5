"""The Skill tool loads a skill's instructions and lists its files; its scripts run through Bash."""

import shutil
import subprocess
from pathlib import Path

import pytest

from gitagent.sandbox import UnconfinedSandbox
from gitagent.sandbox.bwrap import BwrapSandbox
from gitagent.skills import discover_skills
from gitagent.tools import Bash, ToolContext
from gitagent.tools.skill import SkillTool
from tests.skills.conftest import write_skill

BODY = "# Greeting\n\nRun `scripts/greet.sh NAME` and report what it prints.\n"


@pytest.fixture
def skill_dir(tmp_path: Path) -> Path:
    folder = write_skill(
        tmp_path / "skills-home" / "skills",
        "greeter",
        "name: greeter\ndescription: Greets people.\nlicense: MIT\n",
        body=BODY,
    )
    (folder / "scripts").mkdir()
    (folder / "scripts" / "greet.sh").write_text('#!/bin/sh\necho "hello, $1, from the greeter skill"\n')
    (folder / "references").mkdir()
    (folder / "references" / "tone.md").write_text("Be warm.\n")
    return folder


@pytest.fixture
def tool(skill_dir: Path, tmp_path: Path) -> SkillTool:
    found = discover_skills(tmp_path, env={"GITAGENT_HOME": str(tmp_path / "skills-home")}, home=tmp_path)
    return SkillTool(found.skills)


def ctx_for(root: Path) -> ToolContext:
    return ToolContext(root=root, sandbox=UnconfinedSandbox())


def test_loads_the_body_without_frontmatter_and_lists_the_files(
    tool: SkillTool, skill_dir: Path, tmp_path: Path
) -> None:
    result = tool.run({"name": "greeter"}, ctx_for(tmp_path))
    assert not result.is_error
    path = skill_dir.resolve()
    assert result.output == (
        f'Skill "greeter" (user), loaded from {path}/SKILL.md.\n'
        f"Its folder, readable from Bash: {path}\n"
        "Paths in the instructions are relative to that folder; use them as "
        f"{path}/<path> (e.g. `cat {path}/<path>`, `bash {path}/scripts/<script>`).\n"
        "Files:\n  SKILL.md\n  references/tone.md\n  scripts/greet.sh\n\n" + BODY.strip()
    )
    assert "description:" not in result.output
    assert result.metadata["skill"] == "greeter" and len(result.metadata["content_id"]) == 40


def test_unknown_names_are_errors_with_a_suggestion(tool: SkillTool, tmp_path: Path) -> None:
    result = tool.run({"name": "greter"}, ctx_for(tmp_path))
    assert result.is_error
    assert result.output.startswith("no skill named 'greter'. Did you mean 'greeter'? Available: code-review, ")
    assert tool.run({}, ctx_for(tmp_path)).output == (
        "missing required parameter 'skill' (the skill's name, as the Skills section lists it)"
    )
    assert SkillTool([]).run({"name": "x"}, ctx_for(tmp_path)).output == (
        "no skill named 'x': no skills are available in this session"
    )


def test_claude_codes_input_loads_the_skill_and_passes_its_arguments(tool: SkillTool, tmp_path: Path) -> None:
    by_name = tool.run({"name": "greeter"}, ctx_for(tmp_path))
    by_skill = tool.run({"skill": "greeter"}, ctx_for(tmp_path))
    assert not by_skill.is_error and by_skill.output == by_name.output
    with_args = tool.run({"skill": "greeter", "args": "Ada and Grace"}, ctx_for(tmp_path))
    assert with_args.output == by_name.output + "\n\nARGUMENTS: Ada and Grace"


def test_arguments_fill_the_placeholder_of_a_skill_that_has_one(tmp_path: Path) -> None:
    write_skill(tmp_path / "home" / "skills", "greet", body="Greet $ARGUMENTS warmly.\n")
    found = discover_skills(tmp_path, env={"GITAGENT_HOME": str(tmp_path / "home")}, home=tmp_path)
    result = SkillTool(found.skills).run({"skill": "greet", "args": "Ada"}, ctx_for(tmp_path))
    assert result.output.endswith("Greet Ada warmly.")


def test_a_skill_script_runs_through_bash(tool: SkillTool, skill_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "work"
    root.mkdir()
    result = Bash().run({"command": f"sh {skill_dir.resolve()}/scripts/greet.sh Ada"}, ctx_for(root))
    assert "hello, Ada, from the greeter skill" in result.output


def test_the_skill_folder_is_readable_but_not_writable_in_the_bwrap_sandbox(
    skill_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap (bwrap) is not installed")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    checkout = tmp_path / "repo"
    checkout.mkdir()
    subprocess.run(["git", "init", "-q", str(checkout)], check=True)
    worktree = checkout / ".git" / "gitagent" / "worktrees" / "demo"
    worktree.mkdir(parents=True)
    skill = SkillTool(discover_skills(tmp_path, env={"GITAGENT_HOME": str(skill_dir.parents[1])}, home=home).skills)
    path = skill.skills["greeter"].path
    sandbox = BwrapSandbox(worktree, checkout / ".git", home=home, extra_ro=[path])
    ctx = ToolContext(root=worktree, sandbox=sandbox)
    ran = Bash().run({"command": f"sh {path}/scripts/greet.sh Ada && cat {path}/references/tone.md"}, ctx)
    assert "hello, Ada, from the greeter skill" in ran.output and "Be warm." in ran.output
    wrote = Bash().run({"command": f"echo x > {path}/scripts/greet.sh"}, ctx)
    assert wrote.is_error or "Read-only file system" in wrote.output
    assert "greeter skill" in (path / "scripts" / "greet.sh").read_text()
