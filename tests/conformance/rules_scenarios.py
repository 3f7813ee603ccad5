"""The repositories the Claude Code fixtures for permission rules and instruction files were recorded in.

`record_rules.py` builds them, runs the real Claude Code on them and writes `fixtures/`; the tests build the
same repositories and compare gitagent with what Claude Code did. Paths in fixtures are written with `$REPO`
(the repository) and `$HOME` (the home directory Claude Code was given) in place of the temporary ones.
"""

import json
import subprocess
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"

PROJECT_RULES = {
    "allow": ["Bash(npm run test:*)", "Edit(src/**)", "Bash(echo ok)", "Bash(make *)", "Bash(git status)",
              "Bash(python3 -m pytest *)"],
    "deny": ["Read(./secret.txt)", "Bash(curl:*)", "Read(.env)", "Edit(src/locked/**)"],
    "ask": ["Bash(git push:*)"],
}  # fmt: skip
LOCAL_RULES = {
    "allow": ["Bash(ls *)", "Write(notes/**)", "Edit(/docs/**)"],
    "deny": ["Bash(rm:*)", "Edit(**/*.lock)"],
    "ask": ["Edit(README.md)"],
}
USER_RULES = {
    "allow": ["Bash(printf:*)", "Read(~/notes/**)"],
    "deny": ["Read(~/.ssh/**)", "Bash(make clean)", "WebFetch(domain:example.com)"],
    "ask": ["Bash(touch *)", "Read(./private/**)"],
}


def _bash(command: str) -> dict[str, Any]:
    return {"name": "Bash", "input": {"command": command, "description": "run"}}


def _file(name: str, path: str, **extra: str) -> dict[str, Any]:
    return {"name": name, "input": {"file_path": path, **extra}}


_COMMANDS = [
    "npm run test", "npm run test -- --watch", "npm run test:unit", "npm run lint", "curl -s http://127.0.0.1:9/",
    "curl", "curlx", "echo hi && curl -s http://127.0.0.1:9/", "echo ok; curl -s http://127.0.0.1:9/",
    "git push origin main", "git push --force", "make build; git push", "echo ok", "echo ok > out.txt", "make",
    "make build", "make clean", "make build && rm -rf x", "cd src && make build", "timeout 5 make build",
    "FOO=1 make build", "git status", "ls", "ls -la", "lsof -v", "touch made.txt", "rm -f nothing.txt", "printf x",
    "python3 -m pytest -q", "bash -c 'curl -s http://127.0.0.1:9'", "cat README.md", "cat secret.txt",
]  # fmt: skip
EDIT = {"old_string": "content", "new_string": "changed"}
_READS = ("$REPO/secret.txt", "$REPO/.env", "$REPO/pkg/.env", "$REPO/README.md", "$REPO/src/a.py",
          "$REPO/private/p.md", "$HOME/notes/a.md", "$HOME/.ssh/id")  # fmt: skip
_EDITS = ("src/a.py", "src/deep/x.py", "src/locked/k.py", "README.md", "notes/n.md", "docs/guide.md")
_WRITES = ("src/new.py", "notes/n2.md", "other.txt", "pkg/deps.lock")
PERMISSION_CALLS: list[dict[str, Any]] = [
    *(_bash(c) for c in _COMMANDS),
    *(_file("Read", p) for p in _READS),
    *(_file("Edit", f"$REPO/{p}", **EDIT) for p in _EDITS),
    *(_file("Write", f"$REPO/{p}", content="new\n") for p in _WRITES),
    {"name": "WebFetch", "input": {"url": "https://example.com/x", "prompt": "read"}},
    {"name": "WebFetch", "input": {"url": "https://example.org/x", "prompt": "read"}},
]
"""The calls the scripted model makes, one per response, so Claude Code decides each on its own."""

_PERMISSION_FILES = (
    "secret.txt", ".env", "pkg/.env", "src/a.py", "src/deep/x.py", "src/locked/k.py", "notes/n.md", "docs/guide.md",
    "README.md", "private/p.md",
)  # fmt: skip


