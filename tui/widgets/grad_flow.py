"""The gradients panel: live gradient flow, or one of the two step-throughs.

Three views, one widget each (:class:`GradientStrip`, :class:`BpttSteps`,
:class:`ForwardSteps`); the panel shows the one the app's mode asks for.
"""

from __future__ import annotations

from textual.containers import Vertical

from rnn_tui.tui.widgets.bptt_steps import BpttSteps
from rnn_tui.tui.widgets.forward_steps import ForwardSteps
from rnn_tui.tui.widgets.gradient_strip import GradientStrip
from rnn_tui.tui.widgets.steps_text import StepText, strip

__all__ = ["GradFlow", "strip"]


class GradFlow(Vertical):
    """Holds the three views and shows one."""

    DEFAULT_CSS = """
    GradFlow { height: 1fr; }
    """

    def compose(self):
        yield GradientStrip(id="grad-live")
        for view in (BpttSteps(id="grad-bptt"), ForwardSteps(id="grad-forward")):
            view.display = False
            yield view

    @property
    def views(self) -> list[StepText]:
        return list(self.query_children(StepText))

    def _show(self, cls: type[StepText], *args) -> None:
        for v in self.views:
            if v.display != isinstance(v, cls):
                v.display = isinstance(v, cls)
        self.query_one(cls).show(*args)

    def show_live(self, snap, replay: bool = False, probe: bool = False) -> None:
        self._show(GradientStrip, snap, replay, probe)

    def show_bptt(self, view, vocab: str = "") -> None:
        self._show(BpttSteps, view, vocab)

    def show_forward(self, view, vocab: str = "") -> None:
        self._show(ForwardSteps, view, vocab)

    @property
    def net_layer(self) -> int:
        """The layer whose gradients are shown (stacked networks)."""
        return self.views[0].net_layer if self.views else 0

    @net_layer.setter
    def net_layer(self, layer: int) -> None:
        for v in self.views:
            v.net_layer = layer
            v.invalidate()

    @property
    def content(self):
        """What the panel shows now (the visible view's content)."""
        shown = [v for v in self.views if v.display]
        return shown[0].content if shown else ""
