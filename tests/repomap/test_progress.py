"""Progress of a map build: every phase of a cold build reports, in order, each counted one from 0 to its end
(issue 21: a cold build's import resolution reported nothing for tens of seconds at 50,000 files)."""

from pathlib import Path

import pytest

from gitagent.repomap import build_map, discover_git_dir
from gitagent.repomap.index import cache_dir
from gitagent.repomap.parse import PHASES, RESOLVING
from tests.repomap.conftest import commit_all, write_files

MODULES = 300
"""More files than reports per phase, so a phase reports every few files rather than after each."""
TREE = {
    "shop/__init__.py": "",
    **{
        f"shop/item_{i}.py": (
            f"from shop.item_{(i + 1) % MODULES} import Item{(i + 1) % MODULES}\n\n\n"
            f"class Item{i}(Item{(i + 1) % MODULES}):\n    def price(self) -> int:\n        return {i}\n"
        )
        for i in range(MODULES)
    },
    "web/app.js": "export function start() {\n  return 1;\n}\n",
    "README.md": "A shop.\n",
}
PARSED = MODULES + 2  # the Python files and the script; the readme is listed, not parsed


class Recorder:
    """Keeps every report as (phase, done, total)."""

    def __init__(self, stop_in: str = "") -> None:
        self.reports: list[tuple[str, int, int]] = []
        self.stop_in = stop_in

    def __call__(self, done: int, total: int, phase: str) -> None:
        self.reports.append((phase, done, total))
        if phase == self.stop_in and done:
            raise KeyboardInterrupt

    def by_phase(self) -> dict[str, list[tuple[int, int]]]:
        phases: dict[str, list[tuple[int, int]]] = {}
        for phase, done, total in self.reports:
            phases.setdefault(phase, []).append((done, total))
        return phases


@pytest.fixture
def shop(repo: Path) -> Path:
    write_files(repo, TREE)
    commit_all(repo)
    return repo


def test_a_cold_build_reports_every_phase_in_order_each_from_start_to_end(shop: Path) -> None:
    recorder = Recorder()
    result = build_map(shop, discover_git_dir(shop), progress=recorder, workers=1)
    phases = recorder.by_phase()
    assert list(phases) == list(PHASES)  # each phase's reports together, in the build's order
    assert [phase for phase, _, _ in recorder.reports] == sorted(
        (phase for phase, _, _ in recorder.reports), key=PHASES.index
    )
    counted = {"parsing": PARSED, "indexing": result.total_files, "resolving imports": MODULES + 1}
    for phase, total in counted.items():
        reports = phases[phase]
        assert reports[0] == (0, total) and reports[-1] == (total, total), (phase, reports[:2], reports[-2:])
        done = [d for d, _ in reports]
        assert done == sorted(done) and 10 < len(reports) <= total + 1, phase  # every few files, never back
    for phase in ("listing", "ranking", "saving"):
        assert phases[phase] == [(0, 0)]


def test_an_edit_reports_the_same_phases_for_the_files_it_reads_again(shop: Path) -> None:
    build_map(shop, discover_git_dir(shop), workers=1)
    edited = shop / "shop/item_7.py"
    edited.write_text(edited.read_text() + "\n\ndef extra() -> int:\n    return 1\n")
    recorder = Recorder()
    result = build_map(shop, discover_git_dir(shop), progress=recorder, workers=1)
    assert result.parsed == ["shop/item_7.py"]
    phases = recorder.by_phase()
    assert list(phases) == list(PHASES)
    assert phases["parsing"] == [(0, 1), (1, 1)] and phases["indexing"] == [(0, 1), (1, 1)]
    assert phases["resolving imports"][-1] == (2, 2)  # the edited file and item_6, which imports it


def test_a_build_stopped_by_its_progress_in_a_later_phase_keeps_what_it_parsed(shop: Path) -> None:
    git_dir = discover_git_dir(shop)
    with pytest.raises(KeyboardInterrupt):
        build_map(shop, git_dir, progress=Recorder(stop_in=RESOLVING), workers=1)
    assert (cache_dir(git_dir) / "packs").is_dir()
    again = build_map(shop, git_dir, workers=1)
    assert again.parsed == []  # every tag came from the cache
    assert any(f.path.startswith("shop/item_") for f in again.files)
