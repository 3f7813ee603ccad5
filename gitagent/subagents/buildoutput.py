"""Build output a child's commands wrote (`__pycache__`, `node_modules`…): kept out of the merge into its parent.

A child's snapshot holds every file its worktree has that the repository does not ignore, so what its
commands generated as a side effect (Python's bytecode cache after running the tests, an `npm install`)
would come back with its work in a repository whose ignore rules do not name them. As with Claude Code's
worktree agents, whose work comes back as what git would commit, only the work merges: a path the child
added that lies in one of these folders or matches one of these names is left out (and named to the model).
A path the parent's tree already tracks merges as usual.
"""

import fnmatch

import pygit2
from pygit2.enums import DeltaStatus

BUILD_OUTPUT = (
    "__pycache__", "*.pyc", "*.pyo", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".venv", "*.egg-info",
    ".coverage", "node_modules", ".DS_Store",
)  # fmt: skip
"""Names of files and folders that are build output wherever they are (matched against each part of a path)."""
_SHOWN = 5


def build_output_part(path: str) -> int | None:
    """The index of the first part of `path` that is build output, or None when it is not build output."""
    parts = path.split("/")
    return next((i for i, part in enumerate(parts) if any(fnmatch.fnmatchcase(part, p) for p in BUILD_OUTPUT)), None)


def without_build_output(repo: pygit2.Repository, base: pygit2.Oid, theirs: pygit2.Oid) -> tuple[pygit2.Oid, list[str]]:
    """`theirs` without the build output it added to `base`, and the paths left out."""
    added = [d.new_file.path for d in repo.diff(repo[base], repo[theirs]).deltas if d.status == DeltaStatus.ADDED]
    left_out = [path for path in added if build_output_part(path) is not None]
    if not left_out:
        return theirs, []
    index = pygit2.Index()
    index.read_tree(repo[theirs])
    for path in left_out:
        index.remove(path)
    return index.write_tree(repo), left_out


def summary(paths: list[str]) -> str:
    """`__pycache__/ (2 files), node_modules/ (1204 files)`: the left-out paths by their build-output folder."""
    groups: dict[str, int] = {}
    for path in paths:
        parts = path.split("/")
        at = build_output_part(path)
        key = path if at is None or at == len(parts) - 1 else "/".join(parts[: at + 1]) + "/"
        groups[key] = groups.get(key, 0) + 1
    shown = [f"{key} ({n} file{'s' * (n != 1)})" if key.endswith("/") else key for key, n in groups.items()]
    more = f" and {len(shown) - _SHOWN} more" if len(shown) > _SHOWN else ""
    return ", ".join(shown[:_SHOWN]) + more
