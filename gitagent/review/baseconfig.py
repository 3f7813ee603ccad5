"""The reviewer's configuration, read from the BASE commit, never from the change under review.

A pull request must not be able to rewrite its own reviewer: a hook it adds could run arbitrary code
with the CI's token, a skill or an `AGENTS.md` it changes could tell the model to approve everything.
So the base commit's `.gitagent/`, `.claude/`, `.agents/` and root instruction files (and the files the
Claude Code ones import with `@path`) are written out to a private directory, and hooks, skills,
permissions and instructions are discovered there; the checkout and the head commit are never consulted
for them.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pygit2

from gitagent.agent.instructions import CLAUDE_FILES, CODEX_FILES, MAX_IMPORT_DEPTH, import_targets, load_instructions
from gitagent.agent.permissions import Permissions, load_permissions, rule_files
from gitagent.agent.trust import trusted_ids
from gitagent.hooks import HookRunner
from gitagent.skills import Discovery, Skill, discover_skills

CONFIG_ENTRIES = (".gitagent", ".claude", ".agents", "CLAUDE.md", "CLAUDE.local.md", *CODEX_FILES)


def materialize(repo: pygit2.Repository, commit_id: str, into: Path) -> list[str]:
    """Write the base commit's configuration files under `into`; return the paths written."""
    tree = repo[commit_id].peel(pygit2.Commit).tree
    written: list[str] = []
    for name in CONFIG_ENTRIES:
        if name in tree:
            _write(repo, tree[name], into / name, name, written)
    for name in CLAUDE_FILES:
        _imports(repo, tree, name, into, written, MAX_IMPORT_DEPTH)
    return written


def _write(repo: pygit2.Repository, entry: pygit2.Object, target: Path, path: str, written: list[str]) -> None:
    if entry.filemode == pygit2.GIT_FILEMODE_TREE:
        target.mkdir(parents=True, exist_ok=True)
        for child in repo[entry.id].peel(pygit2.Tree):
            _write(repo, child, target / child.name, f"{path}/{child.name}", written)
    elif entry.filemode in (pygit2.GIT_FILEMODE_BLOB, pygit2.GIT_FILEMODE_BLOB_EXECUTABLE):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(repo[entry.id].data)
        target.chmod(0o755 if entry.filemode == pygit2.GIT_FILEMODE_BLOB_EXECUTABLE else 0o644)
        written.append(path)
    # Symlinks and submodules are left out: a link could point anywhere on the CI machine.


def _imports(repo: pygit2.Repository, tree: pygit2.Tree, path: str, into: Path, written: list[str], depth: int) -> None:
    """The files a Claude Code file imports, relative to it, from the same commit (as Claude Code reads them);
    absolute and `~` imports are left for the instruction loader to refuse or find in the user's folders."""
    if depth <= 0 or path not in tree:
        return
    for _, written_path in import_targets(tree[path].data.decode(errors="replace")):
        target = PurePosixPath(path).parent / written_path
        name = target.as_posix().removeprefix("./")
        if ".." in target.parts or target.is_absolute() or name in written or name not in tree:
            continue
        entry = tree[name]
        if entry.filemode in (pygit2.GIT_FILEMODE_BLOB, pygit2.GIT_FILEMODE_BLOB_EXECUTABLE):
            _write(repo, entry, into / name, name, written)
            _imports(repo, tree, name, into, written, depth - 1)


@dataclass
class ReviewerConfig:
    """What the reviewer runs with, all of it from the base commit (plus the user's own and the built-ins)."""

    root: Path
    instructions: str
    skills: list[Skill]
    permissions: Callable[[], Permissions]
    hooks: Callable[[Path, str, Path], HookRunner]
    """Makes the hook runner of one part: (worktree, session id, transcript path)."""
    notices: list[str]


def reviewer_config(repo: pygit2.Repository, root: Path, trust_repo: bool) -> ReviewerConfig:
    """Discover hooks, skills, permissions and instructions in `root`, a materialized base commit.

    The base's hooks and skills run when the repository is trusted (`gitagent trust`, or `--trust-repo`,
    which CI uses: the base branch is code the team already merged).
    """
    trusted = trusted_ids(repo)

    def is_trusted(content_id: str) -> bool:
        return trust_repo or content_id in trusted

    found: Discovery = discover_skills(root, root)
    notices = list(found.warnings)
    skills = [s for s in found.skills if s.source != "repo" or is_trusted(s.content_id)]
    skipped = [s.name for s in found.skills if s not in skills]
    if skipped:
        notices.append(f"skipped untrusted repository skills: {', '.join(skipped)} (pass --trust-repo)")
    rules = load_permissions(rule_files(root, is_trusted), "auto", root)
    notices += [f"warning: {w}" for w in rules.warnings]

    def permissions() -> Permissions:
        # Headless: "ask" would refuse every command, and the read-only sandbox already bounds what runs.
        return load_permissions(rule_files(root, is_trusted), "auto", root)

    def hooks(worktree: Path, session: str, transcript: Path) -> HookRunner:
        return HookRunner(
            root, worktree, is_trusted=lambda hook: is_trusted(hook.content_id), session_id=session,
            transcript_path=transcript,
        )  # fmt: skip

    instructions = load_instructions(root)
    notices += instructions.notices
    return ReviewerConfig(root, instructions.text, skills, permissions, hooks, notices)
