"""Gradient clipping and optimizers.  They live outside the model: nothing here is
called by forward or backward, so a gradient check never moves a weight.

Optimizer state is a dict keyed by ``"{slot}/{param}"`` (``"m/Why"``), plain
arrays, so checkpoints can save it as they are.  Every update is in place.
"""

from __future__ import annotations

import math

import numpy as np

from core.model import flat_dict, flat_of

OPTIMIZERS = ("sgd", "momentum", "adagrad", "adam")
CLIP_MODES = ("value", "norm", "none")


def clip_grads(grads: dict[str, np.ndarray], mode: str, clip: float, total: float | None = None) -> float:
    """Clip gradients in place and return their global norm before clipping.

    ``mode="value"`` clips each element to ``[-clip, clip]`` as the tutorials do
    (min-char-rnn ±5, the echo tutorial ±1); ``mode="norm"`` rescales all of them
    together so that the global norm is at most ``clip``; ``"none"`` leaves them.
    ``total``, if the caller already has the global norm, saves a pass.
    """
    flat = flat_of(grads)
    parts = [flat] if flat is not None else list(grads.values())
    if total is None:
        total = float(np.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in parts)))
    if mode == "value" and clip > 0:
        for g in parts:
            np.clip(g, -clip, clip, out=g)
    elif mode == "norm" and clip > 0 and total > clip:
        scale = clip / (total + 1e-12)
        for g in parts:
            g *= scale
    return total


def grad_norms(grads: dict[str, np.ndarray]) -> dict[str, float]:
    """Norm of each gradient (one dot product each, no temporaries)."""
    out = {}
    for k, g in grads.items():
        v = g.reshape(-1)
        out[k] = math.sqrt(float(np.dot(v, v)))
    return out


class Optimizer:
    """Base: holds ``lr`` and the ``state`` dict; subclasses implement :meth:`update`.

    When params and grads each live in one buffer (see :func:`core.model.flat_dict`)
    the update runs once over the whole buffer; otherwise once per parameter.  The
    arithmetic is the same either way.
    """

    slots: tuple[str, ...] = ()

    def __init__(self, lr: float, params: dict[str, np.ndarray]):
        self.lr = lr
        self.t = 0
        shapes = {k: v.shape for k, v in params.items()}
        self.slot_views = {s: flat_dict(shapes, next(iter(params.values())).dtype) for s in self.slots}
        self._scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def flat_state(self) -> dict[str, np.ndarray]:
        """Slot name -> the one buffer holding that slot for every parameter."""
        return {s: flat_of(v) for s, v in self.slot_views.items()}

    @property
    def state(self) -> dict[str, np.ndarray]:
        """``"slot/param"`` -> that parameter's slot array (a view into the slot's buffer)."""
        return {f"{s}/{k}": a for s, views in self.slot_views.items() for k, a in views.items()}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Apply one update to every parameter, in place."""
        self.t += 1
        pf, gf = flat_of(params), flat_of(grads)
        if pf is not None and gf is not None:
            self.update(pf, gf, self.flat_state, "")
        else:
            for k, p in params.items():
                self.update(p, grads[k], {s: self.state[f"{s}/{k}"] for s in self.slots}, k)

    def scratch(self, like: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        key = like.size
        if key not in self._scratch or self._scratch[key][0].dtype != like.dtype:
            self._scratch[key] = (np.empty(like.size, like.dtype), np.empty(like.size, like.dtype))
        a, b = self._scratch[key]
        return a.reshape(like.shape), b.reshape(like.shape)

    def update(self, p: np.ndarray, g: np.ndarray, st: dict[str, np.ndarray], name: str) -> None:
        s, _ = self.scratch(g)
        np.multiply(g, self.lr, out=s)
        p -= s                                                    # plain SGD


class SGD(Optimizer):
    """``param -= lr * dparam``."""


class Momentum(Optimizer):
    """Heavy-ball momentum: ``v = mu v - lr g; param += v`` (mu = 0.9)."""

    slots = ("v",)
    mu = 0.9

    def update(self, p, g, st, name):
        v = st["v"]
        s, _ = self.scratch(g)
        v *= self.mu
        np.multiply(g, self.lr, out=s)
        v -= s
        p += v


class Adagrad(Optimizer):
    """min-char-rnn's exact update: ``mem += g*g; param += -lr * g / sqrt(mem + 1e-8)``."""

    slots = ("mem",)

    def update(self, p, g, st, name):
        mem = st["mem"]
        s, r = self.scratch(g)
        np.multiply(g, g, out=s)
        mem += s                                                  # mem += g*g
        np.multiply(g, -self.lr, out=s)                           # -lr * g
        np.add(mem, 1e-8, out=r)
        np.sqrt(r, out=r)
        s /= r                                                    # / sqrt(mem + 1e-8)
        p += s


class Adam(Optimizer):
    """Adam (beta1 0.9, beta2 0.999, eps 1e-8) with bias correction."""

    slots = ("m", "v")
    b1, b2, eps = 0.9, 0.999, 1e-8

    def update(self, p, g, st, name):
        m, v = st["m"], st["v"]
        s, r = self.scratch(g)
        m *= self.b1
        np.multiply(g, 1 - self.b1, out=s)
        m += s
        v *= self.b2
        np.multiply(g, g, out=s)
        s *= 1 - self.b2
        v += s
        np.divide(v, 1 - self.b2 ** self.t, out=r)                # vhat
        np.sqrt(r, out=r)
        r += self.eps
        np.divide(m, 1 - self.b1 ** self.t, out=s)                # mhat
        s /= r
        s *= self.lr
        p -= s


def make_optimizer(name: str, lr: float, params: dict[str, np.ndarray]) -> Optimizer:
    """Build an optimizer by name (one of :data:`OPTIMIZERS`)."""
    cls = {"sgd": SGD, "momentum": Momentum, "adagrad": Adagrad, "adam": Adam}[name]
    return cls(lr, params)
