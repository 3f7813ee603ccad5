"""Large changes: files in order of importance, patches packed to a token budget, parts reviewed in parallel
(against the fake Anthropic server, which counts requests in flight), and `--max-cost` stopping new parts."""

import json
import threading
from pathlib import Path

import pytest

from gitagent.review.chunks import by_importance, estimate_tokens, kind, pack
from gitagent.review.diff import FileChange
from tests.conftest import git, run_cli
from tests.fakes.anthropic_server import API_KEY, FakeAnthropic
from tests.fakes.server import Recorded, Reply, _Handler
from tests.review.conftest import answer, commit_files


def change(path: str, lines: int, patch_chars: int = 100) -> FileChange:
    return FileChange(path, path, "modified", lines, 0, "x" * patch_chars)


def test_importance_puts_source_before_config_tests_and_docs() -> None:
    files = [change("docs/guide.md", 500), change("tests/test_a.py", 50), change("src/small.py", 2),
             change("src/big.py", 80), change(".github/workflows/ci.yml", 5), change("pkg/a_test.go", 9),
             change("README.md", 1)]  # fmt: skip
    assert [f.path for f in by_importance(files)] == [
        "src/big.py", "src/small.py", ".github/workflows/ci.yml", "tests/test_a.py", "pkg/a_test.go",
        "docs/guide.md", "README.md"]  # fmt: skip
    assert kind("setup.py") == "config" and kind("app/spec/x_spec.rb") == "test"


def test_packing_fills_chunks_in_order_and_cuts_a_patch_bigger_than_the_budget() -> None:
    files = [change("a.py", 30, 2000), change("b.py", 20, 2000), change("c.py", 10, 2000), change("huge.py", 5, 50_000)]
    files.append(FileChange("skip.lock", "skip.lock", "modified", 1, 1, "", skipped="lock file"))
    chunks = pack(files, budget=1100)
    assert [c.paths for c in chunks] == [["a.py", "b.py"], ["c.py"], ["huge.py"]]
    assert all(c.tokens <= 1100 for c in chunks)
    cut = chunks[2].patches[0]
    assert estimate_tokens(cut) <= 1100 and "cut to fit the budget; read huge.py itself" in cut


class CountingAnthropic(FakeAnthropic):
    """Counts how many requests are being answered at the same time."""

    def __init__(self) -> None:
        super().__init__()
        self.active = self.most = 0
        self.count_lock = threading.Lock()

    def handle(self, handler: _Handler, request: Recorded) -> None:
        with self.count_lock:
            self.active += 1
            self.most = max(self.most, self.active)
        try:
            super().handle(handler, request)
        finally:
            with self.count_lock:
                self.active -= 1


@pytest.fixture
def counting() -> CountingAnthropic:
    server = CountingAnthropic()
    yield server
    server.close()


def four_part_change(path: Path) -> Path:
    """A repository whose change is four source files of about 800 tokens of patch each."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    commit_files(path, {"README.md": "# r\n"}, "init")
    git(path, "checkout", "-q", "-b", "big")
    body = "".join(f"def function_{i}(value):\n    return value * {i} + {i}\n" for i in range(40))
    commit_files(path, {f"mod_{n}.py": body for n in range(4)}, "four modules")
    return path


def run_parts(path: Path, server: FakeAnthropic, *extra: str):
    env = {"ANTHROPIC_API_KEY": API_KEY, "ANTHROPIC_BASE_URL": server.base_url}
    args = ("review", "--base", "main", "-f", "json", "--chunk-tokens", "1000", "-m", "anthropic:claude-sonnet-4-5")
    return run_cli(path, *args, *extra, env=env)


def test_parts_run_in_parallel_and_commit_as_one_chain(tmp_path: Path, counting: CountingAnthropic) -> None:
    repo = four_part_change(tmp_path / "repo")
    counting.push(*[Reply([answer(f"part reviewed {n}")], delay=0.6) for n in range(4)])
    result = run_parts(repo, counting, "--jobs", "4")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [p["paths"] for p in report["parts"]] == [[f"mod_{n}.py"] for n in range(4)]
    assert counting.most == 4  # all four parts asked the model at the same time
    prompts = [json.dumps(b["messages"][0]) for b in counting.bodies]
    assert sorted(p.split(", part ")[1][:1] for p in prompts) == ["1", "2", "3", "4"]
    turns = git(repo, "log", "--format=%(trailers:key=Gitagent-Turn,valueonly)", report["ref"]).split()
    assert turns == ["4", "3", "2", "1"]  # one chain, whatever order the parts finished in
    assert sorted(p["commit"] for p in report["parts"]) == sorted(
        git(repo, "log", "--format=%H", report["ref"]).split()
    )


def test_jobs_one_runs_parts_one_after_another(tmp_path: Path, counting: CountingAnthropic) -> None:
    repo = four_part_change(tmp_path / "repo")
    counting.push(*[Reply([answer("ok")], delay=0.2) for _ in range(4)])
    assert run_parts(repo, counting, "--jobs", "1").code == 0
    assert counting.most == 1 and len(counting.bodies) == 4


@pytest.mark.parametrize(("max_cost", "reviewed"), [(0.5, 1), (1.0, 3)])
def test_max_cost_stops_starting_parts(
    tmp_path: Path, counting: CountingAnthropic, max_cost: float, reviewed: int
) -> None:
    repo = four_part_change(tmp_path / "repo")
    usage = {"input_tokens": 100_000, "output_tokens": 0}  # 0.30 USD a part at claude-sonnet-4-5's price
    counting.push(*[Reply([answer("ok")], usage=usage) for _ in range(4)])
    result = run_parts(repo, counting, "--max-cost", str(max_cost))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert len(counting.bodies) == reviewed
    assert [p["status"] for p in report["parts"]].count("complete") == reviewed
    assert report["not_reviewed"] == [f"mod_{n}.py" for n in range(reviewed, 4)]
    assert report["cost_usd"] == pytest.approx(0.3 * reviewed) and report["cost_usd"] <= max_cost
    assert f"--max-cost {max_cost:g} USD reached: {4 - reviewed} of 4 parts not reviewed" in result.err
