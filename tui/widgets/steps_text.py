"""What the three views of the gradients panel share: the text helpers, and a base
widget that lays its text out again when its size or the theme changes (its
colours are the theme's, :func:`~rnn_tui.tui.colours.palette`)."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from rnn_tui.tui.colours import Palette, ThemeAware, palette
from rnn_tui.tui.widgets import layer_name

BARS = " ▁▂▃▄▅▆▇█"


def strip(norms: np.ndarray, focus: int | None = None, cells: int = 2,
          styles: tuple = ("", "bold", "dim")) -> tuple[Text, str]:
    """One row of bars, ``cells`` (1 or 2) per timestep, scaled on log10 between
    min and max; ``styles`` are the bars', the focused bar's and the missing ones'."""
    bar, focused, missing = styles
    finite = norms[np.isfinite(norms) & (norms > 0)]
    t = Text()
    if finite.size == 0:
        return Text("·" * (cells * len(norms)), style=missing), "no gradients yet"
    lo, hi = math.log10(finite.min()), math.log10(finite.max())
    span = max(hi - lo, 1e-9)
    for i, v in enumerate(norms):
        if not np.isfinite(v) or v <= 0:
            t.append("·" + " " * (cells - 1), style=missing)
            continue
        k = 1 + int(round((math.log10(v) - lo) / span * (len(BARS) - 2)))
        t.append(BARS[k] * cells, style=focused if i == focus else bar)
    if finite.min() == finite.max():            # one timestep so far: no range to scale
        return t, f"{finite.min():.2e}"
    return t, f"log scale: ▁ {finite.min():.2e} … █ {finite.max():.2e}"


def vec(v: np.ndarray, n: int = 6) -> str:
    """The first ``n`` entries of a vector and its norm, on one line."""
    if v is None:
        return "—"
    big = float(np.max(np.abs(v[:n]))) if v.size else 0.0
    fmt = "{:+.3f}" if big >= 0.01 or big == 0 else "{:+.1e}"    # small deltas stay readable
    head = " ".join(fmt.format(x) for x in v[:n])
    return f"[{head}{' …' if v.size > n else ''}]  ‖·‖={float(np.linalg.norm(v)):.3g}"


def where(layer: int, L: int, B: int) -> str:
    """A line saying what the vectors below belong to ("" when there is no choice):
    ``layer 1 of 2 (top; y switches) · vectors: example 0 of 8``."""
    parts = ([f"layer {layer} of {L} ({layer_name(layer, L)}; y switches)"] if L > 1 else []) + \
            ([f"vectors: example 0 of {B}"] if B > 1 else [])
    return "\n" + " · ".join(parts) if parts else ""


def input_at(view, t: int) -> str:
    """x_t of a step-through view in full (its labels are one-cell glyphs)."""
    for seq in (view.inputs, view.labels):
        if t < len(seq):
            return seq[t]
    return ""


class StepText(ThemeAware, Static):
    """A text view of the gradients panel: redrawn only when its key changes, and
    laid out again (strip cells, packed sums) when its size or the theme does."""

    DEFAULT_CSS = """
    StepText { height: 1fr; overflow-y: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._key = None
        self._last = None               # the latest show() call, redone when the size changes
        self.net_layer = 0

    def invalidate(self) -> None:
        """Forget what is drawn: the next show() redraws even if its data is the same."""
        self._key = None

    def on_resize(self) -> None:
        if self._last is not None:
            self.show(*self._last)

    def theme_changed(self) -> None:
        if self._last is not None and self.is_mounted:
            self.invalidate()
            self.show(*self._last)

    @property
    def pal(self) -> Palette:
        """The theme's styles on this panel."""
        return palette(self)

    def _changed(self, key, args) -> bool:
        """Remember ``args`` for a resize; True when ``key`` differs from the drawn one."""
        self._last = args
        key = (key, self.net_layer, self.content_size)
        if key == self._key:
            return False
        self._key = key
        return True

    def strip_line(self, norms: np.ndarray, focus: int | None, T: int, label: str = "‖dh_t‖ ") -> Text:
        """``‖dh_t‖ t=0 ▁▂… t=T-1`` and its scale, on one line when it fits, else two;
        one cell per timestep when two would not fit."""
        width = max(self.content_size.width, 40)
        cells = 2 if 2 * T + 16 <= width else 1
        pal = self.pal
        bars, scale = strip(norms, focus, cells, (pal.secondary, pal.accent + Style(bold=True), pal.muted))
        line = Text()
        line.append(f"{label}t=0 ", style=pal.muted)
        line.append_text(bars)
        line.append(f" t={T - 1}", style=pal.muted)
        sep = "   " if line.cell_len + 3 + len(scale) <= width else "\n"
        line.append(f"{sep}{scale}\n", style=pal.muted)
        return line
