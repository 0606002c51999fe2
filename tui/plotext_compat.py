"""plotext as a plain-text line plotter, the same on plotext 5.3 and 6.x.

plotext 6 rewrote the package: 5.x draws through package-level functions
(``plotext.plot``, ``plotext.build``) on a module-global figure, 6.x through the
figure object ``plotext.figure`` (``figure.signal``, ``figure.draw``,
``figure.build().string()``).  Neither exports a figure class: 5.x keeps it in the
private module ``plotext._figure`` (which 6.x no longer has), and 6.x's public
names are the one master ``figure`` and its subplots.  So both versions give only
a process-wide figure, and this module is the one place that touches it: each
:func:`render` call resets the figure, draws, builds the text and returns it,
under a lock, so no setting or series survives from one plot to the next and two
callers can never interleave.  (The app calls it from the UI thread only.)

The text comes back without colour: the caller colours the cells from the
Textual theme, so no plotext colour name or palette reaches the screen.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotext

VERSION: str = str(getattr(plotext, "__version__", "?"))
FIGURE_API: bool = hasattr(plotext, "figure") and hasattr(plotext.figure, "signal")
"""True on plotext 6.x (``plotext.figure``), False on 5.x (package-level functions)."""

FRAME_ROWS = 3
"""Rows of a plot that hold no data: the frame's top and bottom lines and the x tick
labels (the plots made here have x ticks, but no title and no axis labels)."""

_lock = threading.Lock()


@dataclass(frozen=True)
class Series:
    """One curve drawn with ``marker`` (``"braille"``, ``"hd"`` or one character): its
    points joined by lines, or the points alone."""

    x: Sequence[float]
    y: Sequence[float]
    marker: str
    lines: bool = True


def data_rows(height: int) -> int:
    """Rows of data in a plot ``height`` rows tall (see :func:`cell`)."""
    return height - FRAME_ROWS


def cell(v, lower: float, upper: float, count: int):
    """The cell (column from the left, or row from the bottom, counted from 0) of
    value(s) ``v`` on an axis from ``lower`` to ``upper`` drawn over ``count`` cells.

    The first cell is centred on ``lower`` and the last on ``upper`` (plotext's
    default "center" limit alignment), so cell ``k`` shows ``lower + k * (upper -
    lower) / (count - 1)``; plotext 5.3 and 6.1 place points and ticks so.  A value
    halfway between two cells goes to the upper one (as 5.3 does; 6.1 goes either
    way, by rounding error).
    """
    t = (np.asarray(v, dtype=float) - lower) / (upper - lower) * (count - 1)
    return np.floor(t + 0.5).astype(np.int64)


def data_area(lines: Sequence[str]) -> tuple[int, int, int, int]:
    """``(left, top, columns, rows)`` of the data cells inside the frame of a
    :func:`render` output: the first data cell is ``lines[top][left]``."""
    left = lines[0].index("┌") + 1
    bottom = next(r for r, line in enumerate(lines) if line[left - 1] == "└")
    return left, 1, lines[0].index("┐") - left, bottom - 1


def render(series: Sequence[Series], width: int, height: int,
           xlim: tuple[float, float], ylim: tuple[float, float],
           xticks: tuple[list[float], list[str]], yticks: tuple[list[float], list[str]]) -> list[str]:
    """The plot as ``height`` lines of plain text, each ``width`` cells wide.

    The axes show exactly ``xlim`` and ``ylim``, with ticks only at the given
    positions; there is no legend, title or axis label (the caller writes those).
    """
    with _lock:
        text = _render_figure(series, width, height, xlim, ylim, xticks, yticks) if FIGURE_API \
            else _render_functions(series, width, height, xlim, ylim, xticks, yticks)
    lines = text.split("\n")[:height]
    lines += [""] * (height - len(lines))
    return [line[:width].ljust(width) for line in lines]


def _render_functions(series, width, height, xlim, ylim, xticks, yticks) -> str:
    """plotext 5.x: the package-level functions, all acting on its one figure."""
    plt = plotext
    plt.clear_figure()                      # a fresh figure: no series, size or setting left over
    plt.limit_size(False, False)            # the widget's size, not the terminal's
    plt.plot_size(width, height)
    for s in series:
        (plt.plot if s.lines else plt.scatter)(list(s.x), list(s.y), marker=s.marker)
    plt.xlim(*xlim)
    plt.ylim(*ylim)
    plt.xticks(*xticks)
    plt.yticks(*yticks)
    plt.clear_color()                       # plain characters: the caller colours them
    out = plt.uncolorize(plt.build())
    plt.clear_figure()                      # drop the data until the next call
    return out


def _render_figure(series, width, height, xlim, ylim, xticks, yticks) -> str:
    """plotext 6.x: the master figure object, ``plotext.figure``."""
    fig = plotext.figure
    fig.clear()                             # data, subplots, size and settings back to defaults
    plotext.terminal.limit(False, False)    # the widget's size, not the terminal's
    fig.theme("colorless")
    fig.canvas("default")                   # no background painted
    fig.plot_size(width, height)
    for s in series:
        fig.draw(fig.signal(list(s.x), list(s.y), marker=s.marker).lines(s.lines))
    fig.ruler("x").lim(*xlim)
    fig.ruler("y").lim(*ylim)
    fig.ruler("x").ticks(*xticks)
    fig.ruler("y").ticks(*yticks)
    out = fig.build().string(colorless=True)
    fig.clear()                             # drop the data until the next call
    return out
