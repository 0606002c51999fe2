"""Hidden-state heatmap: time across (t=0 on the left), hidden units down, one example.

Two units share a text row (upper and lower half block), each timestep is at least
two cells wide so a CJK input symbol fits under its column.  A short sequence gets
wider columns and a few units taller rows, so a small network fills its panel;
units that do not fit are paged (``[`` / ``]``), and the header always says which
ones are shown.  Under the cells: the input at each timestep (one row per part
when the input has named parts, ``a`` and ``b``), the time axis, and the colour
ramp with its scale.

The colours are data: each ramp has a dark and a light variant, and the one that
matches the theme is used (:func:`ramp`).  In both, a value far from zero (tanh)
or near one (sigmoid) stands out most from the panel's background, and zero or
nothing fades into it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from rnn_tui.tui.colours import Palette, ThemeAware, palette
from rnn_tui.tui.widgets import layer_name, no_color

LEVELS = 11
GUTTER = 5        # cells left of the first timestep: the unit numbers
CELLS_MAX = 8     # cells per timestep at most: a short sequence is widened up to this
HALVES_MAX = 4    # half-rows per unit at most (2 text rows): a few units are heightened up to this

# The ramps, LEVELS colours from the low end to the high end.  Truecolor costs no
# more bytes than the 256-colour palette here: Textual turns palette colours into
# truecolor itself, and a 256-colour terminal gets the nearest palette colour.
RAMPS = {
    # tanh, −1 … 0 … +1: blue, then (the centre) near the panel's tone, then red, the
    # lightness rising (dark) or falling (light) the same way on both sides.  Dark: a
    # dark centre and bright ends; light: ColorBrewer's RdBu.
    ("tanh", True): ["#5cb3ff", "#3f95e8", "#2f78c8", "#2a5d9a", "#2d4666", "#3a3a3a",
                     "#63392f", "#943b2c", "#c8432f", "#f0604a", "#ff8a70"],
    ("tanh", False): ["#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
                      "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f"],
    # sigmoid, 0 … 1: faint to strong.  Dark: viridis; light: ColorBrewer's YlGnBu.
    ("sigmoid", True): ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c",
                        "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"],
    ("sigmoid", False): ["#ffffd9", "#f1f9b9", "#d6efb3", "#aadeb7", "#73c8bd", "#41b6c4",
                         "#2498c1", "#2072b2", "#234da0", "#1f2f88", "#081d58"],
}


def ramp(activation: str, dark: bool) -> list[Color]:
    """The ramp for ``activation`` (``"tanh"`` or ``"sigmoid"``) in a dark or light theme."""
    return [Color.parse(c) for c in RAMPS["tanh" if activation == "tanh" else "sigmoid", dark]]


def scale(activation: str) -> tuple[str, str]:
    """The values at the ramp's two ends, as printed."""
    return ("−1", "+1") if activation == "tanh" else ("0", "1")


def levels(h: np.ndarray, activation: str) -> np.ndarray:
    """Each activation as a level of the ramp, ``0 … LEVELS-1`` (same shape as ``h``)."""
    x = (h + 1.0) / 2.0 if activation == "tanh" else h
    return np.clip(np.rint(x * (LEVELS - 1)), 0, LEVELS - 1).astype(int)


def symbol_cell(label: str) -> str:
    """A timestep's input symbol as exactly two terminal cells."""
    label = {"\n": "↵", " ": "␣", "\t": "⇥", "\r": "␍"}.get(label, label)
    if cell_len(label) >= 2:
        while cell_len(label) > 2:
            label = label[:-1]
        return label
    return (label or " ") + " " * (2 - cell_len(label or " "))


@dataclass(frozen=True)
class _Look:
    """The heatmap's styles for one theme and activation (built once, not per frame)."""

    base: Style                 # empty cells: the panel's background, spelt out
    muted: Style                # header, unit numbers, axes, unknown cells
    cursor: Style
    pairs: list[list[Style]]    # [upper level][lower level]: ▀ in the upper colour on the lower
    upper: list[Style]          # an upper unit alone (the last of an odd count): ▀ on the background
    swatch: list[Style]         # the legend's colours


