"""When each panel is redrawn: the app's draw scheduler.

While training runs, the status line is redrawn at most ``STATUS_HZ`` times a
second and each panel once per its period (:mod:`tui.panels`); at most one of the
heavy panels (plot, heatmap) per tick, so a key press never waits behind both.
Paused, or right after a key press (:attr:`DrawScheduler.force`), everything is
due at once, without moving the periods on.
"""

from __future__ import annotations

from rnn_tui.tui.panels import EXAMPLE, PANELS


class DrawScheduler:
    STATUS_HZ = 5.0
    """While training runs the iteration counter needs no more than this; every
    redraw costs the UI core time the trainer (on the other core) may share."""

    def __init__(self, heavy_hz: float):
        self.heavy_hz = heavy_hz
        self.force = True
        self._drawn_at: dict[str, float] = {}
        self._status_at = 0.0

    def status_due(self, now: float, running: bool, force: bool = False) -> bool:
        if force or self.force or not running or now - self._status_at >= 1.0 / self.STATUS_HZ:
            self._status_at = now
            return True
        return False

    def due(self, now: float, running: bool) -> set[str]:
        """The panels to redraw now.  A periodic redraw counts as drawn at ``now``; a
        forced or paused one does not move the periods on: the run it drew (the first
        snapshot, the one of a key press or of a resume) is soon old while training
        runs, and its example would stay on screen for a whole period (a second, some
        thousand iterations, when the session had just started)."""
        ids = [p.id for p in PANELS]
        if self.force or not running:
            self.force = False
            return set(ids)
        late = {p.id: now - self._drawn_at.get(p.id, 0.0) - p.period / self.heavy_hz for p in PANELS}
        due = {p.id for p in PANELS if late[p.id] >= 0 and not p.heavy}
        heavy = [p.id for p in PANELS if p.heavy and late[p.id] >= 0]
        if heavy:
            due.add(max(heavy, key=late.get))
        self._drawn_at.update(dict.fromkeys(due, now))
        return due

    @staticmethod
    def same_example(due: set[str], shown: set[str]) -> set[str]:
        """Predictions and gradients show the heatmap's example: while the heatmap is
        on screen they are redrawn with it, never alone, so that panels side by side
        never show two different examples."""
        if "hidden" not in shown:
            return due
        tied = EXAMPLE - {"hidden"}
        return due | tied if "hidden" in due else due - tied
