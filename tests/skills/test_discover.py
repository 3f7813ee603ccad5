"""Discovery: nearest first, the nearest skill of a name wins, broken skills skipped with a warning."""

import os
import subprocess
from pathlib import Path

from gitagent.skills import builtin_skills_dir, discover_skills, search_path, tree_id
from tests.conftest import git
from tests.skills.conftest import write_skill


def test_search_path_nearest_first(repo: Path, home: Path, tmp_path: Path) -> None:
    sub = repo / "pkg" / "mod"
    sub.mkdir(parents=True)
    dirs = search_path(sub, env={"GITAGENT_HOME": str(tmp_path / "gh")}, home=home)
    shown = [(str(d.path.relative_to(tmp_path)), d.source) for d in dirs[:-1]]
    assert shown == [
        ("repo/pkg/mod/.gitagent/skills", "repo"),
        ("repo/pkg/mod/.agents/skills", "repo"),
        ("repo/pkg/mod/.claude/skills", "repo"),
        ("repo/pkg/.gitagent/skills", "repo"),
        ("repo/pkg/.agents/skills", "repo"),
        ("repo/pkg/.claude/skills", "repo"),
        ("repo/.gitagent/skills", "repo"),
        ("repo/.agents/skills", "repo"),
        ("repo/.claude/skills", "repo"),
        ("gh/skills", "user"),
        ("home/.agents/skills", "user"),
    ]
    assert (dirs[-1].path, dirs[-1].source) == (builtin_skills_dir(), "builtin")


def test_without_gitagent_home_the_user_dir_is_under_config(repo: Path, home: Path) -> None:
    dirs = search_path(repo, env={}, home=home)
    assert [d.path for d in dirs if d.source == "user"] == [
        home / ".config" / "gitagent" / "skills",
        home / ".agents" / "skills",
    ]


def test_outside_a_repository_only_the_working_directory_is_searched(tmp_path: Path, home: Path) -> None:
    cwd = tmp_path / "a" / "b"
    cwd.mkdir(parents=True)
    write_skill(tmp_path / "a" / ".agents" / "skills", "parent-skill")
    write_skill(cwd / ".agents" / "skills", "here-skill")
    found = discover_skills(cwd, env={}, home=home)
    names = [s.name for s in found.skills if s.source == "repo"]
    assert names == ["here-skill"]


def test_nearest_wins_and_the_others_are_shadowed(repo: Path, home: Path, tmp_path: Path) -> None:
    sub = repo / "service"
    sub.mkdir()
    gitagent_home = tmp_path / "gh"
    write_skill(sub / ".claude" / "skills", "deploy", "name: deploy\ndescription: nested claude\n")
    write_skill(repo / ".gitagent" / "skills", "deploy", "name: deploy\ndescription: root gitagent\n")
    write_skill(repo / ".gitagent" / "skills", "lint", "name: lint\ndescription: root gitagent lint\n")
    write_skill(repo / ".agents" / "skills", "lint", "name: lint\ndescription: root agents lint\n")
    write_skill(repo / ".claude" / "skills", "lint", "name: lint\ndescription: root claude lint\n")
    write_skill(gitagent_home / "skills", "lint", "name: lint\ndescription: user lint\n")
    write_skill(home / ".agents" / "skills", "notes", "name: notes\ndescription: home agents\n")
    write_skill(gitagent_home / "skills", "notes", "name: notes\ndescription: user notes\n")
    write_skill(home / ".agents" / "skills", "code-review", "name: code-review\ndescription: my review\n")

    found = discover_skills(sub, env={"GITAGENT_HOME": str(gitagent_home)}, home=home)

    active = {s.name: (s.description, s.source) for s in found.skills}
    assert active["deploy"] == ("nested claude", "repo")
    assert active["lint"] == ("root gitagent lint", "repo")
    assert active["notes"] == ("user notes", "user")
    assert active["code-review"] == ("my review", "user")
    assert active["commit-message"][1] == "builtin"
    assert [s.name for s in found.skills][:3] == ["deploy", "lint", "notes"]
    lint = found.get("lint")
    assert lint is not None
    assert [s.description for s in found.shadowed_by(lint)] == ["root agents lint", "root claude lint", "user lint"]
    review = found.get("code-review")
    assert review is not None
    assert [(s.source, s.path.parent) for s in found.shadowed_by(review)] == [("builtin", builtin_skills_dir())]
    assert found.problems == []


