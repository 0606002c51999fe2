"""The stacked, batched regression of the BPTT tutorial."""

from __future__ import annotations

import numpy as np

from rnn_tui.core.tasks.base import Batch, Task


class Stack(Task):
    """The 2-layer batched regression of the BPTT tutorial (``MultiRNNCells``).

    Encoding: ``x_t`` are ``D = 3`` real features drawn uniformly from ``[-1, 1]`` for
    ``T = 10`` steps; the target ``y_t`` (``V = 3``) is the previous input ``x_{t-1}``,
    so the network must remember one step.  As in the tutorial only the last two
    outputs count: ``mask`` is 1 on ``t = T-2, T-1`` and 0 elsewhere; the loss is ½
    squared error of a linear output.  Two tanh layers of 3 units, weights uniform in
    ±0.1, plain SGD 0.1.
    """

    name = "stack"
    order = 5
    title = "2 stacked tanh layers, batch 8: remember the previous input"
    DEFAULTS = dict(hidden=3, layers=2, activation="tanh", seq_len=10, batch=8,
                    lr=0.1, optimizer="sgd", clip_mode="none", clip=0.0,
                    init="uniform", init_scale=0.1)
    renderer = "regression"

    @classmethod
    def loss_title(cls, T: int) -> str:
        return "Loss · ½ squared error of the last 2 outputs"

    @classmethod
    def from_config(cls, cfg, progress=None) -> "Stack":
        return cls(cfg.seq_len)

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
