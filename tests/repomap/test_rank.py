"""Rank quality: the map leans towards what the focus uses, and fits its budget."""

from pathlib import Path

from gitagent.repomap import build_map, discover_git_dir
from gitagent.repomap.render import estimate_tokens


def ranked_paths(root: Path, focus: list[str], budget: int = 4000) -> list[str]:
    result = build_map(root, discover_git_dir(root), focus=focus, budget=budget, workers=1)
    return [f.path for f in result.files]


def test_files_defining_what_the_focus_file_references_rank_above_unrelated_files(app_repo: Path) -> None:
    order = ranked_paths(app_repo, ["app/views.py"])
    for used in ("app/models.py", "app/storage.py"):
        for unrelated in ("tools/unrelated_a.py", "tools/unrelated_b.py", "web/render.js", "web/main.js"):
            assert order.index(used) < order.index(unrelated), order


def test_a_focus_identifier_pulls_its_defining_file_to_the_top(app_repo: Path) -> None:
    assert ranked_paths(app_repo, ["spreadsheet_mean"])[0] == "tools/unrelated_a.py"
    assert ranked_paths(app_repo, ["render"])[0] == "web/render.js"


def test_the_map_shows_signature_lines_under_each_file_and_plain_files_last(app_repo: Path) -> None:
    result = build_map(app_repo, discover_git_dir(app_repo), budget=4000, workers=1)
    text = result.text()
    models = text.split("app/models.py:\n", 1)[1].split("\n")
    assert models[:4] == [
        "    4 class User:",
        "    5     def __init__(self, name: str) -> None:",
        "    8     def greeting(self) -> str:",
        "   12 def format_name(name: str) -> str:",
    ]
    assert text.splitlines()[-3:] == [".gitignore", "README.md", "docs/guide.txt"]


def test_the_map_fits_its_token_budget(app_repo: Path) -> None:
    for budget in (20, 60, 200):
        result = build_map(app_repo, discover_git_dir(app_repo), budget=budget, workers=1)
        assert 0 < estimate_tokens(result.text()) <= budget
    small = build_map(app_repo, discover_git_dir(app_repo), budget=20, workers=1)
    large = build_map(app_repo, discover_git_dir(app_repo), budget=200, workers=1)
    assert len(small.text()) < len(large.text())
    assert small.text().splitlines()[0] in large.text()


def test_a_warm_map_of_an_unchanged_tree_is_recalled_and_a_change_is_seen(app_repo: Path) -> None:
    git_dir = discover_git_dir(app_repo)
    first = build_map(app_repo, git_dir, workers=1)
    assert first.parsed
    again = build_map(app_repo, git_dir, workers=1)
    assert again.parsed == [] and again.text() == first.text()
    (app_repo / "app/models.py").write_text("class Account:\n    pass\n")
    changed = build_map(app_repo, git_dir, workers=1)
    assert changed.parsed == ["app/models.py"]
    assert "class Account:" in changed.text() and "class User:" not in changed.text()
