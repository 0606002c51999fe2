"""Replay mode: the app showing a recording instead of training.

Nothing is recomputed: the :class:`~rnn_tui.tui.worker.ReplayBackend` plays the
recorded snapshots, and only the keys of :data:`tui.keys.REPLAY_ACTIONS` apply.
"""

from __future__ import annotations

from rnn_tui.tui.keys import REPLAY_ACTIONS
from rnn_tui.tui.worker import ReplayBackend


class ReplayMode:
    """What a replay changes in the app: its backend, its keys, its status line."""

    def __init__(self, replayer, fps: float = 10.0, speed: float = 1.0):
        self.replayer = replayer
        self.fps = fps              # frames per second at 1×
        self.speed = speed

    def __len__(self) -> int:
        return len(self.replayer)

    def first_snapshot(self):
        return self.replayer.snapshot(0)

    def backend(self, paused: bool) -> ReplayBackend:
        backend = ReplayBackend(self.replayer, paused=paused, fps=self.fps)
        backend.speed = self.speed
        return backend

    @staticmethod
    def allows(action: str, parameters: tuple) -> bool:
        if action == "cursor":
            return parameters[0] in ("home", "end")     # ← → seek instead
        return action in REPLAY_ACTIONS

    @staticmethod
    def refusal(key: str, actions: set[str]) -> str:
        """Why ``key`` does nothing in a replay ("" if one of its ``actions`` applies)."""
        if actions & REPLAY_ACTIONS:
            return ""
        return f"{key}: not in a replay, which only shows what was recorded (? lists the replay keys)"

    @staticmethod
    def status(update) -> str:
        """The status line's state for a replay update."""
        i, n, speed, cut = update.replay
        return (f"replay {'playing' if update.running else 'paused'} {i + 1}/{n} {speed:g}×"
                + (" · recording cut short" if cut else ""))
