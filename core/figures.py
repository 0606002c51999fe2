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
        # [iteration, batch, slot, loss, figures, Σ accuracy, Σ bit accuracy]: figures None
        # until worked out, the running sums (over the entries so far) None until then too
        self.entries: deque = deque(maxlen=n + slack)
        self._ring: np.ndarray | None = None             # (n + slack, T, B, V), made at the first note
        self._slots: list | None = None
        self._slot = 0                                    # the next entry's slot in the ring
        items = list(items)[-n:]
        for i, (acc, bit) in enumerate(items):
            self.entries.append([iteration - len(items) + 1 + i, None, None, None,
                                 {"accuracy": acc, "bit_accuracy": bit}, None, None])

    def note(self, iteration: int, batch, cache) -> None:
        """Iteration ``iteration`` (the one after the last noted) was trained on
        ``batch`` with the outputs of ``cache``."""
        probs = cache.probs
        # slots are taken in turn: the entry that last had this one has left the deque
        slot, self._slot = self._slot, (self._slot + 1) % self.entries.maxlen
        if self._slots is None and probs.nbytes * self.entries.maxlen <= self.RING_BYTES:
            self._ring = np.empty((self.entries.maxlen, *probs.shape), probs.dtype)
            self._slots = list(self._ring)                # the slots as views, made once
        if self._slots is not None and probs.shape == self._ring.shape[1:] and probs.dtype == self._ring.dtype:
            np.copyto(self._slots[slot], probs)
            self.entries.append([iteration, batch, slot, cache.loss, None, None, None])
        else:                                             # too large to keep, or a probe's own shape
            self.entries.append([iteration, None, None, None, self.task.metrics(batch, cache), None, None])

    def figures(self, iteration: int) -> dict:
        """The task's figures of ``iteration``, with ``recent_accuracy``, ``recent_n``
        (and ``recent_bit_accuracy`` for a task that scores bits) over the last ``n``
        iterations up to it.

        Raises:
            RuntimeError: ``iteration`` is no longer (or not) among the kept ones.
        """
        entries = self.entries
        # the entries hold consecutive iterations (a rollback drops the later ones)
        k = len(entries) - 1 - (entries[-1][0] - iteration) if entries else -1
        if not 0 <= k < len(entries) or entries[k][0] != iteration:
            raise RuntimeError(f"the task figures of iteration {iteration} are no longer kept")
        self._work_out(k)
        figs = dict(entries[k][4])
        if "accuracy" in figs:
            j = max(0, k - self.n + 1)                   # the window: entries j … k
            first, last = entries[j], entries[k]
            n = k - j + 1
            figs["recent_accuracy"] = (last[5] - first[5] + first[4]["accuracy"]) / n
            figs["recent_n"] = n
            if "bit_accuracy" in figs:
                figs["recent_bit_accuracy"] = (last[6] - first[6] + first[4]["bit_accuracy"]) / n
        return figs

    def _work_out(self, k: int) -> None:
        """Work out entries 0 … ``k`` that are not yet, in order (each running sum adds to the one before)."""
        entries, task, slots = self.entries, self.task, self._slots
        i = k
        while i >= 0 and entries[i][5] is None:          # back to the last one worked out
            i -= 1
        acc_sum, bit_sum = (entries[i][5], entries[i][6]) if i >= 0 else (0.0, 0.0)
        for entry in (entries[j] for j in range(i + 1, k + 1)):
            if entry[4] is None:
                entry[4] = task.metrics(entry[1], _Outputs(slots[entry[2]], entry[3]))
                entry[1] = None                           # the batch is not needed any more
            figs = entry[4]
            if "accuracy" in figs:
                acc_sum += figs["accuracy"]
                bit_sum += figs.get("bit_accuracy", 0.0)
            entry[5], entry[6] = acc_sum, bit_sum

    def items(self) -> list[tuple[float, float]]:
        """``(accuracy, bit accuracy)`` of the last ``n`` iterations, oldest first
        (a checkpoint's; a task without an accuracy has none)."""
        if not self.entries:
            return []
        self._work_out(len(self.entries) - 1)
        return [(e[4]["accuracy"], e[4].get("bit_accuracy", e[4]["accuracy"]))
                for e in list(self.entries)[-self.n:] if "accuracy" in e[4]]

    def drop_after(self, iteration: int) -> None:
        """Forget the iterations after ``iteration`` (they were rolled back)."""
        while self.entries and self.entries[-1][0] > iteration:
            self.entries.pop()
            self._slot = (self._slot - 1) % self.entries.maxlen

    def __len__(self) -> int:
        return min(len(self.entries), self.n)
