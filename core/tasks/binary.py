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
        self._block: Block | None = None                               # the examples drawn ahead
        self._next = 0                                                 # the next step's place in it

    def spec_fields(self) -> dict:
        return dict(input_size=2, output_size=1, head="sigmoid_mse", index_input=False)

    def bits_of(self, v: np.ndarray) -> np.ndarray:
        """``(T, n)`` floats: row ``t`` holds bit ``t`` (LSB first) of each of the ``n`` numbers."""
        if self._table is not None:
            return self._table[:, v]                                   # looked up
        return ((v[None] >> self._shifts) & 1).astype(float)

    def encode(self, a: np.ndarray, b: np.ndarray) -> Batch:
        """The batch for given operand arrays ``a, b`` of shape ``(B,)``."""
        return self.encode_block(a, b, 1).batch(0)

    def encode_block(self, a: np.ndarray, b: np.ndarray, steps: int) -> Block:
        """``steps`` batches, in order, from operand arrays of shape ``(steps · B,)``."""
        T, B = self.bits, len(a) // steps
        c = self.combine(a, b)
        ab = self.bits_of(np.concatenate((a, b)))                      # (T, 2 n): a's bits, then b's
        x = ab.reshape(T, 2, steps, B).transpose(2, 0, 3, 1)           # (steps, T, B, 2)
        y = self.bits_of(c).reshape(T, steps, B, 1).transpose(1, 0, 2, 3)   # (steps, T, B, 1)
        return Block(np.ascontiguousarray(x), np.ascontiguousarray(y),
                     a.reshape(steps, B), b.reshape(steps, B), c.reshape(steps, B), self.mask)

    BLOCK = 256
    """Examples drawn at a time.  Each step takes its batch from the block: one draw
    and one encoding for 256 examples instead of one per step (which, at subtraction's
    sizes, was a tenth of the step)."""

    def next_batch(self, rng, B):
        block, j = self._block, self._next
        if self.draws_next(B):
            self._block = block = self._draw_block(rng, B)
            j = 0
        self._next = j + 1
        return block.batch(j)

    def draws_next(self, B: int) -> bool:
        block = self._block
        return block is None or block.B != B or self._next == block.steps

    def _draw_block(self, rng: np.random.Generator, B: int) -> Block:
        state = rng.bit_generator.state                                # names the block (get_position)
        steps = max(1, self.BLOCK // B)
        block = self.encode_block(*self.draw(rng, steps * B), steps)
        block.rng_state = state
        return block

    def get_position(self) -> dict:
        """The block in use (the RNG state it was drawn from, and its batch size) and
        the next step's place in it: an undo or a checkpoint goes on with the same examples."""
        block = self._block
        return {} if block is None else {"block_rng": block.rng_state, "batch": block.B, "next": self._next}

    def set_position(self, state: dict) -> None:
        if not state:                                                  # before any draw (or an older checkpoint)
            self._block, self._next = None, 0
            return
        drawn_from, B, j = state["block_rng"], int(state["batch"]), int(state["next"])
        block = self._block
        if (block is None or block.B != B
                or (block.rng_state is not drawn_from and block.rng_state != drawn_from)):
            if B < 1:
                raise ValueError(f"the data position's batch {B} is not one this task wrote")
            block = self._draw_block(_generator_at(drawn_from), B)      # the same examples again
        if not 0 <= j <= block.steps:
            raise ValueError(f"the data position's step {j} is outside its block of {block.steps}")
        self._block, self._next = block, j

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

    op_ascii: ClassVar[str]
    """The operator as typed on a keyboard ("-", "+")."""

    def probe_batch(self, typed: str) -> Batch:
        """``a`` and ``b`` written as two whole numbers, apart or with this task's
        operator between them (``12 5``, ``12, 5``, ``12 - 5`` for a subtraction)."""
        import re

        ops = re.escape(self.op + self.op_ascii)
        m = re.fullmatch(rf"\s*(\d+)\s*(?:[{ops},]|\s)\s*(\d+)\s*", typed)
        if m is None:
            raise TaskError(f"type two whole numbers (0 or more) as a {self.op_ascii} b, e.g. {self.probe_example}; "
                            f"got {typed!r}")
        a, b = (int(n) for n in m.groups())
        c, top = self.combine(a, b), 2 ** self.bits - 1
        if max(a, b) > top:
            big = " and ".join(f"{n} = {v}" for n, v in (("a", a), ("b", b)) if v > top)
            raise TaskError(f"a and b must each fit in {self.bits} bits (0 … {top}): {big}")
        if not 0 <= c <= top:
            raise TaskError(f"a {self.op} b must fit in {self.bits} bits (0 … {top}): "
                            f"{a} {self.op} {b} = {c}")
        return self.encode(np.array([a]), np.array([b]))

    @staticmethod
    def operands(labels) -> tuple[int, int]:
        """``a`` and ``b`` read back from an example's labels (bit pairs, LSB first)."""
        a = sum(int(x[0]) << i for i, x in enumerate(labels))
        b = sum(int(x[1]) << i for i, x in enumerate(labels))
        return a, b


def _generator_at(state) -> np.random.Generator:
    """A generator in the ``bit_generator.state`` a block was drawn from (ValueError,
    saying so, when the state is not one NumPy wrote)."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    bit_generator = getattr(np.random, str(name), None)
    if not (isinstance(bit_generator, type) and issubclass(bit_generator, np.random.BitGenerator)):
        raise ValueError(f"the data position is not one this task wrote (generator {name!r})")
    rng = np.random.Generator(bit_generator())
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError):
        raise ValueError("the data position's RNG state is damaged") from None
    return rng


class Block:
    """``steps`` batches of a binary task drawn at once: ``x (steps, T, B, 2)``,
    ``y (steps, T, B, 1)`` and the operands ``a, b, c (steps, B)``.  Read-only: the
    batches handed out are views of it."""

    def __init__(self, x, y, a, b, c, mask):
        for v in (x, y, a, b, c):
            v.setflags(write=False)
        self.x, self.y, self.a, self.b, self.c, self.mask = x, y, a, b, c, mask
        self.steps, self.B = a.shape
        self.rng_state: dict | None = None                             # set by the task that drew it

    def batch(self, j: int) -> Batch:
        return Batch(x=self.x[j], y=self.y[j], mask=self.mask, reset=True,
                     info={"a": self.a[j], "b": self.b[j], "c": self.c[j]})
