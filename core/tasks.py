"""The tasks of the seed tutorials.  Each class states its encoding in its docstring.

Every task provides:

* ``spec_fields()`` — input/output widths, head, whether inputs are indices;
* ``DEFAULTS`` — the tutorial's hyper-parameters;
* ``next_batch(rng, B)`` — a :class:`Batch` (``x``, ``y``, ``mask``, which streams
  start afresh);
* ``metrics(batch, cache)`` — task accuracy figures for one batch;
* ``labels(batch, b)`` — the input symbol of each timestep of example ``b``, for views.

Dimensions: T time, B batch, D input width, V output width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TASKS = ("charlm", "subtraction", "echo", "hello", "stack")


class TaskError(ValueError):
    """A task cannot be built from what it was given (message is for the user)."""


@dataclass
class Batch:
    """One training batch.

    Attributes:
        x: ``(T, B)`` indices or ``(T, B, D)`` floats.
        y: ``(T, B)`` indices or ``(T, B, V)`` floats.
        mask: ``(T,)`` loss weight of each timestep.
        reset: True when the carried hidden state must start afresh.
        info: task-specific extras for views (the numbers of a subtraction...).
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    reset: bool = True
    info: dict | None = None


class CharLM:
    """Character-level language model on any UTF-8 text (min-char-rnn).

    Encoding: the vocabulary is the sorted set of characters of the text; symbol
    ``i`` is ``vocab[i]``.  ``x_t`` is the index of character ``p + t`` and the target
    ``y_t`` is the index of character ``p + t + 1`` (predict the next character).
    The text is cut into ``B`` equal streams; each iteration reads the next
    ``seq_len`` characters of every stream, and the hidden state is carried from one
    window to the next, reset to zero at the start and whenever a stream reaches its
    end — exactly min-char-rnn's ``if p+seq_length+1 >= len(data)`` for ``B = 1``.
    """

    name = "charlm"
    DEFAULTS = dict(hidden=100, layers=1, activation="tanh", seq_len=25, batch=1,
                    lr=0.1, optimizer="adagrad", clip_mode="value", clip=5.0,
                    init="normal", init_scale=0.01)
    # With stacked layers the upper layers' inputs are dense: Adagrad's first steps
    # move every weight by about lr, and at 0.1 the sums saturate tanh for good
    # (a 2-layer net stays at bpc ~4.8 after 4,000 iterations; at 0.02 it reaches 2.8).
    STACKED_LR = 0.02
    carries_state = True

    def __init__(self, text: str, seq_len: int, batch: int, source: str = "text"):
        if len(text) == 0:
            raise TaskError(f"{source} is empty")
        vocab = sorted(set(text))
        if len(vocab) < 2:
            raise TaskError(f"{source} has only one distinct character; a language model needs at least 2")
        seg = len(text) // batch
        if seg < seq_len + 2:
            raise TaskError(f"{source} is too short: {len(text)} characters cannot fill {batch} "
                            f"stream(s) of seq-len {seq_len} (need at least {batch * (seq_len + 2)})")
        self.vocab = "".join(vocab)
        self.char_to_ix = {ch: i for i, ch in enumerate(vocab)}
        self.data = np.fromiter((self.char_to_ix[c] for c in text), dtype=np.intp, count=len(text))
        self.seq_len, self.batch, self.seglen = seq_len, batch, seg
        self.starts = np.arange(batch) * seg                          # (B,)
        self.pos = 0
        self.fresh = True

    def spec_fields(self) -> dict:
        V = len(self.vocab)
        return dict(input_size=V, output_size=V, head="softmax_ce", index_input=True)

    def next_batch(self, rng: np.random.Generator, B: int) -> Batch:
        T = self.seq_len
        reset = self.fresh or self.pos + T + 1 >= self.seglen
        if reset:
            self.pos = 0
        idx = self.starts[None, :] + self.pos + np.arange(T)[:, None]  # (T, B)
        self.pos += T
        self.fresh = False
        return Batch(x=self.data[idx], y=self.data[idx + 1], mask=np.ones(T), reset=reset)

    def get_position(self) -> dict:
        return {"pos": self.pos, "fresh": self.fresh}

    def set_position(self, state: dict) -> None:
        self.pos, self.fresh = int(state["pos"]), bool(state["fresh"])

    def decode(self, ixs) -> str:
        return "".join(self.vocab[int(i)] for i in ixs)

    def metrics(self, batch: Batch, cache) -> dict:
        T = batch.x.shape[0]
        right = cache.probs.argmax(axis=2) == batch.y
        acc = np.count_nonzero(right) / right.size
        return {"accuracy": acc, "bpc": cache.loss / (T * math.log(2))}

    def labels(self, batch: Batch, b: int = 0) -> list[str]:
        return [self.vocab[int(i)] for i in batch.x[:, b]]

    def target_labels(self, batch: Batch, b: int = 0) -> list[str]:
        return [self.vocab[int(i)] for i in batch.y[:, b]]


