"""What links files in the map: Python names through imports (not builtins), focus on direct dependencies,
and a graph kept between builds that an edit updates file by file (issue 21)."""

import os
import time
from pathlib import Path

from gitagent.repomap import build_map, discover_git_dir
from tests.repomap.conftest import commit_all, write_files

BUILTIN_NAMED = {
    "algebra/domain.py": (
        "class Domain:\n    def map(self, f, items):\n        return [f(i) for i in items]\n\n"
        "    def str(self):\n        return 'domain'\n\n\nclass PolyElement:\n"
        "    def list(self):\n        return []\n\n    def dict(self):\n        return {}\n"
    ),
    "algebra/util.py": "def normalise(value):\n    return value\n",
    **{
        f"algebra/use_{i}.py": (
            "from algebra.util import normalise\n\n\n"
            f"def step_{i}(values):\n    items = list(map(normalise, dict(a=values)))\n"
            "    return str(items) + str(list(map(str, items))) + str(dict(b=list(items)))\n"
        )
        for i in range(8)
    },
}


def shown_definitions(root: Path, budget: int, focus: list[str] | None = None) -> list[tuple[str, str]]:
    result = build_map(root, discover_git_dir(root), focus=focus, budget=budget, workers=1)
    return [(f.path, d[0]) for f in result.files for d in f.definitions]


def test_calls_to_builtins_do_not_link_to_same_named_methods(repo: Path) -> None:
    """`str(…)`, `list(…)`, `map(…)`, `dict(…)` are builtins: `Domain.map` and `PolyElement.list` are not
    what eight files use; `normalise`, which they import, is."""
    write_files(repo, BUILTIN_NAMED)
    commit_all(repo)
    top = shown_definitions(repo, budget=64)
    assert top[0] == ("algebra/util.py", "normalise"), top
    assert not {name for _, name in top} & {"map", "str", "list", "dict"}, top


SHAPES = {
    "shapes/__init__.py": "from .base import Shape\nfrom .legacy import *\n",
    "shapes/base.py": "class Shape:\n    def area(self) -> float:\n        return 0.0\n",
    "shapes/legacy.py": "def old_area(shape):\n    return shape.area()\n",
    "shapes/precedence.py": "def precedence(shape) -> int:\n    return 1\n",
    "core/basic.py": "".join(f"def basic_{i}(x):\n    return x\n\n\n" for i in range(12)),
    "shapes/circle.py": (
        "from core.basic import " + ", ".join(f"basic_{i}" for i in range(12)) + "\n"
        "from shapes import Shape, old_area\nfrom shapes.precedence import precedence\n\n\n"
        "class Circle(Shape):\n    def area(self) -> float:\n"
        + "".join(f"        basic_{i}(basic_{i}(basic_{i}(self)))\n" for i in range(12))
        + "        return precedence(self) + old_area(self)\n"
    ),
    **{
        f"users/user_{i}.py": "from core.basic import basic_0\n\n\ndef use():\n    return basic_0(1)\n"
        for i in range(20)
    },
    "legacy/shapes.py": "class Shape:\n    pass\n",
}


def test_a_focused_map_shows_first_each_module_the_focus_imports_resolved_to_where_it_is_defined(repo: Path) -> None:
    """circle.py calls basic_* 36 times, but its base class (re-exported by shapes/__init__.py, defined in
    shapes/base.py), `precedence` and a star-re-exported `old_area` come first, one definition each."""
    write_files(repo, SHAPES)
    commit_all(repo)
    top = shown_definitions(repo, budget=56, focus=["shapes/circle.py"])
    files = [path for path, _ in top]
    assert {"shapes/base.py", "shapes/precedence.py", "shapes/legacy.py", "core/basic.py"} <= set(files), top
    assert ("shapes/base.py", "Shape") in top and ("legacy/shapes.py", "Shape") not in top
    unfocused = {path for path, _ in shown_definitions(repo, budget=40)}
    assert "core/basic.py" in unfocused and "shapes/precedence.py" not in unfocused


def test_an_edit_re_reads_one_file_and_re_resolves_only_its_importers(repo: Path) -> None:
    """Moving `Shape` to another module (and its re-export with it) moves the link; nothing else is re-parsed."""
    write_files(repo, SHAPES)
    commit_all(repo)
    git_dir = discover_git_dir(repo)
    build_map(repo, git_dir, focus=["shapes/circle.py"], budget=56, workers=1)
    write_files(repo, {"shapes/base.py": "def unrelated():\n    pass\n", "shapes/solid.py": SHAPES["shapes/base.py"]})
    write_files(repo, {"shapes/__init__.py": "from .solid import Shape\nfrom .legacy import *\n"})
    moved = build_map(repo, git_dir, focus=["shapes/circle.py"], budget=56, workers=1)
    assert sorted(moved.parsed) == ["shapes/__init__.py", "shapes/base.py"]  # solid.py: base.py's old blob
    shown = [(f.path, d[0]) for f in moved.files for d in f.definitions]
    assert ("shapes/solid.py", "Shape") in shown and "shapes/base.py" not in {p for p, _ in shown}
    (repo / "shapes/precedence.py").unlink()
    gone = build_map(repo, git_dir, focus=["shapes/circle.py"], budget=56, workers=1)
    assert gone.parsed == [] and "shapes/precedence.py" not in {f.path for f in gone.files}


def test_untracked_files_are_seen_though_the_walk_for_them_is_remembered(repo: Path) -> None:
    write_files(repo, SHAPES)
    commit_all(repo)
    past = time.time() - 60
    for directory in [repo, *(p for p in repo.rglob("*") if p.is_dir() and ".git" not in p.parts)]:
        os.utime(directory, (past, past))  # old enough to be trusted as unchanged
    git_dir = discover_git_dir(repo)
    assert "shapes/extra.py" not in {f.path for f in build_map(repo, git_dir, workers=1).files}
    write_files(repo, {"shapes/extra.py": "def extra():\n    pass\n"})
    assert "shapes/extra.py" in {f.path for f in build_map(repo, git_dir, budget=4000, workers=1).files}
