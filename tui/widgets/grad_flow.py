"""Gradient flow and the BPTT step-through.

Live: ‖dh_t‖ of every timestep of the latest example on a log scale, so vanishing
or exploding gradients show.  In step-through mode: the same strip filling in as
you step, the values of the timestep in focus with the formula that produced
each, and the running gradient sums so far.
"""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.widgets import Static

from rnn_tui.tui.widgets import layer_name

BARS = " ▁▂▃▄▅▆▇█"


def strip(norms: np.ndarray, focus: int | None = None, cells: int = 2) -> tuple[Text, str]:
    """One row of bars, ``cells`` (1 or 2) per timestep, scaled on log10 between
    min and max."""
    finite = norms[np.isfinite(norms) & (norms > 0)]
    t = Text()
    if finite.size == 0:
        return Text("·" * (cells * len(norms)), style="dim"), "no gradients yet"
    lo, hi = math.log10(finite.min()), math.log10(finite.max())
    span = max(hi - lo, 1e-9)
    for i, v in enumerate(norms):
        if not np.isfinite(v) or v <= 0:
            t.append("·" + " " * (cells - 1), style="dim")
            continue
        k = 1 + int(round((math.log10(v) - lo) / span * (len(BARS) - 2)))
        t.append(BARS[k] * cells, style="bold yellow" if i == focus else "magenta")
    if finite.min() == finite.max():            # one timestep so far: no range to scale
        return t, f"{finite.min():.2e}"
    return t, f"log scale: ▁ {finite.min():.2e} … █ {finite.max():.2e}"


def _vec(v: np.ndarray, n: int = 6) -> str:
    if v is None:
        return "—"
    big = float(np.max(np.abs(v[:n]))) if v.size else 0.0
    fmt = "{:+.3f}" if big >= 0.01 or big == 0 else "{:+.1e}"    # small deltas stay readable
    head = " ".join(fmt.format(x) for x in v[:n])
    return f"[{head}{' …' if v.size > n else ''}]  ‖·‖={float(np.linalg.norm(v)):.3g}"


def _where(layer: int, L: int, B: int) -> str:
    """A line saying what the vectors below belong to ("" when there is no choice):
    ``layer 1 of 2 (top; y switches) · vectors: example 0 of 8``."""
    parts = ([f"layer {layer} of {L} ({layer_name(layer, L)}; y switches)"] if L > 1 else []) + \
            ([f"vectors: example 0 of {B}"] if B > 1 else [])
    return "\n" + " · ".join(parts) if parts else ""


def _input(view, t: int) -> str:
    """x_t of a step-through view in full (its labels are one-cell glyphs)."""
    for seq in (view.inputs, view.labels):
        if t < len(seq):
            return seq[t]
    return ""


