"""Binary arithmetic, bit by bit: the family of the subtraction tutorial.

A :class:`BinaryArithmetic` task feeds two ``n``-bit numbers ``a`` and ``b`` one bit
pair per timestep, least-significant bit first, and the target at step ``t`` is bit
``t`` of the result.  A subclass says which numbers it draws (:meth:`draw`), how it
combines them (:meth:`combine`, written ``op``) and the chain that links its bits
(:meth:`chain`: the borrows of a subtraction, the carries of an addition), which the
Predictions panel draws under the result.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from rnn_tui.core.tasks.base import Batch, Task, TaskError


class BinaryArithmetic(Task):
    """Two operands in, one result out, bit by bit from the least significant.

    Encoding: at step ``t`` the input is ``x_t = [a_t, b_t]`` (bit ``t`` of each,
    ``D = 2``) and the target is ``y_t = c_t``, bit ``t`` of the result ``c``
    (``V = 1``, a sigmoid output trained with ½ squared error).  ``t = 0`` is the
    least significant bit.  The hidden state starts afresh (at ``h0``) for every example.
    """

    options = ("bits",)
    fixed_length = "it is --bits long"
    renderer = "binary"
    x_label = "ab"
    op: ClassVar[str]
    """The operator between a and b, as printed ("−", "+")."""
    chain_name: ClassVar[str]
    """What links bit t to bit t+1 ("borrow", "carry")."""
    chain_mark: ClassVar[str]
    """The mark under a bit the chain reaches ("↓")."""

    @classmethod
    def loss_title(cls, T: int) -> str:
        return f"Loss · ½ squared error summed over the {T} bits"

    @classmethod
    def resolve(cls, vals: dict, given: dict) -> None:
        vals["seq_len"] = vals["bits"]

    @classmethod
    def from_config(cls, cfg, progress=None) -> "BinaryArithmetic":
        return cls(cfg.bits)

    @abstractmethod
    def draw(self, rng: np.random.Generator, B: int) -> tuple[np.ndarray, np.ndarray]:
        """``B`` operand pairs ``(a, b)``, each ``(B,)``."""

    @staticmethod
    @abstractmethod
    def combine(a, b):
        """The result ``c`` of ``a op b`` (works on ints and on arrays)."""

    @staticmethod
    @abstractmethod
    def chain(a: int, b: int, bits: int) -> list[bool]:
        """For each bit ``i`` (LSB = 0): does the chain reach bit ``i`` from bit ``i − 1``?"""

    def __init__(self, bits: int = 8):
        self.bits = bits
        self.seq_len = bits
        self._shifts = np.arange(bits)[:, None]                        # (T, 1), LSB first
        # up to 12 bits, every number's bits as floats, LSB first: table[t, n] is bit t of n
        self._table = (((np.arange(2 ** bits)[None] >> self._shifts) & 1).astype(float)
                       if bits <= 12 else None)                        # (T, 2**bits)
        if self._table is not None:
            self._table.setflags(write=False)                          # batches hold views of it
        self.mask = np.ones(bits)                                      # every bit scores
        self.mask.setflags(write=False)

    def spec_fields(self) -> dict:
        return dict(input_size=2, output_size=1, head="sigmoid_mse", index_input=False)

    def encode(self, a: np.ndarray, b: np.ndarray) -> Batch:
        """Batch for given operand arrays ``a, b`` of shape ``(B,)``."""
        c = self.combine(a, b)
        if self._table is not None and len(a) == 1:                    # one example (B = 1): its rows
            x = self._table.take((a[0], b[0]), axis=1)[:, None]        # (T, 1, 2): a_t, b_t
            y = self._table[:, c[0], None, None]                       # (T, 1, 1): c_t, a read-only view
        elif self._table is not None:                                  # bit rows looked up
            x = self._table[:, np.array((a, b))].transpose(0, 2, 1)   # (T, B, 2): a_t, b_t in one gather
            y = self._table[:, c, None]                                # (T, B, 1): c_t
        else:
            abc = (np.stack([a, b, c], axis=1)[None] >> self._shifts[:, :, None]) & 1   # (T, B, 3)
            x = abc[:, :, :2].astype(float)
            y = abc[:, :, 2:].astype(float)
        return Batch(x=x, y=y, mask=self.mask, reset=True, info={"a": a, "b": b, "c": c})

    def next_batch(self, rng, B):
        return self.encode(*self.draw(rng, B))

    @staticmethod
    def integers(rng: np.random.Generator, high: int, B: int) -> np.ndarray:
        """``rng.integers(0, high, size=B)``.  At ``B = 1`` it is drawn as a scalar: the
        same number from the same stream, in a quarter of the time."""
        return rng.integers(0, high, size=B) if B != 1 else np.array([rng.integers(0, high)])

    def predict_bits(self, cache) -> np.ndarray:
        return (cache.probs[:, :, 0] > 0.5).astype(int)                # (T, B)

    def metrics(self, batch, cache) -> dict:
        # (T, B, 1): bit t of example b right (the targets are exactly 0 and 1)
        ok = (cache.probs > 0.5) == batch.y
        T, B, _ = ok.shape
        right = np.count_nonzero(ok)
        whole = right == T if B == 1 else np.count_nonzero(ok.all(axis=(0, 2)))   # examples all right
        return {"accuracy": whole / B, "bit_accuracy": right / ok.size}

    def labels(self, batch, b=0):
        return [f"{int(batch.x[t, b, 0])}{int(batch.x[t, b, 1])}" for t in range(self.bits)]

    def target_labels(self, batch, b=0):
        return [str(int(v)) for v in batch.y[:, b, 0]]

    probe_hint = "two numbers a and b"

    def probe_batch(self, typed: str) -> Batch:
        """``a`` and ``b`` written as two whole numbers (``12 5``, ``12-5``, ``12+5``)."""
        import re

        nums = re.findall(r"\d+", typed)
        if len(nums) != 2 or re.search(r"[^\d\s+\-−,]", typed):
            raise TaskError(f"type two whole numbers a and b (e.g. 12 {self.op} 5), got {typed!r}")
        a, b = (int(n) for n in nums)
        c = self.combine(a, b)
        if not 0 <= c < 2 ** self.bits or max(a, b) >= 2 ** self.bits:
            raise TaskError(f"a {self.op} b must fit in {self.bits} bits (0 … {2 ** self.bits - 1}): "
                            f"{a} {self.op} {b} = {c}")
        return self.encode(np.array([a]), np.array([b]))

    @staticmethod
    def operands(labels) -> tuple[int, int]:
        """``a`` and ``b`` read back from an example's labels (bit pairs, LSB first)."""
        a = sum(int(x[0]) << i for i, x in enumerate(labels))
        b = sum(int(x[1]) << i for i, x in enumerate(labels))
        return a, b
