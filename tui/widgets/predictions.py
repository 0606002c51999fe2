"""Predictions against the truth for the current example.

How they are drawn is the task's choice (its ``renderer`` trait), looked up here
by the task, never by its name.  Binary arithmetic gets the full picture: a, b and
the result in decimal and binary (most significant bit on the left, as numbers are
written), the predicted probability of each bit as a shaded cell under the true
bit, wrong bits marked, and the chain that links the bits (a subtraction's
borrows).  Regression shows the scored outputs against their targets; every other
task a strip of input, target and prediction per timestep.
"""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.widgets import Static

from rnn_tui.core.tasks import task_class
from rnn_tui.tui.widgets import no_color
from rnn_tui.tui.widgets.heatmap import symbol_cell

SHADES = " ░▒▓█"


def _shade(p: float) -> str:
    return SHADES[int(np.clip(round(p * (len(SHADES) - 1)), 0, len(SHADES) - 1))]


WRONG = "bold red underline"       # with NO_COLOR: reverse video instead


class Predictions(Static):
    """The predictions panel; :meth:`show` takes a snapshot."""

    DEFAULT_CSS = """
    Predictions { height: 1fr; overflow-y: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._key = None

    def show(self, snap, probs=None, labels=None, targets=None) -> None:
        probs = snap.probs if probs is None else probs
        labels = snap.labels if labels is None else labels
        targets = snap.targets if targets is None else targets
        key = (snap.task, snap.iteration, labels, targets, probs.tobytes()[:64])
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

    def _binary(self, task, snap, probs, labels, targets) -> Text:
        # a, b and the result from the example shown (LSB first), which in a step-through
        # is the step-through's, not the last one trained on
        a, b = task.operands(labels)
        c = sum(int(y) << i for i, y in enumerate(targets))
        T = probs.shape[0]
        p = probs[:, 0]                                        # LSB first
        pred = int(sum(1 << i for i in range(T) if p[i] > 0.5))
        t = Text()
        width = len(str(2 ** T))
        for name, v in (("a", a), ("b", b), (f"a{task.op}b", c)):
            t.append(f"{name:>5} = {v:>{width}}  ", style="bold")
            t.append(f"{v:0{T}b}\n")
        ok = pred == c
        t.append(f"{'pred':>5} = {pred:>{width}}  ", style="bold")
        t.append(f"{pred:0{T}b}", style="green" if ok else "red")
        t.append("  ✓\n" if ok else "  ✗\n", style="green" if ok else "red bold")
        pad = " " * (width + 10)
        cbits = [(c >> i) & 1 for i in range(T)]
        t.append(pad[:-8] + "p(bit)  ", style="dim")
        for i in reversed(range(T)):
            wrong = (p[i] > 0.5) != bool(cbits[i])
            t.append(_shade(float(p[i])), style="red" if wrong else "cyan")
        t.append("   shaded: p from 0 ( ) to 1 (█)\n", style="dim")
        t.append(pad[:-8] + "wrong   ", style="dim")
        for i in reversed(range(T)):
            t.append("✗" if (p[i] > 0.5) != bool(cbits[i]) else " ", style="red bold")
        t.append("\n")
        t.append(pad[:-8] + f"{task.chain_name:<8}", style="dim")
        chain = task.chain(a, b, T)
        for i in reversed(range(T)):
            t.append(task.chain_mark if chain[i] else "·", style="yellow" if chain[i] else "dim")
        t.append(f"   {task.chain_legend}\n\n", style="dim")
        m = snap.metrics
        if "recent_accuracy" in m:
            t.append(f"recent {m['recent_n']} examples: exact match {m['recent_accuracy']:.0%}, "
                     f"bits {m['recent_bit_accuracy']:.1%}\n", style="bold")
        return t

    def _symbols(self, task, snap, probs, labels, targets) -> Text:
        T = len(labels)
        vocab = snap.vocab or "01"
        t = Text()
        pred = probs.argmax(axis=1) if probs.size else np.zeros(T, dtype=int)
        rows = [("input ", [symbol_cell(s) for s in labels], None)]
        rows.append(("target", [symbol_cell(s) for s in targets], None))
        cells, styles = [], []
        for i in range(T):
            sym = vocab[int(pred[i])] if int(pred[i]) < len(vocab) else "?"
            cells.append(symbol_cell(sym))
            if i < task.unscored_steps(snap.config):
                styles.append("dim")
            else:
                right = sym == (targets[i] if i < len(targets) else "")
                styles.append("green" if right else ("reverse bold" if no_color(self) else WRONG))
        rows.append(("pred  ", cells, styles))
        for name, cells, sty in rows:
            t.append(f"{name} ", style="bold")
            for i, c in enumerate(cells):
                t.append(c, style=sty[i] if sty else "")
            t.append("\n")
        t.append("p(tgt) ", style="bold")
        for i in range(T):
            ix = vocab.find(targets[i]) if i < len(targets) and targets[i] else -1
            pt = float(probs[i, ix]) if ix >= 0 else 0.0
            t.append(_shade(pt) * 2, style="cyan")
        t.append("\n")
        right_wrong = "inverted: wrong" if no_color(self) else "green: right, red underlined: wrong"
        t.append(f"        {right_wrong}; p(tgt) from 0 ( ) to 1 (█)\n", style="dim")
        m = snap.metrics
        if "recent_accuracy" in m:
            t.append(f"recent {m['recent_n']} iterations: {task.accuracy_label} {m['recent_accuracy']:.0%}",
                     style="bold")
            if "recent_bit_accuracy" in m:
                t.append(f", bits {m['recent_bit_accuracy']:.1%}", style="bold")
            t.append("\n")
        return t

    def _regression(self, snap, probs, targets) -> Text:
        t = Text("Only the last two outputs are scored (½ squared error);\n"
                 "the target is the previous input x_{t−1}.\n", style="dim")
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
