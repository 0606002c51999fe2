"""The ``o`` dialog: type the path of a checkpoint to open."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class OpenCheckpoint(ModalScreen[str | None]):
    """Returns the path typed (enter) or None (esc)."""

    DEFAULT_CSS = """
    OpenCheckpoint { align: center middle; }
    OpenCheckpoint > Vertical { width: 70; max-width: 100%; height: auto;
                                border: round $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, suggestion: str = ""):
        super().__init__()
        self.suggestion = suggestion

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Open checkpoint (.npz) — enter to open, esc to cancel")
            yield Input(value=self.suggestion, placeholder="path/to/checkpoint.npz", id="path")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
