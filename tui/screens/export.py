"""The ``e`` dialog: choose the folder to export metrics (CSV) and the screen (SVG)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ExportDialog(ModalScreen[str | None]):
    """Returns the folder typed (enter) or None (esc)."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 70; max-width: 100%; height: auto;
                              border: round $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, folder: str):
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Export metrics (CSV) and this screen (SVG) to folder — enter to export, esc to cancel")
            yield Input(value=self.folder, id="folder")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
