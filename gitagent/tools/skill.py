"""Skill: load a skill's instructions and list its files, so the model can follow it (progressive disclosure)."""

import difflib
from collections.abc import Iterable
from typing import Any

from gitagent.skills import Skill
from gitagent.tools.base import ToolContext, ToolResult, truncate
from gitagent.tools.paths import ToolError, run_checked

FILE_LIMIT = 200
"""Files of a skill listed before the list is cut."""

_SKILL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "skill": {"type": "string", "description": "The skill's name, as the Skills section of the prompt lists it."},
        "args": {"type": "string", "description": "Optional arguments for the skill."},
        "name": {"type": "string", "description": "The same as `skill` (gitagent's earlier name for it)."},
    },
    "additionalProperties": False,
}
"""Claude Code's input (`skill`, `args`), so models and hooks that know it work unchanged; `name` still works."""


class SkillTool:
    """The `Skill` tool: the instructions (SKILL.md without its frontmatter) of one of the given skills."""

    name = "Skill"
    description = (
        "Load a skill by name: returns its instructions and the files in its folder. Use it when a task "
        "matches a skill's description in the Skills section, before starting the task, then follow the "
        "instructions. The skill's folder is readable (not writable) from Bash: read its files with "
        "`cat` and run its scripts by their absolute path; the Read tool only reads the worktree."
    )
    input_schema = _SKILL_SCHEMA

    def __init__(self, skills: Iterable[Skill]) -> None:
        self.skills = {s.name: s for s in skills}
        self.titled = {title: s for s in self.skills.values() if (title := _title(s)) and title not in self.skills}
        """A skill listed by its folder's name also answers to its frontmatter's (`name: PDF Tools`), as in
        Claude Code."""

    def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Return the named skill's body and file list (an error result for an unknown name)."""
        return run_checked(self.input_schema, tool_input, self._load)

    def _load(self, args: dict[str, Any]) -> ToolResult:
        name = (args.get("skill") or args.get("name") or "").strip().removeprefix("/")
        if not name:
            raise ToolError("missing required parameter 'skill' (the skill's name, as the Skills section lists it)")
        skill = self.skills.get(name) or self.titled.get(name)
        if skill is None:
            raise ToolError(self._unknown(name))
        files, cut = skill.files(FILE_LIMIT)
        listing = "\n".join(f"  {f}" for f in files) or "  (none)"
        if cut:
            listing += f"\n  [... {cut} more files not listed]"
        header = (
            f'Skill "{skill.name}" ({skill.source}), loaded from {skill.skill_md}.\n'
            f"Its folder, readable from Bash: {skill.path}\n"
            "Paths in the instructions are relative to that folder; use them as "
            f"{skill.path}/<path> (e.g. `cat {skill.path}/<path>`, `bash {skill.path}/scripts/<script>`).\n"
            f"Files:\n{listing}\n\n"
        )
        metadata = {
            "skill": skill.name,
            "source": skill.source,
            "path": str(skill.path),
            "content_id": skill.content_id,
            "allowed_tools": skill.allowed_tools,
        }
        return ToolResult(header + truncate(_with_arguments(skill.body.strip(), args.get("args"))), metadata=metadata)

    def _unknown(self, name: str) -> str:
        if not self.skills:
            return f"no skill named '{name}': no skills are available in this session"
        close = difflib.get_close_matches(name, self.skills, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"no skill named '{name}'.{hint} Available: {', '.join(sorted(self.skills))}"


def _title(skill: Skill) -> str | None:
    name = skill.frontmatter.get("name")
    return name.strip() if isinstance(name, str) and name.strip() != skill.name else None


def _with_arguments(body: str, arguments: str | None) -> str:
    """The body with `$ARGUMENTS` replaced by the call's arguments, or them after it (as Claude Code passes them)."""
    if not arguments:
        return body
    if "$ARGUMENTS" in body:
        return body.replace("$ARGUMENTS", arguments)
    return f"{body}\n\nARGUMENTS: {arguments}"
