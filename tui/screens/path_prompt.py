"""A one-line path prompt: the ``o`` (open checkpoint) and ``e`` (export) dialogs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPrompt(ModalScreen[str | None]):
    """Returns the path typed (enter) or None (esc)."""

    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 76; max-width: 100%; height: auto;
                            border: round $primary; background: $surface; padding: 0 1; }
    PathPrompt Label { width: 100%; }
    PathPrompt .-warning { color: $text; background: $warning-muted; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "", placeholder: str = "", input_id: str = "path",
                 warning: str = ""):
        super().__init__()
        self.prompt, self.value, self.placeholder, self.input_id = prompt, value, placeholder, input_id
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.prompt} — enter to confirm, esc to cancel")
            yield Label(self.warning, id="warning", classes="-warning")
            yield Input(value=self.value, placeholder=self.placeholder, id=self.input_id)

    def on_mount(self) -> None:
        self.query_one("#warning").display = bool(self.warning)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():             # nothing typed: say so, rather than close as if cancelled
            warning = self.query_one("#warning", Label)
            warning.update("Type a path first (esc cancels).")
            warning.display = True
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
