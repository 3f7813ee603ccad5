"""Finding skills: the folders searched, nearest first, and which skill wins a name.

Search order (the first skill of a name wins; the later ones are kept as shadowed):

1. in each directory from the working directory up to the repository root: `.gitagent/skills/`,
   `.agents/skills/`, `.claude/skills/` (source "repo");
2. the user's config directory's `skills/` (`gitagent.userdir.user_config_dir`; source "user");
3. `~/.agents/skills` (source "user");
4. gitagent's built-in skills (source "builtin").
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gitagent.skills.model import SKILL_FILE, Problem, Skill, Source
from gitagent.skills.validate import validate_skill
from gitagent.userdir import user_config_dir

PROJECT_SKILL_DIRS = (".gitagent/skills", ".agents/skills", ".claude/skills")


@dataclass(frozen=True)
class SkillDir:
    """A directory whose subfolders are skills, and the source label its skills get."""

    path: Path
    source: Source


@dataclass
class Discovery:
    """What discovery found: the skills in effect (nearest first), those they shadow, and broken ones."""

    skills: list[Skill] = field(default_factory=list)
    shadowed: list[Skill] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Why skills were skipped: their errors, and folders that are not skills (a broken skill never breaks
    a session)."""

    def get(self, name: str) -> Skill | None:
        """The skill in effect for `name`, if any."""
        return next((s for s in self.skills if s.name == name), None)

    def shadowed_by(self, skill: Skill) -> list[Skill]:
        """The skills of the same name that `skill` hides, nearest first."""
        return [s for s in self.shadowed if s.name == skill.name]

    @property
    def warnings(self) -> list[str]:
        """One line per problem of a skipped skill, and per rule a loaded skill breaks (it loads anyway, as in
        Claude Code), for the session to show the user."""
        relaxed = [(s, p) for s in self.skills for p in s.warnings if p.relaxed]
        return [f"skipped skill: {p}" for p in self.problems] + [
            f"skill {s.name} loaded although {p} (`gitagent skills validate` checks it)" for s, p in relaxed
        ]


def find_repo_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` holding `.git` (a directory, or a worktree's file)."""
    for directory in [start, *start.parents]:
        if (directory / ".git").exists():
            return directory
    return None


def builtin_skills_dir() -> Path:
    """Where gitagent's own skills are: packaged next to this module, or the source checkout's `skills/`."""
    packaged = Path(__file__).resolve().parent / "builtin"
    if packaged.is_dir():
        return packaged.resolve()  # in a source checkout, a symlink to the top-level skills/
    return Path(__file__).resolve().parents[2] / "skills"


def search_path(
    cwd: Path,
    root: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    builtin: Path | None = None,
) -> list[SkillDir]:
    """The skill directories to search, nearest first (existing or not, each once).

    `root` is the repository root (found from `cwd` when not given); outside a repository only `cwd`
    itself is searched for project skills, never its parents.
    """
    cwd = cwd.resolve()
    root = (root or find_repo_root(cwd) or cwd).resolve()
    depth = len(cwd.relative_to(root).parts) if cwd.is_relative_to(root) else 0
    levels = [cwd, *cwd.parents][: depth + 1]
    home = home or Path.home()
    dirs = [SkillDir(level / sub, "repo") for level in levels for sub in PROJECT_SKILL_DIRS]
    dirs.append(SkillDir(user_config_dir(env, home) / "skills", "user"))
    dirs.append(SkillDir(home / ".agents" / "skills", "user"))
    dirs.append(SkillDir(builtin or builtin_skills_dir(), "builtin"))
    seen: set[Path] = set()
    unique = []
    for d in dirs:
        key = d.path.resolve() if d.path.exists() else d.path
        if key not in seen:
            seen.add(key)
            unique.append(d)
    return unique


def skill_folders(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The skill folders in `directory`, by name, and a problem for each subfolder without SKILL.md."""
    try:
        entries = sorted(p for p in directory.iterdir() if not p.name.startswith("."))
    except FileNotFoundError:
        return [], []
    except OSError as e:
        return [], [Problem("error", directory, None, f"cannot list skills: {e.strerror or e}")]
    folders, problems = [], []
    for entry in entries:
        if not entry.is_dir():
            continue
        if (entry / SKILL_FILE).exists() or (entry / "skill.md").exists():
            folders.append(entry)
        else:
            problems.append(Problem("warning", entry, None, f"no {SKILL_FILE} in this folder, so it is not a skill"))
    return folders, problems


def load_skills(dirs: list[SkillDir]) -> Discovery:
    """Load every skill in `dirs` (nearest first): the first valid skill of each name wins."""
    found = Discovery()
    for d in dirs:
        folders, problems = skill_folders(d.path)
        found.problems += problems
        for folder in folders:
            skill, skill_problems = validate_skill(folder, d.source, strict=False)
            if skill is None:
                found.problems += [p for p in skill_problems if p.level == "error"]
            elif found.get(skill.name) is not None:
                found.shadowed.append(skill)
            else:
                found.skills.append(skill)
    return found


def discover_skills(
    cwd: Path | None = None,
    root: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    builtin: Path | None = None,
) -> Discovery:
    """Discover the skills visible from `cwd` (default: the current directory); never raises for a bad skill."""
    return load_skills(search_path(cwd or Path.cwd(), root, env=env, home=home, builtin=builtin))
