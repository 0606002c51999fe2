"""The loss history kept for the plot: bounded memory however long a run trains."""

from __future__ import annotations

import numpy as np


class History:
    """Loss history with flat memory: at most ``cap`` points, ever.

    Each point is the mean raw loss over a bucket of consecutive iterations, the
    iteration that closed the bucket, and the smoothed loss there.  The smoothed
    curve is an exponential moving average of *every* raw loss (never of the stored
    points), so downsampling cannot distort it.  When the buffer fills, pairs of
    points merge and the bucket size doubles.
    """

    def __init__(self, cap: int = 2048):
        self.cap = cap - cap % 2
        self.it = np.zeros(self.cap, dtype=np.int64)
        self.raw = np.zeros(self.cap)
        self.ema = np.zeros(self.cap)
        self.n = 0
        self.bucket = 1
        self._sum, self._count = 0.0, 0

    def add(self, it: int, loss: float, ema: float) -> None:
        self._sum += loss
        self._count += 1
        if self._count < self.bucket:
            return
        if self.n == self.cap:
            half = self.cap // 2
            self.raw[:half] = self.raw.reshape(half, 2).mean(axis=1)
            self.it[:half] = self.it[1::2]
            self.ema[:half] = self.ema[1::2]
            self.n = half
            self.bucket *= 2
            if self._count < self.bucket:       # keep filling the (now larger) bucket
                return
        self.it[self.n], self.raw[self.n], self.ema[self.n] = it, self._sum / self._count, ema
        self.n += 1
        self._sum, self._count = 0.0, 0

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of ``(iteration, raw, smoothed)`` for the stored points."""
        return self.it[:self.n].copy(), self.raw[:self.n].copy(), self.ema[:self.n].copy()

    def state(self) -> dict[str, np.ndarray]:
        return {"it": self.it[:self.n], "raw": self.raw[:self.n], "ema": self.ema[:self.n],
                "meta": np.array([self.bucket, self._count, self.cap], dtype=np.int64),
                "sum": np.array([self._sum])}

    def load(self, st: dict[str, np.ndarray]) -> None:
        self.bucket, self._count, cap = (int(v) for v in st["meta"])
        self.__init__(cap)
        self.bucket, self._count = int(st["meta"][0]), int(st["meta"][1])
        n = len(st["it"])
        self.it[:n], self.raw[:n], self.ema[:n] = st["it"], st["raw"], st["ema"]
        self.n = n
        self._sum = float(st["sum"][0])
