"""What the screen shows, cell by cell, with the colours a terminal gets: for the
contrast checks of the panels in a theme (the theme tests and ``bench/theme_contrast.py``)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich.cells import cell_len
from rich.color import Color
from rich.console import Console

LINES = set("·─━│┃╭╮╰╯┌┐└┘├┤┬┴┼═║╸╺")   # frames, rules, dots: neither text nor data
MARKS = set("█▌▐░▒▓▁▂▃▄▅▆▇▘▝▖▗▚▞▙▛▜▟■●")    # one-colour data marks: bars, shades, blocks
HALVES = set("▀▄")          # two colours in one cell (the heatmap): its ramp is checked instead


@dataclass(frozen=True)
class Cell:
    x: int
    y: int
    char: str
    fg: tuple[int, int, int] | None     # None: no colour set (the terminal's own shows)
    bg: tuple[int, int, int] | None


def _rgb(c: Color | None) -> tuple[int, int, int] | None:
    if c is None or c.is_default:
        return None
    t = c.get_truecolor()
    return (t.red, t.green, t.blue)


def screen_cells(app) -> list[Cell]:
    """Every cell of the app's screen (modal screens over the ones below, as drawn)."""
    w, h = app.size
    console = Console(width=w, height=h, file=io.StringIO(), force_terminal=True, color_system="truecolor",
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    cells, x, y = [], 0, 0
    for seg in console._record_buffer:
        if seg.control:
            continue
        style = seg.style
        fg = _rgb(style.color if style else None)
        bg = _rgb(style.bgcolor if style else None)
        if style is not None and style.reverse:
            fg, bg = bg, fg
        for ch in seg.text:
            if ch == "\n":
                x, y = 0, y + 1
                continue
            cells.append(Cell(x, y, ch, fg, bg))
            x += cell_len(ch)
    return cells


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(v: int) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(a, b) -> float:
    """WCAG contrast ratio of two ``(r, g, b)`` colours; 1 when either is unset (a
    cell that leaves its colour to the terminal does not read in every theme)."""
    if a is None or b is None:
        return 1.0
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def region_cells(cells: list[Cell], region) -> list[Cell]:
    """The cells inside a widget's region (``widget.region``: x, y, width, height)."""
    x0, y0, w, h = region
    return [c for c in cells if x0 <= c.x < x0 + w and y0 <= c.y < y0 + h]


def worst_text(cells: list[Cell]) -> tuple[float, str]:
    """The lowest contrast of a text glyph against its background, and the row it is
    on (``(99, "")`` when there is no text)."""
    return _worst([c for c in cells if not c.char.isspace() and c.char not in LINES | MARKS | HALVES], cells)


def worst_mark(cells: list[Cell]) -> tuple[float, str]:
    """The same for the one-colour data marks (bars, shades, blocks)."""
    return _worst([c for c in cells if c.char in MARKS], cells)


def unset(cells: list[Cell]) -> list[Cell]:
    """The cells that leave their background to the terminal."""
    return [c for c in cells if c.bg is None]


def _worst(picked: list[Cell], cells: list[Cell]) -> tuple[float, str]:
    worst, where = 99.0, None
    for c in picked:
        r = ratio(c.fg, c.bg)
        if r < worst:
            worst, where = r, c
    if where is None:
        return worst, ""
    return worst, "".join(c.char for c in cells if c.y == where.y).strip()
