"""Predictions against the truth for the current example.

How they are drawn is the task's choice (its ``renderer`` trait), looked up here
by the task, never by its name.  Binary arithmetic gets the full picture: a, b and
the result in decimal and bit by bit, the predicted P(bit = 1) of each bit as a
shaded cell under the true bit, wrong bits marked, and the chain that links the
bits (a subtraction's borrows).  The bits are in time order, t=0 (the least
significant bit) on the left, as the network reads them and as the Hidden state
panel's columns run: a borrow then travels left to right, as the hidden state
carries it; a side note gives the result as numbers are written, most significant
bit first.  Regression shows the scored outputs against their targets; every
other task a strip of input, target and prediction per timestep.

Colours come from the theme (:func:`~rnn_tui.tui.colours.palette`); under
NO_COLOR, marks and text styles carry what colour would.
"""

from __future__ import annotations

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from rnn_tui.core.tasks import task_class
from rnn_tui.tui.colours import ThemeAware, palette
from rnn_tui.tui.widgets import no_color, time_note
from rnn_tui.tui.widgets.heatmap import symbol_cell

SHADES = " ░▒▓█"
BOLD = Style(bold=True)
WIDTH = 76                  # the text's width before the panel has been laid out


def _shade(p: float) -> str:
    return SHADES[int(np.clip(round(p * (len(SHADES) - 1)), 0, len(SHADES) - 1))]


