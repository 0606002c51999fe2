"""Hidden-state heatmap: time across, hidden units down, one example.

Two units share a text row (upper and lower half block), each timestep is two
cells wide so a CJK input symbol fits under its column.  Units that do not fit are
paged (``[`` / ``]``), and the header always says which ones are shown.
"""

from __future__ import annotations

import numpy as np
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from rnn_tui.tui.widgets import layer_name, no_color

LEVELS = 11
PLAIN = Style()   # never a None style: Textual's NO_COLOR filter reads every segment's style
DIM = Style(dim=True)
GUTTER = 5        # cells left of the first timestep: the unit numbers


# Colour ramps as indices of the 256-colour palette: "38;5;n" is shorter than
# truecolor's "38;2;r;g;b", and the heatmap is most of what the app writes.
# Diverging for tanh: −1 bright blue … 0 dark grey … +1 bright red.
DIVERGING = [39, 33, 26, 25, 60, 237, 95, 131, 167, 160, 196]
# Sequential for sigmoid: 0 dark blue … 1 yellow.
SEQUENTIAL = [17, 18, 24, 30, 36, 72, 107, 143, 179, 214, 220]


def palette(n: int) -> Color:
    """Colour ``n`` of the 256-colour palette."""
    return Color.from_ansi(n)


def symbol_cell(label: str) -> str:
    """A timestep's input symbol as exactly two terminal cells."""
    from rich.cells import cell_len

    label = {"\n": "↵", " ": "␣", "\t": "⇥", "\r": "␍"}.get(label, label)
    if cell_len(label) >= 2:
        while cell_len(label) > 2:
            label = label[:-1]
        return label
    return (label or " ") + " " * (2 - cell_len(label or " "))


