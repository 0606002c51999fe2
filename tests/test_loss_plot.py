"""The loss panel: the raw loss as a band reaching its real extremes, the smoothed
line on top, round evenly spaced ticks, a legend that hides nothing, theme colours.

These run on whichever plotext is installed; see tests/test_plotext_compat.py for
running them under the other version too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.text import Text
from textual.color import Color

from rnn_tui.core.history import History
from rnn_tui.tui import plotext_compat
from rnn_tui.tui.app import RnnApp
from rnn_tui.tui.widgets.loss_plot import (BAND, WINDOW, LossPlot, contrast, downsample, linear_axis,
                                           log_axis, plot_colors)
from tests.app_helpers import trained, worker_ready

LINE_CELLS = set("▖▗▘▙▚▛▜▝▞▟▀▄▌▐")       # the line's quarter blocks (a full one is also █)


# ---- reading a rendered plot ------------------------------------------------------------

class Plot:
    """A rendered loss plot, read as a user would: legend line, frame, ticks, cells."""

    def __init__(self, text: Text):
        self.text = text
        self.lines = text.plain.split("\n")
        self.legend = self.lines[0]
        self.top = next(r for r, line in enumerate(self.lines) if "┌" in line)
        self.left = self.lines[self.top].index("┌") + 1
        self.right = self.lines[self.top].index("┐")
        self.bottom = next(r for r, line in enumerate(self.lines) if "└" in line)
        self.rows = list(range(self.top + 1, self.bottom))               # data rows, top first
        self.ticks = {r: float(self.lines[r][:self.left - 1].strip().replace("k", "e3"))
                      for r in self.rows if self.lines[r][self.left - 1] == "┤"}

    def cells(self, chars) -> list[tuple[int, int]]:
        return [(r, c) for r in self.rows for c in range(self.left, self.right)
                if self.lines[r][c] in chars]

    def data(self) -> str:
        return "".join(self.lines[r][self.left:self.right] for r in self.rows)

    def value(self, row: int) -> float:
        """The loss a data row stands for (linear axis), from the tick labels."""
        (r0, v0), (r1, v1) = sorted(self.ticks.items())[:2]
        return v0 + (row - r0) * (v1 - v0) / (r1 - r0)

    def per_row(self) -> float:
        (r0, v0), (r1, v1) = sorted(self.ticks.items())[:2]
        return abs((v1 - v0) / (r1 - r0))


def _history(losses, cap: int = 2048, beta: float = 0.99) -> History:
    h = History(cap=cap)
    s = 0.0
    for i, loss in enumerate(losses, 1):
        s = beta * s + (1 - beta) * loss
        h.add(i, float(loss), s / (1 - beta ** i))
    return h


def _plot(history: History, w: int = 80, h: int = 20, **flags) -> Plot:
    widget = LossPlot()
    widget.set_history(history.arrays())
    for k, v in flags.items():
        setattr(widget, k, v)
    return Plot(widget._draw(w, h))


def _noisy(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 40.0 + 120.0 * np.exp(-np.arange(n) / (n / 6)) + rng.normal(0.0, 4.0, n)


# ---- the band reaches the real extremes -------------------------------------------------------

def test_downsample_keeps_each_columns_lowest_and_highest_and_every_point_once():
    it = np.arange(1, 1001)
    rng = np.random.default_rng(3)
    raw = rng.normal(50, 5, 1000)
    lo, hi = raw - rng.uniform(0, 3, 1000), raw + rng.uniform(0, 3, 1000)
    col, x, r, e, blo, bhi = downsample(it, raw, raw.copy(), lo, hi, 60)
    assert col[0] == 0 and col[-1] == 59 and np.all(np.diff(col) > 0)
    assert x[-1] == 1000
    members = plotext_compat.cell(it, 1, 1000, 60)
    for c, a, b, m in zip(col, blo, bhi, r, strict=True):
        assert a == lo[members == c].min() and b == hi[members == c].max()
        assert m == pytest.approx(raw[members == c].mean())
    counts = np.bincount(members)
    assert r @ counts[col] == pytest.approx(raw.sum())                 # every point counted once


@pytest.mark.parametrize("windowed", [False, True])
def test_band_reaches_the_real_minimum_and_maximum_after_merges_and_downsampling(windowed):
    losses = _noisy(20_000)
    losses[19_400] = 12.5                                   # a dip inside the last-1000 window
    losses[19_700] = 150.0                                  # and a spike
    history = _history(losses, cap=512)                     # many merges: 64 iterations a point
    assert history.bucket >= 32
    view = losses[-WINDOW:] if windowed else losses
    means = history.arrays().raw[history.arrays().it > (len(losses) - WINDOW if windowed else 0)]
    plot = _plot(history, smooth=False, windowed=windowed)
    band = plot.cells(BAND)
    lowest, highest = max(r for r, _ in band), min(r for r, _ in band)
    u = plot.per_row()
    assert abs(plot.value(lowest) - view.min()) <= u / 2 + 1e-9
    assert abs(plot.value(highest) - view.max()) <= u / 2 + 1e-9
    assert means.min() - view.min() > 2 * u                 # the means alone would stop well above


def test_the_band_covers_each_column_from_its_lowest_to_its_highest_loss():
    history = _history(_noisy(3000), cap=256)
    plot = _plot(history, smooth=False)
    for c in range(plot.left, plot.right):
        rows = [r for r in plot.rows if plot.lines[r][c] == BAND]
        assert rows and rows == list(range(rows[0], rows[-1] + 1)), c   # one unbroken stroke a column


# ---- ticks ----------------------------------------------------------------------------------

def _is_125(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step) + 1e-9)
    return any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5))


@pytest.mark.parametrize("seed", range(40))
def test_linear_axis_ticks_are_round_and_on_evenly_spaced_rows(seed):
    rng = np.random.default_rng(seed)
    lo = rng.uniform(-50, 500) * 10.0 ** rng.integers(-3, 3)
    hi = lo + rng.uniform(0.01, 400) * 10.0 ** rng.integers(-3, 3)
    rows = int(rng.integers(5, 45))
    bottom, top, ticks, labels = linear_axis(lo, hi, rows)
    assert bottom <= lo and top >= hi
    assert len(ticks) >= 2
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0]) and _is_125(steps[0])
    assert all(math.isclose(t / steps[0], round(t / steps[0]), abs_tol=1e-6) for t in ticks)
    where = (np.array(ticks) - bottom) / (top - bottom) * (rows - 1)
    assert np.allclose(where, np.round(where), atol=1e-6)              # each tick exactly on a row
    assert len(set(np.diff(np.round(where)))) == 1 and np.diff(np.round(where))[0] >= 2
    assert [float(v.replace("k", "e3")) for v in labels] == pytest.approx(ticks)


@pytest.mark.parametrize("size", [(80, 18), (76, 12), (156, 22), (156, 44)])
def test_drawn_y_ticks_are_1_2_5_values_on_evenly_spaced_rows(size):
    plot = _plot(_history(_noisy(4000)), *size)
    rows, values = zip(*sorted(plot.ticks.items()), strict=True)
    assert len(rows) >= 2
    assert len(set(np.diff(rows))) == 1                                 # evenly spaced rows
    steps = -np.diff(values)                                            # values fall down the screen
    assert np.allclose(steps, steps[0]) and _is_125(steps[0])


def test_log_axis_places_round_ticks_by_their_logarithm():
    history = _history(_noisy(4000))
    plot = _plot(history, 80, 24, log_y=True)
    assert "loss (log)" in plot.legend
    rows, values = zip(*sorted(plot.ticks.items()), strict=True)
    assert len(values) >= 2 and all(_is_125(v) or float(v).is_integer() for v in values)
    # rows per decade is the same between any two ticks (within rounding to a row)
    per_decade = [(rows[i] - rows[0]) / (math.log10(values[0]) - math.log10(values[i]))
                  for i in range(1, len(rows))]
    assert max(per_decade) - min(per_decade) <= 2 / (math.log10(values[0] / values[-1]))
    bottom, top, ticks, labels = log_axis(3.0, 800.0, 20)
    assert labels == ["10", "100"] or labels == ["5", "10", "20", "50", "100", "200", "500"]


# ---- legend, series, options ---------------------------------------------------------------------

def test_the_legend_has_its_own_line_and_hides_no_data():
    losses = _noisy(2000)
    plot = _plot(_history(losses), 80, 20)
    assert "raw" in plot.legend and "smoothed" in plot.legend
    assert plot.top == 1                                    # the frame starts right below it
    assert not any(ch.isalnum() for ch in plot.data())      # no label text among the data
    # the start of the curve (top left, where a legend box would go) is drawn in full
    first = [r for r in plot.rows if plot.lines[r][plot.left] != " "]
    assert first and min(first) <= plot.rows[2]


def test_smoothed_line_is_drawn_over_the_band_and_m_hides_it():
    history = _history(_noisy(2000))
    on, off = _plot(history), _plot(history, smooth=False)
    assert on.cells(LINE_CELLS) and not off.cells(LINE_CELLS)
    assert "smoothed" not in off.legend
    assert len(off.cells(BAND)) > len(on.cells(BAND))       # where the line crosses, it is on top


def test_the_window_of_a_long_run_is_a_band_not_a_comb():
    """At 40k iterations a stored point sums up 32 of them: the last 1000 are ~30
    points over 70 columns, each point's band covering the columns since the one before."""
    history = _history(_noisy(42_000), cap=2048)
    assert history.bucket >= 32
    plot = _plot(history, smooth=False, windowed=True)
    empty = [c for c in range(plot.left, plot.right) if not any(plot.lines[r][c] == BAND for r in plot.rows)]
    assert empty == []
    early = _plot(_history(_noisy(12)), smooth=False)             # 12 single iterations: apart, as they are
    gaps = [c for c in range(early.left, early.right) if not any(early.lines[r][c] == BAND for r in early.rows)]
    assert len(gaps) > 40


