"""The weights panel: ``Whh`` as a live heatmap, and what it says about the gradients.

Going back one timestep multiplies ``dh`` by ``Whhᵀ diag(f'(h))``: the panel puts
the ‖dh_t‖ strip of the latest example next to ``σmax(Whh)`` and the spectral
radius over the iterations, the fraction of saturated units and the update-to-weight
ratio of every parameter, with one line saying what to read from them
(:meth:`~rnn_tui.core.dynamics.DynamicsView.reading`).  Below, one parameter's
weights and gradients over time as time × bins heatmaps, the way TensorBoard's
histograms are read (``W`` picks the parameter).

Its figures are sampled by the training process, and only while this panel is on
screen (the app tells the session, ``Views``).
"""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widgets import Static

from rnn_tui.tui.colours import Palette, ThemeAware, palette
from rnn_tui.tui.widgets import no_color
from rnn_tui.tui.widgets.heatmap import LEVELS, ramp
from rnn_tui.tui.widgets.steps_text import BARS, strip

FIGURES_MIN = 40      # cells the figures need beside the matrix (else they go above it)
MATRIX_MIN = 23       # cells of the matrix's column (its colour scale's width)
HIST_MIN = 7          # rows of the histograms at least (title, labels, 4 rows of 2 samples, axis)
SHADES = " ░▒▓█"      # NO_COLOR: |w| (the matrix) or the count (histograms) as a shade


