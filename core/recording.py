"""Recordings: a training run's snapshots in a file, replayed later without recomputing.

Format ``rnn-tui-recording``, version 1: UTF-8 JSON Lines.

* Line 1, the header::

      {"format": "rnn-tui-recording", "version": 1, "task": "charlm",
       "config": {...the resolved Config...}, "vocab": "...", "every": 10}

* Every further line is a frame, written every ``every`` iterations::

      {"iteration": 120,
       "losses": [[111, loss, smoothed], ..., [120, loss, smoothed]],  # every iteration since the last frame
       "metrics": {...scalars, "grad_norms": {...}},
       "labels": [...], "targets": [...], "info": {...},
       "sample": "...", "sample_iteration": 101,
       "h": ARRAY, "h0": ARRAY, "probs": ARRAY, "step_loss": ARRAY, "dh_norm": ARRAY}

  where ``ARRAY`` is ``{"shape": [...], "f4": "<base64 of little-endian float32>"}``
  (example 0 of the batch, as in :class:`~core.trainer.Snapshot`).

Each line is flushed as it is written, so a run cut short leaves a valid prefix:
:func:`read` stops at the first incomplete line and says so.  The loss history of
a frame is rebuilt from the per-iteration losses with the trainer's own
:class:`~core.history.History`, so the replayed curve is the live one exactly.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

import numpy as np

from rnn_tui.core.history import History
from rnn_tui.core.views import FrozenDict, Snapshot, snapshot_from_record, snapshot_to_record

FORMAT = "rnn-tui-recording"
VERSION = 1


class RecordingError(ValueError):
    """The file is not a usable recording; the message says why."""


def _pack(a: np.ndarray) -> dict:
    a = np.asarray(a, dtype="<f4")
    return {"shape": list(a.shape), "f4": base64.b64encode(a.tobytes()).decode("ascii")}


def _unpack(d: dict) -> np.ndarray:
    raw = base64.b64decode(d["f4"])
    return np.frombuffer(raw, dtype="<f4").reshape(d["shape"]).astype(np.float64)


class Recorder:
    """Writes a recording while a trainer runs: call :meth:`after_step` after each step."""

    def __init__(self, trainer, path: str | os.PathLike, every: int = 10):
        import dataclasses

        self.every = every
        self.f = open(path, "w", encoding="utf-8")
        header = {"format": FORMAT, "version": VERSION, "task": trainer.config.task,
                  "config": dataclasses.asdict(trainer.current_config()),
                  "vocab": getattr(trainer.task, "vocab", ""), "every": every}
        self._write(header)
        self.losses: list = []

    def _write(self, obj: dict) -> None:
        self.f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.f.flush()

    def after_step(self, trainer) -> None:
        m = trainer.metrics
        self.losses.append([m["iteration"], m["loss"], m["ema"]])
        if trainer.iteration % self.every == 0:
            self.frame(trainer)

    def frame(self, trainer) -> None:
        record = snapshot_to_record(trainer.snapshot(), _pack)
        self._write({"iteration": record.pop("iteration"), "losses": self.losses, **record})
        self.losses = []

    def close(self, trainer=None) -> None:
        if trainer is not None and self.losses:
            self.frame(trainer)
        self.f.close()


@dataclass
class Recording:
    """A read recording: header, frames, and whether the file ended mid-line."""

    header: dict
    frames: list
    truncated: bool


def read(path: str | os.PathLike) -> Recording:
    """Read a recording; a truncated file gives the frames up to its last full line."""
    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    except FileNotFoundError:
        raise RecordingError(f"recording not found: {path}") from None
    except IsADirectoryError:
        raise RecordingError(f"recording path is a folder: {path}") from None
    if not lines[0].strip() and len(lines) <= 2:
        raise RecordingError(f"recording is empty: {path}")
    try:
        header = json.loads(lines[0].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RecordingError(f"{path} is not an rnn-tui recording (unreadable first line)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(f"{path} is not an rnn-tui recording")
    if header.get("version") != VERSION:
        raise RecordingError(f"{path} is recording version {header.get('version')}; this rnn-tui reads {VERSION}")
    frames, truncated = [], False
    for line in lines[1:]:
        if not line.strip():
            continue
        try:
            fr = json.loads(line.decode("utf-8"))
            _unpack(fr["h"])
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, ValueError, TypeError):
            truncated = True
            break
        frames.append(fr)
    if not frames:
        raise RecordingError(f"{path} holds no frames" + (" (cut off in the first one)" if truncated else ""))
    return Recording(header, frames, truncated)


class Replayer:
    """Turns the frames of a :class:`Recording` into :class:`~core.trainer.Snapshot` s."""

    def __init__(self, rec: Recording):
        self.rec = rec
        self.config = FrozenDict(rec.header["config"])
        self._hist_at = -1
        self._history = History(int(self.config.get("history_cap", 2048)))

    def __len__(self) -> int:
        return len(self.rec.frames)

    def _history_until(self, i: int) -> History:
        if i < self._hist_at:                       # seeking back: rebuild from the start
            self._history = History(self._history.cap)
            self._hist_at = -1
        for fr in self.rec.frames[self._hist_at + 1:i + 1]:
            for it, loss, ema in fr["losses"]:
                self._history.add(int(it), float(loss), float(ema))
        self._hist_at = i
        return self._history

    def snapshot(self, i: int) -> Snapshot:
        header = self.rec.header
        run = {"task": header["task"], "config": self.config, "vocab": header.get("vocab", ""),
               "activation": self.config.get("activation", "tanh")}
        return snapshot_from_record(self.rec.frames[i], run, self._history_until(i).arrays(), _unpack)