class Hello(CharLM):
    """The "hello" memorisation: vocabulary ``h, e, l, o`` (indices 0..3, in that
    order); ``x = "hell"``, ``y = "ello"``, hidden state reset for every iteration.
    Learned when the network predicts ``o`` after reading ``hell``.
    """

    name = "hello"
    DEFAULTS = dict(CharLM.DEFAULTS, seq_len=4)
    carries_state = False

    def __init__(self, seq_len: int = 4, batch: int = 1):
        self.vocab = "helo"
        self.char_to_ix = {c: i for i, c in enumerate(self.vocab)}
        self.word = np.array([self.char_to_ix[c] for c in "hello"])
        self.seq_len, self.batch = 4, batch
        self.pos, self.fresh = 0, True

    def next_batch(self, rng, B):
        x = np.repeat(self.word[:-1, None], B, axis=1)                # (4, B)
        y = np.repeat(self.word[1:, None], B, axis=1)
        return Batch(x=x, y=y, mask=np.ones(4), reset=True)

    def get_position(self) -> dict:
        return {"pos": 0, "fresh": False}

    def set_position(self, state: dict) -> None:
        pass


class Subtraction:
    """8-bit binary subtraction ``a − b`` with ``a ≥ b`` (the subtraction tutorial).

    Encoding: ``a`` is drawn from ``[0, 2**n)`` and ``b`` from ``[0, 2**(n-1))``; if
    ``a < b`` they are swapped.  Bits are fed least-significant first: at step ``t``
    the input is ``x_t = [a_t, b_t]`` (bit ``t`` of each, ``D = 2``) and the target is
    ``y_t = c_t``, bit ``t`` of ``c = a − b`` (``V = 1``, a sigmoid output trained with
    ½ squared error and SGD 0.9).  The hidden state starts at 0.1 for every example.
    """

    name = "subtraction"
    DEFAULTS = dict(hidden=16, layers=1, activation="sigmoid", seq_len=8, batch=1,
                    lr=0.9, optimizer="sgd", clip_mode="none", clip=0.0,
                    init="uniform", init_scale=0.05, h0=0.1)
    carries_state = False

    def __init__(self, bits: int = 8):
        self.bits = bits
        self.seq_len = bits
        self._shifts = np.arange(bits)[:, None]                        # (T, 1), LSB first
        # up to 12 bits, every number's bits as a float column, LSB first: (T, 2**bits)
        self._table = (((np.arange(2 ** bits)[None] >> self._shifts) & 1).astype(float)[:, :, None]
                       if bits <= 12 else None)                        # (T, 2**bits, 1)

    def spec_fields(self) -> dict:
        return dict(input_size=2, output_size=1, head="sigmoid_mse", index_input=False)

    def encode(self, a: np.ndarray, b: np.ndarray) -> Batch:
        """Batch for given operand arrays ``a, b`` of shape ``(B,)`` (a ≥ b)."""
        c = a - b
        if self._table is not None:                                    # bit rows looked up
            x = np.concatenate((self._table[:, a], self._table[:, b]), axis=2)   # (T, B, 2): a_t, b_t
            y = self._table[:, c]                                      # (T, B, 1): c_t
        else:
            abc = (np.stack([a, b, c], axis=1)[None] >> self._shifts[:, :, None]) & 1   # (T, B, 3)
            x = abc[:, :, :2].astype(float)
            y = abc[:, :, 2:].astype(float)
        return Batch(x=x, y=y, mask=np.ones(self.bits), reset=True,
                     info={"a": a, "b": b, "c": c})

    def draw(self, rng: np.random.Generator, B: int) -> tuple[np.ndarray, np.ndarray]:
        a = rng.integers(0, 2 ** self.bits, size=B)
        b = rng.integers(0, 2 ** (self.bits - 1), size=B)
        return np.maximum(a, b), np.minimum(a, b)

    def next_batch(self, rng, B):
        return self.encode(*self.draw(rng, B))

    def predict_bits(self, cache) -> np.ndarray:
        return (cache.probs[:, :, 0] > 0.5).astype(int)                # (T, B)

    def metrics(self, batch, cache) -> dict:
        pred = self.predict_bits(cache)
        truth = batch.y[:, :, 0].astype(int)
        ok = pred == truth
        return {"accuracy": np.count_nonzero(ok.all(axis=0)) / ok.shape[1],
                "bit_accuracy": np.count_nonzero(ok) / ok.size}

    def labels(self, batch, b=0):
        return [f"{int(batch.x[t, b, 0])}{int(batch.x[t, b, 1])}" for t in range(self.bits)]

    def target_labels(self, batch, b=0):
        return [str(int(v)) for v in batch.y[:, b, 0]]

    def get_position(self) -> dict:
        return {}

    def set_position(self, state: dict) -> None:
        pass


