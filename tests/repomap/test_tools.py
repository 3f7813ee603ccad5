"""RepoMap, FindSymbol and Outline as the model calls them, in a conversation-style worktree."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gitagent.sandbox.unconfined import UnconfinedSandbox
from gitagent.tools.base import ToolContext
from gitagent.tools.code import FindSymbol, Outline, RepoMap
from tests.conftest import git


@pytest.fixture
def ctx(app_repo: Path, tmp_path: Path) -> ToolContext:
    """A linked worktree of the app repository, as a conversation has (its cache is the repository's)."""
    worktree = tmp_path / "worktree"
    git(app_repo, "worktree", "add", "-q", "--detach", str(worktree))
    return ToolContext(worktree, UnconfinedSandbox())


def test_repo_map_lists_files_with_signatures_centred_on_the_focus(ctx: ToolContext) -> None:
    result = RepoMap().run({"focus": "app/views.py", "budget": 300}, ctx)
    assert not result.is_error
    assert "app/models.py:" in result.output
    assert "class User:" in result.output
    assert result.output.index("app/models.py") < result.output.index("tools/unrelated_a.py")
    assert "files shown" in result.output.splitlines()[-1]


def test_repo_map_rejects_a_bad_budget(ctx: ToolContext) -> None:
    result = RepoMap().run({"budget": 1}, ctx)
    assert result.is_error and "budget" in result.output


def test_find_symbol_gives_definitions_and_references_with_locations(ctx: ToolContext) -> None:
    output = FindSymbol().run({"name": "format_name"}, ctx).output
    assert "app/models.py:12  [function]  def format_name(name: str) -> str:" in output
    assert "app/views.py:1,7" in output
    assert "app/models.py:9" in output
    assert "app/models.py:8" in FindSymbol().run({"name": "User.greeting"}, ctx).output


def test_find_symbol_suggests_close_names_when_nothing_matches(ctx: ToolContext) -> None:
    output = FindSymbol().run({"name": "format_nam"}, ctx).output
    assert output.startswith("No definition or reference of 'format_nam' found.")
    assert "format_name" in output


def test_outline_lists_a_files_definitions_in_order(ctx: ToolContext) -> None:
    output = Outline().run({"file_path": "app/models.py"}, ctx).output
    assert output.splitlines() == [
        "app/models.py:",
        "    4 class User:",
        "    5     def __init__(self, name: str) -> None:",
        "    8     def greeting(self) -> str:",
        "   12 def format_name(name: str) -> str:",
    ]


def test_outline_sees_unsaved_edits_in_the_worktree(ctx: ToolContext) -> None:
    (ctx.root / "app/models.py").write_text("def only_this() -> None:\n    pass\n")
    assert Outline().run({"file_path": "app/models.py"}, ctx).output.splitlines()[1] == "    1 def only_this() -> None:"


def test_a_hand_written_file_mentioning_generated_code_is_found_and_outlined(ctx: ToolContext) -> None:
    """sympy's body_base.py says "no auto-generated frame" in a comment: it is still hand-written code."""
    (ctx.root / "app/body_base.py").write_text(
        "class BodyBase:\n    def __init__(self, frame=None):\n"
        "        # If frame=None, no auto-generated frame is created. DO NOT EDIT the default.\n"
        "        self.frame = frame\n"
    )
    assert "app/body_base.py:1  [class]  class BodyBase:" in FindSymbol().run({"name": "BodyBase"}, ctx).output
    assert Outline().run({"file_path": "app/body_base.py"}, ctx).output.splitlines()[1] == "    1 class BodyBase:"


@pytest.mark.parametrize(
    ("file_path", "message"),
    [
        ("../outside.py", "outside the worktree"),
        ("app/missing.py", "does not exist"),
        ("docs/guide.txt", "not a language with a parser"),
    ],
)
def test_outline_errors_are_results_not_exceptions(ctx: ToolContext, file_path: str, message: str) -> None:
    result = Outline().run({"file_path": file_path}, ctx)
    assert result.is_error and message in result.output


def test_gitagent_map_prints_the_map_and_json(app_repo: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from gitagent.cli.map import run_command; run_command(['map', *sys.argv[1:]])"
        return subprocess.run([sys.executable, "-c", code, *args], cwd=app_repo, capture_output=True, text=True)

    text = run("--tokens", "200", "--focus", "app/views.py")
    assert text.returncode == 0, text.stderr
    assert "app/models.py:" in text.stdout and "class User:" in text.stdout
    assert "files shown" in text.stderr
    scoped = run("web", "--json")
    data = json.loads(scoped.stdout)
    assert [f["path"] for f in data["files"]] == ["web/render.js", "web/main.js"]
    assert data["files"][0]["definitions"][0]["signature"] == "export function render(node, text) {"


def test_a_focus_path_that_does_not_exist_is_an_error_naming_it(ctx: ToolContext, app_repo: Path) -> None:
    result = RepoMap().run({"focus": "app/view.py"}, ctx)
    assert result.is_error and "focus 'app/view.py' does not exist" in result.output
    assert not RepoMap().run({"focus": "User.greeting format_name"}, ctx).is_error  # identifiers still are
    code = "import sys; from gitagent.cli.map import run_command; run_command(['map', *sys.argv[1:]])"
    cli = subprocess.run([sys.executable, "-c", code, "--focus", "app/view.py"], cwd=app_repo, capture_output=True,
                         text=True)  # fmt: skip
    assert cli.returncode != 0
    assert "--focus app/view.py: no such file or directory" in cli.stderr and "Traceback" not in cli.stderr
    assert cli.stdout == ""


class Stream:
    """Standard error as a terminal or as a log: keeps what is written."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.written: list[str] = []

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.written.append(text)

    def flush(self) -> None:
        pass


def long_build(monkeypatch: pytest.MonkeyPatch, tty: bool) -> list[str]:
    """What `gitagent map`'s progress writes for a 40 s cold build: parsing reported every second for 25 s,
    then indexing and resolving imports for 5 s each, then ranking and saving."""
    from gitagent.cli import map as map_cli

    clock = [1000.0]
    monkeypatch.setattr(map_cli.time, "monotonic", lambda: clock[0])
    stream = Stream(tty)
    monkeypatch.setattr(map_cli.sys, "stderr", stream)
    bar = map_cli.ProgressBar()
    bar(0, 0, "listing")
    steps = [(s, s * 100, 2500, "parsing") for s in range(1, 26)]
    steps += [(25 + s, s * 500, 2500, "indexing") for s in range(0, 6)]
    steps += [(30 + s, s * 400, 2000, "resolving imports") for s in range(0, 6)]
    steps += [(36, 0, 0, "ranking"), (37, 0, 0, "saving")]
    for second, done, total, phase in steps:
        clock[0] = 1000.0 + second
        bar(done, total, phase)
    bar.close()
    return stream.written


def test_progress_on_a_non_terminal_is_a_line_per_phase_and_every_ten_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    assert long_build(monkeypatch, tty=False) == [
        "gitagent: parsing 100/2500 files\n",  # the first report past half a second
        "gitagent: parsing 1100/2500 files\n",
        "gitagent: parsing 2100/2500 files\n",
        "gitagent: parsing 2500/2500 files\n",
        "gitagent: indexing 0/2500 files\n",
        "gitagent: indexing 2500/2500 files\n",
        "gitagent: resolving imports 0/2000 files\n",
        "gitagent: resolving imports 2000/2000 files\n",
        "gitagent: ranking…\n",
        "gitagent: saving…\n",
    ]


def test_progress_on_a_terminal_redraws_one_line_through_every_phase(monkeypatch: pytest.MonkeyPatch) -> None:
    written = long_build(monkeypatch, tty=True)
    assert all(text.startswith("\r") for text in written) and written[-1] == "\r\033[K"  # cleared at the end
    assert len(written) == 25 + 6 + 6 + 2 + 1
    assert written[0] == f"\rparsing           █{'·' * 29} 100/2500 files\033[K"
    assert written[30] == f"\rindexing          {'█' * 30} 2500/2500 files\033[K"
    assert written[34] == f"\rresolving imports {'█' * 18}{'·' * 12} 1200/2000 files\033[K"
    assert written[-3:-1] == ["\rranking…\033[K", "\rsaving…\033[K"]
