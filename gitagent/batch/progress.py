"""Showing a batch as it runs: a redrawn bar on a terminal (done / running / failed, cost, ETA), plain lines
otherwise, one per task finished; and the table of results at the end."""

import sys
from typing import Any, TextIO

from gitagent.humanize import human_tokens

BAR = 24


class Progress:
    """Progress of `total` tasks on `stream` (standard error by default)."""

    def __init__(self, total: int, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.finished = 0
        self._bar = ""

    def event(self, text: str) -> None:
        """A line worth keeping (a task finished, a retry, the budget stop), printed above the bar."""
        self._clear()
        print(text, file=self.stream, flush=True)
        if self.tty and self._bar:
            self.stream.write(self._bar)
            self.stream.flush()

    def task_done(self, summary: dict[str, Any]) -> None:
        """A task ended: one line saying how."""
        self.finished += 1
        self.event(f"[{self.finished}/{self.total}] {summary['id']}: {describe(summary)}")

    def update(self, running: int, failed: int, cost: float, eta: float | None) -> None:
        """Redraw the bar (on a terminal only); done is every task `task_done` was told of, earlier runs' too."""
        if not self.tty:
            return
        done = self.finished
        filled = BAR * done // max(1, self.total)
        bar = (
            f"[{'#' * filled}{'.' * (BAR - filled)}] {done}/{self.total} done · {running} running · "
            f"{failed} failed · ${cost:.2f}" + (f" · ETA {duration(eta)}" if eta is not None else "")
        )
        if bar != self._bar:
            self._clear()
            self._bar = bar
            self.stream.write(bar)
            self.stream.flush()

    def close(self) -> None:
        """Leave the terminal's line clean."""
        self._clear()
        self._bar = ""

    def _clear(self) -> None:
        if self.tty and self._bar:
            self.stream.write("\r\033[K")


def describe(summary: dict[str, Any]) -> str:
    """A task's outcome in a few words."""
    status = summary["status"]
    if summary.get("skipped"):
        return f"{status} (earlier run)"
    if summary.get("error"):
        return f"{status}: {summary['error']}"
    cost = summary.get("cost_usd")
    money = f", ${cost:.4f}" if cost is not None else ""
    return f"{status} in {duration(summary.get('duration_ms', 0) / 1000)}{money}"


def duration(secs: float) -> str:
    """`42s`, `3m05s`, `1h02m`."""
    seconds = round(secs)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def table(tasks: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The end-of-batch table's rows, a header first."""
    rows = [("TASK", "STATUS", "TURNS", "TOKENS", "COST", "TIME", "FILES", "COMMIT")]
    for t in tasks:
        usage = t.get("usage") or {}
        tokens = sum(int(usage.get(k, 0)) for k in ("input_tokens", "output_tokens"))
        cost = t.get("cost_usd")
        rows.append((
            t["id"], t["status"] + (" (earlier)" if t.get("skipped") else ""), str(t.get("turns", "-")),
            human_tokens(tokens) if usage else "-", f"${cost:.4f}" if cost is not None else "-",
            duration(t["duration_ms"] / 1000) if t.get("duration_ms") is not None else "-",
            str(len(t["changed_files"])) if "changed_files" in t else "-", (t.get("commit") or "-")[:7],
        ))  # fmt: skip
    return rows
