"""The gradients panel in the BPTT step-through: the ‖dh_t‖ strip filling in as you
step back in time, the values of the timestep in focus with the formula that
produced each, and the running gradient sums so far."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from rnn_tui.tui.widgets.steps_text import StepText, input_at, vec, where


class BpttSteps(StepText):
    """Shows a :class:`~core.views.BpttView`."""

    def show(self, view, vocab: str = "") -> None:
        if not self._changed((view.iteration, view.processed), (view, vocab)):
            return
        pal = self.pal
        L = view.layers
        layer = min(self.net_layer, L - 1)
        t = Text()
        t.append(f"BPTT step-through · {'your input' if view.probe else f'iteration {view.iteration}'} · "
                 f"loss {view.loss:.4f}", style="bold")
        t.append(where(layer, L, view.batch) + "\n", style="bold")
        t.append("← one step back in time · → undo · a apply the update · esc discard\n", style=pal.muted)
        t.append_text(self.strip_line(view.dh_norm[layer], view.t, view.T,
                                       label="‖dh_t‖ (batch) " if view.batch > 1 else "‖dh_t‖ "))
        t.append("running sums so far ‖·‖", style="bold")
        t.append("  (dWhy, dby need no recurrence: all t at once)\n", style=pal.muted)
        t.append_text(self._sums(view.grad_norms, view.grad_shapes))
        if view.t is None:
            t.append(f"Nothing processed yet: BPTT starts at the last timestep, t={view.T - 1}. "
                     "Press ← (or j).\n")
        else:
            ts = view.t
            lab = input_at(view, ts)
            tgt = view.targets[ts] if ts < len(view.targets) else ""
            scored = bool(tgt) or view.target_index is not None
            t.append(f"t = {ts}   input {lab!r}   " + (f"target {tgt!r}   loss at t "
                     f"{float(view.step_loss[ts]):.4f}\n" if scored else
                     "not scored (mask 0): no loss, dy_t = 0\n"), style="bold")
            per_b = f" ÷ B={view.batch} (batch mean)" if view.batch > 1 else ""
            if layer < L - 1 or not scored:
                pass                                    # dy_t reaches this layer only through dh_t
            elif view.target_index is not None:
                t.append(f"dy_t = p_t − onehot(target){per_b}   (dy[target] −= 1)\n", style=pal.primary)
                dy = view.dy_t
                top = np.argsort(-np.abs(dy))[:4]
                t.append("      " + "  ".join(
                    f"{(vocab[i] if i < len(vocab) else i)!r}:{dy[i]:+.3f}" for i in top) + "\n")
            else:
                t.append(f"dy_t = ∂loss/∂logits_t (the head's delta){per_b}\n", style=pal.primary)
                t.append("      " + vec(view.dy_t) + "\n")
            deriv = "(1 − h_t²)" if view.activation == "tanh" else "h_t ⊙ (1 − h_t)"
            t.append("dh_t = Whyᵀ dy_t + dhnext" if layer == L - 1 else
                     "dh_t = (gradient from layer above) + dhnext", style=pal.primary)
            t.append("\n      " + vec(view.dh_t[layer]) + "\n")
            t.append(f"dhraw_t = {deriv} ⊙ dh_t", style=pal.primary)
            t.append("\n      " + vec(view.dhraw_t[layer]) + "\n")
            t.append("dhnext = Whhᵀ dhraw_t   " + (
                "(carried to t−1)" if ts > 0 else
                "(dropped: the window starts here, truncated BPTT)" if view.carried else
                "(unused: h_{−1} is the fixed start state h0)"), style=pal.primary)
            t.append("\n      " + vec(view.dhnext[layer]) + "\n")
            if view.dx_t is not None and layer > 0:
                t.append("to the layer below = Wxhᵀ dhraw_t", style=pal.primary)
                t.append("\n      " + vec(view.dx_t[layer]) + "\n")
        self.update(t)

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
