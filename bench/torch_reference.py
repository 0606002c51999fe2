"""PyTorch's CPU ``nn.RNN`` on min-char-rnn's task: the optional reference row of
``bench/throughput.py`` (it runs only where ``import torch`` works; torch is never a
dependency of rnn-tui, not even an extra).

:class:`TorchCharLM` trains what :class:`~naive_reference.NaiveCharLM` and rnn-tui's
char LM train, in PyTorch's idiom: one-hot inputs ``(T, B, V)``, ``nn.RNN`` (tanh,
one layer, H hidden), ``nn.Linear`` to the vocabulary, cross-entropy summed over time
and averaged over the batch, ``loss.backward()``, every gradient clipped to ±5
(``clip_grad_value_``), ``torch.optim.Adagrad(lr=0.1)``.  The text is cut into ``B``
streams as rnn-tui's :class:`~rnn_tui.core.tasks.charlm.CharLM` cuts it, and the
hidden state is carried from window to window (detached: truncated BPTT), reset at
the end of the streams.  PyTorch runs on one thread (``torch.set_num_threads(1)``),
as rnn-tui's BLAS does in the benchmark.

Differences that favour PyTorch, kept because they are how anyone would write it:
``nn.RNN`` has two bias vectors (``b_ih`` and ``b_hh``, the same function), and
Adagrad adds its epsilon outside the square root.  No sample is drawn.
"""

from __future__ import annotations

import numpy as np


class TorchCharLM:
    """:meth:`step` runs one training iteration of ``B`` windows of ``seq_length``."""

    def __init__(self, text: str, batch: int = 1, hidden_size: int = 100, seq_length: int = 25,
                 dtype: str = "float64", learning_rate: float = 0.1, seed: int = 0):
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        self.torch = torch
        self.dtype = getattr(torch, dtype)
        chars = sorted(set(text))
        ix = {ch: i for i, ch in enumerate(chars)}
        self.V = V = len(chars)
        self.T, self.B, self.H = seq_length, batch, hidden_size
        data = np.fromiter((ix[c] for c in text), dtype=np.int64, count=len(text))
        self.seg = len(data) // batch
        self.streams = torch.from_numpy(data[:self.seg * batch].reshape(batch, self.seg).T.copy())   # (seg, B)
        self.rnn = torch.nn.RNN(V, hidden_size, nonlinearity="tanh").to(self.dtype)
        self.out = torch.nn.Linear(hidden_size, V).to(self.dtype)
        self.params = list(self.rnn.parameters()) + list(self.out.parameters())
        self.opt = torch.optim.Adagrad(self.params, lr=learning_rate)
        self.eye = torch.eye(V, dtype=self.dtype)
        self.h = torch.zeros(1, batch, hidden_size, dtype=self.dtype)
        self.pos = 0
        self.fresh = True

    def step(self) -> float:
        torch, T, B = self.torch, self.T, self.B
        if self.fresh or self.pos + T + 1 >= self.seg:
            self.pos, self.fresh = 0, False
            self.h = torch.zeros(1, B, self.H, dtype=self.dtype)
        x = self.streams[self.pos:self.pos + T]                         # (T, B)
        y = self.streams[self.pos + 1:self.pos + T + 1]
        self.opt.zero_grad(set_to_none=False)
        hs, h = self.rnn(self.eye[x], self.h)                           # one-hot (T, B, V) in
        logits = self.out(hs)                                            # (T, B, V)
        loss = torch.nn.functional.cross_entropy(logits.reshape(T * B, self.V), y.reshape(T * B),
                                                 reduction="sum") / B
        loss.backward()
        torch.nn.utils.clip_grad_value_(self.params, 5.0)
        self.opt.step()
        self.h = h.detach()
        self.pos += T
        return loss.item()
