"""The app's panels, one widget a file."""

from __future__ import annotations


def no_color(widget) -> bool:
    """True when the app runs under NO_COLOR (False before the widget is mounted):
    panels then mark with characters and text styles what colour would show."""
    try:
        return bool(widget.app.no_color)
    except Exception:  # not mounted: no app yet
        return False
