"""The ``u`` screen: one hidden unit at a time, coloured over real text and a sample."""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnn_tui.tui.widgets.heatmap import DIVERGING, LEVELS, SEQUENTIAL, palette


def colour_text(text: str, acts: np.ndarray, activation: str) -> Text:
    """``text`` with each character's background set by the unit's activation."""
    ramp = DIVERGING if activation == "tanh" else SEQUENTIAL
    if activation == "tanh":
        q = np.clip(np.rint((acts + 1) / 2 * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
    else:
        q = np.clip(np.rint(acts * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
    styles = [Style(color="white", bgcolor=palette(c)) for c in ramp]
    out = Text()
    for ch, k in zip(text, q, strict=True):
        out.append("↵\n" if ch == "\n" else ch, styles[k])
    return out


class NeuronScreen(ModalScreen[None]):
    """←/→ pick a unit, digits + enter jump to one, r new sample, esc closes."""

    DEFAULT_CSS = """
    NeuronScreen { background: $background 80%; }
    NeuronScreen > VerticalScroll { border: round $primary; background: $surface; padding: 0 1; }
    """
    BINDINGS = [("e", "app.export", "Export"), ("escape", "close", "Close"), ("q", "close", "Close"), ("u", "close", "Close"),
                ("left", "unit(-1)", "Unit −1"),
                ("right", "unit(1)", "Unit +1"), ("enter", "jump", "Go to typed unit"),
                ("r", "refresh", "New sample")]

    def __init__(self, on_refresh=None):
        super().__init__()
        self.report = None
        self.unit = 0
        self.typed = ""
        self.on_refresh = on_refresh

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("reading the text through the network…", id="nv-body")

    def show(self, report) -> None:
        self.report = report
        self.unit = min(self.unit, report.acts.shape[1] - 1)
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()              # a report that arrived before the widgets existed

    def _redraw(self) -> None:
        r = self.report
        if r is None or not self.query("#nv-body"):
            return
        H = r.acts.shape[1]
        u = self.unit
        t = Text()
        t.append(f"Neuron view · unit {u} of {H} (top layer)", style="bold")
        t.append("   ←/→ unit · type a number + enter · r new sample · esc/u close\n", style="dim")
        if self.typed:
            t.append(f"go to unit: {self.typed}_\n", style="bold yellow")
        lo, hi = ("−1", "+1") if r.activation == "tanh" else ("0", "1")
        t.append(f"colour = activation of unit {u}: blue {lo} … red {hi}\n\n" if r.activation == "tanh"
                 else f"colour = activation of unit {u}: dark {lo} … yellow {hi}\n\n", style="dim")
        t.append("Training text:\n", style="bold")
        t.append_text(colour_text(r.text, r.acts[:, u], r.activation))
        t.append("\n\nA sample that goes on from the end of the text above ", style="bold")
        t.append(f"(primed with its {len(r.text)} characters, temperature {r.temperature:.2f}):\n", style="dim")
        t.append_text(colour_text(r.sample, r.sample_acts[:, u], r.activation))
        t.append("\n\nUnits that follow simple features (Pearson r over the text):\n", style="bold")
        for name, units in r.top.items():
            t.append(f"  {name:<12}", style="cyan")
            t.append("  ".join(f"#{k} {v:+.2f}" for k, v in units) + "\n")
        self.query_one("#nv-body", Static).update(t)

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            self.typed = (self.typed + event.character)[-4:]
            self._redraw()
            event.stop()
        elif event.key == "backspace" and self.typed:
            self.typed = self.typed[:-1]
            self._redraw()
            event.stop()

    def action_unit(self, delta: int) -> None:
        if self.report is not None:
            self.unit = (self.unit + delta) % self.report.acts.shape[1]
            self.typed = ""
            self._redraw()

    def action_jump(self) -> None:
        if self.report is not None and self.typed:
            self.unit = min(int(self.typed), self.report.acts.shape[1] - 1)
            self.typed = ""
            self._redraw()

    def action_refresh(self) -> None:
        if self.on_refresh:
            self.on_refresh()

    def action_close(self) -> None:
        self.dismiss(None)
