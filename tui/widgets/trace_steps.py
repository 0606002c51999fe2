"""The check view's step-through: the user's backward loop against rnn-tui's BPTT,
timestep by timestep.

On top, one row per traced quantity (``dy``, ``dh``, ``dhraw``, ``dhnext``) with a
cell per timestep: ``·`` where the user's value agrees with the reference, a bar
(its height ‖yours − reference‖ on a log scale) where it differs, ``–`` where the
user's loop never went; the focused timestep is highlighted and numbered on the
axis below.  Under it, every quantity at the focused timestep: *yours*,
*reference* and *difference* as vectors (first entries and norm), the entries that
differ marked.  Colours are theme variables, so it reads in light and dark themes.
"""

from __future__ import annotations

import math

import numpy as np
from textual.content import Content
from textual.widgets import Static

from rnn_tui.core.usercheck.checks import TOL
from rnn_tui.core.usercheck.report import SKIP, Trace, TraceValue, entries_from
from rnn_tui.core.usercheck.variants import QUANTITIES
from rnn_tui.tui.widgets import layer_name
from rnn_tui.tui.widgets.steps_text import BARS

LABEL = 8                   # the quantity's name column of the strip and the vectors
ROW_LABELS = ("yours", "reference", "difference")
FOCUS = "on $accent 35%"
DIFFERS = "bold $text-error"
AGREES = "$text-success"
MISSING = "$text-warning"
MUTED = "$text-muted"


def formulas(activation: str, head: str, layer: int, layers: int) -> list[str]:
    """What rnn-tui's BPTT computes at each timestep, for the legend."""
    top = layer == layers - 1
    dy = "dy = p − onehot(target)" if head == "softmax_ce" else "dy = ∂loss/∂y (the task's loss)"
    deriv = "(1 − h²)" if activation == "tanh" else "h ⊙ (1 − h)"
    return ([dy, "dh = Whyᵀ dy + dhnext"] if top else ["dh = (from the layer above) + dhnext"]) + \
        [f"dhraw = {deriv} ⊙ dh", "dhnext = Whhᵀ dhraw (to t − 1)"]


def fmt_entries(v: np.ndarray) -> list[str]:
    """Entries as :func:`~rnn_tui.tui.widgets.steps_text.vec` writes them: three
    decimals, or one significant digit and an exponent when every entry is small."""
    big = float(np.max(np.abs(v))) if v.size else 0.0
    f = "{:+.3f}" if big >= 0.01 or big == 0 else "{:+.1e}"
    return [f.format(x) for x in v]


def example_row(value: TraceValue) -> int:
    """The example of the batch to show: the one that differs most (0 when all agree)."""
    if value.yours is None or value.ok or value.reference.shape[0] == 1:
        return 0
    return int(np.argmax(np.max(np.abs(value.difference), axis=1)))