def test_window_shows_the_last_1000_iterations():
    plot = _plot(_history(_noisy(5000)), windowed=True)
    assert "last 1000" in plot.legend
    labels = [int(v) for v in plot.lines[plot.bottom + 1].split()]
    assert labels[0] >= 4000 and labels[-1] <= 5000


def test_too_few_points_or_too_little_room_says_so():
    widget = LossPlot()
    assert "waiting" in widget._draw(80, 20).plain
    widget.set_history(_history(_noisy(50)).arrays())
    assert widget._draw(80, 5).plain == "(too small to plot)"


def test_an_old_three_array_history_draws_its_means_as_the_band():
    widget = LossPlot()
    widget.set_history(_history(_noisy(500)).arrays()[:3])
    plot = Plot(widget._draw(80, 20))
    assert plot.cells(BAND)


# ---- colours from the theme, and NO_COLOR -------------------------------------------------------

def _span_style(line: Text, col: int):
    for span in line.spans:
        if span.start <= col < span.end:
            return span.style
    return None


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_theme_colours_read_on_their_background(theme):
    app = RnnApp(trained("hello", 1))
    variables = app.get_theme(theme).to_color_system().generate()
    bg = Color.parse(variables["background"])
    band, line = plot_colors(variables, bg)
    assert contrast(band, bg) >= 2.0
    assert contrast(line, bg) >= 3.0 and contrast(line, band) >= 3.0


