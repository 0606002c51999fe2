"""Gradient clipping and optimizers.  They live outside the model: nothing here is
called by forward or backward, so a gradient check never moves a weight.

Optimizer state is a dict keyed by ``"{slot}/{param}"`` (``"m/Why"``), plain
arrays, so checkpoints can save it as they are.  Every update is in place.
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "adagrad", "adam")
CLIP_MODES = ("value", "norm", "none")


def clip_grads(grads: dict[str, np.ndarray], mode: str, clip: float) -> float:
    """Clip gradients in place and return their global norm before clipping.

    ``mode="value"`` clips each element to ``[-clip, clip]`` as the tutorials do
    (min-char-rnn ±5, the echo tutorial ±1); ``mode="norm"`` rescales all of them
    together so that the global norm is at most ``clip``; ``"none"`` leaves them.
    """
    total = float(np.sqrt(sum(float(np.vdot(g, g)) for g in grads.values())))
    if mode == "value" and clip > 0:
        for g in grads.values():
            np.clip(g, -clip, clip, out=g)
    elif mode == "norm" and clip > 0 and total > clip:
        scale = clip / (total + 1e-12)
        for g in grads.values():
            g *= scale
    return total


class Optimizer:
    """Base: holds ``lr`` and the ``state`` dict; subclasses implement :meth:`update`."""

    slots: tuple[str, ...] = ()

    def __init__(self, lr: float, params: dict[str, np.ndarray]):
        self.lr = lr
        self.t = 0
        self.state = {f"{s}/{k}": np.zeros_like(v) for s in self.slots for k, v in params.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Apply one update to every parameter, in place."""
        self.t += 1
        for k, p in params.items():
            self.update(k, p, grads[k])

    def update(self, k: str, p: np.ndarray, g: np.ndarray) -> None:
        p -= self.lr * g                                          # plain SGD


class SGD(Optimizer):
    """``param -= lr * dparam``."""


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v = mu v - lr g; param += v`` (mu = 0.9)."""

    slots = ("v",)
    mu = 0.9

    def update(self, k, p, g):
        v = self.state[f"v/{k}"]
        v *= self.mu
        v -= self.lr * g
        p += v


class Adagrad(Optimizer):
    """min-char-rnn's exact update: ``mem += g*g; param += -lr * g / sqrt(mem + 1e-8)``."""

    slots = ("mem",)

    def update(self, k, p, g):
        mem = self.state[f"mem/{k}"]
        mem += g * g
        p += -self.lr * g / np.sqrt(mem + 1e-8)


class Adam(Optimizer):
    """Adam (beta1 0.9, beta2 0.999, eps 1e-8) with bias correction."""

    slots = ("m", "v")
    b1, b2, eps = 0.9, 0.999, 1e-8

    def update(self, k, p, g):
        m, v = self.state[f"m/{k}"], self.state[f"v/{k}"]
        m *= self.b1
        m += (1 - self.b1) * g
        v *= self.b2
        v += (1 - self.b2) * g * g
        mhat = m / (1 - self.b1 ** self.t)
        vhat = v / (1 - self.b2 ** self.t)
        p -= self.lr * mhat / (np.sqrt(vhat) + self.eps)


def make_optimizer(name: str, lr: float, params: dict[str, np.ndarray]) -> Optimizer:
    """Build an optimizer by name (one of :data:`OPTIMIZERS`)."""
    cls = {"sgd": SGD, "momentum": Momentum, "adagrad": Adagrad, "adam": Adam}[name]
    return cls(lr, params)
