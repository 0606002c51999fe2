"""The status line: task, iteration, losses, speed, rate, temperature, state, warnings."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class StatusBar(Static):
    """Two short lines; re-rendered only when the text changes."""

    DEFAULT_CSS = """
    StatusBar { height: 2; background: $panel; padding: 0 1; }
    StatusBar.-warning { background: $error 30%; }
    """

    def __init__(self, **kwargs):
        super().__init__("", **kwargs)
        self._last = None

    def show(self, snap, running: bool, rate: float, mode: str, message: str, warning: str) -> None:
        m = snap.metrics
        cfg = snap.config
        state = mode or ("running" if running else "paused")
        t = Text()
        t.append(f"{snap.task}", style="bold")
        t.append(f"  it {snap.iteration:,}")
        if "loss" in m:
            t.append(f"  loss {m['loss']:.4f}  smoothed {m['ema']:.4f}")
        if "bpc" in m:
            t.append(f"  bpc {m['bpc']:.2f}")
        replay = mode.startswith("replay")
        t.append(f"  {rate:,.0f} it/s" if running and not replay else "  — it/s")
        t.append(f"  lr {cfg['lr']:.3g}")
        if snap.task in ("charlm", "hello"):
            t.append(f"  temp {cfg['temperature']:.2f}")
        t.append("\n")
        t.append(f"[{state}]", style="bold green" if running else "bold yellow")
        if warning:
            t.append(f"  ⚠ {warning}", style="bold red")
        elif message:
            t.append(f"  {message}", style="italic")
        elif replay:
            t.append("  space play/pause · ←/→ seek · home/end · +/- speed · q quit", style="dim")
        else:
            t.append("  ? help · space pause · b step through BPTT · q quit", style="dim")
        key = (t.plain, bool(warning))
        if key == self._last:
            return
        self._last = key
        self.set_class(bool(warning), "-warning")
        self.update(t)
