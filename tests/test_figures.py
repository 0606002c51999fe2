"""The task's figures (accuracy, bpc, mse, the recent accuracy) are worked out when
read, from what each step kept (core/figures.py): the same figures a step would
have worked out itself, through rollbacks and checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rnn_tui.core.config import Config
from rnn_tui.core.trainer import Trainer

SHAKESPEARE = str(Path(__file__).resolve().parents[1] / "samples" / "tinyshakespeare.txt")
TASK_KEYS = ("accuracy", "bit_accuracy", "bpc", "mse", "recent_accuracy", "recent_bit_accuracy", "recent_n")

CASES = {
    "subtraction": Config(task="subtraction"),
    "charlm": Config(task="charlm", text=SHAKESPEARE, hidden=32),
    # 32 windows of 25 symbols: its outputs are too large to keep, counted at once
    "charlm B=32": Config(task="charlm", text=SHAKESPEARE, hidden=32, batch=32),
    "echo": Config(task="echo"),
    "stack": Config(task="stack"),
}


class Eager:
    """What a step's own figures are: the task's metrics of its batch and cache, and
    the accuracy's mean over the last 100 iterations."""

    def __init__(self, trainer: Trainer):
        self.trainer, self.seen = trainer, []

    def after_step(self) -> dict:
        tr = self.trainer
        figs = dict(tr.task.metrics(tr.last.batch, tr.last.cache))
        self.seen.append(figs)
        window = self.seen[-100:]
        if "accuracy" in figs:
            figs["recent_accuracy"] = np.mean([f["accuracy"] for f in window])
            figs["recent_n"] = len(window)
            if "bit_accuracy" in figs:
                figs["recent_bit_accuracy"] = np.mean([f["bit_accuracy"] for f in window])
        return figs


def task_figures(metrics) -> dict:
    return {k: metrics[k] for k in TASK_KEYS if k in metrics}


def same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], rel=1e-12, abs=1e-12), k


@pytest.mark.parametrize("case", list(CASES))
def test_figures_read_now_and_then_are_those_each_step_had(case):
    tr = Trainer(CASES[case])
    eager = Eager(tr)
    for i in range(260):
        tr.step()
        expected = eager.after_step()
        if i % 7 == 3 or i > 250:                       # read at some iterations only, as a view does
            same(task_figures(tr.metrics), expected)
    assert task_figures(tr.metrics)                     # every task has some


def test_a_step_nobody_reads_does_not_work_out_the_task_figures(monkeypatch):
    tr = Trainer(Config(task="subtraction"))
    calls = []
    metrics = tr.task.metrics
    monkeypatch.setattr(tr.task, "metrics", lambda batch, cache: calls.append(1) or metrics(batch, cache))
    for _ in range(15):                                  # below a backup (every 20): nothing reads them
        tr.step()
    assert calls == []
    assert tr.metrics["recent_n"] == 15
    assert len(calls) == 15                              # the window read: each iteration's, once
    tr.metrics["accuracy"]
    tr.step()
    assert tr.metrics["recent_n"] == 16 and len(calls) == 16


def test_an_iterations_task_figures_are_still_read_after_its_arrays_are_reused():
    tr = Trainer(Config(task="subtraction"))
    eager = Eager(tr)
    for _ in range(121):                                 # (not a backup's iteration: it works them all out)
        tr.step()
        expected = eager.after_step()
    old = tr.metrics
    for _ in range(3):                                   # its workspace is in use again
        tr.step()
    same({k: old[k] for k in expected}, expected)
    with pytest.raises(RuntimeError, match="not read in time"):
        old["saturated"]


def test_a_rollback_restores_the_recent_accuracy_of_its_iteration():
    tr = Trainer(Config(task="subtraction"))
    eager = Eager(tr)
    for _ in range(140):                                 # the backup is taken at 140
        tr.step()
        at_backup = eager.after_step()
    for _ in range(17):
        tr.step()
    assert tr.rollback() == 140
    same(task_figures(tr.metrics), at_backup)
    tr.step()                                            # and the window goes on from there
    assert tr.metrics["recent_n"] == 100


def test_a_checkpoint_carries_the_recent_accuracy_on():
    cfg = Config(task="subtraction")
    tr, other = Trainer(cfg), Trainer(cfg)
    eager = Eager(tr)
    for _ in range(130):
        tr.step()
        eager.after_step()
    other.load_state_dict(tr.state_dict())
    same(task_figures(other.metrics), task_figures(tr.metrics))
    for _ in range(30):
        tr.step()
        other.step()
        expected = eager.after_step()
    same(task_figures(other.metrics), expected)
    same(task_figures(tr.metrics), expected)