async def test_plot_takes_its_colours_from_the_theme_and_redraws_when_it_changes():
    app = RnnApp(trained("charlm", 300), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        plot = app.query_one(LossPlot)
        await pilot.pause(0.2)
        seen = {}
        for theme in ("textual-dark", "textual-light", "textual-dark"):
            app.theme = theme
            await pilot.pause(0.3)
            band, line = plot_colors(app.get_css_variables(), plot.colors[2])
            screen = app.export_screenshot()                   # what is on the screen now
            assert band.hex.lower() in screen.lower() and line.hex.lower() in screen.lower(), theme
            seen[theme] = band.hex
        assert seen["textual-dark"] != seen["textual-light"]


async def test_no_color_keeps_band_and_line_apart_by_their_characters(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = RnnApp(trained("charlm", 300), paused=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await worker_ready(pilot)
        await pilot.pause(0.2)
        widget = app.query_one(LossPlot)
        text = widget.render()
        plot = Plot(text)
        assert plot.cells(BAND) and plot.cells(LINE_CELLS)
        lines = text.split("\n")
        styles = [_span_style(lines[r], c) for r, c in plot.cells(BAND + "".join(LINE_CELLS))]
        assert all(s is None or (s.color is None and s.bgcolor is None) for s in styles)
        assert any(s is not None and s.reverse for s in styles)        # the line where it crosses the band


def test_the_earlier_runs_legend_names_whole_runs_and_counts_the_rest():
    widget = LossPlot()
    widget.set_history(_history(_noisy(300)).arrays())
    it = np.arange(1, 301)
    widget.set_others([(f"run {n}, same settings", it, _noisy(300, seed=n)) for n in range(2, 6)])
    legend = str(widget._draw(100, 20)).splitlines()[1]
    assert legend.startswith("earlier runs (v hides): ") and legend.rstrip().endswith("more (x lists them)")
    named = legend.count("same settings")
    assert named >= 1 and f"+{4 - named} more" in legend and "same s " not in legend + " "
