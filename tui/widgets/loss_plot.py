"""Loss curve: raw loss and its bias-corrected moving average, drawn with plotext.

Each widget owns its own plotext figure (never the module-global ``plt``).  The
history is downsampled to about one point per column of the plot by averaging buckets of
raw loss (the smoothed curve is taken at bucket ends: it was computed from every
raw loss, so no subsample-then-smooth artefact can appear).
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from rnn_tui.tui.widgets import no_color

WINDOW = 1000   # iterations shown by the "last N" window


def downsample(it: np.ndarray, raw: np.ndarray, ema: np.ndarray, points: int):
    """About ``points`` points: the first iteration as it is (where training
    started), then bucket means of ``raw`` with ``it`` and ``ema`` at bucket ends.
    Every iteration falls in exactly one bucket, the oldest and the newest too."""
    n = len(it)
    if n <= points:
        return it, raw, ema
    edges = np.unique(np.linspace(1, n, points).astype(np.int64))    # bucket starts, then n
    starts, ends = edges[:-1], edges[1:]
    r = np.add.reduceat(raw, starts)[: len(starts)] / (ends - starts)
    return (np.concatenate([it[:1], it[ends - 1]]), np.concatenate([raw[:1], r]),
            np.concatenate([ema[:1], ema[ends - 1]]))


def int_ticks(lo: float, hi: float, count: int = 5) -> tuple[list[int], list[str]]:
    """At most ``count`` round whole-number positions between ``lo`` and ``hi``
    (steps of 1, 2 or 5 times a power of ten), and short labels.

    The ticks of a step are counted before any is made: listing them first would
    build a list as long as the x range (every iteration of the run) on each redraw."""
    for e in range(0, 13):
        for m in (1, 2, 5):
            step = m * 10 ** e
            span = range(int(np.ceil(lo / step) * step), int(hi) + 1, step)
            if len(span) <= count:
                ticks = list(span) or [int(round(lo))]
                return ticks, [_short(t) for t in ticks]
    return [int(lo)], [_short(int(lo))]


def _short(v: int) -> str:
    if v >= 1_000_000:
        return f"{v / 1e6:.3g}M"
    if v >= 10_000:
        return f"{v / 1e3:.3g}k"
    return str(v)


class LossPlot(Widget):
    """The loss panel."""

    DEFAULT_CSS = """
    LossPlot { height: 1fr; min-height: 6; }
    """

    log_y: reactive[bool] = reactive(False)
    """True: a logarithmic y axis."""
    smooth: reactive[bool] = reactive(True)
    """Show the smoothed curve."""
    windowed: reactive[bool] = reactive(False)
    """Show only the last ``WINDOW`` iterations."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.history = (np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0))
        self._cache_key = None
        self._cache: Text | None = None

    running: reactive[bool] = reactive(True)
    """Training runs (set by the app): only changes the hint shown before the first iterations."""


    def set_history(self, history: tuple) -> None:
        it = history[0]
        old = self.history[0]
        if len(it) == len(old) and (len(it) == 0 or it[-1] == old[-1]):
            return
        self.history = history
        self.refresh()

    def watch_log_y(self) -> None:
        self.refresh()

    def watch_smooth(self) -> None:
        self.refresh()

    def watch_windowed(self) -> None:
        self.refresh()

    def render(self) -> Text:
        w, h = self.size.width, self.size.height
        it, raw, ema = self.history
        last = int(it[-1]) if len(it) else -1
        key = (w, h, last, len(it), self.log_y, self.smooth, self.windowed, self.running)
        if key == self._cache_key and self._cache is not None:
            return self._cache
        self._cache_key = key
        self._cache = self._draw(w, h)
        return self._cache

    def _draw(self, w: int, h: int) -> Text:
        from plotext._figure import _figure_class

        it, raw, ema = self.history
        if self.windowed and len(it):
            keep = it > it[-1] - WINDOW
            it, raw, ema = it[keep], raw[keep], ema[keep]
        if len(it) < 2 or w < 20 or h < 5:
            if len(it) >= 2:
                return Text("(too small to plot)", style="dim")
            first = (f"iteration {int(it[0])}: loss {float(raw[0]):.4g}; the curve starts with the next"
                     if len(it) == 1 else "waiting for the first iterations…")
            return Text(first + ("" if self.running else
                        " (paused: space starts training, n takes one step)"), style="dim")
        it, raw, ema = downsample(it, raw, ema, max(10, w))
        fig = _figure_class()
        fig.plotsize(w, h)
        fig.theme("clear")
        if self.log_y:
            floor = 1e-12
            raw, ema = np.maximum(raw, floor), np.maximum(ema, floor)
            fig.yscale("log")
        x = it.tolist()
        # without colour the two curves differ by marker: dots for raw, braille for smoothed
        fig.plot(x, raw.tolist(), label="raw", color="gray", marker="dot" if no_color(self) else "braille")
        if self.smooth:
            fig.plot(x, ema.tolist(), label="smoothed", color="cyan", marker="braille")
        fig.xticks(*int_ticks(x[0], x[-1], max(2, min(8, w // 10))))
        fig.ylabel("loss" + (" (log)" if self.log_y else ""))
        fig.xlabel("iteration" + (f" (last {WINDOW})" if self.windowed else ""))
        return Text.from_ansi(fig.build(), no_wrap=True, end="")
