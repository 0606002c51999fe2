"""The status line: task, iteration, losses, speed, rate, temperature, state, warnings."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import Static

from rnn_tui.core.tasks import task_class


def _hint(mode: str, running: bool) -> str:
    """The keys that matter now, shortest first-needed first (the line may be cut)."""
    if mode.startswith("replay"):
        return "? help · space play · ←/→ seek · +/- speed"
    if mode.startswith("BPTT"):
        return "← back in time · → undo · a apply · esc discard"
    if mode.startswith("forward"):
        return "→ next t · ← back · b BPTT · esc leave"
    if running:
        return "? help · space pause · b BPTT · q quit"
    return "? help · space run · n step · b BPTT · q quit"


class StatusBar(Vertical):
    """Two lines, each re-rendered only when its own text changes: the numbers
    change every frame while training, the state line rarely."""

    DEFAULT_CSS = """
    StatusBar { height: 2; background: $panel; padding: 0 1; }
    StatusBar > Static { height: 1; }
    StatusBar.-warning { background: $error 30%; }
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._last = (None, None)

    def compose(self):
        yield Static("", id="status-numbers")
        yield Static("", id="status-state")

    @property
    def content(self) -> str:
        """Both lines as plain text."""
        return "\n".join(str(w.content) for w in self.query(Static))

    def show(self, snap, running: bool, rate: float, mode: str, message: str, warning: str,
             stopped: str = "") -> None:
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
        line2 = Text()
        if stopped:
            line2.append(f"[stopped]  ⚠ {stopped}", style="bold red")
            self._set(t, line2, warning=True)
            return
        line2.append(f"[{state}]", style="bold green" if running else "bold yellow")
        if warning:
            # what to do first: a narrow terminal cuts the end of the line, not the advice
            line2.append(f"  ⚠ diverged: z rolls back, - halves lr {cfg['lr']:.4g} · {warning}",
                         style="bold red")
            self._set(t, line2, warning=True)
            return
        line2.append(self._settings(snap))
        if message:
            line2.append(f"  {message}", style="italic")
        else:
            line2.append("  " + _hint(mode, running), style="dim")
        self._set(t, line2, warning=False)

    @staticmethod
    def _settings(snap) -> str:
        cfg = snap.config
        temp = f"  temp {cfg['temperature']:.2f}" if task_class(snap.task).is_language_model else ""
        return f"  lr {cfg['lr']:.4g}{temp}"

    def message_room(self, snap) -> int:
        """Cells the state line leaves for a message after ``[state]  lr …``."""
        state = self._last[1] or "[running]"
        used = state.index("]") + 1 if "]" in state else len(state)
        return self.content_size.width - used - len(self._settings(snap)) - 2

    def _set(self, numbers: Text, state: Text, warning: bool) -> None:
        if numbers.plain != self._last[0]:
            self.query_one("#status-numbers", Static).update(numbers)
        if state.plain != self._last[1]:
            self.set_class(warning, "-warning")
            self.query_one("#status-state", Static).update(state)
        self._last = (numbers.plain, state.plain)