def pool(W: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """``W`` in at most ``n × n`` blocks, each the entry of largest ``|w|`` in it (with
    its sign: a mean of random signs would be a grey field); returns them and the
    block size."""
    H = W.shape[0]
    b = max(1, math.ceil(H / max(n, 1)))
    m = math.ceil(H / b)
    padded = np.zeros((m * b, m * b))
    padded[:H, :H] = W
    blocks = padded.reshape(m, b, m, b).transpose(0, 2, 1, 3).reshape(m, m, b * b)
    pick = np.abs(blocks).argmax(axis=2)
    return np.take_along_axis(blocks, pick[..., None], axis=2)[..., 0], b


def spark(values, width: int, log: bool = False) -> str:
    """The last ``width`` values as bars, scaled between their min and max."""
    v = np.asarray(values, dtype=float)[-max(width, 1):]
    if log:
        with np.errstate(all="ignore"):
            v = np.where(v > 0, np.log10(v), np.nan)
    ok = v[np.isfinite(v)]
    if ok.size == 0:
        return ""
    lo, hi = float(ok.min()), float(ok.max())
    span = hi - lo
    out = []
    for x in v:
        if not np.isfinite(x):
            out.append("·")
        else:
            out.append(BARS[1 + int(round((x - lo) / span * (len(BARS) - 2)))] if span > 0 else BARS[4])
    return "".join(out)


def nice(r: float) -> float:
    """``r`` rounded up to two significant digits (a colour scale's end)."""
    if not math.isfinite(r) or r <= 0:
        return 1.0
    e = math.floor(math.log10(r)) - 1
    return math.ceil(r / 10 ** e) * 10 ** e


class WeightsPanel(ThemeAware, Static):
    """Shows a :class:`~rnn_tui.core.dynamics.DynamicsView` with the snapshot's ‖dh_t‖."""

    DEFAULT_CSS = """
    WeightsPanel { height: 1fr; overflow-y: auto; text-wrap: nowrap; text-overflow: clip; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self.param = ""                 # whose histograms ("": the Whh the panel shows)
        self._last = None
        self._key = None

    def next_param(self) -> str:
        """Histograms of the next parameter; returns its name ("" if none yet)."""
        names = list(self._last[0].weights) if self._last and self._last[0] is not None else []
        if not names:
            return ""
        now = Layout.chosen(names, self.param, self._last[0].layer)
        self.param = names[(names.index(now) + 1) % len(names)]
        self._redraw()
        return self.param

    def on_resize(self) -> None:
        self._redraw()

    def theme_changed(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        if self._last is not None and self.is_mounted:
            self._key = None
            self.show(*self._last)

    def show(self, view, snap, replay: bool = False, stopped: str = "") -> None:
        """Draw ``view`` (None: not sampled yet) beside ``snap``'s ‖dh_t‖; ``stopped``:
        why the training process (which samples the weights) is not running."""
        self._last = (view, snap, replay, stopped)
        w, h = self.content_size.width, self.content_size.height
        its = view.iterations if view is not None else ()
        key = (id(view), len(its), its[-1] if len(its) else None, snap.iteration, snap.run_id, w, h,
               self.param, replay, stopped)
        if key == self._key or w < 10 or h < 2:
            return
        self._key = key
        pal = palette(self)
        if replay:
            self.update(Text("the weights panel is not recorded: a replay has the snapshots only", style=pal.muted))
        elif view is None and stopped:
            self.update(Text(f"no weights sampled: the training process is not running ({stopped}); "
                             "ctrl+r starts it again", style=pal.muted))
        elif view is None:
            self.update(Text("sampling the weights… (they are sampled while this panel is on screen)",
                             style=pal.muted))
        else:
            self.update(Text("\n").join(Layout(view, snap, pal, no_color(self), self.param).lines(w, h)))


class Layout:
    """The panel's lines for a width and height: the matrix with the figures beside
    it (or above it, when narrow), then the histograms if rows are left."""

    def __init__(self, view, snap, pal: Palette, plain: bool, param: str):
        self.view, self.snap, self.pal, self.plain = view, snap, pal, plain
        self.param = self.chosen(list(view.weights), param, view.layer)
        self.ramp = ramp("tanh", pal.dark)
        self.counts_ramp = ramp("sigmoid", pal.dark)

    @staticmethod
    def chosen(names: list[str], param: str, layer: int) -> str:
        """The parameter whose histograms show: ``param``, else the layer's ``Whh``."""
        if param in names:
            return param
        whh = [n for n in names if n.startswith("Whh")]
        return whh[min(layer, len(whh) - 1)] if whh else (names[0] if names else "")

    # ---- the whole panel -------------------------------------------------------------

    def lines(self, w: int, h: int) -> list[Text]:
        """The header, the matrix with the figures beside it (above it when narrow),
        then the histograms: in the rows left, at least eight samples (the panel
        scrolls when it is short)."""
        beside = w >= FIGURES_MIN + MATRIX_MIN + 2
        matrix_w = max(MATRIX_MIN, min(w * 2 // 5, 2 * h)) if beside else w
        figures_w = w - matrix_w - 2 if beside else w
        figures = self.figures(figures_w)
        H = self.view.Whh.shape[0]
        rows = max(4, len(figures) if beside else h // 2) - 1     # the matrix's text rows (then its scale)
        # up to two rows taller than the figures (or the room) to show every entry; below
        # them, as tall as the panel
        rows = max(rows, min((H + 1) // 2 + 1, max(rows + 2, h - 2 - HIST_MIN) if beside else h - 2))
        matrix, b = self.matrix(matrix_w, rows)
        out = self.header(H, b, w)
        if beside:
            out += [self._pad(m, matrix_w + 2) + f for m, f in zip(*self._even(matrix, figures), strict=True)]
        else:                       # narrow: what the figures say first, the matrix below
            out += figures + matrix
        return out + self.histograms(w, max(HIST_MIN, h - len(out)))

    def header(self, H: int, b: int, w: int) -> list[Text]:
        """What the matrix is, on one line when it fits, else two."""
        L = self.snap.h.shape[0]
        t = Text(f"Whh{' of layer ' + str(self.view.layer) if L > 1 else ''} · {H}×{H}", style="bold")
        if b > 1:
            t.append(f" · a cell: largest |w| of {b}×{b}", style=self.pal.muted)
        how = "row i ← column j: Whh[i,j]·h_{t−1}[j] feeds h_t[i]"
        if t.cell_len + 3 + len(how) <= w:
            t.append(" · " + how, style=self.pal.muted)
            return [t]
        return [t, Text(how, style=self.pal.muted)]

    @staticmethod
    def _even(a: list, b: list) -> tuple[list, list]:
        n = max(len(a), len(b))
        return a + [Text()] * (n - len(a)), b + [Text()] * (n - len(b))

    @staticmethod
    def _pad(t: Text, width: int) -> Text:
        t = t.copy()
        t.append(" " * max(0, width - t.cell_len))
        return t

    def _level(self, x: float) -> int:
        """``x`` in −1 … 1 as a ramp level."""
        return int(np.clip(round((x + 1) / 2 * (LEVELS - 1)), 0, LEVELS - 1))

    # ---- Whh --------------------------------------------------------------------------

    def matrix(self, cols: int, rows: int) -> tuple[list[Text], int]:
        """``Whh`` in block means in ``rows`` text rows (the last: its colour scale),
        square entries (a half-row tall, a cell wide, times a scale for a small
        network); returns the lines and the block size."""
        n_max = max(2, min(cols, 2 * (rows - 1)))
        M, b = pool(self.view.Whh, n_max)
        n = M.shape[0]
        s = max(1, min(4, cols // n, (2 * (rows - 1)) // n))
        r = nice(float(np.nanmax(np.abs(self.view.Whh)))) if self.view.Whh.size else 1.0
        big = np.repeat(np.repeat(M / r, s, axis=0), s, axis=1)     # (n s, n s) in −1 … 1
        bg = self.pal.background
        out = []
        for y in range(0, big.shape[0], 2):
            line = Text()
            for x in range(big.shape[1]):
                top = big[y, x]
                bot = big[y + 1, x] if y + 1 < big.shape[0] else math.nan
                if self.plain:
                    a = np.nanmax(np.abs([top, bot]))
                    line.append(SHADES[int(np.clip(round(a * (len(SHADES) - 1)), 0, len(SHADES) - 1))])
                    continue
                fg = self.ramp[self._level(top)] if math.isfinite(top) else bg
                under = self.ramp[self._level(bot)] if math.isfinite(bot) else bg
                line.append("▀", style=Style(color=fg.rich_color, bgcolor=under.rich_color))
            out.append(line)
        out.append(self.scale_bar(r, width=cols))
        return out, b

    def scale_bar(self, r: float, width: int) -> Text:
        """The colour scale under the matrix, at most ``width`` cells where it can be
        (without colour: the shades, saying less as the room shrinks)."""
        if self.plain:                  # shades of |w| from 0 to r: the ends carry no sign
            says = (f"|w|: 0 {SHADES[1:]} {r:.2g} (sign not shown)", f"|w|: 0 {SHADES[1:]} {r:.2g}",
                    f"0 {SHADES[1:]} {r:.2g}")
            return Text(next((x for x in says if len(x) <= width), says[-1]), style=self.pal.muted)
        t = Text(f"−{r:.2g} ", style=self.pal.muted)
        for c in self.ramp:
            t.append("█", style=Style(color=c.rich_color))
        t.append(f" +{r:.2g}", style=self.pal.muted)
        return t

    # ---- the figures ------------------------------------------------------------------

    def figures(self, w: int) -> list[Text]:
        """‖dh_t‖ of the latest example, then σmax and ρ over the samples, what to read
        from them, the saturated fraction and the update-to-weight ratios; each line
        at most ``w`` cells."""
        pal, v, snap = self.pal, self.view, self.snap
        layer = min(v.layer, snap.dh_norm.shape[0] - 1)
        dh = np.asarray(snap.dh_norm[layer], dtype=float)
        T = dh.shape[0]
        gain = f"t=0/t={T - 1} ×{dh[0] / dh[-1]:.2g}" if T > 1 and dh[0] > 0 and dh[-1] > 0 else ""
        room = max(4, w - 11)
        # every timestep when they fit (the ratio beside them, or under them); else evenly
        # spaced ones, t = 0 and t = T-1 among them, and a line that says so
        shown = dh if T <= room else dh[np.round(np.linspace(0, T - 1, room)).astype(int)]
        bars, _ = strip(shown, None, 1, (pal.secondary, pal.accent, pal.muted))
        line = Text("‖dh_t‖ now ", style=pal.muted)
        line.append_text(bars)
        under = [f"{room} of {T} timesteps shown"] if T > room else []
        if gain and T + 1 + len(gain) <= room:
            line.append(" " + gain, style=pal.muted)
        elif gain:
            under.append(gain)
        out = [line]
        if under and len(", ".join(under)) <= w - 11:
            under = [", ".join(under)]
        for text in under:                              # under the bars where it fits
            out.append(Text((" " * 11 if len(text) <= w - 11 else "") + text[:w], style=pal.muted))
        n = len(v.sigma)
        if not n:
            return out + [Text("σmax(Whh): no sample yet (train a step)", style=pal.muted)]
        line = Text("σmax ", style=pal.muted)
        line.append(f"{v.sigma[-1]:.3g}", style="bold")
        line.append("  ρ ", style=pal.muted)
        line.append(f"{v.radius[-1]:.3g}", style="bold")
        line.append(" ")
        line.append(spark(v.sigma, w - line.cell_len), style=pal.secondary)
        out.append(line)
        out += self._wrapped(v.reading(), w, pal.text)
        line = Text("saturated ", style=pal.muted)
        line.append(f"{v.saturated[-1]:.0%}", style="bold")
        line.append(" ")
        line.append(spark(v.saturated, w - line.cell_len), style=pal.secondary)
        out.append(line)
        out.append(Text("‖Δθ‖/‖θ‖ a step (≈1e-3 is healthy):"[:w], style=pal.muted))
        if not v.ratios:
            return out + self._wrapped("none yet for these weights: train a step", w, pal.muted)
        return out + self._ratios(w)

    def _ratios(self, w: int) -> list[Text]:
        pal = self.pal
        cells = []
        for k, series in self.view.ratios.items():
            last = series[-1] if len(series) else math.nan
            t = Text(f" {k} ", style=pal.muted)
            t.append(f"{last:.1e}" if math.isfinite(last) else "—", style=self._ratio_style(last))
            t.append(" ")
            t.append(spark(series, 8, log=True), style=pal.secondary)
            cells.append(t)
        out, line = [], Text()
        for c in cells:
            if line.cell_len and line.cell_len + c.cell_len > w:
                out.append(line)
                line = Text()
            line.append_text(c)
        if line.cell_len:
            out.append(line)
        return out

    def _ratio_style(self, x: float) -> Style:
        """Bold, and in the warning colour when a step moves a weight far more (> 1e-2)
        or far less (< 1e-5) than the healthy 1e-3."""
        if not math.isfinite(x) or x > 1e-2 or x < 1e-5:
            return self.pal.warning + Style(bold=True)
        return Style(bold=True)

    @staticmethod
    def _wrapped(text: str, w: int, style) -> list[Text]:
        words, out, line = text.split(" "), [], ""
        for word in words:
            if line and len(line) + 1 + len(word) > w:
                out.append(Text(line, style=style))
                line = word
            else:
                line = f"{line} {word}" if line else word
        if line:
            out.append(Text(line, style=style))
        return out

    # ---- histograms ---------------------------------------------------------------------

    def histograms(self, w: int, rows: int) -> list[Text]:
        """The chosen parameter's weights and gradients over time (rows: samples, the
        newest at the bottom; columns: bins from −r to +r), side by side."""
        pal = self.pal
        if not self.param:
            return []
        its, wc, wr = self.view.weights[self.param]
        K = wc.shape[1] if wc.ndim == 2 else 0
        # weights just restored (a rollback, a reset) have no gradients until the next step
        stepped = self.param in self.view.gradients
        _, gc, gr = self.view.gradients[self.param] if stepped else (its, np.zeros((0, K)), 0.0)
        head = Text(f"{self.param} over time (rows: samples, newest last; W: next parameter)", style="bold")
        img_rows = rows - 3
        left = self._image(wc, img_rows)
        right = self._image(gc, img_rows)
        gap = "   "
        labels = (self._pad(Text("weights", style=pal.muted), K) + Text(gap)
                  + Text("gradients" if stepped else "gradients: after the next step", style=pal.muted))
        out = [head, labels]
        for a, b in zip(*self._even(left, right), strict=True):
            out.append(self._pad(a, K) + Text(gap) + b)
        out.append(self._axis(wr, K) + Text(gap) + (self._axis(gr, K) if stepped else Text()))
        if 2 * K + len(gap) > w:
            return out[:1] + [Text(f"(a wider panel shows {self.param}'s histograms)", style=pal.muted)]
        return out

    def _axis(self, r: float, K: int) -> Text:
        lo, hi = f"−{r:.2g}", f"+{r:.2g}"
        mid = "0"
        left = (K - len(mid)) // 2
        s = (lo + " " * max(1, left - len(lo)) + mid)
        s = s + " " * max(1, K - len(s) - len(hi)) + hi
        return Text(s[:max(K, len(s))], style=self.pal.muted)

    def _image(self, counts: np.ndarray, rows: int) -> list[Text]:
        """``counts (N, K)``: two samples a text row (half blocks), the newest last;
        the shade is the count on a log scale (an empty bin is the background)."""
        if counts.ndim != 2 or counts.shape[0] == 0 or rows <= 0:
            return []
        c = counts[-2 * rows:]
        top = float(np.log1p(c.max())) or 1.0
        lv = np.where(c > 0, 1 + np.rint(np.log1p(c) / top * (LEVELS - 2)), 0).astype(int)
        bg = self.pal.background
        out = []
        if c.shape[0] % 2:                              # a blank half on top: the newest sample stays last
            lv = np.vstack([np.zeros((1, lv.shape[1]), dtype=int), lv])
        for y in range(0, lv.shape[0], 2):
            line = Text()
            for x in range(lv.shape[1]):
                a, b = lv[y, x], lv[y + 1, x]
                if self.plain:
                    line.append(SHADES[min(len(SHADES) - 1, (max(a, b) + 2) // 3)] if max(a, b) else " ")
                    continue
                line.append("▀", style=Style(color=self._count_colour(a, bg).rich_color,
                                             bgcolor=self._count_colour(b, bg).rich_color))
            out.append(line)
        return out

    def _count_colour(self, level: int, bg: Color) -> Color:
        return bg if level == 0 else self.counts_ramp[level]
