"""Press twice to confirm: what stands between a key and losing a run.

A key that would throw away unsaved training (``q``, ``R``, a task key) asks
first: the first press says what the second would lose, a second press of the
same key within :attr:`Confirm.seconds` (or the palette's same command) goes
ahead.  Any other key in between cancels it.
"""

from __future__ import annotations

import time
from pathlib import Path


class Confirm:
    """The one question pending, if any: which key, until when."""

    def __init__(self):
        self.key: str | None = None
        self.until = 0.0

    def ask(self, key: str, lost: str, seconds: float) -> bool:
        """True to go ahead: the second press of ``key`` within ``seconds`` of the
        first, or nothing would be ``lost``.  False on a first press, which is
        remembered (the caller says what the second would lose)."""
        now = time.monotonic()
        second = self.key == key and now <= self.until
        self.key = None
        if second or not lost:
            return True
        self.key, self.until = key, now + seconds
        return False

    def other_key(self, key: str) -> None:
        """A key was pressed: unless it is the awaited one (or opens the palette,
        which may give the same command), the question is dropped."""
        if key not in (self.key, "ctrl+p"):
            self.key = None


def unsaved(snap, autosave: bool = False) -> str:
    """What replacing the run of ``snap`` would lose, in words ("" if nothing): its
    iterations since the user's last checkpoint of this very run (``snap.saved``).
    ``autosave``: autosave is on, so a run that has trained long enough to be
    autosaved (it is, as it is replaced or the app quits) loses nothing."""
    from rnn_tui.core.autosave import MIN_TRAINING

    it, saved = snap.iteration, snap.saved
    if it == 0 or (autosave and snap.train_seconds >= MIN_TRAINING):
        return ""
    if saved is None:
        return f"this {snap.task} run is not saved (s saves it)"
    since = it - saved[1]
    if since <= 0:                  # rolled back to before the save: the file holds more
        return ""
    return (f"the {since} iteration{'s' if since != 1 else ''} since the last save "
            f"({Path(saved[0]).name}) {'are' if since != 1 else 'is'} not saved")