class Predictions(ThemeAware, Static):
    """The predictions panel; :meth:`show` takes a snapshot."""

    DEFAULT_CSS = """
    Predictions { height: 1fr; overflow-y: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._key = None
        self._last = None               # the latest show() call, redone for a new theme or size
        self.probe = False

    def show(self, snap, probs=None, labels=None, targets=None, probe: bool = False) -> None:
        """``probe``: the example is the user's own input (the recent figures are still training's)."""
        self._last = (snap, probs, labels, targets, probe)
        self.probe = probe
        probs = snap.probs if probs is None else probs
        labels = snap.labels if labels is None else labels
        targets = snap.targets if targets is None else targets
        key = (snap.task, snap.iteration, labels, targets, probs.tobytes()[:64], probe)
        if key == self._key:
            return
        self._key = key
        task = task_class(snap.task)
        if task.renderer == "binary" and labels and all(len(x) == 2 for x in labels):
            self.update(self._binary(task, snap, probs, labels, targets))
        elif task.renderer == "regression":
            self.update(self._regression(snap, probs, targets))
        else:
            self.update(self._symbols(task, snap, probs, labels, targets))

    def _recent(self) -> str:
        """How the recent training figures are introduced: beside a probe, as training's."""
        return "training (your input is not counted), recent" if self.probe else "recent"

    def _redo(self) -> None:
        if self._last is not None and self.is_mounted:
            self._key = None
            self.show(*self._last)

    def theme_changed(self) -> None:
        self._redo()

    def on_resize(self) -> None:
        self._redo()

    @property
    def _width(self) -> int:
        return self.content_size.width or WIDTH

    def _wrong_style(self, pal) -> Style:
        """A wrong prediction: the theme's error colour, underlined; reverse video under NO_COLOR."""
        return Style(reverse=True, bold=True) if no_color(self) else pal.error + Style(bold=True, underline=True)

    def _binary(self, task, snap, probs, labels, targets) -> Text:
        """One column per bit, in time order (t=0, the least significant bit, first)."""
        pal = palette(self)
        # a, b and the result from the example shown (LSB first), which in a step-through
        # is the step-through's, not the last one trained on
        a, b = task.operands(labels)
        T = probs.shape[0]
        c = sum(int(y) << i for i, y in enumerate(targets))
        p = probs[:, 0]                                        # (T,) P(bit = 1), t = 0 first
        pred = int(sum(1 << i for i in range(T) if p[i] > 0.5))
        wrong = [(p[i] > 0.5) != bool((c >> i) & 1) for i in range(T)]
        digits = len(str(2 ** T))
        gap = " " if 14 + 2 * T <= self._width else ""        # bits apart while they fit
        lead = 8 + digits + 2                                  # "  pred = 132  "
        width = self._width
        t = Text()

        def row(name: str, cells: list[tuple[str, Style | str | None]], note: Text | str = "",
                name_style: Style | str | None = BOLD) -> None:
            line = Text()
            line.append(f"{name:>{lead}}", style=name_style)
            for i, (cell, style) in enumerate(cells):
                line.append(gap if i else "")
                line.append(cell, style)
            note = Text(note, style=pal.muted) if isinstance(note, str) else note
            if note.cell_len:
                if line.cell_len + 3 + note.cell_len <= width:
                    line.append("   ")
                else:                                  # no room beside: on its own line
                    line.append("\n" + " " * lead)
                line.append_text(note)
            t.append_text(line)
            t.append("\n")

        ticks = [(f"{i % 10}", pal.muted) for i in range(T)]
        row("t  ", ticks, time_note(task) + " (time →)", name_style=pal.muted)
        for name, v in (("a", a), ("b", b)):
            row(f"{name} = {v:>{digits}}  ", [(str((v >> i) & 1), None) for i in range(T)])
        row(f"a{task.op}b = {c:>{digits}}  ", [(str((c >> i) & 1), None) for i in range(T)],
            f"{c:0{T}b} as written (MSB first)")
        ok = pred == c
        verdict = Text("✓ right" if ok else f"✗ {sum(wrong)} wrong", style=(pal.success if ok else pal.error) + BOLD)
        row(f"pred = {pred:>{digits}}  ",
            [(str((pred >> i) & 1), self._wrong_style(pal) if wrong[i] else pal.success) for i in range(T)],
            verdict)
        row("P(bit=1)  ", [(_shade(float(p[i])), pal.error if wrong[i] else pal.primary) for i in range(T)],
            "shade: 0 ( ) … 1 (█)", name_style=pal.muted)
        row("wrong  ", [("✗" if wrong[i] else " ", pal.error + BOLD) for i in range(T)], name_style=pal.muted)
        chain = task.chain(a, b, T)
        mark = Text()
        mark.append(task.chain_mark, style=pal.accent + BOLD)
        mark.append(f": a {task.chain_name} from bit t−1", style=pal.muted)
        row(f"{task.chain_name}  ", [(task.chain_mark, pal.accent + BOLD) if chain[i] else ("·", pal.muted)
                                     for i in range(T)], mark, name_style=pal.muted)
        m = snap.metrics
        if "recent_accuracy" in m:
            t.append(f"\n{self._recent()} {m['recent_n']} examples: exact match {m['recent_accuracy']:.0%}, "
                     f"bits {m['recent_bit_accuracy']:.1%}\n", style="bold")
        return t

    def _symbols(self, task, snap, probs, labels, targets) -> Text:
        pal = palette(self)
        T = len(labels)
        vocab = snap.vocab or "01"
        t = Text()
        pred = probs.argmax(axis=1) if probs.size else np.zeros(T, dtype=int)
        rows = [("input ", [symbol_cell(s) for s in labels], None)]
        rows.append(("target", [symbol_cell(s) for s in targets], None))
        cells, styles = [], []
        wrong = self._wrong_style(pal)
        for i in range(T):
            sym = vocab[int(pred[i])] if int(pred[i]) < len(vocab) else "?"
            cells.append(symbol_cell(sym))
            if i < task.unscored_steps(snap.config):
                styles.append(pal.muted)
            else:
                right = sym == (targets[i] if i < len(targets) else "")
                styles.append(pal.success if right else wrong)
        rows.append(("pred  ", cells, styles))
        for name, cells, sty in rows:
            t.append(f"{name} ", style="bold")
            for i, c in enumerate(cells):
                t.append(c, style=sty[i] if sty else None)
            t.append("\n")
        t.append("p(tgt) ", style="bold")
        for i in range(T):
            ix = vocab.find(targets[i]) if i < len(targets) and targets[i] else -1
            pt = float(probs[i, ix]) if ix >= 0 else 0.0
            t.append(_shade(pt) + " ", style=pal.primary)          # under its symbol, as wide
        t.append("\n        ")
        if no_color(self):
            t.append("inverted: wrong", style=pal.muted)
        else:
            t.append("right", style=pal.success)
            t.append(", ", style=pal.muted)
            t.append("wrong", style=wrong)
        t.append("; p(tgt) = P(target): 0 ( ) … 1 (█)\n", style=pal.muted)
        m = snap.metrics
        if "recent_accuracy" in m:
            t.append(f"{self._recent()} {m['recent_n']} iterations: {task.accuracy_label} {m['recent_accuracy']:.0%}",
                     style="bold")
            if "recent_bit_accuracy" in m:
                t.append(f", bits {m['recent_bit_accuracy']:.1%}", style="bold")
            t.append("\n")
        return t

    def _regression(self, snap, probs, targets) -> Text:
        pal = palette(self)
        t = Text()
        t.append("Only the last two outputs are scored (½ squared error);\n"
                 "the target is the previous input x_{t−1}.\n", style=pal.muted)
        T = probs.shape[0]
        for i in range(max(0, T - 2), T):
            head = f"t={i}  "
            t.append(f"{head}output ", style="bold")
            t.append(" ".join(f"{v:+.2f}" for v in probs[i]))
            t.append(f"\n{' ' * len(head)}target ", style="bold")       # values under values
            t.append(targets[i] if i < len(targets) else "")
            t.append("\n")
        m = snap.metrics
        if "mse" in m:
            t.append(f"mean squared error of the last output: {m['mse']:.4f}\n", style="bold")
        return t