class GradFlow(Static):
    """The gradients panel."""

    DEFAULT_CSS = """
    GradFlow { height: 1fr; overflow-y: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._key = None
        self._last = None               # the latest show_* call, redone when the size changes
        self.net_layer = 0

    def on_resize(self) -> None:
        # The text is laid out for the panel's width and height (strip cells, packed sums):
        # lay it out again at the new size rather than wait for the next data.
        if self._last is not None:
            method, args = self._last
            method(*args)

    def show_live(self, snap, replay: bool = False) -> None:
        self._last = (self.show_live, (snap, replay))
        # the task and the norms too: after a task switch or a reset the iteration can be
        # the same (0) while everything shown has changed
        key = ("live", snap.task, snap.iteration, snap.dh_norm.shape, snap.dh_norm.tobytes()[:64],
               self.net_layer, self.content_size, replay)
        if key == self._key:
            return
        self._key = key
        L = snap.dh_norm.shape[0]
        layer = min(self.net_layer, L - 1)
        B = snap.config.get("batch", 1) or 1
        t = Text(f"Gradient flow of the latest {'batch of ' + str(B) if B > 1 else 'example'}: "
                 "‖dh_t‖ per timestep", style="bold")
        t.append(f" (layer {layer}: {layer_name(layer, L)})" if L > 1 else "")
        t.append("\n")
        t.append_text(self._strip_line(snap.dh_norm[layer], None, snap.dh_norm.shape[1], label=""))
        g = snap.metrics.get("grad_norms", {})
        if g:
            t.append("gradient norms (before clipping): ", style="dim")
            # no-break spaces keep each name with its value when the line wraps
            t.append("  ".join(f"{k}\u00a0{v:.3g}" for k, v in g.items()) + "\n")
        if not replay:
            t.append("b: pause and step through BPTT one timestep at a time", style="dim")
        self.update(t)

    def show_bptt(self, view, vocab: str = "") -> None:
        self._last = (self.show_bptt, (view, vocab))
        key = ("bptt", view.iteration, view.processed, self.net_layer, self.content_size)
        if key == self._key:
            return
        self._key = key
        L = view.layers
        layer = min(self.net_layer, L - 1)
        t = Text(f"BPTT step-through · iteration {view.iteration} · loss {view.loss:.4f}", style="bold")
        t.append(_where(layer, L, view.batch) + "\n", style="bold")
        t.append("← one step back in time · → undo · a apply the update · esc discard\n", style="dim")
        t.append_text(self._strip_line(view.dh_norm[layer], view.t, view.T,
                                       label="‖dh_t‖ (batch) " if view.batch > 1 else "‖dh_t‖ "))
        t.append("running sums so far ‖·‖", style="bold")
        t.append("  (dWhy, dby need no recurrence: all t at once)\n", style="dim")
        t.append_text(self._sums(view.grad_norms, view.grad_shapes))
        if view.t is None:
            t.append(f"Nothing processed yet: BPTT starts at the last timestep, t={view.T - 1}. "
                     "Press ← (or j).\n")
        else:
            ts = view.t
            lab = _input(view, ts)
            tgt = view.targets[ts] if ts < len(view.targets) else ""
            scored = bool(tgt) or view.target_index is not None
            t.append(f"t = {ts}   input {lab!r}   " + (f"target {tgt!r}   loss at t "
                     f"{float(view.step_loss[ts]):.4f}\n" if scored else
                     "not scored (mask 0): no loss, dy_t = 0\n"), style="bold")
            per_b = f" ÷ B={view.batch} (batch mean)" if view.batch > 1 else ""
            if layer < L - 1 or not scored:
                pass                                    # dy_t reaches this layer only through dh_t
            elif view.target_index is not None:
                t.append(f"dy_t = p_t − onehot(target){per_b}   (dy[target] −= 1)\n", style="cyan")
                dy = view.dy_t
                top = np.argsort(-np.abs(dy))[:4]
                t.append("      " + "  ".join(
                    f"{(vocab[i] if i < len(vocab) else i)!r}:{dy[i]:+.3f}" for i in top) + "\n")
            else:
                t.append(f"dy_t = ∂loss/∂logits_t (the head's delta){per_b}\n", style="cyan")
                t.append("      " + _vec(view.dy_t) + "\n")
            deriv = "(1 − h_t²)" if view.activation == "tanh" else "h_t ⊙ (1 − h_t)"
            t.append("dh_t = Whyᵀ dy_t + dhnext" if layer == L - 1 else
                     "dh_t = (gradient from layer above) + dhnext", style="cyan")
            t.append("\n      " + _vec(view.dh_t[layer]) + "\n")
            t.append(f"dhraw_t = {deriv} ⊙ dh_t", style="cyan")
            t.append("\n      " + _vec(view.dhraw_t[layer]) + "\n")
            t.append("dhnext = Whhᵀ dhraw_t   " + (
                "(carried to t−1)" if ts > 0 else
                "(dropped: the window starts here, truncated BPTT)" if view.carried else
                "(unused: h_{−1} is the fixed start state h0)"), style="cyan")
            t.append("\n      " + _vec(view.dhnext[layer]) + "\n")
            if view.dx_t is not None and layer > 0:
                t.append("to the layer below = Wxhᵀ dhraw_t", style="cyan")
                t.append("\n      " + _vec(view.dx_t[layer]) + "\n")
        self.update(t)

    def _strip_line(self, norms: np.ndarray, focus: int | None, T: int, label: str = "‖dh_t‖ ") -> Text:
        """``‖dh_t‖ t=0 ▁▂… t=T-1`` and its scale, on one line when it fits, else two;
        one cell per timestep when two would not fit."""
        width = max(self.content_size.width, 40)
        cells = 2 if 2 * T + 16 <= width else 1
        bars, scale = strip(norms, focus, cells)
        line = Text(f"{label}t=0 ", style="dim")
        line.append_text(bars)
        line.append(f" t={T - 1}", style="dim")
        sep = "   " if line.cell_len + 3 + len(scale) <= width else "\n"
        line.append(f"{sep}{scale}\n", style="dim")
        return line

    def _sums(self, norms, shapes) -> Text:
        """The gradient norms: a table when the panel is tall, else packed into lines."""
        t = Text()
        if self.content_size.height >= 24 or self.content_size.height == 0:
            for k, v in norms.items():
                shape = "×".join(str(s) for s in shapes[k])
                t.append(f"  d{k:<5} {shape:>9}  {v:.4g}\n")
            return t
        width, line = max(self.content_size.width, 40), "  "
        for k, v in norms.items():
            item = f"d{k} {v:.3g}   "
            if len(line) + len(item) > width:
                t.append(line.rstrip() + "\n")
                line = "  "
            line += item
        t.append(line.rstrip() + "\n")
        return t

    def show_forward(self, view, vocab: str = "") -> None:
        self._last = (self.show_forward, (view, vocab))
        key = ("fwd", view.iteration, view.shown, self.net_layer, self.content_size)
        if key == self._key:
            return
        self._key = key
        L = view.layers
        layer = min(self.net_layer, L - 1)
        t = Text(f"Forward step-through · iteration {view.iteration}", style="bold")
        t.append(_where(layer, L, view.batch) + "\n", style="bold")
        t.append("→/k next timestep · ←/j previous · home/end · b backward (BPTT) · esc leave\n",
                 style="dim")
        if view.t is None:
            start = ("the state carried in from the previous window" if view.carried
                     else "the fixed start state h0")
            t.append(f"\nNothing computed yet: h_{{-1}} is {start}. Press → (or k) "
                     f"to run t=0 of {view.T}.\n")
            self.update(t)
            return
        ts = view.t
        tm = view.terms[layer]
        lab = _input(view, ts)
        tgt = view.targets[ts] if ts < len(view.targets) else ""
        scored = bool(tgt) or view.target_index is not None
        t.append(f"\nt = {ts}   input x_t = {lab!r}   "
                 + (f"target {tgt!r}\n" if scored else "not scored (mask 0)\n"), style="bold")
        t.append("Wxh x_t" if layer == 0 else "Wxh h_t (layer below)", style="cyan")
        t.append("   (a column of Wxh: x_t is one-hot)\n" if layer == 0 and vocab else "\n", style="dim")
        t.append("      " + _vec(tm["xterm"]) + "\n")
        t.append("Whh h_{t−1}\n", style="cyan")
        t.append("      " + _vec(tm["hterm"]) + "\n")
        t.append("hraw_t = Wxh x_t + Whh h_{t−1} + bh\n" if layer == 0 else
                 "hraw_t = Wxh h_t(below) + Whh h_{t−1} + bh\n", style="cyan")
        t.append("      " + _vec(tm["hraw"]) + "\n")
        f = "tanh" if view.activation == "tanh" else "sigmoid"
        t.append(f"h_t = {f}(hraw_t)\n", style="cyan")
        t.append("      " + _vec(tm["h"]) + "\n")
        if view.probs_t is not None:
            p = view.probs_t
            if view.head == "softmax_ce":
                t.append("p_t = softmax(Why h_t + by)   top 5:\n", style="cyan")
                top = np.argsort(-p)[:5]
                t.append("      " + "  ".join(
                    f"{(vocab[i] if i < len(vocab) else i)!r}:{p[i]:.3f}" for i in top) + "\n")
                if view.target_index is not None:
                    pt = float(p[view.target_index])
                    t.append(f"loss_t = −log p_t[target] = −log {pt:.4f} = "
                             f"{float(view.step_loss[ts]):.4f}\n", style="bold")
            else:
                t.append("output_t = head(Why h_t + by)\n", style="cyan")
                t.append("      " + _vec(p) + "\n")
                t.append(f"loss_t = {float(view.step_loss[ts]):.4f}\n" if scored else
                         "loss_t: none, this timestep is not scored\n", style="bold")
        self.update(t)
