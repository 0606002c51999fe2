"""Messages from the training worker to the UI (plain dataclasses, picklable)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """Something the status line should say once.

    ``kind`` is ``"saved"``, ``"info"``, ``"error"`` or ``"diverged"``.
    """

    kind: str
    text: str


@dataclass(frozen=True)
class GradcheckProgress:
    """Progress and, when ``done``, results of a gradient check on the live model."""

    done: bool
    checked: int
    total: int
    results: tuple = ()
    tolerance: float = 1e-7
    error: str = ""


@dataclass(frozen=True)
class Update:
    """What the worker publishes: the newest snapshot and its state, or an event."""

    snapshot: object | None = None
    running: bool = False
    rate: float = 0.0
    warning: str = ""
    bptt: object | None = None
    forward: object | None = None
    event: Event | None = None
    gradcheck: object | None = None
    neurons: object | None = None
    replay: tuple | None = None        # (frame index, frames, speed, truncated) when replaying
