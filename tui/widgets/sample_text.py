"""Generated text (language models), with the temperature it was sampled at."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from rnn_tui.tui.colours import ThemeAware, palette


class SampleText(ThemeAware, Static):
    """Shows the newest sample; CJK text wraps by cell width (Rich measures it)."""

    DEFAULT_CSS = """
    SampleText { height: 1fr; overflow-y: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._key = None
        self._last = None

    def theme_changed(self) -> None:
        if self._last is not None:
            self._key = None
            self.show(self._last)

    def show(self, snap) -> None:
        self._last = snap
        key = (snap.sample_iteration, snap.sample, snap.config.get("temperature"))
        if key == self._key:
            return
        self._key = key
        muted = palette(self).muted
        t = Text()
        if not snap.sample:
            t.append("no sample yet (r samples now)", style=muted)
        else:
            t.append(f"sample at iteration {snap.sample_iteration} · temperature "
                     f"{snap.config['temperature']:.2f} · r: resample, t/T: colder/hotter\n",
                     style=muted)
            t.append(snap.sample)
        self.update(t)
