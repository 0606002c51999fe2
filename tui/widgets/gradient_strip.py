"""The gradients panel's live view: ‖dh_t‖ of every timestep of the latest example
on a log scale, so vanishing or exploding gradients show, and the gradient norms."""

from __future__ import annotations

from rich.text import Text

from rnn_tui.tui.widgets import layer_name
from rnn_tui.tui.widgets.steps_text import StepText


class GradientStrip(StepText):
    """Shows a :class:`~core.views.Snapshot`'s ‖dh_t‖ strip and gradient norms."""

    def show(self, snap, replay: bool = False, probe: bool = False) -> None:
        """``probe``: ``snap``'s example is an input typed by the user (its ‖dh_t‖; the
        gradient norms are still the last training step's)."""
        # the task and the norms too: after a task switch or a reset the iteration can be
        # the same (0) while everything shown has changed
        key = (snap.task, snap.iteration, snap.dh_norm.shape, snap.dh_norm.tobytes()[:64], replay, probe)
        if not self._changed(key, (snap, replay, probe)):
            return
        pal = self.pal
        L = snap.dh_norm.shape[0]
        layer = min(self.net_layer, L - 1)
        B = snap.config.get("batch", 1) or 1
        t = Text()
        what = "your input" if probe else f"the latest {'batch of ' + str(B) if B > 1 else 'example'}"
        t.append(f"Gradient flow of {what}: ‖dh_t‖ per timestep", style="bold")
        t.append(f" (layer {layer}: {layer_name(layer, L)})" if L > 1 else "", style="bold")
        t.append("\n")
        t.append_text(self.strip_line(snap.dh_norm[layer], None, snap.dh_norm.shape[1], label=""))
        g = snap.metrics.get("grad_norms", {})
        if g:
            t.append("gradient norms of the last training step (before clipping): " if probe
                     else "gradient norms (before clipping): ", style=pal.muted)
            # name=value: Rich wraps at any whitespace, a no-break space too
            t.append("  ".join(f"{k}={v:.3g}" for k, v in g.items()) + "\n")
        if not replay:
            t.append("b: step through BPTT on your input" if probe
                     else "b: pause and step through BPTT one timestep at a time", style=pal.muted)
        self.update(t)
