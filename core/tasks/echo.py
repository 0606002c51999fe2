"""Echo with delay: the first tutorial's task."""

from __future__ import annotations

import numpy as np

from rnn_tui.core.tasks.base import Batch, Task, TaskError


class Echo(Task):
    """Echo with delay (the first tutorial): repeat the input bits ``k`` steps later.

    Encoding: ``x_t`` is a random bit given as a symbol index (vocabulary ``0, 1``);
    the target is ``y_t = x_{t-k}`` for ``t ≥ k`` and ``0`` for the first ``k`` steps
    (which cannot be known and are left out of the accuracy).  Softmax over the two
    symbols, cross-entropy, Adagrad 0.1, clip ±1, hidden 10, sequences of 10.
    """

    name = "echo"
    order = 3
    title = "a random bit sequence delayed by 2 steps"
    DEFAULTS = dict(hidden=10, layers=1, activation="tanh", seq_len=10, batch=1,
                    lr=0.1, optimizer="adagrad", clip_mode="value", clip=1.0,
                    init="normal", init_scale=0.01)
    options = ("seq_len", "delay")

    @classmethod
    def validate(cls, cfg) -> None:
        if not 0 <= cfg.delay < cfg.seq_len:
            raise TaskError(f"--delay must be between 0 and seq-len - 1 ({cfg.seq_len - 1}), got {cfg.delay}")

    @classmethod
    def unscored_steps(cls, config: dict) -> int:
        return int(config.get("delay", 0))

    @classmethod
    def from_config(cls, cfg, progress=None) -> "Echo":
        return cls(cfg.seq_len, cfg.delay)

    def __init__(self, seq_len: int = 10, delay: int = 2):
        if delay >= seq_len:
            raise TaskError(f"--delay {delay} must be smaller than --seq-len {seq_len}")
        self.seq_len, self.delay = seq_len, delay
        self.vocab = "01"

    probe_hint = "a bit string: the network should echo it, delayed"
    probe_example = "0110100111"

    def probe_batch(self, typed: str) -> Batch:
        bits = typed.replace(" ", "")
        if not bits or set(bits) - {"0", "1"}:
            raise TaskError(f"type a bit string of 0s and 1s, got {typed!r}")
        if len(bits) <= self.delay:
            raise TaskError(f"type more than {self.delay} bits: the echo comes {self.delay} steps later")
        x = np.array([int(c) for c in bits])[:, None]
        y = np.zeros_like(x)
        y[self.delay:] = x[:len(x) - self.delay]
        return Batch(x=x, y=y, mask=np.ones(len(x)), reset=True)

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