def git(cwd: Path, *args: str) -> None:
    """Run git quietly in `cwd`, as a fixed identity."""
    identity = ["-c", "user.name=Ada", "-c", "user.email=ada@example.com"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


def permission_repo(base: Path) -> tuple[Path, Path]:
    """A committed repository with rules in `.claude/settings*.json`, and a home with `.claude/settings.json`."""
    repo, home = base / "repo", base / "home"
    for name in _PERMISSION_FILES:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(f"content of {name}\n")
    (repo / "Makefile").write_text("build:\n\t@echo built\nclean:\n\t@echo cleaned\n")
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text(json.dumps({"permissions": PROJECT_RULES}, indent=1))
    (repo / ".claude" / "settings.local.json").write_text(json.dumps({"permissions": LOCAL_RULES}, indent=1))
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(json.dumps({"permissions": USER_RULES}, indent=1))
    for name in ("notes/a.md", ".ssh/id"):
        (home / name).parent.mkdir(exist_ok=True)
        (home / name).write_text(f"home {name}\n")
    git(repo.parent, "init", "-q", "-b", "main", "repo")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo, home


def with_paths(value: Any, repo: Path, home: Path) -> Any:
    """A fixture value with `$REPO` and `$HOME` replaced by real paths."""
    text = json.dumps(value).replace("$REPO", str(repo)).replace("$HOME", str(home))
    return json.loads(text)


INSTRUCTION_LINES = [
    "ROOT CLAUDE", "See @AGENTS.md for the shared rules.", "Style: @docs/style.md and also @./docs/extra.md",
    "Mine: @~/.claude/personal.md", "Home: @~/notes.md", "AbsIn: @$REPO/docs/abs-in.md",
    "AbsOut: @$OUTSIDE/secret.md", "DotDot: @../outside/dotdot.md", "Proc: @/proc/self/environ",
    "Etc: @/etc/hostname", "Link: @docs/link.md", "`@docs/inspan.md` in a code span",
]  # fmt: skip
INSTRUCTION_FILES = {
    "AGENTS.md": "ROOT AGENTS",
    "docs/style.md": "STYLE, see @nested.md",
    "docs/nested.md": "NESTED",
    "docs/extra.md": "EXTRA",
    "docs/abs-in.md": "ABSOLUTE INSIDE",
    "docs/inspan.md": "IN A CODE SPAN",
    "docs/CLAUDE.md": "NOT ON THE PATH",
    ".claude/CLAUDE.md": "DOT CLAUDE",
    "CLAUDE.local.md": "LOCAL, again @docs/extra.md",
    "pkg/CLAUDE.md": "PKG CLAUDE",
    "pkg/AGENTS.md": "PKG AGENTS",
    "pkg/AGENTS.override.md": "PKG AGENTS OVERRIDE",
    "pkg/sub/CLAUDE.md": "SUB CLAUDE",
    "pkg/sub/CLAUDE.local.md": "SUB LOCAL",
}
SUBDIR = "pkg/sub"


def instruction_repo(base: Path) -> tuple[Path, Path]:
    """A repository with nested CLAUDE.md / AGENTS.md and every kind of `@` import, a CLAUDE.md above it, files
    outside it (one linked from inside), and a home with the user's own `~/.claude/CLAUDE.md`."""
    repo, home, outside = base / "repo", base / "home", base / "outside"
    for name, text in INSTRUCTION_FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text + "\n")
    lines = "\n".join(INSTRUCTION_LINES).replace("$REPO", str(repo)).replace("$OUTSIDE", str(outside))
    (repo / "CLAUDE.md").write_text(lines + "\n")
    outside.mkdir()
    for name in ("secret.md", "dotdot.md", "linked.md"):
        (outside / name).write_text(f"OUTSIDE {name}\n")
    (repo / "docs" / "link.md").symlink_to(outside / "linked.md")
    (base / "CLAUDE.md").write_text("ABOVE THE REPOSITORY\n")
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "CLAUDE.md").write_text("USER CLAUDE\n")
    (home / ".claude" / "personal.md").write_text("USER PERSONAL\n")
    (home / "notes.md").write_text("HOME NOTES\n")
    git(base, "init", "-q", "-b", "main", "repo")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "init")
    return repo, home
