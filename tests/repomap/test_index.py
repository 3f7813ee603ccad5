"""The tags index: cached by blob id, so only new content is ever parsed; what is listed and what is not."""

import shutil
import subprocess
from pathlib import Path

from gitagent.repomap import build_index, discover_git_dir
from gitagent.repomap.index import cache_dir
from tests.conftest import git
from tests.repomap.conftest import APP, commit_all, write_files

PARSEABLE = sorted(p for p in APP if not p.endswith(".txt"))


def index(root: Path, workers: int | None = 1):
    return build_index(root, discover_git_dir(root), workers=workers)


def test_a_cold_build_parses_every_source_file_and_a_warm_one_none(app_repo: Path) -> None:
    cold = index(app_repo)
    assert sorted(cold.parsed) == PARSEABLE
    warm = index(app_repo)
    assert warm.parsed == []
    assert {f.path: f.entry for f in warm.files} == {f.path: f.entry for f in cold.files}


def test_after_one_file_changes_only_that_file_is_parsed(app_repo: Path) -> None:
    index(app_repo)
    views = app_repo / "app/views.py"
    views.write_text(views.read_text() + "\n\ndef extra() -> None:\n    pass\n")
    changed = index(app_repo)
    assert changed.parsed == ["app/views.py"]
    assert "extra" in [d[0] for f in changed.files if f.path == "app/views.py" for d in f.entry[2]]
    assert index(app_repo).parsed == []
    commit_all(app_repo, "add extra")  # same content, now committed: still nothing to parse
    assert index(app_repo).parsed == []


def test_content_seen_on_another_branch_or_worktree_is_not_parsed_again(app_repo: Path, tmp_path: Path) -> None:
    index(app_repo)
    git(app_repo, "checkout", "-q", "-b", "feature")
    (app_repo / "app/new.py").write_text("def fresh() -> int:\n    return 1\n")
    commit_all(app_repo, "feature")
    assert index(app_repo).parsed == ["app/new.py"]
    git(app_repo, "checkout", "-q", "main")
    assert index(app_repo).parsed == []
    other = tmp_path / "other-worktree"
    git(app_repo, "worktree", "add", "-q", str(other), "feature")
    assert discover_git_dir(other) == discover_git_dir(app_repo)
    assert index(other).parsed == []


def test_untracked_files_are_included_and_ignored_ones_are_not(app_repo: Path) -> None:
    (app_repo / "scratch.py").write_text("def scratch():\n    pass\n")
    (app_repo / "debug.log").write_text("noise\n")
    paths = {f.path for f in index(app_repo).files}
    assert "scratch.py" in paths
    assert "debug.log" not in paths


def test_vendored_generated_and_minified_files_are_skipped_with_a_reason(app_repo: Path) -> None:
    write_files(
        app_repo,
        {
            "node_modules/lib/index.js": "function lib() {}\n",
            "static/app.min.js": "function a(){}",
            "web/bundle.js": "var x=1;" * 2000,
            "api/service_pb2.py": "X = 1\n",
        },
    )
    result = index(app_repo)
    skipped = dict(result.skipped)
    assert skipped["node_modules/lib/index.js"] == "vendored"
    assert skipped["static/app.min.js"] == "generated"
    assert skipped["api/service_pb2.py"] == "generated"
    assert skipped["web/bundle.js"].startswith("minified")
    assert not {f.path for f in result.files} & set(skipped)


def test_unknown_languages_are_plain_files_and_broken_files_are_not_fatal(app_repo: Path) -> None:
    (app_repo / "broken.py").write_text("def broken(:\n    pass\n\ndef fine():\n    pass\n")
    result = index(app_repo)
    files = {f.path: f for f in result.files}
    assert files["docs/guide.txt"].language is None and files["docs/guide.txt"].entry is None
    assert result.partial() == ["broken.py"]
    assert "fine" in [d[0] for d in files["broken.py"].entry[2]]


def test_the_cache_can_be_deleted_or_damaged_at_any_time(app_repo: Path) -> None:
    index(app_repo)
    directory = cache_dir(discover_git_dir(app_repo))
    for pack in (directory / "packs").iterdir():
        pack.write_bytes(pack.read_bytes()[:40])  # a torn write, as if the rename had not been atomic
    assert sorted(index(app_repo).parsed) == PARSEABLE
    shutil.rmtree(directory.parent)
    assert sorted(index(app_repo).parsed) == PARSEABLE
    assert index(app_repo).parsed == []


def test_a_cold_build_spread_over_worker_processes_gives_the_same_tags(app_repo: Path) -> None:
    write_files(app_repo, {f"gen/mod_{i}.py": f"def f_{i}(x):\n    return f_{i + 1}(x)\n" for i in range(80)})
    commit_all(app_repo)
    parallel = index(app_repo, workers=2)
    assert len(parallel.parsed) == len(PARSEABLE) + 80
    shutil.rmtree(cache_dir(discover_git_dir(app_repo)))
    serial = index(app_repo, workers=1)
    assert {f.path: f.entry for f in parallel.files} == {f.path: f.entry for f in serial.files}


def test_deleted_conflicted_and_intent_to_add_files_are_listed_as_the_work_tree_has_them(app_repo: Path) -> None:
    """The index's blob ids stand for every tracked file but those git's stat check names, whose content is read."""
    index(app_repo)
    git(app_repo, "checkout", "-q", "-b", "other")
    (app_repo / "app/models.py").write_text("def theirs() -> int:\n    return 2\n")
    commit_all(app_repo, "theirs")
    git(app_repo, "checkout", "-q", "main")
    (app_repo / "app/models.py").write_text("def ours() -> int:\n    return 1\n")
    commit_all(app_repo, "ours")
    subprocess.run(["git", "merge", "-q", "other"], cwd=app_repo, capture_output=True, check=False)  # a conflict
    (app_repo / "app/storage.py").unlink()
    (app_repo / "app/planned.py").write_text("def planned() -> None:\n    pass\n")
    git(app_repo, "add", "-N", "app/planned.py")
    listed = index(app_repo)
    files = {f.path: f for f in listed.files}
    assert "app/storage.py" not in files
    assert {"app/planned.py", "app/models.py"} <= set(listed.parsed)
    assert {d[0] for d in files["app/models.py"].entry[2]} == {"ours", "theirs"}  # both sides of the conflict
    assert [d[0] for d in files["app/planned.py"].entry[2]] == ["planned"]
