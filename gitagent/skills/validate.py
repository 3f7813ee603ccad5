"""Reading a skill folder and checking it against the Agent Skills specification.

The rules (agentskills.io/specification): `name` 1-64 lowercase letters, digits and hyphens, no leading,
trailing or doubled hyphen, equal to the folder's name; `description` 1-1024 characters; `compatibility`
1-500; `license` a string; `metadata` a mapping of strings; `allowed-tools` a string or a list of strings;
no other top-level keys, except those a known client defines (warnings: a skill written for Claude Code
is fine here).

`gitagent skills validate` is strict: any rule broken is an error. At run time skills load as leniently
as Claude Code loads them: a broken field rule is a warning ("relaxed"), the skill is named after its
folder, and a missing description is the body's first line; only a missing or unreadable SKILL.md (or one
linking out of its folder) keeps a skill out.

Where this differs from the `skills-ref` reference validator, on purpose:

- `name: 123` is an error: YAML, and so Claude Code, reads a number there (the reference reads every value
  as text); quote it. It loads at run time as "123".
- a lowercase `skill.md` is an error and the folder is no skill: the standard names SKILL.md, and Claude
  Code does not load `skill.md` (the reference accepts it).
- Claude Code's own keys (`model`, `disable-model-invocation`…) are warnings (the reference: errors).
- As the reference: `description: yes` is the text "yes" (YAML 1.2), and a name may use Unicode lowercase
  letters (`café`), compared after NFKC normalisation.
"""

import unicodedata
from pathlib import Path
from typing import Any

import yaml

from gitagent.skills.frontmatter import first_line, loose_frontmatter, parse_yaml, split_frontmatter
from gitagent.skills.model import SKILL_FILE, Level, Problem, Skill, Source

NAME_MAX = 64
DESCRIPTION_MAX = 1024
COMPATIBILITY_MAX = 500

SPEC_KEYS = frozenset({"name", "description", "license", "compatibility", "metadata", "allowed-tools"})

CLIENT_KEYS: dict[str, str] = {
    "model": "Claude Code",
    "disable-model-invocation": "Claude Code",
    "user-invocable": "Claude Code",
    "argument-hint": "Claude Code",
    "when_to_use": "Claude Code",
    "context": "Claude Code",
    "agent": "Claude Code",
    "hooks": "Claude Code",
    "paths": "Claude Code",
    "effort": "Claude Code",
    "shell": "Claude Code",
    "version": "several clients",
}
"""Keys other clients put in SKILL.md frontmatter: not in the standard, so warnings rather than errors."""


class _Checker:
    """Collects the problems of one SKILL.md; when not `strict`, a broken field rule is a relaxed warning."""

    def __init__(self, file: Path, strict: bool) -> None:
        self.file = file
        self.strict = strict
        self.problems: list[Problem] = []

    def add(self, level: Level, field: str | None, message: str) -> None:
        relaxed = level == "error" and not self.strict
        self.problems.append(Problem("warning" if relaxed else level, self.file, field, message, relaxed))

    def fatal(self, message: str) -> None:
        """A problem no leniency gets past: there is no SKILL.md to read."""
        self.problems.append(Problem("error", self.file, None, message))

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


def validate_skill(folder: Path, source: Source = "repo", *, strict: bool = True) -> tuple[Skill | None, list[Problem]]:
    """Load the skill in `folder` (or the folder of a SKILL.md path) and check it.

    Returns the skill, or None when any check failed with an error, and every problem found. Never
    raises for a broken skill: an unreadable file or bad YAML is a problem like any other. Not `strict`
    (at run time), field problems are warnings and the skill loads as Claude Code would load it.
    """
    folder = folder.parent if folder.name == SKILL_FILE and folder.is_file() else folder
    check = _Checker(folder / SKILL_FILE, strict)
    text = _read(folder, check)
    if text is None:
        return None, check.problems
    parts = split_frontmatter(text)
    if parts is None:
        check.add("error", "frontmatter", "missing: the file must start with a YAML block between '---' lines")
        if check.strict:
            return None, check.problems
        parts = ("", text.removeprefix("\ufeff"))
    data = _parse_yaml(parts[0], check) if parts[0] else {}
    if data is None:
        return None, check.problems
    _check_fields(data, folder, check)
    if not check.ok:
        return None, check.problems
    description = data.get("description")
    scalar = isinstance(description, str | int | float | bool) and str(description).strip()
    skill = Skill(
        name=folder.name,  # what Claude Code calls it, whatever the frontmatter says; strict: they are equal
        description=str(description).strip() if scalar else first_line(parts[1]),
        path=folder.resolve(),
        source=source,
        frontmatter=data,
        body=parts[1],
        warnings=check.problems,
    )
    return skill, check.problems


