"""The gradients panel in the forward step-through: the pieces of one cell step at
the timestep in focus (``Wxh x_t``, ``Whh h_{t−1}``, the pre-activation, ``h_t``),
the output and the loss there."""

from __future__ import annotations

import numpy as np
from rich.text import Text

from rnn_tui.tui.widgets.steps_text import StepText, input_at, vec, where

OUTPUTS = {"sigmoid_mse": "sigmoid", "sigmoid_bce": "sigmoid", "linear_mse": ""}
"""What each non-softmax head applies to the logits ("": nothing, a linear output)."""


class ForwardSteps(StepText):
    """Shows a :class:`~core.views.ForwardView`."""

    def show(self, view, vocab: str = "") -> None:
        if not self._changed((view.iteration, view.shown), (view, vocab)):
            return
        pal = self.pal
        L = view.layers
        layer = min(self.net_layer, L - 1)
        t = Text()
        t.append("Forward step-through · " + ("your input" if view.probe else f"iteration {view.iteration}"),
                 style="bold")
        t.append(where(layer, L, view.batch) + "\n", style="bold")
        t.append("→/k next timestep · ←/j previous · home/end · b backward (BPTT) · esc leave\n",
                 style=pal.muted)
        if view.t is None:
            start = ("the state carried in from the previous window" if view.carried
                     else "the fixed start state h0")
            t.append(f"\nNothing computed yet: h_{{-1}} is {start}. Press → (or k) "
                     f"to run t=0 of {view.T}.\n")
            self.update(t)
            return
        ts = view.t
        tm = view.terms[layer]
        lab = input_at(view, ts)
        tgt = view.targets[ts] if ts < len(view.targets) else ""
        scored = bool(tgt) or view.target_index is not None
        t.append(f"\nt = {ts}   input x_t = {lab!r}   "
                 + (f"target {tgt!r}\n" if scored else "not scored (mask 0)\n"), style="bold")
        t.append("Wxh x_t" if layer == 0 else "Wxh h_t (layer below)", style=pal.primary)
        t.append("   (a column of Wxh: x_t is one-hot)\n" if layer == 0 and vocab else "\n", style=pal.muted)
        t.append("      " + vec(tm["xterm"]) + "\n")
        t.append("Whh h_{t−1}\n", style=pal.primary)
        t.append("      " + vec(tm["hterm"]) + "\n")
        bh, by = (" + bh", " + by") if view.bias else ("", "")
        t.append(f"hraw_t = Wxh x_t + Whh h_{{t−1}}{bh}\n" if layer == 0 else
                 f"hraw_t = Wxh h_t(below) + Whh h_{{t−1}}{bh}\n", style=pal.primary)
        t.append("      " + vec(tm["hraw"]) + "\n")
        f = "tanh" if view.activation == "tanh" else "sigmoid"
        t.append(f"h_t = {f}(hraw_t)\n", style=pal.primary)
        t.append("      " + vec(tm["h"]) + "\n")
        if view.probs_t is not None:
            p = view.probs_t
            if view.head == "softmax_ce":
                t.append(f"p_t = softmax(Why h_t{by})   top 5:\n", style=pal.primary)
                top = np.argsort(-p)[:5]
                t.append("      " + "  ".join(
                    f"{(vocab[i] if i < len(vocab) else i)!r}:{p[i]:.3f}" for i in top) + "\n")
                if view.target_index is not None:
                    pt = float(p[view.target_index])
                    t.append(f"loss_t = −log p_t[target] = −log {pt:.4f} = "
                             f"{float(view.step_loss[ts]):.4f}\n", style="bold")
            else:
                out = OUTPUTS.get(view.head, "head")
                t.append(f"output_t = {out}(Why h_t{by})\n" if out else f"output_t = Why h_t{by}\n",
                         style=pal.primary)
                t.append("      " + vec(p) + "\n")
                t.append(f"loss_t = {float(view.step_loss[ts]):.4f}\n" if scored else
                         "loss_t: none, this timestep is not scored\n", style="bold")
        self.update(t)
