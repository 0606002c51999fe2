"""The ``u`` screen: one hidden unit at a time, coloured over real text and a sample.

It opens on the unit that follows a simple feature of the text most closely (the
largest |r|).  The colours are the heatmap's ramp for the theme, shown as a colour
bar with its scale, and each character is written in black or white, whichever
reads better on its colour (at least 4.58:1 on any colour).
"""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from rnn_tui.tui.colours import ThemeAware, ink_on, palette
from rnn_tui.tui.widgets.heatmap import LEVELS, levels, ramp, scale


def level_styles(activation: str, dark: bool) -> list[Style]:
    """A style per level of the ramp: the level's colour as the background and the
    text in black or white, whichever contrasts more with it."""
    return [Style(color=ink_on(c).rich_color, bgcolor=c.rich_color) for c in ramp(activation, dark)]


def colour_text(text: str, acts: np.ndarray, activation: str, styles: list[Style]) -> Text:
    """``text`` with each character's background set by the unit's activation."""
    out = Text()
    for ch, k in zip(text, levels(acts, activation), strict=True):
        out.append("↵\n" if ch == "\n" else ch, styles[k])
    return out


def colour_bar(activation: str, styles: list[Style]) -> Text:
    """The ramp as a bar, each colour labelled with the activation it stands for."""
    lo = -1.0 if activation == "tanh" else 0.0
    step = (1.0 - lo) / (LEVELS - 1)
    out = Text()
    for k, style in enumerate(styles):
        v = lo + k * step
        label = ("0" if abs(v) < 1e-9 else f"{v:+.1f}".replace("-", "−")) if activation == "tanh" else f"{v:.1f}"
        out.append(f"{label:^6}", style)
    return out


def follows(report, unit: int) -> tuple[str, float] | None:
    """The feature ``unit`` follows most closely among those it is a top unit of, and r."""
    found = [(abs(r), name, r) for name, units in report.top.items() for u, r in units if u == unit]
    if not found:
        return None
    _, name, r = max(found)
    return name, r


class NeuronScreen(ThemeAware, ModalScreen[None]):
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
        self.unit: int | None = None            # None until the first report: then the best unit
        self.typed = ""
        self.on_refresh = on_refresh

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("reading the text through the network…", id="nv-body")

    def show(self, report) -> None:
        self.report = report
        if self.unit is None:
            best = report.best_unit()
            self.unit = best[0] if best is not None else 0
        self.unit = min(self.unit, report.acts.shape[1] - 1)
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()              # a report that arrived before the widgets existed

    def theme_changed(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        r = self.report
        if r is None or not self.query("#nv-body"):
            return
        body = self.query_one("#nv-body", Static)
        pal = palette(body)
        styles = level_styles(r.activation, pal.dark)
        H = r.acts.shape[1]
        u = self.unit
        t = Text()
        t.append(f"Neuron view · unit {u} of 0–{H - 1} (top layer)", style="bold")   # (numbered from 0)
        feature = follows(r, u)
        if feature is not None:
            t.append(f" · follows {feature[0]} (r = {feature[1]:+.2f})", style="bold")
        t.append("\n←/→ unit · type a number + enter · r new sample · esc/u close\n", style=pal.muted)
        if self.typed:
            t.append(f"go to unit: {self.typed}_\n", style=pal.accent + Style(bold=True))
        lo, hi = scale(r.activation)
        t.append(f"\ncolour = activation of unit {u}, {lo} … {hi} ({r.activation}):\n", style=pal.muted)
        t.append_text(colour_bar(r.activation, styles))
        t.append("\n\nTraining text:\n", style="bold")
        t.append_text(colour_text(r.text, r.acts[:, u], r.activation, styles))
        t.append("\n\nA sample that goes on from the end of the text above ", style="bold")
        t.append(f"(primed with its {len(r.text)} characters, temperature {r.temperature:.2f}):\n",
                 style=pal.muted)
        t.append_text(colour_text(r.sample, r.sample_acts[:, u], r.activation, styles))
        t.append("\n\nUnits that follow simple features (Pearson r over the text):\n", style="bold")
        for name, units in r.top.items():
            t.append(f"  {name:<12}", style=pal.primary)
            for i, (k, v) in enumerate(units):
                t.append("  " if i else "")
                t.append(f"#{k} {v:+.2f}", style=pal.accent + Style(bold=True) if k == u else None)
            t.append("\n")
        body.update(t)

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
            H = self.report.acts.shape[1]
            if int(self.typed) >= H:
                self.notify(f"unit {self.typed}: the layer has {H} units (0–{H - 1}); showing unit {H - 1}")
            self.unit = min(int(self.typed), H - 1)
            self.typed = ""
            self._redraw()

    def action_refresh(self) -> None:
        if self.on_refresh:
            self.on_refresh()

    def action_close(self) -> None:
        self.dismiss(None)
