"""Generated text (language models), with the temperature it was sampled at."""

from __future__ import annotations

from rich.style import Style
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
        self._probe = None

    def theme_changed(self) -> None:
        if self._last is not None:
            self._key = None
            self.show(self._last, self._probe)

    def show(self, snap, probe=None) -> None:
        """The newest sample; while probing (``probe``, a ProbeView), the symbols the
        network expects after the text typed, and a sample going on from it."""
        self._last, self._probe = snap, probe
        key = (snap.sample_iteration, snap.sample, snap.config.get("temperature"), probe)
        if key == self._key:
            return
        self._key = key
        pal = palette(self)
        muted = pal.muted
        t = Text()
        if probe is not None and probe.top:
            t.append("after your text the network expects: ", style=muted)
            for i, (sym, p) in enumerate(probe.top):
                shown = {"\n": "↵", " ": "␣", "\t": "⇥"}.get(sym, sym)
                t.append(("  " if i else "") + shown, style=pal.accent + Style(bold=True))
                t.append(f" {p:.0%}" if p >= 0.01 else f" {p:.1%}", style=muted)
            t.append(f"\nyour text, then a sample going on from it · temperature {probe.temperature:.2f} · "
                     "p: another input\n", style=muted)
            t.append(probe.text, style=pal.primary + Style(underline=True))
            t.append(probe.continuation)
        elif not snap.sample:
            t.append("no sample yet (r samples now)", style=muted)
        else:
            t.append(f"sample at iteration {snap.sample_iteration} · temperature "
                     f"{snap.config['temperature']:.2f} · r: resample, t/T: colder/hotter\n",
                     style=muted)
            t.append(snap.sample)
        self.update(t)
