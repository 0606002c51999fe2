"""The runs of this app session: what tells one from another, and the figures the
runs list shows.  A run put aside is a :class:`~core.messages.RunRecord`; the
current one is read off the newest snapshot."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path


def _clip(cfg: dict) -> str:
    if cfg.get("clip_mode") == "none" or not cfg.get("clip"):
        return "clip off"
    return f"clip ±{cfg['clip']:g}" if cfg["clip_mode"] == "value" else f"clip norm {cfg['clip']:g}"


# what a setting looks like in a label: the short forms a learner reads on a plot
SHOWN = {
    "task": lambda c: c["task"],
    "text": lambda c: Path(c["text"]).name if c.get("text") else "",
    "hidden": lambda c: f"H {c['hidden']}",
    "layers": lambda c: f"{c['layers']} layers",
    "activation": lambda c: c["activation"],
    "seq_len": lambda c: f"T {c['seq_len']}",
    "bits": lambda c: f"{c['bits']} bits",
    "delay": lambda c: f"delay {c['delay']}",
    "batch": lambda c: f"B {c['batch']}",
    "optimizer": lambda c: c["optimizer"],
    "lr": lambda c: f"lr {c['lr']:g}",
    "clip": _clip,
    "init": lambda c: f"{c['init']} {c['init_scale']:g}",
    "bias": lambda c: "biases" if c.get("bias") else "no biases",
    "h0": lambda c: f"h0 {c['h0']:g}",
    "dtype": lambda c: c["dtype"],
    "seed": lambda c: f"seed {c['seed']}",
}


def differences(cfg: dict, other: dict) -> list[str]:
    """How the settings ``cfg`` differ from ``other``, in short words ("H 50", "clip
    off", "sigmoid"), the most telling first."""
    out = []
    for show in SHOWN.values():
        try:
            mine, theirs = show(cfg), show(other)
        except (KeyError, TypeError):
            continue
        if mine and mine != theirs and mine not in out:          # "" (no text file) is not a difference to name
            out.append(mine)
    return out


def label(cfg: dict, current: dict, number: int) -> str:
    """A run's label beside the current one: what differs, or its number if nothing does."""
    diff = differences(cfg, current)
    return ", ".join(diff[:3]) if diff else f"run {number}, same settings"


@dataclass(frozen=True)
class Row:
    """One line of the runs list."""

    number: int
    run_id: str
    task: str
    differs: str
    iterations: int
    seconds: float
    rate: float
    smoothed: float
    score: str
    current: bool = False


def score(metrics: dict, seq_len: int | None = None) -> str:
    """The figure that says how good the run is, smoothed like the loss beside it: bpc
    or mean squared error of the smoothed loss (both are the loss times a constant of
    the task), or the accuracy of the recent iterations.  ``seq_len``: a training
    window's length, which makes the bpc constant (the last iteration may have been
    a probe's, of another length)."""
    loss, ema = metrics.get("loss"), metrics.get("ema")
    smooth = ema / loss if loss and ema is not None and math.isfinite(ema / loss) else 1.0
    if "bpc" in metrics:
        bpc = ema / (seq_len * math.log(2)) if seq_len and ema is not None else metrics["bpc"] * smooth
        return f"bpc {bpc:.3f}"
    if "recent_accuracy" in metrics:
        return f"acc {metrics['recent_accuracy']:.0%}"
    if "mse" in metrics:
        return f"mse {metrics['mse'] * smooth:.4f}"
    return ""


def row(number: int, run_id: str, task: str, cfg: dict, current_cfg: dict, iteration: int, seconds: float,
        metrics: dict, current: bool = False) -> Row:
    ema = metrics.get("ema", math.nan)
    return Row(number, run_id, task, "current run" if current else label(cfg, current_cfg, number), iteration,
               seconds, iteration / seconds if seconds > 0 else 0.0, float(ema), score(metrics, cfg.get("seq_len")),
               current)


class RunsList:
    """The runs of this app session put aside (``RunRecord`` s), numbered in the order
    they were first seen.  The newest :attr:`KEPT` keep their full state (they can go
    on); older ones keep their figures only, so memory stays flat however many runs a
    class makes."""

    KEPT = 20

    def __init__(self):
        self.records: list = []
        self.numbers: dict[str, int] = {}

    def number(self, run_id: str) -> int:
        return self.numbers.setdefault(run_id, len(self.numbers) + 1)

    def add(self, rec) -> None:
        """Put a run aside (a newer record of the same run replaces its last); a run
        that never trained is left out: there is nothing to compare or go back to."""
        if rec.iteration == 0:
            return
        self.number(rec.run_id)
        runs = [r for r in self.records if r.run_id != rec.run_id] + [rec]
        cut = len(runs) - self.KEPT
        self.records = [dataclasses.replace(r, state=None) if i < cut and r.state is not None else r
                        for i, r in enumerate(runs)]

    def find(self, run_id: str):
        return next((r for r in self.records if r.run_id == run_id), None)

    def rows(self, snap) -> list[Row]:
        """The table: the current run (from its snapshot ``snap``), then those put aside, newest first."""
        cur = dict(snap.config)
        out = [row(self.number(snap.run_id), snap.run_id, snap.task, cur, cur, snap.iteration,
                   snap.train_seconds, dict(snap.metrics), current=True)]
        return out + [row(self.number(r.run_id), r.run_id, r.task, r.config, cur, r.iteration, r.train_seconds,
                          r.metrics) for r in reversed(self.records) if r.run_id != snap.run_id]

    def others(self, snap, limit: int = 5) -> list:
        """Up to ``limit`` earlier runs of the same task, newest first, for the loss plot:
        ``(label, iterations, smoothed)``."""
        same = [r for r in reversed(self.records) if r.task == snap.task and r.run_id != snap.run_id][:limit]
        return [(label(r.config, dict(snap.config), self.number(r.run_id)), r.history[0], r.history[2])
                for r in same if len(r.history[0]) > 1]
