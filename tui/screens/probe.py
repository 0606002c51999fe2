"""The probe dialog (``p``): type an input of one's own for the network to read.

The session decides whether the input fits the task (a character outside the
vocabulary, numbers too large for the bits): the dialog sends what was typed and
stays open until the session shows it — or says, in the dialog, why it cannot.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ProbeScreen(ModalScreen[None]):
    """``on_submit(text)`` sends the input; the app calls :meth:`refused` with the
    session's reason, or dismisses the dialog once the probe is shown."""

    DEFAULT_CSS = """
    ProbeScreen { align: center middle; }
    ProbeScreen > Vertical { width: 80; max-width: 100%; height: auto;
                             border: round $primary; background: $surface; padding: 0 1; }
    ProbeScreen Label { width: 100%; }
    ProbeScreen #probe-hint { color: $text-muted; }
    ProbeScreen #probe-error { color: $text; background: $error-muted; display: none; }
    ProbeScreen.-refused #probe-error { display: block; }
    """
    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, task: str, hint: str, on_submit: Callable[[str], None], value: str = "",
                 example: str = ""):
        super().__init__()
        self.task_name, self.hint, self.on_submit = task, hint, on_submit
        self.value, self.example = value, example
        self.sent: str | None = None
        """What was sent last (the app dismisses the dialog when the session shows it)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"[b]Probe[/b] the {self.task_name} network: type {self.hint}", id="probe-title")
            yield Label("enter: the network reads it (empty: the example shown), nothing is trained "
                        "(training pauses until you leave with esc) · esc here: cancel", id="probe-hint")
            yield Label("", id="probe-error")
            yield Input(value=self.value, placeholder=self.example, id="probe-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value
        if not text.strip() and self.example:
            text = self.example                 # the greyed example in the field: enter takes it
        if not text.strip():
            self.refused("type something first (esc cancels)")
            return
        self.sent = text
        self.set_class(False, "-refused")
        self.on_submit(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.set_class(False, "-refused")       # the reason was about what was there before

    def refused(self, why: str) -> None:
        """The session cannot take the input: say why, keep the dialog open."""
        self.sent = None
        self.query_one("#probe-error", Label).update(why)
        self.set_class(True, "-refused")

    def action_cancel(self) -> None:
        self.dismiss(None)
