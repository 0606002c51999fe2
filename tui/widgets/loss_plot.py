"""Loss curve: the raw loss as a band (lowest to highest), its moving average on top.

The history is cut into one bucket per column of the plot.  Each bucket keeps
the lowest and the highest raw loss of its points (the lowest of their lows, the
highest of their highs: see :class:`~core.history.History`), so the band reaches
every loss that occurred, however many iterations a column stands for.  The
smoothed curve is taken at bucket ends (it was computed from every raw loss, so no
subsample-then-smooth artefact can appear).

plotext draws the frame and the ticks as plain text, through
:mod:`rnn_tui.tui.plotext_compat` (plotext 5.3 and 6.x).  The data cells are
placed here on plotext's own columns and rows (:func:`plotext_compat.cell`): the
band, and the smoothed line in quarter blocks on top of it.  plotext 5.3 and 6.1
rasterise lines and place x labels a little differently (6.1 puts a value half a
cell higher); placing both series with one mapping keeps them on the same rows as
the y ticks, and the panel the same on either version.  Every cell is coloured
from the Textual theme, and redrawn when the theme changes.  The legend sits on a
line of its own above the plot, so it never hides data.  The y ticks are round
values (1, 2 or 5 times a power of ten) on evenly spaced rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.color import Color
from textual.reactive import reactive
from textual.widget import Widget

from rnn_tui.tui import plotext_compat
from rnn_tui.tui.colours import contrast
from rnn_tui.tui.widgets import no_color

WINDOW = 1000        # iterations shown by the "last N" window
BAND = "█"           # a band cell (in colour, its background too is the band's colour)
QUADRANTS = " ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█"   # a cell's quarter blocks: bit 1 top left, 2 top right, 4 bottom left, 8 bottom right
LINE_SAMPLE = "▄▀"   # the line in the legend
LOG_FLOOR = 1e-12


FADED = range(5)       # earlier runs drawn at most


@dataclass(frozen=True)
class _Cells:
    """How the plot's cells look: a band cell's character and style, the line's style
    on the empty canvas and over the band, the earlier runs' faded lines, and the
    marks and the cursor."""

    band: str
    band_style: Style
    line_style: Style
    over_style: Style
    faded: tuple = (Style(dim=True),) * 5
    mark_style: Style = Style(bold=True)
    cursor_style: Style = Style(dim=True)


def downsample(it: np.ndarray, raw: np.ndarray, ema: np.ndarray, lo: np.ndarray, hi: np.ndarray,
               columns: int, xlim: tuple[float, float] | None = None):
    """One bucket per plot column: ``(column, it, raw, ema, lo, hi)``, each ``(k,)``
    for the ``k`` columns that hold points.

    The x axis spans ``xlim`` (default: ``it`` itself, ``it[0]`` on the first column
    and ``it[-1]`` on the last: plotext's mapping, :func:`~rnn_tui.tui.plotext_compat.cell`).  A bucket
    has the mean of ``raw``, the lowest ``lo``, the highest ``hi``, and ``it`` and
    ``ema`` at its end; every point falls in exactly one bucket.
    """
    col = plotext_compat.cell(it, *(xlim or (float(it[0]), float(it[-1]))), columns)
    starts = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    ends = np.r_[starts[1:], len(it)]
    mean = np.add.reduceat(raw, starts) / (ends - starts)
    return (col[starts], it[ends - 1], mean, ema[ends - 1],
            np.minimum.reduceat(lo, starts), np.maximum.reduceat(hi, starts))


def spread_buckets(band: np.ndarray, col: np.ndarray, it: np.ndarray) -> None:
    """Columns between two stored points: a point that sums up several iterations
    (after merges, or ``w``'s last 1000 of a long run) covers those since the point
    before it, so its band goes over their columns too (in place).  Points of single
    iterations leave the columns between them empty: no iteration falls there."""
    if len(col) < 2:
        return
    c = np.arange(col[0] + 1, col[-1])
    c = c[~np.isin(c, col)]                                    # columns without a point of their own
    k = np.searchsorted(col, c)                                # the point after each: its bucket holds them
    wide = (it[k] - it[k - 1]) > 1
    band[:, c[wide]] = band[:, col[k[wide]]]


def _half_cells(v, lower: float, upper: float, count: int) -> np.ndarray:
    """Half-cell positions (``0 … 2 * count - 1``) of ``v``, each inside the cell
    :func:`plotext_compat.cell` gives (its lower or upper half)."""
    t = (np.asarray(v, dtype=float) - lower) / (upper - lower) * (count - 1)
    return np.clip(np.floor(2 * t + 1), 0, 2 * count - 1).astype(np.int64)


def line_cells(x, y, xlim: tuple[float, float], ylim: tuple[float, float],
               columns: int, rows: int) -> np.ndarray:
    """The line through points ``(x, y)`` in quarter blocks: ``(rows, columns)``
    codes into :data:`QUADRANTS` (0: empty), the first row the top one."""
    sx = _half_cells(x, *xlim, columns)
    sy = _half_cells(y, *ylim, rows)
    n = np.maximum(np.maximum(np.abs(np.diff(sx)), np.abs(np.diff(sy))), 1)   # steps per segment
    seg = np.repeat(np.arange(len(n)), n)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)                  # step within its segment
    px = np.r_[np.rint(sx[seg] + (sx[seg + 1] - sx[seg]) * k / n[seg]), sx[-1:]].astype(np.int64)
    py = np.r_[np.rint(sy[seg] + (sy[seg + 1] - sy[seg]) * k / n[seg]), sy[-1:]].astype(np.int64)
    codes = np.zeros((rows, columns), dtype=np.uint8)
    bits = np.where(py % 2 == 1, 1, 4) << (px % 2)                            # upper half: 1/2, lower: 4/8
    np.bitwise_or.at(codes, (rows - 1 - py // 2, px // 2), bits.astype(np.uint8))
    return codes


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


def linear_axis(lo: float, hi: float, rows: int):
    """A y axis for data in ``[lo, hi]`` drawn on ``rows`` rows: ``(bottom, top,
    ticks, labels)``.

    The ticks are multiples of a round step (1, 2 or 5 times a power of ten) and
    fall every ``r`` rows, the same ``r`` for all of them: each row stands for
    ``step / r``, the bottom row for a multiple of that.  Of all such axes that
    hold the data, the one with the finest rows (the data the tallest) is taken.
    """
    if not hi > lo:                                   # a flat series: give it some room
        pad = abs(lo) * 0.05 or 0.5
        lo, hi = lo - pad, hi + pad
    span = rows - 1                                   # rows between the bottom and the top one
    if span < 1:
        return lo, hi, [], []
    r_min = 1 if rows < 5 else (2 if rows < 12 else max(3, rows // 10))   # rows between ticks
    want = 3 if rows >= 7 else 2                                           # ticks, at least
    best = None
    e0 = math.floor(math.log10((hi - lo) / span))
    for e in range(e0 - 1, e0 + 4):
        for m in (1, 2, 5):
            step = m * 10.0 ** e
            for r in range(r_min, max(r_min, min(span, 8)) + 1):
                u = step / r                          # value of one row
                k0 = math.floor(lo / u + 1e-9)        # bottom row, in rows from zero
                if (k0 + span) * u < hi - 1e-9 * abs(hi):
                    continue                          # the data does not fit
                ticks = math.floor((k0 + span) / r + 1e-9) - math.ceil(k0 / r - 1e-9) + 1
                key = (u, abs(r - 4))
                if ticks >= want and (best is None or key < best[0]):
                    best = (key, step, r, k0)
    if best is None:
        return lo, hi, [], []
    _, step, r, k0 = best
    u = step / r
    first, last = math.ceil(k0 / r - 1e-9), math.floor((k0 + span) / r + 1e-9)
    ticks = [n * step for n in range(first, last + 1)]
    return k0 * u, (k0 + span) * u, ticks, [_label(t, step) for t in ticks]


def log_axis(lo: float, hi: float, rows: int):
    """A logarithmic y axis for data in ``[lo, hi]`` (positive): ``(bottom, top,
    ticks, labels)`` in log10 units, the labels the values themselves: powers of
    ten, else 1-2-5 multiples, else 1…9 multiples of powers of ten, the first set
    giving at least two ticks on distinct rows; a range too narrow for any falls
    back to the linear axis's steps."""
    a, b = math.log10(lo), math.log10(hi)
    if not b > a:
        a, b = a - 0.02, b + 0.02
    span = max(rows - 1, 1)
    want = 2 if rows < 12 else 3
    for mantissas in ((1,), (1, 2, 5), tuple(range(1, 10))):
        ticks = [m * 10.0 ** e for e in range(math.floor(a) - 1, math.ceil(b) + 1) for m in mantissas
                 if a - 1e-9 <= math.log10(m * 10.0 ** e) <= b + 1e-9]
        rowsof = [round((math.log10(t) - a) / (b - a) * span) for t in ticks]
        if len(ticks) >= want and len(set(rowsof)) == len(ticks) and min(np.diff(rowsof), default=2) >= 2:
            return a, b, [math.log10(t) for t in ticks], [_label(t, t) for t in ticks]
    _, _, ticks, labels = linear_axis(lo, hi, rows)
    kept = [(t, label) for t, label in zip(ticks, labels, strict=True) if lo <= t <= hi and t > 0]
    return a, b, [math.log10(t) for t, _ in kept], [label for _, label in kept]


def _label(v: float, step: float) -> str:
    """``v`` written with as many decimals as a tick step of ``step`` needs."""
    if abs(v) >= 10_000 and float(v).is_integer():
        return f"{v / 1000:g}k"
    decimals = max(0, -math.floor(math.log10(abs(step)) + 1e-9)) if step else 0
    return f"{v:.{decimals}f}"


def plot_colors(variables: dict[str, str], background: Color) -> tuple[Color, Color]:
    """``(band, line)`` colours for a theme's CSS variables on ``background``.

    The band is the theme's primary colour blended towards the background, as far
    as it stays distinct from it (contrast 2); the line is the first of the
    theme's accent, secondary, warning, success and foreground colours that reads
    on both the background and the band (contrast 3), else the one that reads
    best.  An ANSI theme (colours the terminal picks) gets its primary and accent
    colours as they are: their contrast cannot be known here.
    """
    primary = Color.parse(variables["primary"])
    others = [Color.parse(variables[k]) for k in ("accent", "secondary", "warning", "success", "foreground")
              if k in variables]
    if primary.ansi is not None or background.ansi is not None:
        return primary, others[0]
    band = primary
    for f in (0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0):
        band = primary.blend(background, f)
        if contrast(band, background) >= 2.0:
            break
    def score(c: Color) -> float:
        return min(contrast(c, background), contrast(c, band))
    line = next((c for c in others if score(c) >= 3.0), max(others, key=score))
    return band, line


def faded_colors(variables: dict[str, str], background: Color) -> list[Color]:
    """Five colours for earlier runs: the theme's own hues, half way to the background
    (visible, and behind the current run's brighter line)."""
    keys = ("secondary", "success", "error", "accent", "foreground")
    return [Color.parse(variables.get(k, variables["primary"])).blend(background, 0.45) for k in keys]


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

    # the footer shows ←/→ and esc (it must fit beside the app's keys); ? lists them all
    BINDINGS = [Binding("left", "move(-1)", "Read", key_display="←/→"),
                Binding("right", "move(1)", "Later", show=False),
                Binding("shift+left", "move(-10)", "Earlier ×10", show=False),
                Binding("shift+right", "move(10)", "Later ×10", show=False),
                Binding("home", "move_to(0)", "First", show=False), Binding("end", "move_to(-1)", "Last", show=False),
                Binding("escape", "leave", "Leave")]
    can_focus = True

    cursor: reactive[int | None] = reactive(None)
    """The data column the reading is at (None: no cursor)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        empty = np.zeros(0)
        self.history = (np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
        self.others: list = []          # earlier runs: (label, iterations, smoothed)
        self.marks: tuple = ()          # (iteration, what) of the current run
        self._buckets = None            # what the last drawing put in each data column
        self._cache_key = None
        self._cache: Text | None = None

    running: reactive[bool] = reactive(True)
    """Training runs (set by the app): only changes the hint shown before the first iterations."""

    def on_mount(self) -> None:
        # published once the new theme's CSS is applied (so self.colors is the new one)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme) -> None:
        self._cache_key = None
        self.refresh()

    def set_history(self, history: tuple) -> None:
        """Show ``history``: ``(iteration, raw, smoothed, lowest raw, highest raw)``
        arrays (see :class:`~core.history.HistoryArrays`); without the last two,
        the band is the mean alone."""
        it = history[0]
        old = self.history[0]
        if len(it) == len(old) and (len(it) == 0 or it[-1] == old[-1]):
            return
        if len(history) < 5:
            history = (*history[:3], history[1], history[1])
        self.history = tuple(history)
        self.refresh()

    def set_others(self, others: list) -> None:
        """Earlier runs to draw as faded lines behind this one: ``(label, iterations, smoothed)``."""
        key = [(lab, len(it), int(it[-1]) if len(it) else -1) for lab, it, _ in others]
        if key != [(lab, len(it), int(it[-1]) if len(it) else -1) for lab, it, _ in self.others]:
            self.others = list(others)
            self._cache_key = None
            self.refresh()

    def set_marks(self, marks: tuple) -> None:
        """What changed during the run, ``(iteration, what)``: a tick on the curve each."""
        if tuple(marks) != self.marks:
            self.marks = tuple(marks)
            self._cache_key = None
            self.refresh()

    # ---- the cursor: a reading of the curve at one column ------------------------------

    def action_move(self, delta: int) -> None:
        n = self._buckets[0] if self._buckets is not None else 0
        if n:
            start = self.cursor if self.cursor is not None else (n - 1 if delta < 0 else 0)
            self.cursor = int(np.clip(start + (delta if self.cursor is not None else 0), 0, n - 1))

    def action_move_to(self, column: int) -> None:
        n = self._buckets[0] if self._buckets is not None else 0
        if n:
            self.cursor = column % n

    def action_leave(self) -> None:
        self.cursor = None
        self.screen.set_focus(None)

    def on_mouse_move(self, event) -> None:
        if self._buckets is not None:
            k = event.x - self._buckets[1]
            self.cursor = k if 0 <= k < self._buckets[0] else None

    def on_leave(self, event) -> None:
        if not self.has_focus:
            self.cursor = None

    def on_blur(self) -> None:
        self.cursor = None

    def watch_cursor(self) -> None:
        self._cache_key = None
        self.refresh()

    def reading(self) -> str:
        """What the cursor reads: iteration, raw loss (the bucket's lowest and highest),
        smoothed loss, and the marks near it ("" without a cursor)."""
        if self.cursor is None or self._buckets is None:
            return ""
        _, _, col, x, raw, ema, lo, hi, span = self._buckets
        i = np.searchsorted(col, self.cursor, side="right") - 1
        if i < 0:
            return ""
        it = int(x[i])
        out = f"it {it:,} · raw {raw[i]:.4g} ({lo[i]:.4g}–{hi[i]:.4g}) · smoothed {ema[i]:.4g}"
        near = [f"{what} at {m:,}" for m, what in self.marks if abs(m - it) <= max(span, 1)]
        return out + (" · ▾ " + "; ".join(near) if near else "")

    def watch_log_y(self) -> None:
        self.refresh()

    def watch_smooth(self) -> None:
        self.refresh()

    def watch_windowed(self) -> None:
        self.refresh()

    def render(self) -> Text:
        w, h = self.size.width, self.size.height
        it = self.history[0]
        last = int(it[-1]) if len(it) else -1
        theme = self.app.theme if self.is_mounted else ""
        key = (w, h, last, len(it), self.log_y, self.smooth, self.windowed, self.running, theme,
               no_color(self))
        if key == self._cache_key and self._cache is not None:
            return self._cache
        self._cache_key = key
        self._cache = self._draw(w, h)
        return self._cache

    def _cells(self) -> _Cells:
        """The cells' look from the current theme.  In colour the band is cells of
        the band colour, and the line crossing it is drawn on that background; under
        NO_COLOR the band is solid blocks and the line crossing it is shown in
        reverse, so the two stay apart without colour."""
        if no_color(self):
            return _Cells(BAND, Style(), Style(bold=True), Style(reverse=True))
        try:
            variables = self.app.get_css_variables()
            background = self.colors[2]
        except Exception:  # not mounted: no app yet
            return _Cells(BAND, Style(), Style(bold=True), Style(reverse=True))
        band, line = plot_colors(variables, background)
        faded = tuple(Style(color=c.rich_color) for c in faded_colors(variables, background))
        mark = Color.parse(variables.get("warning", "yellow"))
        muted = Color.parse(variables.get("foreground", "white")).blend(background, 0.6)
        return _Cells(BAND, Style(color=band.rich_color, bgcolor=band.rich_color),
                      Style(color=line.rich_color), Style(color=line.rich_color, bgcolor=band.rich_color),
                      faded, Style(color=mark.rich_color, bold=True), Style(color=muted.rich_color))

    def _series(self):
        """The run's history as drawn: the window shown, diverged iterations left out."""
        it, raw, ema, lo, hi = self.history
        if self.windowed and len(it):
            keep = it > it[-1] - WINDOW
            it, raw, ema, lo, hi = it[keep], raw[keep], ema[keep], lo[keep], hi[keep]
        finite = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(ema)
        if not finite.all():                    # a diverged iteration: leave it out
            it, raw, ema, lo, hi = it[finite], raw[finite], ema[finite], lo[finite], hi[finite]
        return it, raw, ema, lo, hi

    def _y_axis(self, shown: list, rows: int):
        """``(bottom, top, ticks, labels, scale)`` of a y axis holding ``shown``."""
        ymin, ymax = min(float(a.min()) for a in shown), max(float(a.max()) for a in shown)
        if self.log_y:
            bottom, top, ticks, labels = log_axis(max(ymin, LOG_FLOOR), max(ymax, LOG_FLOOR), rows)
            return bottom, top, ticks, labels, lambda a: np.log10(np.maximum(a, LOG_FLOOR))
        return (*linear_axis(ymin, ymax, rows), lambda a: a)

    def _frame(self, w: int, ph: int, xlim, ylim, xticks, yticks):
        """plotext's frame and ticks (the data area is left empty) and where the data
        area lies: ``(lines, left, first_row, columns, rows)``."""
        columns = w - 2 - max((len(label) for label in yticks[1]), default=0)   # frame, y labels
        for _ in range(2):
            lines = plotext_compat.render(
                [plotext_compat.Series([xlim[0]], [ylim[0]], " ", lines=False)],   # nothing visible: the axes
                w, ph, xlim, ylim, xticks, yticks)
            left, first_row, ncols, nrows = plotext_compat.data_area(lines)
            if ncols == columns:
                break
            columns = ncols
        return lines, left, first_row, ncols, nrows

    def _draw(self, w: int, h: int) -> Text:
        it, raw, ema, lo, hi = self._series()
        if len(it) < 2 or w < 20 or h < 6:
            if len(it) >= 2:
                return Text("(too small to plot)", style="dim")
            first = (f"iteration {int(it[0])}: loss {float(raw[0]):.4g}; the curve starts with the next"
                     if len(it) == 1 else "waiting for the first iterations…")
            return Text(first + ("" if self.running else
                        " (paused: space starts training, n takes one step)"), style="dim")
        others = self._others_in(it)
        ph = h - 1 - (1 if others else 0)                   # the first line(s) hold the legend
        bottom, top, yticks, ylabels, scale = self._y_axis(
            [lo, hi] + ([ema] if self.smooth else []) + [o[2] for o in others], plotext_compat.data_rows(ph))
        x0 = min([float(it[0])] + [float(o[1][0]) for o in others])
        x1 = max([float(it[-1])] + [float(o[1][-1]) for o in others])
        xticks = int_ticks(x0, x1, max(2, min(8, w // 10)))
        lines, left, first_row, ncols, nrows = self._frame(w, ph, (x0, x1), (bottom, top), xticks, (yticks, ylabels))
        col, x, mean, e, blo, bhi = downsample(it, raw, ema, lo, hi, ncols, (x0, x1))
        self._buckets = (ncols, left, col, x, mean, e, blo, bhi, (x1 - x0) / max(ncols - 1, 1))
        if self.cursor is not None and self.cursor >= ncols:
            self.cursor = ncols - 1
        # the band: in each column, the rows from its lowest to its highest loss
        r_lo = np.clip(plotext_compat.cell(scale(blo), bottom, top, nrows), 0, nrows - 1)
        r_hi = np.clip(plotext_compat.cell(scale(bhi), bottom, top, nrows), 0, nrows - 1)
        height = np.arange(nrows - 1, -1, -1)[:, None]     # row from the bottom, per row from the top
        band = np.zeros((nrows, ncols), dtype=bool)        # (rows, columns) of the data area
        band[:, col] = (height >= r_lo) & (height <= r_hi)
        spread_buckets(band, col, x)
        # the smoothed line: from where training started, then each column's last point
        line = (line_cells(np.r_[float(it[0]), x], scale(np.r_[ema[0], e]), (x0, x1), (bottom, top), ncols, nrows)
                if self.smooth else np.zeros((nrows, ncols), dtype=np.uint8))
        faded = [line_cells(o[1], scale(o[2]), (x0, x1), (bottom, top), ncols, nrows) for o in others]
        ticks = {int(plotext_compat.cell(m, x0, x1, ncols)) for m, _ in self.marks if x0 <= m <= x1}
        cells = self._cells()
        out = self._legend(w, cells) if self.cursor is None else Text(self.reading()[:w], style="bold", end="")
        if others:
            out.append("\n")
            out.append_text(self._others_legend(w, others, cells))
        for r, row in enumerate(lines[:-1]):
            out.append("\n")
            i = r - first_row
            inside = 0 <= i < nrows
            out.append_text(_compose(row, left, band[i] if inside else None, line[i] if inside else None,
                                     cells, [f[i] for f in faded] if inside else (),
                                     ticks if i == 0 else (), self.cursor))
        out.append("\n")
        out.append(_x_labels(w, left, ncols, (x0, x1), xticks))
        return out

    def _others_in(self, it: np.ndarray) -> list:
        """The earlier runs to draw, cut to the window shown, with their style index."""
        out = []
        for k, (lab, oit, oema) in enumerate(self.others[:len(FADED)]):
            oit, oema = np.asarray(oit), np.asarray(oema)
            keep = np.isfinite(oema)
            if self.windowed and len(it):
                keep &= oit > it[-1] - WINDOW
            if keep.sum() >= 2:
                out.append((lab, oit[keep], oema[keep], k))
        return out

    def _others_legend(self, w: int, others: list, cells: _Cells) -> Text:
        """The line naming the earlier runs, each by what differs from this one."""
        out = Text("earlier runs (v hides): ", style="dim", no_wrap=True, end="")
        for i, (lab, _, _, k) in enumerate(others):
            entry = Text()
            entry.append(LINE_SAMPLE, cells.faded[k])
            entry.append(f" {lab}  ")
            more = len(others) - i - 1
            tail = f"+{more} more (x lists them)" if more else ""
            if out.cell_len + entry.cell_len + len(tail) > w:    # whole entries only, and how many are left
                out.append(f"+{len(others) - i} more (x lists them)", style="dim")
                break
            out.append_text(entry)
        out.truncate(w)
        return out

    def _legend(self, w: int, cells: _Cells) -> Text:
        """The line above the plot: what the axes are (left) and the legend (right)."""
        axes = ("loss" + (" (log)" if self.log_y else ""),
                " · iteration" + (f" (last {WINDOW})" if self.windowed else ""))
        for raw_name, axis_parts in (("raw min–max", 2), ("raw", 2), ("raw", 1)):
            legend = Text()
            legend.append(cells.band, cells.band_style)
            legend.append(" " + raw_name)
            if self.smooth:
                legend.append("  ")
                legend.append(LINE_SAMPLE, cells.line_style)
                legend.append(" smoothed")
            left = "".join(axes[:axis_parts])
            if len(left) + 2 + legend.cell_len <= w:
                break
        out = Text(no_wrap=True, end="")
        out.append(left, "dim")
        out.append(" " * max(1, w - len(left) - legend.cell_len))
        out.append_text(legend)
        out.truncate(w)
        return out


def _x_labels(w: int, left: int, columns: int, xlim, xticks) -> str:
    """The x tick labels, each centred under its tick, none overlapping."""
    row = [" "] * w
    end = -1
    for t, label in zip(*xticks, strict=True):
        c = left + int(plotext_compat.cell(t, *xlim, columns))
        start = min(max(c - (len(label) - 1) // 2, 0), w - len(label))
        if start > end:
            row[start:start + len(label)] = label
            end = start + len(label)
    return "".join(row)


def _compose(row: str, left: int, band: np.ndarray | None, line: np.ndarray | None,
             cells: _Cells, faded=(), ticks=(), cursor: int | None = None) -> Text:
    """One row of the plot: plotext's frame and ticks, the band's cells (``band``:
    which data columns it covers, from column ``left``) and the line's (``line``:
    :data:`QUADRANTS` codes) over them, the earlier runs' ``faded`` lines behind both,
    the ``ticks`` of the marks (on the top row) and the cursor's column, each cell in
    its series' style."""
    text = Text(no_wrap=True, end="")
    run, run_style = [], None
    for c, ch in enumerate(row):
        style = None
        k = c - left
        if band is not None and 0 <= k < len(band):
            if line[k]:
                ch, style = QUADRANTS[line[k]], (cells.over_style if band[k] else cells.line_style)
            elif band[k]:
                ch, style = cells.band, cells.band_style
            elif k in ticks:
                ch, style = "▾", cells.mark_style
            elif any(f[k] for f in faded):
                n = next(j for j, f in enumerate(faded) if f[k])
                ch, style = QUADRANTS[faded[n][k]], cells.faded[n % len(cells.faded)]
            elif k == cursor:
                ch, style = "│", cells.cursor_style
        if style is not run_style and run:
            text.append("".join(run), run_style)
            run = []
        run_style = style
        run.append(ch)
    if run:
        text.append("".join(run), run_style)
    return text
