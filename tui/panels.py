"""The app's panels, one record each: the app iterates these records instead of
naming its panels.

A panel has an id (also its tab and its box, ``#panel-<id>``), the tab's label and
the box's title, its widget, how often it is redrawn while training runs (in units
of ``1 / heavy_hz`` seconds: at most one *heavy* panel is redrawn per tick), which
column it sits in when all panels show, for which tasks it shows at all, and whether
it shows the latest example (those are redrawn together, and say its iteration).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rnn_tui.core.tasks import task_class
from rnn_tui.tui.widgets.grad_flow import GradFlow
from rnn_tui.tui.widgets.heatmap import Heatmap
from rnn_tui.tui.widgets.loss_plot import LossPlot
from rnn_tui.tui.widgets.predictions import Predictions
from rnn_tui.tui.widgets.sample_text import SampleText
from rnn_tui.tui.widgets.weights import WeightsPanel


def _always(task: str) -> bool:
    return True


def _language_models(task: str) -> bool:
    return task_class(task).is_language_model


@dataclass(frozen=True)
class Panel:
    id: str
    tab: str
    title: str
    widget: Callable
    widget_id: str
    period: float
    column: str
    heavy: bool = False
    shows: Callable[[str], bool] = _always
    example: bool = False
    with_steps: bool = True
    """Shown beside a step-through when all panels are (False: it gives its room to the step-through)."""
    short: str = ""
    """The tab's label on a terminal narrower than :data:`SHORT_TABS_BELOW` ("": ``tab``)."""


PANELS: list[Panel] = [
    Panel("loss", "Loss", "Loss", LossPlot, "loss-plot", 1.0, "left", heavy=True),
    Panel("hidden", "Hidden state", "Hidden state h_t (time →, units ↓)", Heatmap, "heatmap", 2.0, "right",
          heavy=True, example=True, short="Hidden"),
    Panel("predictions", "Predictions", "Predictions vs truth", Predictions, "preds", 2.0, "left", example=True,
          short="Preds"),
    Panel("text", "Text", "Generated text", SampleText, "sample", 2.0, "left", shows=_language_models),
    Panel("gradients", "Gradients / BPTT", "Gradient flow ‖dh_t‖", GradFlow, "grads", 2.0, "right",
          example=True, short="Gradients"),
    Panel("weights", "Weights", "Weights and dynamics: why ‖dh_t‖ shrinks or grows", WeightsPanel, "weights",
          2.0, "right", heavy=True, with_steps=False),
]
"""In tab order; within a column, top to bottom."""

SHORT_TABS_BELOW = 76
"""Columns below which the tabs take their short labels (all six then fit from 48 columns)."""

BY_ID = {p.id: p for p in PANELS}
EXAMPLE = {p.id for p in PANELS if p.example}
"""The panels that show one example: the heatmap's, with the predictions and gradients."""
COLUMNS = ("left", "right")