def _read(folder: Path, check: _Checker) -> str | None:
    skill_md = check.file
    if not folder.is_dir():
        check.fatal("no such skill folder" if not folder.exists() else "not a directory")
        return None
    if SKILL_FILE not in {p.name for p in folder.iterdir()}:  # a case-insensitive file system finds skill.md
        lower = folder / "skill.md"
        if lower.is_file():
            check.fatal(f"found '{lower.name}'; the file must be named {SKILL_FILE} (Claude Code does not load it)")
        else:
            check.fatal(f"missing: a skill folder needs a {SKILL_FILE} file")
        return None
    # A SKILL.md linking out of its folder would let a repository show the model any file on the host.
    if not skill_md.resolve().is_relative_to(folder.resolve()):
        check.fatal(f"{SKILL_FILE} is a symlink leading out of the skill folder")
        return None
    try:
        return skill_md.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        check.fatal(f"not UTF-8 text ({e.reason} at byte {e.start})")
    except OSError as e:
        check.fatal(f"cannot read: {e.strerror or e}")
    return None


def _parse_yaml(source: str, check: _Checker) -> dict[str, Any] | None:
    """The frontmatter as data; YAML that does not parse is read line by line when not strict."""
    try:
        data = parse_yaml(source)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2}, column {mark.column + 1})" if mark else ""  # +1 for the opening ---
        problem = getattr(e, "problem", None) or str(e)
        hint = "; quote values that contain ': '" if "mapping values" in str(problem) else ""
        check.add("error", "frontmatter", f"invalid YAML: {problem}{where}{hint}")
        return None if check.strict else loose_frontmatter(source)
    if not isinstance(data, dict):
        check.add("error", "frontmatter", f"must be a mapping of keys to values, got {_kind(data)}")
        return None if check.strict else {}
    return data


def _check_fields(data: dict[str, Any], folder: Path, check: _Checker) -> None:
    for key in data:
        if key in SPEC_KEYS:
            continue
        if key in CLIENT_KEYS:
            check.add("warning", str(key), f"not part of the Agent Skills standard ({CLIENT_KEYS[key]} extension)")
        else:
            allowed = ", ".join(sorted(SPEC_KEYS))
            check.add("error", str(key), f"unknown key (the standard allows: {allowed}; put extras under metadata)")
    _check_name(data.get("name"), folder, check)
    _check_text(data, "description", DESCRIPTION_MAX, check, required=True)
    _check_text(data, "compatibility", COMPATIBILITY_MAX, check, required=False)
    if "license" in data and not isinstance(data["license"], str):
        check.add("error", "license", f"must be a string, got {_kind(data['license'])}")
    _check_metadata(data, check)
    _check_allowed_tools(data, check)


def _check_name(name: Any, folder: Path, check: _Checker) -> None:
    if name is None:
        check.add("error", "name", "missing (required)")
        return
    if not isinstance(name, str):
        quoted = f'; quote it: name: "{name}"' if isinstance(name, int | float) else ""
        check.add("error", "name", f"must be a string, got {_kind(name)}{quoted}")
        return
    if not name:
        check.add("error", "name", "must not be empty")
        return
    name = unicodedata.normalize("NFKC", name)
    if len(name) > NAME_MAX:
        check.add("error", "name", f"must be at most {NAME_MAX} characters, got {len(name)}")
    if fault := _name_fault(name):
        check.add("error", "name", f"'{name}': {fault}")
    if name != unicodedata.normalize("NFKC", folder.name):
        check.add("error", "name", f"'{name}' must equal the skill's folder name '{folder.name}'")


def _name_fault(name: str) -> str | None:
    if name != name.lower():
        return "must be lowercase"
    if not all(c.isalnum() or c == "-" for c in name):
        return "may only contain lowercase letters, digits and hyphens"
    if name.startswith("-") or name.endswith("-"):
        return "must not start or end with a hyphen"
    if "--" in name:
        return "must not contain consecutive hyphens"
    return None


def _check_text(data: dict[str, Any], key: str, limit: int, check: _Checker, *, required: bool) -> None:
    if key not in data:
        if required:
            check.add("error", key, "missing (required)")
        return
    value = data[key]
    if not isinstance(value, str):
        check.add("error", key, f"must be a string, got {_kind(value)}")
    elif not value.strip():
        check.add("error", key, "must not be empty")
    elif len(value) > limit:
        check.add("error", key, f"must be at most {limit} characters, got {len(value)}")


def _check_metadata(data: dict[str, Any], check: _Checker) -> None:
    if "metadata" not in data:
        return
    metadata = data["metadata"]
    if not isinstance(metadata, dict):
        check.add("error", "metadata", f"must be a mapping of keys to values, got {_kind(metadata)}")
        return
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            check.add("warning", f"metadata.{key}", f"the standard expects string keys and values, got {_kind(value)}")


def _check_allowed_tools(data: dict[str, Any], check: _Checker) -> None:
    if "allowed-tools" not in data:
        return
    tools = data["allowed-tools"]
    if isinstance(tools, str) or (isinstance(tools, list) and all(isinstance(t, str) for t in tools)):
        return
    got = "a list with a non-string item" if isinstance(tools, list) else _kind(tools)
    check.add("error", "allowed-tools", f"must be a space-separated string or a list of strings, got {got}")


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a mapping"}
    return "nothing (null)" if value is None else names.get(type(value), type(value).__name__)
