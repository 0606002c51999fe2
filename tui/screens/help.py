"""The ``?`` help screen: every key the app has, generated from its bindings."""

from __future__ import annotations

from rich.style import Style
from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnn_tui.tui.colours import ThemeAware, palette


class HelpScreen(ThemeAware, ModalScreen[None]):
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
        with VerticalScroll():
            yield Static("[b]rnn-tui keys[/b]  (esc closes)")
            yield Static(id="help-keys")

    def on_mount(self) -> None:
        self.theme_changed()

    def theme_changed(self) -> None:
        """The table, its key column in the theme's accent colour (as the footer's keys)."""
        keys = self.query_one("#help-keys", Static)
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style=palette(keys).accent + Style(bold=True), no_wrap=True)
        table.add_column()
        for key, desc in self.rows:
            table.add_row(key, desc)
        keys.update(table)

    def action_close(self) -> None:
        self.dismiss(None)
