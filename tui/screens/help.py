"""The ``?`` help screen: every key the app has, generated from its bindings."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    """Lists the bindings; any of esc, q, ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: auto; max-height: 100%;
                                  border: round $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [("e", "app.export", "Export"), ("escape", "close", "Close"), ("q", "close", "Close"), ("question_mark", "close", "Close")]

    def __init__(self, rows: list[tuple[str, str]]):
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, desc in self.rows:
            table.add_row(key, desc)
        with VerticalScroll():
            yield Static("[b]rnn-tui keys[/b]  (esc closes)")
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
