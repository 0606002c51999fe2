"""8-bit binary addition: the network the subtraction tutorial was adapted from."""

from __future__ import annotations

import numpy as np

from rnn_tui.core.tasks.binary import BinaryArithmetic


class Addition(BinaryArithmetic):
    """8-bit binary addition ``a + b`` with a sum below ``2**n``.

    Encoding (see :class:`~rnn_tui.core.tasks.binary.BinaryArithmetic`): bits least
    significant first, ``x_t = [a_t, b_t]``, target ``c_t`` of ``c = a + b``.  ``a``
    and ``b`` are drawn from ``[0, 2**(n-1))``, so the sum always fits in ``n`` bits.
    The network has to learn the carry: bit ``t`` of the sum depends on every bit
    below it.  Sigmoid hidden layer of 16, sigmoid output with ½ squared error, no
    biases, weights uniform in ±1, as in the binary-addition tutorial; plain SGD at
    0.5 (the tutorial's 0.1 leaves some seeds stuck at 59% exact match after 10,000
    examples; at 0.5 seeds 0-5 all reach 100% within 3,000).
    """

    name = "addition"
    order = 6
    title = "a + b on 8 bits (sum < 256), least-significant bit first"
    DEFAULTS = dict(hidden=16, layers=1, activation="sigmoid", seq_len=8, batch=1,
                    lr=0.5, optimizer="sgd", clip_mode="none", clip=0.0,
                    init="uniform", init_scale=1.0, h0=0.0, bias=False)
    op = "+"
    op_ascii = "+"
    probe_example = "100 + 27"
    chain_name = "carry"
    chain_mark = "↑"

    def draw(self, rng: np.random.Generator, B: int) -> tuple[np.ndarray, np.ndarray]:
        a = rng.integers(0, 2 ** (self.bits - 1), size=B)
        b = rng.integers(0, 2 ** (self.bits - 1), size=B)
        return a, b

    @staticmethod
    def combine(a, b):
        return a + b

    @staticmethod
    def chain(a: int, b: int, bits: int) -> list[bool]:
        """Carry into bit ``i`` (LSB = 0) when adding ``a + b`` bit by bit."""
        out, carry = [], 0
        for i in range(bits):
            out.append(bool(carry))
            carry = 1 if ((a >> i) & 1) + ((b >> i) & 1) + carry >= 2 else 0
        return out