class Echo:
    """Echo with delay (the first tutorial): repeat the input bits ``k`` steps later.

    Encoding: ``x_t`` is a random bit given as a symbol index (vocabulary ``0, 1``);
    the target is ``y_t = x_{t-k}`` for ``t ≥ k`` and ``0`` for the first ``k`` steps
    (which cannot be known and are left out of the accuracy).  Softmax over the two
    symbols, cross-entropy, Adagrad 0.1, clip ±1, hidden 10, sequences of 10.
    """

    name = "echo"
    DEFAULTS = dict(hidden=10, layers=1, activation="tanh", seq_len=10, batch=1,
                    lr=0.1, optimizer="adagrad", clip_mode="value", clip=1.0,
                    init="normal", init_scale=0.01)
    carries_state = False

    def __init__(self, seq_len: int = 10, delay: int = 2):
        if delay >= seq_len:
            raise TaskError(f"--delay {delay} must be smaller than --seq-len {seq_len}")
        self.seq_len, self.delay = seq_len, delay
        self.vocab = "01"

    def spec_fields(self) -> dict:
        return dict(input_size=2, output_size=2, head="softmax_ce", index_input=True)

    def next_batch(self, rng, B):
        T, k = self.seq_len, self.delay
        x = rng.integers(0, 2, size=(T, B))
        y = np.zeros_like(x)
        y[k:] = x[:-k] if k else x
        return Batch(x=x, y=y, mask=np.ones(T), reset=True)

    def metrics(self, batch, cache) -> dict:
        k = self.delay
        ok = cache.probs.argmax(axis=2)[k:] == batch.y[k:]
        return {"accuracy": np.count_nonzero(ok.all(axis=0)) / ok.shape[1],
                "bit_accuracy": np.count_nonzero(ok) / ok.size}

    def labels(self, batch, b=0):
        return [str(int(v)) for v in batch.x[:, b]]

    def target_labels(self, batch, b=0):
        return [str(int(v)) for v in batch.y[:, b]]

    def get_position(self) -> dict:
        return {}

    def set_position(self, state: dict) -> None:
        pass


class Stack:
    """The 2-layer batched regression of the BPTT tutorial (``MultiRNNCells``).

    Encoding: ``x_t`` are ``D = 3`` real features drawn uniformly from ``[-1, 1]`` for
    ``T = 10`` steps; the target ``y_t`` (``V = 3``) is the previous input ``x_{t-1}``,
    so the network must remember one step.  As in the tutorial only the last two
    outputs count: ``mask`` is 1 on ``t = T-2, T-1`` and 0 elsewhere; the loss is ½
    squared error of a linear output.  Two tanh layers of 3 units, weights uniform in
    ±0.1, plain SGD 0.1.
    """

    name = "stack"
    DEFAULTS = dict(hidden=3, layers=2, activation="tanh", seq_len=10, batch=8,
                    lr=0.1, optimizer="sgd", clip_mode="none", clip=0.0,
                    init="uniform", init_scale=0.1)
    carries_state = False

    def __init__(self, seq_len: int = 10, features: int = 3):
        self.seq_len, self.features = seq_len, features

    def spec_fields(self) -> dict:
        return dict(input_size=self.features, output_size=self.features,
                    head="linear_mse", index_input=False)

    def next_batch(self, rng, B):
        T, D = self.seq_len, self.features
        x = rng.uniform(-1.0, 1.0, size=(T, B, D))
        y = np.zeros_like(x)
        y[1:] = x[:-1]                                              # remember one step
        mask = np.zeros(T)
        mask[-2:] = 1.0
        return Batch(x=x, y=y, mask=mask, reset=True)

    def metrics(self, batch, cache) -> dict:
        err = cache.probs[-1] - batch.y[-1]
        return {"mse": float((err * err).mean())}

    def labels(self, batch, b=0):
        """First feature of x_t as a bar from ▁ (−1) to █ (+1)."""
        bars = "▁▂▃▄▅▆▇█"
        return [bars[int(np.clip((batch.x[t, b, 0] + 1) / 2 * 8, 0, 7))] for t in range(batch.x.shape[0])]

    def input_text(self, batch, b=0):
        """Every feature of x_t, for the step-through views."""
        return [" ".join(f"{v:+.2f}" for v in batch.x[t, b]) for t in range(batch.x.shape[0])]

    def target_labels(self, batch, b=0):
        return ["" if batch.mask[t] == 0 else " ".join(f"{v:+.2f}" for v in batch.y[t, b])
                for t in range(batch.x.shape[0])]

    def get_position(self) -> dict:
        return {}

    def set_position(self, state: dict) -> None:
        pass
