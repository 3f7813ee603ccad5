"""`gitagent skills list|show|validate`, run as a user runs them."""

import json
import os
import subprocess
import sys
from pathlib import Path

from gitagent.cli.app import COMMANDS
from tests.conftest import Result
from tests.skills.conftest import write_skill

# Until `skills` is in the dispatcher's table, call the command group's entry point the same way it would.
_WIRED = "skills" in COMMANDS
_ENTRY = "import sys; from gitagent.cli.skills import run_command; run_command(sys.argv[1:])"


def skills_cli(cwd: Path, home: Path, *args: str) -> Result:
    """Run `gitagent skills ARGS` in a subprocess with HOME set to `home`."""
    prefix = ["-m", "gitagent"] if _WIRED else ["-c", _ENTRY]
    proc = subprocess.run(
        [sys.executable, *prefix, "skills", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def test_list_shows_source_path_description_and_shadowed(repo: Path, tmp_path: Path) -> None:
    write_skill(repo / ".gitagent" / "skills", "code-review", "name: code-review\ndescription: Our team's review.\n")
    write_skill(repo / ".claude" / "skills", "broken", "name: Broken\ndescription: d\n")
    result = skills_cli(repo, tmp_path, "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "code-review  (repo)  .gitagent/skills/code-review"
    assert lines[1] == "    Our team's review."
    assert lines[2].startswith("    shadows: code-review  (builtin)  /") and lines[2].endswith("skills/code-review")
    assert any(line.startswith("commit-message  (builtin)  ") for line in lines)
    assert result.err == (
        "warning: skill broken loaded although .claude/skills/broken/SKILL.md: name: 'Broken': must be lowercase "
        "(`gitagent skills validate` checks it)\n"
        "warning: skill broken loaded although .claude/skills/broken/SKILL.md: name: 'Broken' must equal the "
        "skill's folder name 'broken' (`gitagent skills validate` checks it)\n"
    )


def test_list_json(repo: Path, tmp_path: Path) -> None:
    write_skill(repo / ".agents" / "skills", "commit-message", "name: commit-message\ndescription: Ours.\nmodel: x\n")
    result = skills_cli(repo, tmp_path, "list", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    first, second = data["skills"][:2]
    assert first["name"] == second["name"] == "commit-message"
    assert (first["source"], first["shadowed"], first["description"]) == ("repo", False, "Ours.")
    assert first["path"] == str((repo / ".agents" / "skills" / "commit-message").resolve())
    assert first["warnings"][0]["field"] == "model" and first["warnings"][0]["level"] == "warning"
    assert (second["source"], second["shadowed"], second["shadowed_by"]) == ("builtin", True, first["path"])
    assert len(first["content_id"]) == 40 and data["warnings"] == []


def test_show_prints_frontmatter_body_and_files(repo: Path, tmp_path: Path) -> None:
    folder = write_skill(
        repo / ".gitagent" / "skills",
        "release",
        "# how we release\nname: release\ndescription: Cut a release.\n",
        body="Step one: tag.\n",
    )
    (folder / "scripts").mkdir()
    (folder / "scripts" / "tag.sh").write_text("git tag\n")
    result = skills_cli(repo, tmp_path, "show", "release")
    assert result.code == 0, result.err
    assert result.out.startswith("release  (repo)  .gitagent/skills/release\ncontent id: ")
    assert "\n---\n# how we release\nname: release\ndescription: Cut a release.\n---\n\nStep one: tag.\n" in result.out
    assert result.out.endswith("files:\n  SKILL.md\n  scripts/tag.sh\n")


def test_show_unknown_or_broken(repo: Path, tmp_path: Path) -> None:
    missing = skills_cli(repo, tmp_path, "show", "nothing-here")
    assert missing.code == 1
    assert missing.err == "gitagent: error: no skill named 'nothing-here'\n  see `gitagent skills list`\n"
    (repo / ".gitagent" / "skills" / "half").mkdir(parents=True)
    (repo / ".gitagent" / "skills" / "half" / "skill.md").write_text("---\nname: half\n---\n")
    broken = skills_cli(repo, tmp_path, "show", "half")
    assert broken.code == 1
    assert "gitagent: error: skill 'half' is invalid:" in broken.err and "found 'skill.md'" in broken.err
    write_skill(repo / ".gitagent" / "skills", "lax", "name: lax\n", body="Does lax things.\n")
    lax = skills_cli(repo, tmp_path, "show", "lax")  # loads as Claude Code loads it, and says what is wrong
    assert lax.code == 0 and "warning: .gitagent/skills/lax/SKILL.md: description: missing (required)" in lax.out


def test_validate_defaults_to_every_skill_found_and_fails_on_errors(repo: Path, tmp_path: Path) -> None:
    write_skill(repo / ".gitagent" / "skills", "good")
    clean = skills_cli(repo, tmp_path, "validate")
    assert clean.code == 0, clean.out
    assert "ok: .gitagent/skills/good" in clean.out.splitlines()
    assert clean.out.splitlines()[-1] == "4 skills checked: 4 valid, 0 invalid; 0 errors, 0 warnings"

    write_skill(repo / ".claude" / "skills", "noisy", "name: noisy\ndescription: d\nargument-hint: '[x]'\n")
    write_skill(repo / ".claude" / "skills", "too-long", f"name: too-long\ndescription: {'x' * 1100}\n")
    result = skills_cli(repo, tmp_path, "validate")
    assert result.code == 1
    assert "warning: .claude/skills/noisy/SKILL.md: argument-hint: not part of the Agent Skills standard" in result.out
    assert (
        "error: .claude/skills/too-long/SKILL.md: description: must be at most 1024 characters, got 1100"
        in result.out.splitlines()
    )
    assert result.out.splitlines()[-1] == "6 skills checked: 5 valid, 1 invalid; 1 error, 1 warning"


def test_validate_paths(repo: Path, tmp_path: Path) -> None:
    skills = tmp_path / "elsewhere"
    write_skill(skills, "one")
    write_skill(skills, "two", "name: three\ndescription: d\n")
    one = skills_cli(tmp_path, tmp_path, "validate", "elsewhere/one")
    assert (one.code, one.out) == (0, "ok: elsewhere/one\n1 skill checked: 1 valid, 0 invalid; 0 errors, 0 warnings\n")
    by_file = skills_cli(tmp_path, tmp_path, "validate", "elsewhere/one/SKILL.md")
    assert by_file.code == 0
    both = skills_cli(tmp_path, tmp_path, "validate", "elsewhere")
    assert both.code == 1
    assert "error: elsewhere/two/SKILL.md: name: 'three' must equal the skill's folder name 'two'" in both.out
    absent = skills_cli(tmp_path, tmp_path, "validate", "nowhere")
    assert absent.code == 1 and "error: nowhere/SKILL.md: no such skill folder" in absent.out
