"""The app's panels, one widget a file."""

from __future__ import annotations


def layer_name(layer: int, L: int) -> str:
    """Where layer ``layer`` (numbered from 0, like ``Wxh0``) sits in a stack of ``L``."""
    return "bottom" if layer == 0 else ("top" if layer == L - 1 else "middle")


def no_color(widget) -> bool:
    """True when the app runs under NO_COLOR (False before the widget is mounted):
    panels then mark with characters and text styles what colour would show."""
    try:
        return bool(widget.app.no_color)
    except Exception:  # not mounted: no app yet
        return False


def time_note(task) -> str:
    """What time means for a task's inputs, said by the heatmap and the predictions
    ("" when there is nothing to add).  The binary renderer's tasks feed their
    numbers least significant bit first (see ``core/tasks/binary.py``)."""
    return "t=0 is the least significant bit" if task.renderer == "binary" else ""
