"""The task's own figures of each iteration (accuracy, bpc, mse; ``Task.metrics``) and
the accuracy's mean over the recent iterations, worked out when something reads them.

A training step keeps only what they are computed from: its batch (a task never
writes into a batch it handed out) and a copy of its outputs ``probs (T, B, V)`` in
a ring of preallocated slots.  The copy costs a fraction of the figures themselves,
and they are read at most a few times a second (a snapshot, a recorded frame, a
CSV row); outputs too large for the ring (a big vocabulary or batch, where the
figures are a small part of a step anyway) are counted at once, as is a probe's.
"""

from __future__ import annotations

from collections import deque
from typing import NamedTuple

import numpy as np


class _Outputs(NamedTuple):
    """What ``Task.metrics`` reads of a forward cache: the outputs and the loss."""

    probs: np.ndarray
    loss: float


class _Entry:
    """One iteration kept: its batch and outputs' ring slot until its figures are
    worked out, then the figures and the running sums of the accuracy up to it."""

    __slots__ = ("iteration", "batch", "slot", "loss", "figures", "acc_sum", "bit_sum")

    def __init__(self, iteration: int, batch=None, slot: int | None = None, loss: float = 0.0,
                 figures: dict | None = None):
        self.iteration, self.batch, self.slot, self.loss, self.figures = iteration, batch, slot, loss, figures
        self.acc_sum: float | None = None             # Σ accuracy over the entries so far, once worked out
        self.bit_sum: float | None = None


class RecentFigures:
    """Each iteration's task figures, for the last ``n + slack`` iterations, and the
    mean accuracy over any iteration's last ``n``.

    ``slack``: how many iterations later than its own an iteration's figures can
    still be asked for (a rollback goes back up to ``Trainer.BACKUP_EVERY``).
    ``items``: ``(accuracy, bit accuracy)`` pairs of the iterations up to
    ``iteration`` (a checkpoint's), oldest first.
    """

    RING_BYTES = 4 << 20
    """Outputs are kept for later while the ring they need stays below this size."""

    def __init__(self, task, n: int = 100, slack: int = 0, items=(), iteration: int = 0):
        self.task, self.n = task, n
        self.entries: deque[_Entry] = deque(maxlen=n + slack)
        self._ring: np.ndarray | None = None             # (n + slack, T, B, V), made at the first note
        self._slots: list | None = None                  # its slots as views, made once
        self._slot = 0                                    # the next entry's slot in the ring
        items = list(items)[-n:]
        for i, (acc, bit) in enumerate(items):
            self.entries.append(_Entry(iteration - len(items) + 1 + i,
                                       figures={"accuracy": acc, "bit_accuracy": bit}))

    def note(self, iteration: int, batch, cache) -> None:
        """Iteration ``iteration`` (the one after the last noted) was trained on
        ``batch`` with the outputs of ``cache``."""
        probs = cache.probs
        # slots are taken in turn: the entry that last had this one has left the deque
        slot, self._slot = self._slot, (self._slot + 1) % self.entries.maxlen
        if self._slots is None and probs.nbytes * self.entries.maxlen <= self.RING_BYTES:
            self._ring = np.empty((self.entries.maxlen, *probs.shape), probs.dtype)
            self._slots = list(self._ring)
        if self._slots is not None and probs.shape == self._ring.shape[1:] and probs.dtype == self._ring.dtype:
            np.copyto(self._slots[slot], probs)
            self.entries.append(_Entry(iteration, batch, slot, cache.loss))
        else:                                             # too large to keep, or a probe's own shape
            self.entries.append(_Entry(iteration, figures=self.task.metrics(batch, cache)))

    def figures(self, iteration: int) -> dict:
        """The task's figures of ``iteration``, with ``recent_accuracy``, ``recent_n``
        (and ``recent_bit_accuracy`` for a task that scores bits) over the last ``n``
        iterations up to it.

        Raises:
            RuntimeError: ``iteration`` is no longer (or not) among the kept ones.
        """
        entries = self.entries
        # the entries hold consecutive iterations (a rollback drops the later ones)
        k = len(entries) - 1 - (entries[-1].iteration - iteration) if entries else -1
        if not 0 <= k < len(entries) or entries[k].iteration != iteration:
            raise RuntimeError(f"the task figures of iteration {iteration} are no longer kept")
        self._work_out(k)
        figs = dict(entries[k].figures)
        if "accuracy" in figs:
            first, last = entries[max(0, k - self.n + 1)], entries[k]      # the window
            n = last.iteration - first.iteration + 1
            figs["recent_accuracy"] = (last.acc_sum - first.acc_sum + first.figures["accuracy"]) / n
            figs["recent_n"] = n
            if "bit_accuracy" in figs:
                figs["recent_bit_accuracy"] = (last.bit_sum - first.bit_sum + first.figures["bit_accuracy"]) / n
        return figs

    def _work_out(self, k: int) -> None:
        """Work out entries 0 … ``k`` that are not yet, in order (each running sum adds to the one before)."""
        entries = self.entries
        i = k
        while i >= 0 and entries[i].acc_sum is None:     # back to the last one worked out
            i -= 1
        acc_sum, bit_sum = (entries[i].acc_sum, entries[i].bit_sum) if i >= 0 else (0.0, 0.0)
        for j in range(i + 1, k + 1):
            e = entries[j]
            if e.figures is None:
                e.figures = self.task.metrics(e.batch, _Outputs(self._slots[e.slot], e.loss))
                e.batch = None                            # not needed any more
            if "accuracy" in e.figures:
                acc_sum += e.figures["accuracy"]
                bit_sum += e.figures.get("bit_accuracy", 0.0)
            e.acc_sum, e.bit_sum = acc_sum, bit_sum

    def items(self) -> list[tuple[float, float]]:
        """``(accuracy, bit accuracy)`` of the last ``n`` iterations, oldest first
        (a checkpoint's; a task without an accuracy has none)."""
        if not self.entries:
            return []
        self._work_out(len(self.entries) - 1)
        return [(f["accuracy"], f.get("bit_accuracy", f["accuracy"]))
                for f in (e.figures for e in list(self.entries)[-self.n:]) if "accuracy" in f]

    def drop_after(self, iteration: int) -> None:
        """Forget the iterations after ``iteration`` (they were rolled back)."""
        while self.entries and self.entries[-1].iteration > iteration:
            self.entries.pop()
            self._slot = (self._slot - 1) % self.entries.maxlen
