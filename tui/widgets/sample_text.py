"""Generated text (language models), with the temperature it was sampled at."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class SampleText(Static):
    """Shows the newest sample; CJK text wraps by cell width (Rich measures it)."""

    DEFAULT_CSS = """
    SampleText { height: 1fr; overflow-y: auto; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._key = None

    def show(self, snap) -> None:
        key = (snap.sample_iteration, snap.sample, snap.config.get("temperature"))
        if key == self._key:
            return
        self._key = key
        t = Text()
        if not snap.sample:
            t.append("no sample yet (r samples now)", style="dim")
        else:
            t.append(f"sample at iteration {snap.sample_iteration} · temperature "
                     f"{snap.config['temperature']:.2f} · r: resample, t/T: colder/hotter\n",
                     style="dim")
            t.append(snap.sample)
        self.update(t)
