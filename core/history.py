"""The loss history kept for the plot: bounded memory however long a run trains."""

from __future__ import annotations

import itertools
import os
from typing import NamedTuple

import numpy as np


class HistoryArrays(NamedTuple):
    """The stored points of a :class:`History`, one entry per point (all ``(n,)``)."""

    it: np.ndarray
    """The iteration that closed the point's bucket."""
    raw: np.ndarray
    """Mean raw loss of the bucket's iterations."""
    ema: np.ndarray
    """Smoothed loss at ``it`` (a moving average of every raw loss)."""
    lo: np.ndarray
    """Lowest raw loss in the bucket."""
    hi: np.ndarray
    """Highest raw loss in the bucket."""


_VERSIONS = itertools.count()


class History:
    """Loss history with flat memory: at most ``cap`` points, ever.

    Each point covers a bucket of consecutive iterations: the mean, lowest and
    highest raw loss over the bucket, the iteration that closed it, and the
    smoothed loss there.  The smoothed curve is an exponential moving average of
    *every* raw loss (never of the stored points), so downsampling cannot distort
    it.  When the buffer fills, pairs of points merge (means average, the lowest
    of the two lows and the highest of the two highs are kept) and the bucket
    size doubles, so the extremes of the raw loss survive however long a run is.
    """

    POINTS = HistoryArrays._fields
    """The per-point arrays (the rest of :meth:`state` is :meth:`open_state`)."""

    def __init__(self, cap: int = 2048):
        self.cap = cap - cap % 2
        self.it = np.zeros(self.cap, dtype=np.int64)
        self.raw = np.zeros(self.cap)
        self.ema = np.zeros(self.cap)
        self.lo = np.zeros(self.cap)
        self.hi = np.zeros(self.cap)
        self.n = 0
        self.bucket = 1
        self._sum, self._count = 0.0, 0
        self._lo, self._hi = np.inf, -np.inf     # extremes of the bucket being filled
        # changes whenever stored points change (a merge, a load); otherwise points
        # are only added, so a copy of the first n stays valid (see copy_state);
        # with the pid, unique also across the app's processes
        self.version = (os.getpid(), next(_VERSIONS))

    def add(self, it: int, loss: float, ema: float) -> None:
        self._sum += loss
        self._count += 1
        self._lo, self._hi = min(self._lo, loss), max(self._hi, loss)
        if self._count < self.bucket:
            return
        if self.n == self.cap:
            half = self.cap // 2
            self.raw[:half] = self.raw.reshape(half, 2).mean(axis=1)
            self.lo[:half] = self.lo.reshape(half, 2).min(axis=1)
            self.hi[:half] = self.hi.reshape(half, 2).max(axis=1)
            self.it[:half] = self.it[1::2]
            self.ema[:half] = self.ema[1::2]
            self.n = half
            self.bucket *= 2
            self.version = (os.getpid(), next(_VERSIONS))
            if self._count < self.bucket:       # keep filling the (now larger) bucket
                return
        n = self.n
        self.it[n], self.raw[n], self.ema[n] = it, self._sum / self._count, ema
        self.lo[n], self.hi[n] = self._lo, self._hi
        self.n += 1
        self._sum, self._count = 0.0, 0
        self._lo, self._hi = np.inf, -np.inf

    def arrays(self) -> HistoryArrays:
        """Copies of ``(iteration, raw, smoothed, lowest raw, highest raw)`` for the stored points."""
        n = self.n
        return HistoryArrays(self.it[:n].copy(), self.raw[:n].copy(), self.ema[:n].copy(),
                             self.lo[:n].copy(), self.hi[:n].copy())

    def state(self) -> dict[str, np.ndarray]:
        """The stored points (views) and :meth:`open_state`: what :meth:`load` restores."""
        n = self.n
        return {**{k: getattr(self, k)[:n] for k in self.POINTS}, **self.open_state()}

    def copy_state(self, kept: tuple | None = None) -> tuple[dict[str, np.ndarray], tuple]:
        """:meth:`state` as copies, and what to pass as ``kept`` next time: the copies
        then go into the same buffers, and only the points added since are copied
        (stored points change only in a merge or a load, which change ``version``)."""
        n = self.n
        version, done, room = kept if kept is not None else (None, 0, None)
        if version != self.version or done > n or room["it"].size < n:
            done, room = 0, {k: np.empty(max(self.cap, n), getattr(self, k).dtype) for k in self.POINTS}
        out = {}
        for k in self.POINTS:
            room[k][done:n] = getattr(self, k)[done:n]                   # the points added since
            out[k] = room[k][:n]
        out.update(self.open_state())
        return out, (self.version, n, room)

    def open_state(self) -> dict[str, np.ndarray]:
        """The bucket being filled and the bucket size (new arrays)."""
        return {"meta": np.array([self.bucket, self._count, self.cap], dtype=np.int64),
                "sum": np.array([self._sum]), "open": np.array([self._lo, self._hi])}

    def load(self, st: dict[str, np.ndarray]) -> None:
        """Restore a :meth:`state`.  A state saved before the lows and highs were
        kept (no ``lo``/``hi``) loads with each point's mean as both."""
        bucket, count, cap = (int(v) for v in st["meta"])
        self.__init__(cap)
        self.bucket, self._count = bucket, count
        n = len(st["it"])
        self.it[:n], self.raw[:n], self.ema[:n] = st["it"], st["raw"], st["ema"]
        self.lo[:n] = st["lo"] if "lo" in st else st["raw"]
        self.hi[:n] = st["hi"] if "hi" in st else st["raw"]
        self.n = n
        self._sum = float(st["sum"][0])
        if "open" in st:
            self._lo, self._hi = (float(v) for v in st["open"])
        elif count:
            self._lo = self._hi = self._sum / count
