"""Reading a skill folder and checking it against the Agent Skills specification.

The rules (agentskills.io/specification): `name` 1-64 characters of `a-z0-9-`, no leading, trailing or
doubled hyphen, equal to the folder's name; `description` 1-1024 characters; `compatibility` 1-500;
`license` a string; `metadata` a mapping of strings; `allowed-tools` a string or a list of strings; no
other top-level keys, except those a known client defines (reported as warnings, since a skill written
for Claude Code should still load here).
"""

import re
from pathlib import Path
from typing import Any

import yaml

from gitagent.skills.model import SKILL_FILE, Level, Problem, Skill, Source

NAME_MAX = 64
DESCRIPTION_MAX = 1024
COMPATIBILITY_MAX = 500
NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")

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
    """Collects the problems of one SKILL.md."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, level: Level, field: str | None, message: str) -> None:
        self.problems.append(Problem(level, self.file, field, message))

    @property
    def ok(self) -> bool:
        return not any(p.level == "error" for p in self.problems)


def split_frontmatter(text: str) -> tuple[str, str] | None:
    """Split SKILL.md text into (frontmatter YAML, body), or None when it has no closed `---` block."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    for i, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :]).lstrip("\n")
    return None


def validate_skill(folder: Path, source: Source = "repo") -> tuple[Skill | None, list[Problem]]:
    """Load the skill in `folder` (or the folder of a SKILL.md path) and check it.

    Returns the skill, or None when any check failed with an error, and every problem found. Never
    raises for a broken skill: an unreadable file or bad YAML is a problem like any other.
    """
    folder = folder.parent if folder.name == SKILL_FILE and folder.is_file() else folder
    skill_md = folder / SKILL_FILE
    check = _Checker(skill_md)
    text = _read(folder, check)
    if text is None:
        return None, check.problems
    parts = split_frontmatter(text)
    if parts is None:
        check.add("error", "frontmatter", "missing: the file must start with a YAML block between '---' lines")
        return None, check.problems
    data = _parse_yaml(parts[0], check)
    if data is None:
        return None, check.problems
    _check_fields(data, folder, check)
    if not check.ok:
        return None, check.problems
    skill = Skill(
        name=data["name"],
        description=data["description"].strip(),
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
        check.add("error", None, "no such skill folder" if not folder.exists() else "not a directory")
        return None
    if not skill_md.is_file():
        lower = folder / "skill.md"
        if lower.is_file():
            check.add("error", None, f"found '{lower.name}'; the file must be named {SKILL_FILE}")
        else:
            check.add("error", None, f"missing: a skill folder needs a {SKILL_FILE} file")
        return None
    # A SKILL.md linking out of its folder would let a repository show the model any file on the host.
    if not skill_md.resolve().is_relative_to(folder.resolve()):
        check.add("error", None, f"{SKILL_FILE} is a symlink leading out of the skill folder")
        return None
    try:
        return skill_md.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        check.add("error", None, f"not UTF-8 text ({e.reason} at byte {e.start})")
    except OSError as e:
        check.add("error", None, f"cannot read: {e.strerror or e}")
    return None


def _parse_yaml(source: str, check: _Checker) -> dict[str, Any] | None:
    try:
        # The pure-Python loader: messages and positions do not depend on whether libyaml is installed.
        data = yaml.load(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" (line {mark.line + 2}, column {mark.column + 1})" if mark else ""  # +1 for the opening ---
        problem = getattr(e, "problem", None) or str(e)
        hint = "; quote values that contain ': '" if "mapping values" in str(problem) else ""
        check.add("error", "frontmatter", f"invalid YAML: {problem}{where}{hint}")
        return None
    if not isinstance(data, dict):
        check.add("error", "frontmatter", f"must be a mapping of keys to values, got {_kind(data)}")
        return None
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
        check.add("error", "name", f"must be a string, got {_kind(name)}")
        return
    if not name:
        check.add("error", "name", "must not be empty")
        return
    if len(name) > NAME_MAX:
        check.add("error", "name", f"must be at most {NAME_MAX} characters, got {len(name)}")
    if not NAME_RE.fullmatch(name):
        check.add("error", "name", f"'{name}': {_name_fault(name)}")
    if name != folder.name:
        check.add("error", "name", f"'{name}' must equal the skill's folder name '{folder.name}'")


def _name_fault(name: str) -> str:
    if re.search(r"[^a-z0-9-]", name):
        return "may only contain lowercase letters a-z, digits and hyphens"
    if name.startswith("-") or name.endswith("-"):
        return "must not start or end with a hyphen"
    if "--" in name:
        return "must not contain consecutive hyphens"
    return "must be lowercase words joined by single hyphens"


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