class Heatmap(Widget):
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
        self.activation = "tanh"
        self._lines: list[Strip] = []
        self._key = None
        self._styles = self._make_styles()

    def _make_styles(self):
        out = {}
        for kind, ramp in (("tanh", DIVERGING), ("sigmoid", SEQUENTIAL)):
            cols = [palette(c) for c in ramp]
            pairs = [[Style(color=a, bgcolor=b) for b in cols] for a in cols]
            single = [Style(color=a) for a in cols]
            out[kind] = (pairs, single)
        return out

    def set_x_label(self, label: str) -> None:
        """Name the input row (at most 4 cells)."""
        if label != self.x_label:
            self.x_label = label
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

    @property
    def digits(self) -> bool:
        """NO_COLOR: cells show the activation as a signed digit instead of a colour."""
        return no_color(self)

    @property
    def rows_per_page(self) -> int:
        rows = max(1, self.size.height - 4)        # header, axis, cursor, legend
        return rows if self.digits else rows * 2   # colour: two units per row (half blocks)

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

    def _window(self, T: int, H: int, w: int) -> tuple[int, int, int, int, int]:
        """What fits: units ``u0 … u1-1`` (this page), timesteps ``t0 … t1-1`` and the
        cells per timestep ``cw`` (2, or 1 when two would not fit)."""
        per = self.rows_per_page
        page = min(self.page, self.pages() - 1)
        u0, u1 = page * per, min(H, (page + 1) * per)
        cw = 2 if GUTTER + 2 * T <= w else 1
        tmax = (w - GUTTER) // cw
        t0 = max(0, T - tmax)                         # keep the latest timesteps if too long
        if self.cursor is not None and self.cursor < t0:
            t0 = max(0, min(self.cursor, T - tmax))
        return u0, u1, t0, min(T, t0 + tmax), cw

    def _build(self) -> list[Strip]:
        w, hgt = self.size.width, self.size.height
        if self.h is None or w < 8 or hgt < 3:
            return [Strip.blank(w, PLAIN)] * hgt
        L, T, H = self.h.shape
        hl = self.h[self.net_layer]                       # (T, H)
        u0, u1, t0, t1, cw = self._window(T, H, w)
        pages = self.pages()
        head = f"layer {self.net_layer} ({layer_name(self.net_layer, L)}) · " if L > 1 else ""
        head += f"units {u0}–{u1 - 1} of {H}"
        if pages > 1:
            head += f" · page {min(self.page, pages - 1) + 1}/{pages} [ ]"
        if t0 > 0 or t1 < T:
            head += f" · t {t0}–{t1 - 1} of {T}"
        lines = [Strip([Segment(head[:w], DIM)]).adjust_cell_length(w, PLAIN)]
        unknown = np.isnan(hl)                        # not computed yet (forward step-through)
        hl = np.where(unknown, 0.0, hl)
        rows = self._digit_rows if self.digits else self._colour_rows
        lines += rows(hl, unknown, u0, u1, t0, t1, cw, w)
        lines.append(self._axis(t0, t1, cw, w))
        cur = [Segment("     ", PLAIN)]
        if self.cursor is not None and t0 <= self.cursor < t1:
            cur.append(Segment(" " * ((self.cursor - t0) * cw), PLAIN))
            cur.append(Segment("▲" + f" t={self.cursor}", Style(bold=True, color="yellow")))
        lines.append(Strip(cur).adjust_cell_length(w, PLAIN))
        lines.append(self._legend(w))
        lines += [Strip.blank(w, PLAIN)] * (hgt - len(lines))
        return lines[:hgt]

    def _colour_rows(self, hl, unknown, u0, u1, t0, t1, cw, w) -> list[Strip]:
        """Two units a row: the upper one as the half block's colour, the lower one as its background."""
        if self.activation == "tanh":
            q = np.clip(np.rint((hl + 1.0) / 2.0 * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
        else:
            q = np.clip(np.rint(hl * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
        q[unknown] = -1
        pairs, single = self._styles[self.activation]
        lines = []
        for u in range(u0, u1, 2):
            segs = [Segment(f"{u:>4} ", DIM)]
            top = q[t0:t1, u]
            bot = q[t0:t1, u + 1] if u + 1 < u1 else None
            for i, a in enumerate(top):
                if a < 0:
                    segs.append(Segment("·" * cw, DIM))
                    continue
                b = -1 if bot is None else bot[i]
                segs.append(Segment("▀" * cw, single[a] if b < 0 else pairs[a][b]))
            lines.append(Strip(Segment.simplify(segs)).adjust_cell_length(w, PLAIN))
        return lines

    def _digit_rows(self, hl, unknown, u0, u1, t0, t1, cw, w) -> list[Strip]:
        """NO_COLOR: one unit a row, each cell the activation as a signed digit."""
        sig = self.activation != "tanh"
        lines = []
        for u in range(u0, u1):
            segs = [Segment(f"{u:>4} ", DIM)]
            for t in range(t0, t1):
                v = hl[t, u]
                cell = "··" if unknown[t, u] else (f"{int(round(v * 9)):>2d}" if sig
                                                   else f"{int(round(v * 9)):+d}".replace("+0", " 0"))
                segs.append(Segment(cell[-cw:], PLAIN))
            lines.append(Strip(segs).adjust_cell_length(w, PLAIN))
        return lines

    def _axis(self, t0: int, t1: int, cw: int, w: int) -> Strip:
        """The input symbol under each timestep's column."""
        axis = [Segment(f"{self.x_label:>4} ", DIM)]
        for t in range(t0, t1):
            lab = symbol_cell(self.labels[t] if t < len(self.labels) else "")
            axis.append(Segment(lab if cw == 2 else lab[0], PLAIN))
        return Strip(axis).adjust_cell_length(w, PLAIN)

    def _legend(self, w: int) -> Strip:
        lo, hi = ("−1", "+1") if self.activation == "tanh" else ("0", "1")
        if self.digits:
            return Strip([Segment(f"cells: round(9·h), h from {lo} to {hi} ({self.activation})",
                                  DIM)]).adjust_cell_length(w, PLAIN)
        ramp = DIVERGING if self.activation == "tanh" else SEQUENTIAL
        legend = [Segment(f"h: {lo} ", DIM)]
        legend += [Segment("█", Style(color=palette(c))) for c in ramp]
        legend.append(Segment(f" {hi}  ({self.activation})", DIM))
        return Strip(legend).adjust_cell_length(w, PLAIN)

    def render_line(self, y: int) -> Strip:
        key = (self.size, self.page, self.net_layer, self.cursor)
        if key != self._key:
            self._lines = self._build()
            self._key = key
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width, PLAIN)