class TraceSteps(Static):
    """Shows a :class:`~rnn_tui.core.usercheck.report.Trace` at a focused timestep and
    layer; :meth:`show` redraws (also when the widget's size changes)."""

    DEFAULT_CSS = """
    TraceSteps { height: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._args: tuple | None = None

    def on_resize(self) -> None:
        if self._args is not None:
            self.show(*self._args)

    def show(self, trace: Trace | None, t: int = 0, layer: int = 0, layers: int = 1,
             waiting: str = "", legend: list[str] | None = None) -> None:
        """Draw ``trace`` focused on timestep ``t`` of ``layer`` (of ``layers``);
        ``legend``, the reference's formulas, goes under it where there is room."""
        self._args = (trace, t, layer, layers, waiting, legend)
        if trace is None or not trace.values:
            why = waiting or (trace.note if trace is not None and trace.note else
                              "your backward loop was not traced: the check stopped before it")
            skipped = trace is not None and trace.status == SKIP
            self.update(Content.assemble(("trace skipped: " if skipped else "", "bold"), why))
            return
        width = max(self.content_size.width, 40)
        lines = self._strip(trace, t, layer, width)
        lines.append(self._focus_line(trace, t, layer, layers))
        lines.extend(self._values(trace, t, layer, width))
        if legend and self.screen.has_class("-wide"):
            lines += [Content(""), Content.styled("rnn-tui's BPTT at each timestep, from t = T − 1 down:", MUTED)]
            lines += [Content.styled("  " + f, MUTED) for f in legend]
        self.update(Content("\n").join(lines))

    # ---- the strip -------------------------------------------------------------------

    @staticmethod
    def quantities(trace: Trace, layer: int) -> list[str]:
        have = {v.quantity for v in trace.values if v.layer == layer}
        return [q for q in QUANTITIES if q in have]

    @staticmethod
    def length(trace: Trace) -> int:
        return max(max(trace.visited, default=0) + 1, trace.T, max((v.t for v in trace.values), default=0) + 1)

    def _strip(self, trace: Trace, focus: int, layer: int, width: int) -> list[Content]:
        T = self.length(trace)
        room = width - LABEL
        cells = 2 if 2 * T <= room else 1
        shown = min(T, room // cells)
        start = min(max(focus - shown // 2, 0), T - shown)     # a window round the focus when T is long
        by = {(v.t, v.quantity): v for v in trace.values if v.layer == layer}
        norms = [float(np.linalg.norm(v.difference)) for v in by.values()
                 if v.yours is not None and not v.ok and np.isfinite(v.difference).all()]
        norms = [n for n in norms if n > 0]
        lo = math.log10(min(norms)) if norms else 0.0
        hi = math.log10(max(norms)) if norms else 0.0
        missing = set(trace.missing)
        rows = []
        for q in self.quantities(trace, layer):
            parts: list[tuple[str, str] | str] = [(f"{q:<{LABEL}}", "bold")]
            for ts in range(start, start + shown):
                v = by.get((ts, q))
                focus_style = f" {FOCUS}" if ts == focus else ""
                if v is None:
                    ch, style = ("–", MISSING) if ts in missing else (" ", MUTED)
                elif v.yours is None:
                    ch, style = "?", MISSING
                elif v.ok:
                    ch, style = "·", AGREES
                else:
                    n = float(np.linalg.norm(v.difference))
                    if not math.isfinite(n):
                        ch = "!"
                    else:
                        frac = (math.log10(n) - lo) / (hi - lo) if hi > lo else 1.0
                        ch = BARS[2 + int(round(frac * (len(BARS) - 3)))]
                    style = DIFFERS
                parts.append(((ch * cells) if ch not in "·–?! " else ch + " " * (cells - 1), style + focus_style))
            rows.append(Content.assemble(*parts))
        rows.append(self._axis(start, shown, cells, focus))
        return rows

    @staticmethod
    def _axis(start: int, shown: int, cells: int, focus: int) -> Content:
        """Timestep numbers under the strip: every 5th (10th when crowded), the focus in bold."""
        every = 5 if cells == 2 else 10
        label = f"t={focus}"
        at = max((focus - start) * cells - 2, 0)
        line = [" "] * (max(shown * cells, at + len(label)) + 1)
        for ts in range(start, start + shown):
            col, num = (ts - start) * cells, str(ts)
            if ts % every == 0 and (col + len(num) < at - 1 or col > at + len(label)):
                line[col:col + len(num)] = num
        text = "".join(line)
        return Content.assemble((" " * LABEL + text[:at], MUTED), (label, "bold $text-accent"),
                                (text[at + len(label):].rstrip(), MUTED))

    # ---- the focused timestep -------------------------------------------------------

    def _focus_line(self, trace: Trace, t: int, layer: int, layers: int) -> Content:
        fm = trace.first_mismatch
        T = self.length(trace)
        where = f"   layer {layer} of {layers} ({layer_name(layer, layers)}; y switches)" if layers > 1 else ""
        if fm is not None and (fm.t, fm.layer) == (t, layer):
            tag = (f"   the first mismatch: {fm.quantity}", "bold $text-error")
        elif t in trace.missing:
            tag = ("   your loop never processed this timestep", "bold " + MISSING)
        elif any(not v.ok for v in trace.at(t, layer)):
            tag = ("   differs", "bold $text-error")
        else:
            tag = ("   agrees", AGREES)
        gap = "\n" if self.screen.has_class("-wide") else ""
        return Content.assemble(gap, (f"t = {t}", "bold"), (f" of 0…{T - 1}", MUTED), tag, (where, MUTED))

    def _values(self, trace: Trace, t: int, layer: int, width: int) -> list[Content]:
        values = trace.at(t, layer)
        if not values:
            what = ("nothing to compare at t = {t}: the gradients your loop sums miss this timestep's terms"
                    if t in trace.missing else
                    "nothing was traced at t = {t}" + (f" in layer {layer}" if layer else ""))
            return [Content.styled(what.format(t=t), MISSING)]
        out = []
        for v in values:
            out.extend(self._value(v, v is trace.first_mismatch, width))
        return out

    def _value(self, v: TraceValue, first: bool, width: int) -> list[Content]:
        B = v.reference.shape[0]
        b = example_row(v)
        example = f" · example {b} of {B}" if B > 1 else ""
        if v.yours is None:
            return [Content.assemble((f"{v.quantity:<{LABEL}}", "bold"), ("? ", MISSING),
                                     (v.note or "your value could not be compared", MISSING)),
                    Content.assemble(" " * LABEL, ("reference  ", MUTED),
                                     self._vector(v.reference[b], None, width - LABEL - 11))]
        ref, yours = v.reference[b], v.yours[b]
        if v.ok:
            tail = f"  |diff| ≤ {v.max_abs:.0e}{example}"
            room = width - LABEL - 20
            if min(self._entries(room - len(tail), [ref]), ref.size) < min(3, ref.size):
                tail = ""
            return [Content.assemble((f"{v.quantity:<{LABEL}}", "bold"), ("✓ ", AGREES),
                                     ("yours = reference ", MUTED),
                                     self._vector(ref, None, room - len(tail)), (tail, MUTED))]
        diff = yours - ref
        scale = max(float(np.max(np.abs(v.yours))), float(np.max(np.abs(v.reference))), 1e-300)
        off = np.abs(diff) > TOL * scale
        worst = int(np.argmax(np.abs(diff)))
        for detail in (f": max |diff| {v.max_abs:.3g} (entry {worst}), relative {v.rel:.1e}{example}",
                       f": max |diff| {v.max_abs:.3g} [{worst}], rel. {v.rel:.0e}{example}",
                       f" {v.max_abs:.2g} [{worst}]"):
            if LABEL + 9 + len(detail) <= width:
                break
        head = Content.assemble((f"{v.quantity:<{LABEL}}", "bold"), ("✗ differs", DIFFERS), (detail, ""))
        n = self._entries(width - LABEL - 11, [yours, ref, diff])
        start = 0
        if worst >= n:          # not among the first ones: those around it instead ("[… ", two cells more)
            n = self._entries(width - LABEL - 13, [yours, ref, diff])
            start = entries_from(worst, n, ref.size)
        texts = [fmt_entries(a[start:start + n]) for a in (yours, ref, diff)]
        w = max(len(s) for row in texts for s in row)
        rows = [head]
        for label, a, row in zip(ROW_LABELS, (yours, ref, diff), texts, strict=True):
            marks = off if label != "reference" else None
            rows.append(Content.assemble(" " * LABEL, (f"{label:<11}", MUTED if label == "reference" else ""),
                                         self._vector(a, marks, 0, row, w, n, start)))
        if start:
            rows.append(Content.assemble(" " * LABEL, (f"(entries {start}–{start + n - 1} of {ref.size}, "
                                                       f"around entry {worst})", MUTED)))
        return rows

    @staticmethod
    def _entries(room: int, arrays) -> int:
        """How many entries fit in ``room`` cells with the brackets and the norm."""
        w = max(len(s) for a in arrays for s in fmt_entries(a[:8]))
        return max(2, min(8, (room - 4 - 12) // (w + 1)))

    def _vector(self, a: np.ndarray, marks, room: int, row: list[str] | None = None, w: int = 0,
                n: int | None = None, start: int = 0) -> Content:
        """``[e0 e1 … ]  ‖·‖ 0.52`` in ``room`` cells, the entries in ``marks`` (a
        boolean mask) marked; from entry ``start`` (``[… e8 e9 … ]``) when not 0."""
        if n is None:
            n = self._entries(room, [a])
        row = row if row is not None else fmt_entries(a[start:start + n])
        parts: list = ["[… " if start else "["]
        for i, s in enumerate(row):
            parts.append((s.rjust(w) if w else s, DIFFERS if marks is not None and marks[start + i] else ""))
            if i < len(row) - 1:
                parts.append(" ")
        parts.append(" …]" if a.size > start + n else "]")
        parts.append((f"  ‖·‖ {float(np.linalg.norm(a)):.3g}", MUTED))
        return Content.assemble(*parts)
