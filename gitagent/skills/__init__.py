"""Agent Skills: folders with a SKILL.md, found in the repository, the user's config and gitagent's built-ins.

`discover_skills` finds them (nearest first, broken ones skipped with a problem), `validate_skill` checks
one folder against the specification, `skills_prompt` lists them for the system prompt, and the `Skill`
tool (`gitagent.tools.skill`) loads one for the model.
"""

from gitagent.skills.content import list_files, tree_id
from gitagent.skills.discover import (
    PROJECT_SKILL_DIRS,
    Discovery,
    SkillDir,
    builtin_skills_dir,
    discover_skills,
    find_repo_root,
    load_skills,
    search_path,
    skill_folders,
)
from gitagent.skills.frontmatter import split_frontmatter
from gitagent.skills.model import SKILL_FILE, Problem, Skill, Source, display_path
from gitagent.skills.prompt import PROMPT_BUDGET, skills_prompt
from gitagent.skills.validate import CLIENT_KEYS, SPEC_KEYS, validate_skill

__all__ = [
    "CLIENT_KEYS",
    "PROJECT_SKILL_DIRS",
    "PROMPT_BUDGET",
    "SKILL_FILE",
    "SPEC_KEYS",
    "Discovery",
    "Problem",
    "Skill",
    "SkillDir",
    "Source",
    "builtin_skills_dir",
    "discover_skills",
    "display_path",
    "find_repo_root",
    "list_files",
    "load_skills",
    "search_path",
    "skill_folders",
    "skills_prompt",
    "split_frontmatter",
    "tree_id",
    "validate_skill",
]
