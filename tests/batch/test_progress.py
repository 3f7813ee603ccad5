"""What a batch shows while it runs: a bar redrawn in place on a terminal, plain lines otherwise."""

import io

from gitagent.batch.progress import Progress, table


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_finished_tasks_print_above_it() -> None:
    out = io.StringIO()
    progress = Progress(12, out, tty=True)
    progress.finished = 3
    progress.update(2, 1, 0.4213, 95)
    progress.task_done({"id": "pkg-04", "status": "complete", "duration_ms": 41_000, "cost_usd": 0.0312})
    progress.update(2, 1, 0.4525, 80)
    progress.close()
    bar = "[######..................] 3/12 done · 2 running · 1 failed · $0.42 · ETA 1m35s"
    assert out.getvalue() == (
        bar + "\r\x1b[K[4/12] pkg-04: complete in 41s, $0.0312\n" + bar
        + "\r\x1b[K[########................] 4/12 done · 2 running · 1 failed · $0.45 · ETA 1m20s\r\x1b[K"
    )  # fmt: skip


def test_elsewhere_only_finished_tasks_print_one_line_each() -> None:
    out = io.StringIO()
    progress = Progress(2, out, tty=False)
    progress.update(2, 0, 0.0, None)
    progress.task_done({"id": "a", "status": "error", "error": "anthropic is unavailable"})
    progress.task_done({"id": "b", "status": "complete", "skipped": True})
    assert out.getvalue() == "[1/2] a: error: anthropic is unavailable\n[2/2] b: complete (earlier run)\n"


def test_the_table_has_a_row_per_task() -> None:
    rows = table([
        {"id": "a", "status": "complete", "turns": 2, "usage": {"input_tokens": 1500, "output_tokens": 100},
         "cost_usd": 0.0123, "duration_ms": 65_000, "changed_files": ["x", "y"], "commit": "0123456789abcdef"},
        {"id": "b", "status": "not_started", "error": "not started: budget"},
    ])  # fmt: skip
    assert rows == [
        ("TASK", "STATUS", "TURNS", "TOKENS", "COST", "TIME", "FILES", "COMMIT"),
        ("a", "complete", "2", "1.6k", "$0.0123", "1m05s", "2", "0123456"),
        ("b", "not_started", "-", "-", "-", "-", "-", "-"),
    ]
