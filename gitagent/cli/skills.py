"""`gitagent skills list|show|validate`: the Agent Skills this repository, the user and gitagent provide."""

import textwrap
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from gitagent.cli.common import dispatch, fail, new_group, print_json
from gitagent.errors import GitagentError
from gitagent.skills import (
    SKILL_FILE,
    Discovery,
    Problem,
    Skill,
    discover_skills,
    display_path,
    search_path,
    skill_folders,
    split_frontmatter,
    validate_skill,
)

SUMMARY = "List, show and validate the skills (Agent Skills folders) available here."

app, skills_app = new_group("skills", SUMMARY)


@skills_app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the skills in effect here, nearest first, with the ones they shadow."""
    found = discover_skills()
    if as_json:
        rows = []
        for skill in found.skills:
            rows.append(_row(skill, None))
            rows += [_row(s, skill) for s in found.shadowed_by(skill)]
        print_json({"skills": rows, "warnings": [_problem_json(p) for p in found.problems]})
        return
    _report_skipped(found)
    if not found.skills:
        print("No skills found. Add one as .gitagent/skills/NAME/SKILL.md (see `gitagent skills validate`).")
        return
    for skill in found.skills:
        print(f"{skill.name}  ({skill.source})  {display_path(skill.path)}")
        print(textwrap.fill(skill.description, 100, initial_indent="    ", subsequent_indent="    "))
        for hidden in found.shadowed_by(skill):
            print(f"    shadows: {hidden.name}  ({hidden.source})  {display_path(hidden.path)}")


@skills_app.command()
def show(
    name: Annotated[str, typer.Argument(help="The skill's name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show one skill: where it comes from, its frontmatter, its instructions and its files."""
    found = discover_skills()
    skill = found.get(name)
    if skill is None:
        broken = [p for p in found.problems if _folder_of(p).name == name]
        if broken:
            fail(f"skill '{name}' is invalid:\n  " + "\n  ".join(p.format() for p in broken))
        fail(GitagentError(f"no skill named '{name}'", "see `gitagent skills list`"))
    files, _ = skill.files()
    if as_json:
        print_json({**_row(skill, None), "frontmatter": skill.frontmatter, "body": skill.body, "files": files})
        return
    print(f"{skill.name}  ({skill.source})  {display_path(skill.path)}")
    print(f"content id: {skill.content_id}")
    for hidden in found.shadowed_by(skill):
        print(f"shadows: {hidden.name}  ({hidden.source})  {display_path(hidden.path)}")
    for warning in skill.warnings:
        print(f"warning: {warning.format()}")
    print(f"\n---\n{_frontmatter_text(skill)}---\n\n{skill.body.rstrip()}\n")
    print("files:")
    for f in files:
        print(f"  {f}")


@skills_app.command()
def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Skill folders, SKILL.md files, or folders of skills (default: every skill found)."),
    ] = None,
) -> None:
    """Check skills against the Agent Skills specification; exit 1 if any has an error."""
    folders, problems = _targets(paths) if paths else _all_folders()
    errors = warnings = invalid = 0
    for folder in folders:
        skill, found = validate_skill(folder)
        problems += found
        invalid += skill is None
        if skill is not None and not found:
            print(f"ok: {display_path(folder)}")
    for p in problems:
        print(f"{p.level}: {p.format()}")
        errors += p.level == "error"
        warnings += p.level == "warning"
    count = len(folders)
    print(
        f"{count} skill{'s' * (count != 1)} checked: {count - invalid} valid, {invalid} invalid; "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )
    if errors:
        raise SystemExit(1)


def _targets(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    folders: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        path = path.absolute()
        is_skill = (path / SKILL_FILE).exists() or (path / "skill.md").exists()
        if path.name == SKILL_FILE or is_skill or not path.is_dir():
            folders.append(path)  # validate_skill reports a missing path or SKILL.md itself
            continue
        inside, found = skill_folders(path)
        folders += inside
        problems += found
        if not inside and not found:
            problems.append(Problem("error", path, None, f"no {SKILL_FILE} here and no skill folders inside"))
    return folders, problems


def _all_folders() -> tuple[list[Path], list[Problem]]:
    folders: list[Path] = []
    problems: list[Problem] = []
    for d in search_path(Path.cwd()):
        inside, found = skill_folders(d.path)
        folders += inside
        problems += found
    return folders, problems


def _frontmatter_text(skill: Skill) -> str:
    # As written, comments and all; the parsed form if the file changed since it was loaded.
    try:
        parts = split_frontmatter(skill.skill_md.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        parts = None
    if parts is not None:
        return parts[0]
    return yaml.safe_dump(skill.frontmatter, sort_keys=False, allow_unicode=True, width=100)


def _row(skill: Skill, shadowed_by: Skill | None) -> dict[str, Any]:
    return {
        "name": skill.name,
        "description": skill.description,
        "source": skill.source,
        "path": str(skill.path),
        "content_id": skill.content_id,
        "shadowed": shadowed_by is not None,
        "shadowed_by": str(shadowed_by.path) if shadowed_by else None,
        "warnings": [_problem_json(p) for p in skill.warnings],
    }


def _problem_json(p: Problem) -> dict[str, Any]:
    return {"level": p.level, "file": str(p.file), "field": p.field, "message": p.message}


def _folder_of(p: Problem) -> Path:
    return p.file.parent if p.file.name == SKILL_FILE else p.file


def _report_skipped(found: Discovery) -> None:
    for line in found.warnings:
        typer.echo(f"warning: {line}", err=True)


def run_command(args: list[str]) -> None:
    """Entry point used by the dispatcher in `gitagent.cli.app`."""
    dispatch(app, args)