def _look(pal: Palette, activation: str) -> _Look:
    cols = [c.rich_color for c in ramp(activation, pal.dark)]
    bg = pal.background.rich_color
    return _Look(base=pal.base, muted=pal.on_background(pal.muted),
                 cursor=pal.on_background(pal.accent + Style(bold=True)),
                 pairs=[[Style(color=a, bgcolor=b) for b in cols] for a in cols],
                 upper=[Style(color=a, bgcolor=bg) for a in cols],
                 swatch=[Style(color=a, bgcolor=bg) for a in cols])


@dataclass(frozen=True)
class _Window:
    """What is drawn: units ``u0 … u1-1``, timesteps ``t0 … t1-1``, ``cw`` cells per
    timestep and ``halves`` half-rows per unit."""

    u0: int
    u1: int
    t0: int
    t1: int
    cw: int
    halves: int

    def offset(self, width: int = 1) -> int:
        """Where, within a timestep's cells, a label ``width`` cells wide starts (centred)."""
        return max(0, min((self.cw - 1) // 2, self.cw - width))


class Heatmap(ThemeAware, Widget):
    """Shows ``h[layer]`` of one example as colours, with the input symbols below."""

    DEFAULT_CSS = """
    Heatmap { height: 1fr; min-height: 6; }
    """

    page: reactive[int] = reactive(0)
    """Which page of hidden units is shown."""
    net_layer: reactive[int] = reactive(0)
    """Which layer is shown (stacked networks)."""
    cursor: reactive[int | None] = reactive(None)
    """Timestep in focus (BPTT and forward step-through), or None."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.h: np.ndarray | None = None          # (L, T, H)
        self.labels: tuple = ()
        self.x_label = "x"             # the input row's name ("ab": subtraction's bit pair a_t b_t)
        self.note = ""                 # what time means for the inputs ("t=0 is the least significant bit")
        self.activation = "tanh"
        self._lines: list[Strip] = []
        self._key = None
        self._looks: dict = {}

    def set_x_label(self, label: str, note: str = "") -> None:
        """Name the input row (at most 4 cells); a name of several letters whose
        labels have one character per letter (``ab``: ``a_t b_t``) gets a row per letter.
        ``note`` says what time means for the inputs, in the header."""
        if (label, note) != (self.x_label, self.note):
            self.x_label, self.note = label, note
            self._key = None
            self.refresh()

    def set_data(self, h: np.ndarray, labels: tuple, activation: str) -> None:
        """New hidden states ``(L, T, H)``; redraws only if they changed."""
        if self.h is not None and h.shape == self.h.shape and np.array_equal(h, self.h, equal_nan=True) \
                and labels == self.labels:
            return
        self.h, self.labels, self.activation = h, labels, activation
        self.net_layer = min(self.net_layer, h.shape[0] - 1)
        self._key = None
        self.refresh()

    def theme_changed(self) -> None:
        self._key = None
        self.refresh()

    @property
    def digits(self) -> bool:
        """NO_COLOR: cells show the activation as a signed digit instead of a colour."""
        return no_color(self)

    @property
    def input_rows(self) -> list[str]:
        """The names of the rows under the cells: one per letter of ``x_label`` when
        every label has one character per letter, else ``x_label`` alone."""
        name = self.x_label
        if len(name) > 1 and self.labels and all(len(x) == len(name) for x in self.labels):
            return list(name)
        return [name]

    def _unit_rows(self) -> int:
        """Text rows for the units: all but the header, the input rows, the time axis and the legend."""
        return max(1, self.size.height - 3 - len(self.input_rows))

    def _halves(self, H: int) -> int:
        """Half-rows per unit (colour): more than one when few units would leave the
        panel empty; 1, 2 or 4, so that every unit starts on a text row of its own
        (or shares one with its neighbour, at 1)."""
        fit = 2 * self._unit_rows() // max(H, 1)
        return next(k for k in (HALVES_MAX, 2, 1) if k <= max(fit, 1))

    @property
    def rows_per_page(self) -> int:
        """Units on one page."""
        if self.digits:
            return self._unit_rows()
        H = self.h.shape[2] if self.h is not None else 1
        return 2 * self._unit_rows() // self._halves(H)

    def pages(self) -> int:
        if self.h is None:
            return 1
        return max(1, -(-self.h.shape[2] // self.rows_per_page))

    def watch_page(self) -> None:
        self._key = None
        self.refresh()

    def watch_net_layer(self) -> None:
        self._key = None
        self.refresh()

    def watch_cursor(self) -> None:
        self._key = None
        self.refresh()

    def on_resize(self) -> None:
        self.page = min(self.page, self.pages() - 1)
        self._key = None

    def next_page(self, delta: int) -> None:
        self.page = (self.page + delta) % self.pages()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def _window(self, T: int, H: int, w: int) -> _Window:
        """What fits: this page's units, the timesteps (the latest, or around the
        cursor, when not all fit) and how large each cell is drawn."""
        per = self.rows_per_page
        page = min(self.page, self.pages() - 1)
        u0, u1 = page * per, min(H, (page + 1) * per)
        cw = max(1, min(CELLS_MAX, (w - GUTTER) // max(T, 1)))
        tmax = max(1, (w - GUTTER) // cw)
        t0 = max(0, T - tmax)                         # keep the latest timesteps if too long
        if self.cursor is not None and self.cursor < t0:
            t0 = max(0, min(self.cursor, T - tmax))
        halves = 1 if self.digits else self._halves(H)
        return _Window(u0, u1, t0, min(T, t0 + tmax), cw, halves)

    def _the_look(self) -> _Look:
        pal = palette(self)
        key = (id(pal), self.activation)
        look = self._looks.get(key)
        if look is None:
            self._looks = {key: (look := _look(pal, self.activation))}   # only the current theme's
        return look

    def _build(self) -> list[Strip]:
        w, hgt = self.size.width, self.size.height
        if not self.is_mounted:
            return []
        look = self._the_look()
        if self.h is None or w < 8 or hgt < 3:
            return [Strip.blank(w, look.base)] * hgt
        L, T, H = self.h.shape
        hl = self.h[self.net_layer]                       # (T, H)
        win = self._window(T, H, w)
        pages = self.pages()
        head = f"layer {self.net_layer} ({layer_name(self.net_layer, L)}) · " if L > 1 else ""
        head += f"units {win.u0}–{win.u1 - 1} of {H}"
        if pages > 1:
            head += f" · page {min(self.page, pages - 1) + 1}/{pages} [ ]"
        if win.t0 > 0 or win.t1 < T:
            head += f" · t {win.t0}–{win.t1 - 1} of {T}"
        note = self.note
        if note and len(head) + 3 + len(note) <= w:
            head += f" · {note}"
        lines = [self._line([Segment(head, look.muted)], w, look)]
        unknown = np.isnan(hl)                        # not computed yet (forward step-through)
        hl = np.where(unknown, 0.0, hl)
        rows = self._digit_rows if self.digits else self._colour_rows
        lines += rows(hl, unknown, win, w, look)
        lines += self._inputs(win, w, look)
        lines.append(self._time_axis(win, w, look))
        lines.append(self._legend(w, look))
        lines += [Strip.blank(w, look.base)] * (hgt - len(lines))
        return lines[:hgt]

    @staticmethod
    def _line(segs: list[Segment], w: int, look: _Look) -> Strip:
        """A line of ``w`` cells; neighbours of one style joined (each segment costs
        its escape sequence)."""
        return Strip(Segment.simplify(segs)).crop(0, w).adjust_cell_length(w, look.base).simplify()

    def _colour_rows(self, hl, unknown, win: _Window, w: int, look: _Look) -> list[Strip]:
        """Each text row holds two half-rows: the upper one as the half block's
        colour, the lower one as its background; a unit takes ``win.halves`` of them."""
        q = levels(hl, self.activation)
        q[unknown] = -1
        k, cw = win.halves, win.cw
        lines = []
        n_halves = (win.u1 - win.u0) * k
        for top in range(0, n_halves, 2):
            ut = win.u0 + top // k
            ub = win.u0 + (top + 1) // k if top + 1 < n_halves else None
            starts = [u for u in (ut, ub) if u is not None and (u - win.u0) * k in (top, top + 1)]
            segs = [Segment(f"{starts[0]:>4} " if starts else " " * GUTTER, look.muted)]
            upper = q[win.t0:win.t1, ut]
            lower = q[win.t0:win.t1, ub] if ub is not None else None
            for i, a in enumerate(upper):
                if a < 0:
                    segs.append(Segment("·" * cw, look.muted))
                    continue
                b = -1 if lower is None else lower[i]
                segs.append(Segment("▀" * cw, look.upper[a] if b < 0 else look.pairs[a][b]))
            lines.append(self._line(segs, w, look))
        return lines

    def _digit_rows(self, hl, unknown, win: _Window, w: int, look: _Look) -> list[Strip]:
        """NO_COLOR: one unit a row, each cell the activation as a signed digit."""
        sig = self.activation != "tanh"
        lines = []
        for u in range(win.u0, win.u1):
            segs = [Segment(f"{u:>4} ", look.muted)]
            for t in range(win.t0, win.t1):
                v = hl[t, u]
                cell = "··" if unknown[t, u] else (f"{int(round(v * 9)):>2d}" if sig
                                                   else f"{int(round(v * 9)):+d}".replace("+0", " 0"))
                cell = cell[-win.cw:]
                pad = win.offset(len(cell))
                segs.append(Segment((" " * pad + cell).ljust(win.cw), look.base))
            lines.append(self._line(segs, w, look))
        return lines

    def _inputs(self, win: _Window, w: int, look: _Look) -> list[Strip]:
        """The input under each timestep's column: a row per named part, or the symbol."""
        names = self.input_rows
        out = []
        for j, name in enumerate(names):
            segs = [Segment(f"{name:>4} ", look.muted)]
            for t in range(win.t0, win.t1):
                lab = self.labels[t] if t < len(self.labels) else ""
                cell = (lab[j] if len(names) > 1 else symbol_cell(lab))
                if win.cw == 1:
                    cell = cell[:1] if cell_len(cell[:1]) == 1 else " "
                pad = win.offset(cell_len(cell))
                segs.append(Segment(" " * pad + cell + " " * (win.cw - pad - cell_len(cell)), look.base))
            out.append(self._line(segs, w, look))
        return out

    def _time_axis(self, win: _Window, w: int, look: _Look) -> Strip:
        """``t`` and the timestep under its column, every 1, 2, 5, 10… steps as
        room allows; in a step-through, the cursor instead."""
        segs = [Segment("   t ", look.muted)]
        if self.cursor is not None and win.t0 <= self.cursor < win.t1:
            at = (self.cursor - win.t0) * win.cw + win.offset()
            segs += [Segment(" " * at, look.base), Segment(f"▲ t={self.cursor}", look.cursor)]
            return self._line(segs, w, look)
        room = w - GUTTER
        row = [" "] * room
        need = len(str(max(win.t1 - 1, 0))) + 1
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10**9)
                    if s * win.cw >= need)
        for t in range(-(-win.t0 // step) * step, win.t1, step):
            label = str(t)
            at = (t - win.t0) * win.cw + win.offset(len(label) if win.cw >= len(label) else 1)
            if at + len(label) <= room:
                row[at:at + len(label)] = label
        segs.append(Segment("".join(row), look.muted))
        return self._line(segs, w, look)

    def _legend(self, w: int, look: _Look) -> Strip:
        lo, hi = scale(self.activation)
        if self.digits:
            return self._line([Segment(f"cells: round(9·h), h from {lo} to {hi} ({self.activation})",
                                       look.muted)], w, look)
        segs = [Segment(f"h: {lo} ", look.muted)]
        segs += [Segment("█", s) for s in look.swatch]
        segs.append(Segment(f" {hi}  ({self.activation})", look.muted))
        return self._line(segs, w, look)

    def render_line(self, y: int) -> Strip:
        key = (self.size, self.page, self.net_layer, self.cursor)
        if key != self._key:
            self._lines = self._build()
            self._key = key
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self._the_look().base if self.is_mounted else Style())
