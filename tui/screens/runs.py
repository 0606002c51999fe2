"""The ``x`` screen: every run of this app session in a table.

What differs from the current run, iterations, training time, speed, smoothed
loss and the task's score; sortable (the number keys, or a click on a header);
``enter`` makes a run current again and continues it exactly where it stopped;
``e`` exports the table as CSV.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from rnn_tui.tui.runs import Row

# what compares runs first: on a narrow terminal the last columns are the ones scrolled to
# (the task is in "differs" when it is not the current run's)
COLUMNS = ("#", "differs from the current run", "iterations", "smoothed", "score", "time", "it/s", "task")


def _time(s: float) -> str:
    m, s = divmod(int(round(s)), 60)
    return f"{m}:{s:02d}" if m < 60 else f"{m // 60}:{m % 60:02d}:{s:02d}"


def cells(r: Row) -> tuple:
    return (f"{'▶ ' if r.current else ''}{r.number}", r.differs, f"{r.iterations:,}",
            f"{r.smoothed:.4f}" if math.isfinite(r.smoothed) else "—", r.score or "—", _time(r.seconds),
            f"{r.rate:,.0f}", r.task)


SORT_KEYS = (lambda r: r.number, lambda r: r.differs, lambda r: r.iterations,
             lambda r: (not math.isfinite(r.smoothed), r.smoothed), lambda r: r.score,
             lambda r: r.seconds, lambda r: r.rate, lambda r: r.task)


def write_csv(path: Path, rows: list[Row]) -> Path:
    """The table as CSV (plain numbers), written through a temporary file."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["run", "run_id", "task", "differs", "iterations", "seconds", "it_per_s", "smoothed_loss",
                        "score", "current"])
            for r in rows:
                w.writerow([r.number, r.run_id, r.task, r.differs, r.iterations, f"{r.seconds:.3f}",
                            f"{r.rate:.1f}", f"{r.smoothed:.8g}", r.score, int(r.current)])
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


HINT = ("enter continues the run where it stopped · 1-8 sort by that column (again: reverse) · "
        "e exports CSV · esc closes")


class RunsScreen(ModalScreen[str | None]):
    """Returns the run id to go back to (enter), or None."""

    DEFAULT_CSS = """
    RunsScreen { align: center middle; }
    RunsScreen > Vertical { width: 100%; max-width: 150; height: auto; max-height: 100%;
                            border: round $primary; background: $surface; padding: 0 1; }
    RunsScreen DataTable { height: auto; max-height: 30; }
    RunsScreen #runs-hint { color: $text-muted; }
    """
    BINDINGS = [("escape", "close", "Close"), ("x", "close", "Close"), ("q", "close", "Close"),
                ("enter", "resume", "Continue this run"), ("e", "export", "Export CSV"),
                *[(str(i + 1), f"sort({i})", f"Sort by {c}") for i, c in enumerate(COLUMNS)]]

    def __init__(self, rows: list[Row], default_export: Path, export_warning: str = ""):
        """``export_warning``: why ``default_export`` is not in the current folder ("" if it is)."""
        super().__init__()
        self.rows = rows
        self.default_export = default_export
        self.export_warning = export_warning
        self.sorted_by: tuple[int, bool] | None = None   # as given: the current run, then the newest

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"[b]Runs of this session[/b] ({len(self.rows)}; the figures of when it opened: "
                         "esc, then x again, brings them up to date)")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="runs-table")
            yield Static(HINT, id="runs-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self._fill()
        table.focus()
        self.call_after_refresh(self._hint)

    def on_resize(self) -> None:
        self.call_after_refresh(self._hint)

    def _hint(self) -> None:
        """Say that ← → reach the columns a narrow terminal leaves off."""
        table = self.query_one(DataTable)
        hidden = table.virtual_size.width > table.size.width
        self.query_one("#runs-hint", Static).update(HINT + (" · ← → scroll to more columns" if hidden else ""))

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        rows = self.rows
        if self.sorted_by is not None:
            col, reverse = self.sorted_by
            rows = sorted(rows, key=SORT_KEYS[col], reverse=reverse)
        for r in rows:
            table.add_row(*cells(r), key=r.run_id)

    def action_sort(self, column: int) -> None:
        col, reverse = self.sorted_by or (None, False)
        self.sorted_by = (column, not reverse if col == column else False)
        self._fill()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.action_sort(event.column_index)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_resume()

    def action_resume(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        run_id = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        current = next(r for r in self.rows if r.run_id == run_id).current
        self.dismiss(None if current else run_id)

    def action_export(self) -> None:
        from rnn_tui.tui.screens.path_prompt import PathPrompt

        def done(path: str | None) -> None:
            if not path:
                return
            try:
                written = write_csv(Path(path).expanduser(), self.rows)
            except OSError as e:
                self.app.notify(f"runs not exported: {e.strerror or e}: {path}", severity="error")
            else:
                self.app.notify(f"runs exported to {written}")

        self.app.push_screen(PathPrompt("Export the runs table as CSV", str(self.default_export),
                                        input_id="runs-csv", warning=self.export_warning), done)

    def action_close(self) -> None:
        self.dismiss(None)
