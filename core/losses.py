"""Output heads: what turns logits into predictions, a loss, and the delta ``dy``.

Dimensions: T time, B batch, V output width.  Every head takes ``logits (T, B, V)``,
targets ``y`` and a per-timestep ``mask (T,)`` (1 counts, 0 ignores the step), and

* ``forward`` returns ``probs (T, B, V)`` and ``step_loss (T,)`` — the loss of each
  timestep, averaged over the batch.  The sequence loss is their sum, as in
  min-char-rnn (which sums over time and has B = 1).
* ``backward`` returns ``dy = ∂loss/∂logits``, ``(T, B, V)``.

Heads:

``softmax_ce``   softmax + cross-entropy, ``y`` are indices ``(T, B)``;
                 ``dy = p − onehot(y)`` (min-char-rnn's ``dy[target] -= 1``).
``sigmoid_mse``  sigmoid + ½ squared error, ``y`` floats ``(T, B, V)``;
                 ``dy = (p − y) ⊙ p (1 − p)`` (the subtraction tutorial's delta).
``sigmoid_bce``  sigmoid + binary cross-entropy; ``dy = p − y``.
``linear_mse``   identity + ½ squared error; ``dy = p − y``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Head(Protocol):
    """What every head provides; see the module docstring for the contract."""

    name: str
    index_targets: bool

    def forward(self, logits: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def backward(self, probs: np.ndarray, logits: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray: ...


class SoftmaxCE:
    name, index_targets = "softmax_ce", True

    def forward(self, logits, y, mask):
        T, B, V = logits.shape
        z = logits - logits.max(axis=2, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=2, keepdims=True)                         # (T, B, V)
        p_target = np.take_along_axis(z, y[:, :, None], axis=2)[:, :, 0]  # (T, B)
        with np.errstate(divide="ignore"):
            step = -np.log(p_target).mean(axis=1) * mask
        return z, step

    def backward(self, probs, logits, y, mask):
        T, B, V = probs.shape
        dy = probs * (mask[:, None, None] / B)
        tt, bb = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
        dy[tt, bb, y] -= mask[:, None] / B                        # p - onehot(y)
        return dy


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))                         # finite for any z


class SigmoidMSE:
    name, index_targets = "sigmoid_mse", False

    def forward(self, logits, y, mask):
        p = _sigmoid(logits)
        err = p - y
        step = 0.5 * (err * err).sum(axis=2).mean(axis=1) * mask
        return p, step

    def backward(self, probs, logits, y, mask):
        B = probs.shape[1]
        return (probs - y) * probs * (1.0 - probs) * (mask[:, None, None] / B)


class SigmoidBCE:
    name, index_targets = "sigmoid_bce", False

    def forward(self, logits, y, mask):
        p = _sigmoid(logits)
        # -[y log p + (1-y) log(1-p)] written with logaddexp for stability
        ll = y * np.logaddexp(0.0, -logits) + (1.0 - y) * np.logaddexp(0.0, logits)
        return p, ll.sum(axis=2).mean(axis=1) * mask

    def backward(self, probs, logits, y, mask):
        B = probs.shape[1]
        return (probs - y) * (mask[:, None, None] / B)


class LinearMSE:
    name, index_targets = "linear_mse", False

    def forward(self, logits, y, mask):
        err = logits - y
        return logits, 0.5 * (err * err).sum(axis=2).mean(axis=1) * mask

    def backward(self, probs, logits, y, mask):
        B = probs.shape[1]
        return (logits - y) * (mask[:, None, None] / B)


HEADS: dict[str, Head] = {h.name: h for h in (SoftmaxCE(), SigmoidMSE(), SigmoidBCE(), LinearMSE())}
