"""8-bit binary subtraction, the subtraction tutorial's network."""

from __future__ import annotations

import numpy as np

from rnn_tui.core.tasks.binary import BinaryArithmetic


class Subtraction(BinaryArithmetic):
    """8-bit binary subtraction ``a − b`` with ``a ≥ b`` (the subtraction tutorial).

    Encoding (see :class:`~rnn_tui.core.tasks.binary.BinaryArithmetic`): bits least
    significant first, ``x_t = [a_t, b_t]``, target ``c_t`` of ``c = a − b``.  ``a``
    is drawn from ``[0, 2**n)`` and ``b`` from ``[0, 2**(n-1))``; if ``a < b`` they
    are swapped.  Sigmoid hidden layer, sigmoid output with ½ squared error, SGD 0.9;
    the hidden state starts at 0.1 for every example.
    """

    name = "subtraction"
    order = 2
    title = "a − b (a ≥ b) on 8 bits, least-significant bit first"
    DEFAULTS = dict(hidden=16, layers=1, activation="sigmoid", seq_len=8, batch=1,
                    lr=0.9, optimizer="sgd", clip_mode="none", clip=0.0,
                    init="uniform", init_scale=0.05, h0=0.1, bias=False)
    op = "−"
    op_ascii = "-"
    probe_example = "200 - 73"
    chain_name = "borrow"
    chain_mark = "↓"

    def draw(self, rng: np.random.Generator, B: int) -> tuple[np.ndarray, np.ndarray]:
        a = rng.integers(0, 2 ** self.bits, size=B)
        b = rng.integers(0, 2 ** (self.bits - 1), size=B)
        return np.maximum(a, b), np.minimum(a, b)

    @staticmethod
    def combine(a, b):
        return a - b

    @staticmethod
    def chain(a: int, b: int, bits: int) -> list[bool]:
        """Borrow into bit ``i`` (LSB = 0) when computing ``a - b`` bit by bit."""
        out, borrow = [], 0
        for i in range(bits):
            ai, bi = (a >> i) & 1, (b >> i) & 1
            out.append(bool(borrow))
            borrow = 1 if ai - bi - borrow < 0 else 0
        return out
