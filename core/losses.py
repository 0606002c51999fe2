"""Output heads: what turns logits into predictions, a loss, and the delta ``dy``.

Dimensions: T time, B batch, V output width.  Every head takes ``logits (T, B, V)``,
targets ``y`` and a per-timestep ``mask (T,)`` (1 counts, 0 ignores the step), and

* ``forward`` returns ``probs (T, B, V)`` and ``step_loss (T,)`` — the loss of each
  timestep, averaged over the batch.  The sequence loss is their sum, as in
  min-char-rnn (which sums over time and has B = 1).
* ``backward`` returns ``dy = ∂loss/∂logits``, ``(T, B, V)``.

Both write their ``(T, B, V)`` result into ``out`` when given one (a preallocated
array, see :class:`~rnn_tui.core.model.Workspace`), else into a new array.

Heads:

``softmax_ce``   softmax + cross-entropy, ``y`` are indices ``(T, B)``;
                 ``dy = p − onehot(y)`` (min-char-rnn's ``dy[target] -= 1``).
``sigmoid_mse``  sigmoid + ½ squared error, ``y`` floats ``(T, B, V)``;
                 ``dy = (p − y) ⊙ p (1 − p)`` (the subtraction tutorial's delta).
``sigmoid_bce``  sigmoid + binary cross-entropy; ``dy = p − y``.
``linear_mse``   identity + ½ squared error; ``dy = p − y``.
"""

from __future__ import annotations

import functools
from typing import Protocol

import numpy as np


class Head(Protocol):
    """What every head provides; see the module docstring for the contract."""

    name: str
    index_targets: bool

    def forward(self, logits: np.ndarray, y: np.ndarray, mask: np.ndarray,
                out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def backward(self, probs: np.ndarray, logits: np.ndarray, y: np.ndarray, mask: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray: ...


@functools.lru_cache(maxsize=8)
def _rows(n: int) -> np.ndarray:
    """``arange(n)``, made once per size: the row index of a gather ``p[rows, y]``."""
    r = np.arange(n)
    r.setflags(write=False)
    return r


# Within ±SAFE_EXP, exp neither overflows nor underflows in float32 or float64
# (and a row of a million such terms still sums to a finite number),
# so softmax needs no per-row shift (which costs two passes over the logits).
SAFE_EXP = 60.0


class SoftmaxCE:
    name, index_targets = "softmax_ce", True

    def forward(self, logits, y, mask, out=None):
        T, B, V = logits.shape
        z = logits.reshape(T * B, V)
        p = (np.empty_like(logits) if out is None else out).reshape(T * B, V)
        safe = -SAFE_EXP < z.min() and z.max() < SAFE_EXP
        if safe:
            np.exp(z, out=p)                                      # cannot overflow or vanish
        else:
            np.subtract(z, z.max(axis=1, keepdims=True), out=p)  # shift each row for stability
            np.exp(p, out=p)
        s = p.sum(axis=1, keepdims=True)
        p *= np.reciprocal(s, out=s)                              # (T B, V)
        p_target = p[_rows(T * B), y.reshape(-1)]                 # (T B,)
        if safe and p.dtype == np.float64:
            logp = np.log(p_target)                               # every p ≥ e^-120 / V here: log(0) cannot happen
        else:
            with np.errstate(divide="ignore"):
                logp = np.log(p_target)
        if B == 1:
            step = np.negative(logp, out=logp)                    # the mean over one example is itself
        else:
            step = logp.reshape(T, B).sum(axis=1)
            step /= -B                                            # mean over the batch
        step *= mask
        return p.reshape(T, B, V), step

    def backward(self, probs, logits, y, mask, out=None):
        T, B, V = probs.shape
        w = mask / B if B > 1 else mask                           # (T,)
        dy = np.multiply(probs, w[:, None, None], out=out)
        dy.reshape(T * B, V)[_rows(T * B), y.reshape(-1)] -= w if B == 1 else np.repeat(w, B)  # p - onehot(y)
        return dy


def _sigmoid(z, out=None):
    p = np.multiply(z, 0.5, out=out)
    np.tanh(p, out=p)
    p += 1.0
    p *= 0.5
    return p                                                      # ½ (1 + tanh(z/2)): finite for any z


class SigmoidMSE:
    name, index_targets = "sigmoid_mse", False

    def forward(self, logits, y, mask, out=None):
        T, B, V = logits.shape
        p = _sigmoid(logits, out)
        err = p - y
        err *= err
        # Σ over batch and outputs (one output of one example: the error itself)
        step = err.reshape(T) if B * V == 1 else err.reshape(T, B * V).sum(axis=1)
        step *= mask * (0.5 / B)                                  # ½, mean over the batch
        return p, step

    def backward(self, probs, logits, y, mask, out=None):
        B = probs.shape[1]
        dy = np.subtract(probs, y, out=out)
        dy *= probs
        dy *= 1.0 - probs
        dy *= (mask / B if B > 1 else mask)[:, None, None]
        return dy


class SigmoidBCE:
    name, index_targets = "sigmoid_bce", False

    def forward(self, logits, y, mask, out=None):
        p = _sigmoid(logits, out)
        # -[y log p + (1-y) log(1-p)] written with logaddexp for stability
        ll = y * np.logaddexp(0.0, -logits) + (1.0 - y) * np.logaddexp(0.0, logits)
        return p, ll.sum(axis=2).mean(axis=1) * mask

    def backward(self, probs, logits, y, mask, out=None):
        B = probs.shape[1]
        dy = np.subtract(probs, y, out=out)
        dy *= (mask / B)[:, None, None]
        return dy


class LinearMSE:
    name, index_targets = "linear_mse", False

    def forward(self, logits, y, mask, out=None):
        err = logits - y
        return logits, 0.5 * (err * err).sum(axis=2).mean(axis=1) * mask     # probs: the logits themselves

    def backward(self, probs, logits, y, mask, out=None):
        B = probs.shape[1]
        dy = np.subtract(logits, y, out=out)
        dy *= (mask / B)[:, None, None]
        return dy


HEADS: dict[str, Head] = {h.name: h for h in (SoftmaxCE(), SigmoidMSE(), SigmoidBCE(), LinearMSE())}