def test_builtins_come_last(repo: Path, home: Path) -> None:
    write_skill(repo / ".agents" / "skills", "zeta")
    found = discover_skills(repo, env={}, home=home)
    assert [s.source for s in found.skills] == ["repo", "builtin", "builtin", "builtin"]
    assert {s.name for s in found.skills if s.source == "builtin"} == {
        "code-review",
        "commit-message",
        "gitagent-history",
    }


def test_gitagent_home_from_the_environment(repo: Path, home: Path, tmp_path: Path) -> None:
    # conftest points GITAGENT_HOME at tmp_path / "gitagent-home" for every test.
    write_skill(Path(os.environ["GITAGENT_HOME"]) / "skills", "mine")
    found = discover_skills(repo)
    mine = found.get("mine")
    assert mine is not None and mine.source == "user"


def test_broken_skills_load_as_claude_code_loads_them_and_unreadable_ones_are_skipped(repo: Path, home: Path) -> None:
    skills = repo / ".gitagent" / "skills"
    write_skill(skills, "commit-message", "name: commit-message\ndescription: [oops\n")
    write_skill(skills, "good")
    write_skill(skills, "Bad", "name: Bad\ndescription: d\n")
    write_skill(skills, "code-review", "name: code-review\ndescription: d\n")
    (skills / "code-review" / "SKILL.md").write_bytes(b"---\nname: code-review\n\xff\xfe---\n")
    (skills / "lower").mkdir()
    (skills / "lower" / "skill.md").write_text("---\nname: lower\ndescription: d\n---\n")
    (skills / "notes").mkdir()
    (skills / "README.md").write_text("not a skill folder, ignored\n")
    (skills / ".hidden").mkdir()

    found = discover_skills(repo, env={}, home=home)

    assert found.get("good") is not None
    assert found.get("commit-message").source == "repo" and found.get("commit-message").description == "[oops"
    assert found.get("Bad") is not None  # named after its folder, as Claude Code names it
    assert found.get("code-review").source == "builtin"  # the repository's cannot be read: the next one serves
    assert found.get("lower") is None
    lines = [line.replace(str(repo) + "/", "") for line in found.warnings]
    prefix = "skipped skill: .gitagent/skills/"
    assert lines == [
        prefix + "notes: no SKILL.md in this folder, so it is not a skill",
        prefix + "code-review/SKILL.md: not UTF-8 text (invalid start byte at byte 22)",
        prefix + "lower/SKILL.md: found 'skill.md'; the file must be named SKILL.md (Claude Code does not load it)",
        "skill Bad loaded although .gitagent/skills/Bad/SKILL.md: name: 'Bad': must be lowercase "
        "(`gitagent skills validate` checks it)",
        "skill commit-message loaded although .gitagent/skills/commit-message/SKILL.md: frontmatter: invalid YAML: "
        "expected ',' or ']', but got '<stream end>' (line 4, column 1) (`gitagent skills validate` checks it)",
    ]


def test_a_symlinked_skill_folder_is_found_at_its_real_path(repo: Path, home: Path, tmp_path: Path) -> None:
    real = write_skill(tmp_path / "shared", "shared-skill")
    (repo / ".claude" / "skills").mkdir(parents=True)
    (repo / ".claude" / "skills" / "shared-skill").symlink_to(real)
    skill = discover_skills(repo, env={}, home=home).get("shared-skill")
    assert skill is not None and skill.path == real.resolve()


def test_content_id_is_the_git_tree_id_of_the_committed_folder(repo: Path, home: Path) -> None:
    folder = write_skill(repo / ".gitagent" / "skills", "tool-kit")
    (folder / "scripts").mkdir()
    (folder / "scripts" / "run.sh").write_text("#!/bin/sh\necho run\n")
    (folder / "scripts" / "run.sh").chmod(0o755)
    (folder / "scripts.txt").write_text("sorted before scripts/ by git\n")
    (folder / "references").mkdir()
    (folder / "references" / "guide.md").write_text("# guide\n")
    (folder / "link").symlink_to("references/guide.md")
    (folder / "empty").mkdir()
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add skill")
    committed = git(repo, "rev-parse", "HEAD:.gitagent/skills/tool-kit").strip()

    skill = discover_skills(repo, env={}, home=home).get("tool-kit")
    assert skill is not None and skill.content_id == committed == tree_id(folder)

    (folder / "scripts" / "run.sh").chmod(0o644)
    assert tree_id(folder) != committed, "a changed mode must need trusting again"
    subprocess.run(["chmod", "755", str(folder / "scripts" / "run.sh")], check=True)
    (folder / "references" / "guide.md").write_text("# guide, changed\n")
    assert tree_id(folder) != committed
