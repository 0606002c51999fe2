"""A one-line path prompt: the ``o`` (open checkpoint) and ``e`` (export) dialogs."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class PathPrompt(ModalScreen[str | None]):
    """Returns the path typed (enter) or None (esc).  ``check(path)``: what is wrong
    with it ("" if nothing); the dialog then stays open and says so, the path kept to
    be mended (keys typed next go to it, not to the screen behind)."""

    DEFAULT_CSS = """
    PathPrompt { align: center middle; }
    PathPrompt > Vertical { width: 76; max-width: 100%; height: auto;
                            border: round $primary; background: $surface; padding: 0 1; }
    PathPrompt Label { width: 100%; }
    PathPrompt .-warning { color: $text; background: $warning-muted; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, value: str = "", placeholder: str = "", input_id: str = "path",
                 warning: str = "", check: Callable[[str], str] | None = None):
        super().__init__()
        self.prompt, self.value, self.placeholder, self.input_id = prompt, value, placeholder, input_id
        self.warning, self.check = warning, check

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.prompt} — enter to confirm, esc to cancel")
            yield Label(self.warning, id="warning", classes="-warning")
            yield Input(value=self.value, placeholder=self.placeholder, id=self.input_id)

    def on_mount(self) -> None:
        self.query_one("#warning").display = bool(self.warning)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        # nothing typed: say so, rather than close as if cancelled
        wrong = "Type a path first (esc cancels)." if not path else self.check(path) if self.check else ""
        if wrong:
            warning = self.query_one("#warning", Label)
            warning.update(wrong)
            warning.display = True
            return
        self.dismiss(path)

    def action_cancel(self) -> None:
        self.dismiss(None)
